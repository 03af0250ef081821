// `get` end to end through run() and the compiled binary: the AWS CLI's golden
// vectors first, then every way the input or the configuration can be wrong.
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import vectors from "../fixtures/cli-v2-vectors.json";
import { baseEnv, RUNNERS, type RunResult } from "../support/cli.ts";
import { lacks } from "../support/platform.ts";
import { tempHome } from "../support/home.ts";

const TIME = "2026-01-02 03:04:05";
const EPOCH = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
const HOST = "git-codecommit.us-east-1.amazonaws.com";
const REQUEST = `protocol=https\nhost=${HOST}\npath=v1/repos/demo\n\n`;
const KEYS = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

/**
 * Where we differ from the CLI on purpose. The CLI signs for plain http; we
 * refuse, because git would then send the password in clear text.
 */
const DEVIATIONS: Record<string, { stdout: string; stderr: RegExp }> = {
  "input: protocol=http": { stdout: "", stderr: /^git-credential-codecommit: not signing for http:\/\/.*use an https:\/\/ URL\n$/ },
};

interface Vector {
  name: string;
  args?: { profile?: string; region?: string; ignoreHostCheck?: boolean };
  env?: Record<string, string>;
  files?: Record<string, string>;
  stdin: string;
  stdout: string;
  exitCode: number;
}

/** No stack trace, no runtime banner: what a person sees must be our own line. */
function expectCleanStderr(r: RunResult) {
  expect(r.stderr).not.toMatch(/^\s+at |Bun v\d|error: .*\n\s+at|node_modules/m);
}

describe.each(RUNNERS)("get (%s)", (kind, runCli) => {
  const frozen = kind === "binary" && lacks("faketime");
  describe("matches aws codecommit credential-helper get (CLI v2 golden vectors)", () => {
    test.skipIf(frozen).each((vectors.cases as Vector[]).map((v) => [v.name, v] as const))("%s", async (_name, v) => {
      const home = tempHome();
      const env: Record<string, string> = baseEnv(home);
      for (const [k, val] of Object.entries(v.env ?? {})) env[k] = val.replaceAll("${HOME}", home);
      // File names are relative to ~/.aws; some cases keep them elsewhere and name them in env.
      for (const [name, text] of Object.entries(v.files ?? {})) {
        const where = join(home, ".aws", name);
        mkdirSync(dirname(where), { recursive: true });
        writeFileSync(where, text);
      }
      const args: string[] = [];
      if (v.args?.profile !== undefined) args.push("--profile", v.args.profile);
      if (v.args?.region !== undefined) args.push("--region", v.args.region);
      args.push("get");
      if (v.args?.ignoreHostCheck) args.push("--ignore-host-check");
      const r = await runCli(args, { env, stdin: v.stdin, time: vectors.time });
      expect(r.code).toBe(v.exitCode);
      const deviation = DEVIATIONS[v.name];
      if (deviation) {
        expect(v.stdout).not.toBe(""); // the CLI did sign
        expect(r.stdout).toBe(deviation.stdout);
        expect(r.stderr).toMatch(deviation.stderr);
      } else if (v.stdout === "") {
        expect(r.stdout).toBe("");
      } else {
        expect(r.stdout).toBe(`${v.stdout}password_expiry_utc=${EPOCH + 900}\n`);
      }
      expectCleanStderr(r);
    });
  });

  test.skipIf(frozen)("a session token joins the username with %, and its expiry caps password_expiry_utc", async () => {
    const env = {
      ...baseEnv(tempHome()),
      ...KEYS,
      AWS_SESSION_TOKEN: "tok/en+==",
      AWS_CREDENTIAL_EXPIRATION: "2026-01-02T03:15:00Z",
    };
    const r = await runCli(["get"], { env, stdin: REQUEST, time: TIME });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("username=AKIDEXAMPLE%tok/en+==");
    expect(lines[1]).toMatch(/^password=20260102T030405Z[0-9a-f]{64}$/);
    expect(lines[2]).toBe(`password_expiry_utc=${Date.UTC(2026, 0, 2, 3, 15, 0) / 1000}`);
    expect(lines.length).toBe(4);
    expect(lines[3]).toBe("");
    // Less than 15 minutes left: used, with a warning, after one re-read.
    expect(r.stderr).toBe(
      "git-credential-codecommit: warning: the credentials from env expire in 11 minutes (2026-01-02T03:15:00.000Z); renew them soon\n",
    );
  });

  test.skipIf(frozen)("expired env credentials are refused with the CLI's message", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS, AWS_CREDENTIAL_EXPIRATION: "2026-01-02T03:00:00Z" };
    const r = await runCli(["get"], { env, stdin: REQUEST, time: TIME });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: "git-credential-codecommit: Credentials were refreshed, but the refreshed credentials are still expired.\n",
    });
  });

  test.skipIf(frozen)("options may follow the operation, as git appends it to the helper string", async () => {
    const home = tempHome({ credentials: "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n" });
    const r = await runCli(["get", "--profile", "dev"], { env: baseEnv(home), stdin: REQUEST, time: TIME });
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("username=AKIDDEV\npassword=20260102T030405Z");
  });

  test("a host that is not CodeCommit is declined silently, so git asks its next helper", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS };
    for (const host of ["github.com", "git-codecommit.us-east-1.amazonaws.com.attacker.net", "x.amazonaws.com"]) {
      const r = await runCli(["get"], { env, stdin: `protocol=https\nhost=${host}\npath=v1/repos/x\n` });
      expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    }
    expect(await runCli(["get"], { env, stdin: "protocol=https\n" })).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("plain http is declined with a warning: the password would travel in clear text", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS };
    const r = await runCli(["get"], { env, stdin: `protocol=http\nhost=${HOST}\npath=v1/repos/x\n` });
    expect(r).toEqual({
      code: 0,
      stdout: "",
      stderr:
        `git-credential-codecommit: not signing for http://${HOST}: git would send the password in clear text; use an https:// URL\n`,
    });
  });

  test("a missing path names the git config command that fixes it", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS };
    const r = await runCli(["get"], { env, stdin: `protocol=https\nhost=${HOST}:8443\n` });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "git-credential-codecommit: git did not send the repository path, because credential.useHttpPath is off; " +
        `fix it with: git config --global credential.https://${HOST}:8443.useHttpPath true\n`,
    });
  });

  test("no credentials says where it looked", async () => {
    const home = tempHome();
    const r = await runCli(["get"], { env: baseEnv(home), stdin: REQUEST });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `git-credential-codecommit: Unable to locate credentials (looked in AWS_ACCESS_KEY_ID, profile "default" in ` +
        `${home}/.aws/credentials and ${home}/.aws/config). Configure them with "aws configure", or choose a profile with --profile.\n`,
    );
  });

  test("no region names every place a region can come from", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS };
    const r = await runCli(["get", "--ignore-host-check"], { env, stdin: "protocol=https\nhost=example.com\npath=x\n" });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "git-credential-codecommit: No region: the host example.com does not name one; " +
        "set --region, AWS_REGION, AWS_DEFAULT_REGION or the profile's region\n",
    });
  });

  test("an empty AWS_REGION is an error, not a signature for region ''", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS, AWS_REGION: "" };
    const r = await runCli(["get", "--ignore-host-check"], { env, stdin: "protocol=https\nhost=example.com\npath=x\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("git-credential-codecommit: AWS_REGION is set but empty; set it to a region such as us-east-1\n");
  });

  test("a region that can't be a host name label is refused before it goes into a URL", async () => {
    // botocore keeps inline comments in values, so this profile's region is "us-east-1 # mine".
    const home = tempHome({ config: "[default]\nregion = us-east-1 # mine\n" });
    const r = await runCli(["get", "--ignore-host-check"], {
      env: { ...baseEnv(home), ...KEYS },
      stdin: "protocol=https\nhost=example.com\npath=x\n",
    });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: "git-credential-codecommit: Provided region_name 'us-east-1 # mine' doesn't match a supported format.\n",
    });
  });

  test("partial env credentials use the CLI's message", async () => {
    const env = { ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKID" };
    const r = await runCli(["get"], { env, stdin: REQUEST });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("git-credential-codecommit: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n");
  });

  test("a named profile that doesn't exist is an error, even with env keys", async () => {
    for (const [args, extra] of [
      [["--profile", "nope", "get"], {}],
      [["get"], { AWS_PROFILE: "nope" }],
      [["get"], { AWS_DEFAULT_PROFILE: "nope" }],
    ] as const) {
      const env = { ...baseEnv(tempHome()), ...KEYS, ...extra };
      const r = await runCli([...args], { env, stdin: REQUEST });
      expect(r).toEqual({ code: 1, stdout: "", stderr: "git-credential-codecommit: The config profile (nope) could not be found\n" });
    }
  });

  test("input that is not git's protocol is refused with one line and exit 1", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS };
    const cases: Array<[string, string]> = [
      ["protocol=https\nnot a credential line\n", "credential input line 2 is not key=value; this helper must be run by git"],
      ["protocol=https\nhost=a\0b\n", "credential input contains a NUL byte; git never sends one"],
      [`path=${"a".repeat(70_000)}\n`, "credential input is larger than 64 KiB; git never sends that much"],
    ];
    for (const [stdin, message] of cases) {
      const r = await runCli(["get"], { env, stdin });
      expect(r).toEqual({ code: 1, stdout: "", stderr: `git-credential-codecommit: ${message}\n` });
    }
  });

  test.skipIf(frozen)("--debug explains each step and never prints the secret key or the session token", async () => {
    const env = { ...baseEnv(tempHome()), ...KEYS, AWS_SESSION_TOKEN: "SESSIONTOKENSECRETVALUE" };
    const r = await runCli(["--debug", "get"], { env, stdin: REQUEST, time: TIME });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`[debug] region: us-east-1 (from the host ${HOST})`);
    expect(r.stderr).toContain("[debug] credentials: env, access key AKID…MPLE with a session token");
    expect(r.stderr).toContain(`[debug] canonical request:\nGIT\n/v1/repos/demo\n\nhost:${HOST}\n\nhost\n`);
    expect(r.stderr).toContain("[debug] string to sign:\nAWS4-HMAC-SHA256\n20260102T030405\n20260102/us-east-1/codecommit/aws4_request\n");
    expect(r.stderr).toMatch(/\[debug\] done in \d+\.\d ms/);
    expect(r.stderr).not.toContain(KEYS.AWS_SECRET_ACCESS_KEY);
    expect(r.stderr).not.toContain("SESSIONTOKENSECRETVALUE");
    expect(r.stderr).not.toContain(r.stdout.split("\n")[1]!.slice("password=".length));
  });
});
