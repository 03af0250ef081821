// credential_process: small sh scripts written into a temp dir stand in for
// aws-vault, 1Password and friends. Split like Python's shlex (no shell), run
// with /dev/null for stdin, and the CLI's messages for each way they fail.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { stsTimestamp } from "../support/fake-sts.ts";
import { BASE, expectError, expectGetAnswer, expectNoSecrets, expectSigned, fakeSts, issuedSecrets, REQUEST, ROLE_ARN, stsEnv } from "./helpers.ts";
import { lacks } from "../support/platform.ts";

const PROC = {
  accessKeyId: "AKIDPROCESSEXAMPLE",
  secretAccessKey: "processSecret/K7MDENG+bPxRfiCYEXAMPLE",
  sessionToken: "processSessionToken/EXAMPLE+TOKEN==",
};

/** An executable sh script in `dir` (a fresh temp dir by default). */
function script(body: string, dir = tempDir(), name = "creds.sh"): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A script that prints `json` and appends a line to `<dir>/runs` each time it runs. */
function printing(json: unknown): { command: string; runs: () => number } {
  const dir = tempDir();
  const file = script(`echo run >> '${dir}/runs'\ncat <<'EOF'\n${JSON.stringify(json, null, 2)}\nEOF`, dir);
  return {
    command: file,
    runs: () => {
      try {
        return readFileSync(join(dir, "runs"), "utf8").split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    },
  };
}

function profileHome(command: string, extra = ""): string {
  return tempHome({ config: `[profile p]\ncredential_process = ${command}\nregion = us-east-1\n${extra}` });
}

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

describe.skipIf(lacks("sh")).each(RUNNERS)("credential_process (%s)", (_kind, runCli) => {
  test("Version 1 keys without a session token or expiration", async () => {
    const p = printing({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey });
    const r = await runCli(["--profile", "p", "--debug", "get"], { env: baseEnv(profileHome(p.command)), stdin: REQUEST });
    expectGetAnswer(r, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey });
    expect(p.runs()).toBe(1);
    expectNoSecrets(r, [PROC.secretAccessKey]);
  });

  test("with a session token and an expiration an hour away", async () => {
    const expiration = inMinutes(60);
    const p = printing({
      Version: 1,
      AccessKeyId: PROC.accessKeyId,
      SecretAccessKey: PROC.secretAccessKey,
      SessionToken: PROC.sessionToken,
      Expiration: stsTimestamp(expiration),
    });
    const r = await runCli(["--profile", "p", "--debug", "get"], { env: baseEnv(profileHome(p.command)), stdin: REQUEST });
    expectGetAnswer(r, { ...PROC, expiration });
    expect(p.runs()).toBe(1);
    expectNoSecrets(r, [PROC.secretAccessKey, PROC.sessionToken]);
  });

  test("less than 15 minutes left: run again, then used with a warning", async () => {
    const expiration = inMinutes(10);
    const p = printing({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey, Expiration: stsTimestamp(expiration) });
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(p.command)), stdin: REQUEST });
    expect(p.runs()).toBe(2);
    expect(r.stderr).toBe(
      `git-credential-codecommit: warning: the credentials from custom-process expire in 10 minutes (${stsTimestamp(expiration).replace("Z", ".000Z")}); renew them soon\n`,
    );
    expectGetAnswer({ ...r, stderr: "" }, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey, expiration });
  });

  test("an expired Expiration: run again, then the CLI's message", async () => {
    const p = printing({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey, Expiration: stsTimestamp(inMinutes(-5)) });
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(p.command)), stdin: REQUEST });
    expectError(r, "Credentials were refreshed, but the refreshed credentials are still expired.");
    expect(p.runs()).toBe(2);
  });

  test("a failing process: only the last line of its stderr is shown, capped", async () => {
    const file = script(`echo "+ export AWS_SECRET_ACCESS_KEY=${PROC.secretAccessKey}" >&2\necho 'aws-vault: error: no session' >&2\nexit 3`);
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(file)), stdin: REQUEST });
    expectError(r, "Error when retrieving credentials from custom-process: aws-vault: error: no session");
    expectNoSecrets(r, [PROC.secretAccessKey]);
  });

  test("a background child holding the pipes does not hold get", async () => {
    const file = script(
      `echo '{"Version": 1, "AccessKeyId": "${PROC.accessKeyId}", "SecretAccessKey": "${PROC.secretAccessKey}"}'\nsleep 8 &`,
    );
    const started = performance.now();
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(file)), stdin: REQUEST });
    expect(performance.now() - started).toBeLessThan(4000);
    expectGetAnswer(r, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey });
  });

  test("a refresh that fails while 10 to 15 minutes remain keeps the credentials (botocore's advisory window)", async () => {
    const dir = tempDir();
    const expiration = inMinutes(12);
    const first = JSON.stringify({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey, Expiration: stsTimestamp(expiration) });
    const file = script(`if [ -e '${dir}/ran' ]; then echo 'vault locked' >&2; exit 1; fi\ntouch '${dir}/ran'\necho '${first}'`, dir);
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(file)), stdin: REQUEST });
    expect(r.stderr).toBe(
      `git-credential-codecommit: warning: the credentials from custom-process expire in 12 minutes (${stsTimestamp(expiration).replace("Z", ".000Z")}); renew them soon\n`,
    );
    expectGetAnswer({ ...r, stderr: "" }, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey, expiration });
  });

  test("split like shlex without a shell: quotes and spaces kept, $HOME literal", async () => {
    const dir = join(tempDir(), "dir with space");
    const out = join(tempDir(), "argv");
    const file = script(
      `printf '%s\\n' "$@" > '${out}'\necho '{"Version": 1, "AccessKeyId": "${PROC.accessKeyId}", "SecretAccessKey": "${PROC.secretAccessKey}"}'`,
      dir,
      "print args.sh",
    );
    const command = `"${file}" 'arg one' "two  words" $HOME plain\\ escaped "a\\"quote" ~ *`;
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(command)), stdin: REQUEST });
    expectGetAnswer(r, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey });
    expect(readFileSync(out, "utf8")).toBe(["arg one", "two  words", "$HOME", "plain escaped", 'a"quote', "~", "*", ""].join("\n"));
  });

  test.skipIf(lacks("procfs"))("stdin is /dev/null: the process sees EOF at once although git's request was on ours", async () => {
    const out = join(tempDir(), "stdin");
    const file = script(
      `readlink /proc/$$/fd/0 > '${out}'\nwc -c >> '${out}'\n` +
        `echo '{"Version": 1, "AccessKeyId": "${PROC.accessKeyId}", "SecretAccessKey": "${PROC.secretAccessKey}"}'`,
    );
    const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(file)), stdin: REQUEST });
    expectGetAnswer(r, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey });
    expect(readFileSync(out, "utf8").replace(/[ \t]+/g, "")).toBe("/dev/null\n0\n");
  });

  describe("failures use the CLI's messages", () => {
    const cases: Array<[string, string, string]> = [
      ["a non-zero exit, with its stderr", `echo 'the vault is locked' >&2\nexit 3`, "the vault is locked"],
      ["a non-zero exit without stderr", "exit 3", "%SCRIPT% exited with status 3"],
      ["not JSON, without echoing what it printed", `echo '{"Version": 1, "SecretAccessKey": ${PROC.secretAccessKey.slice(0, 13)}}'`, "%SCRIPT% did not print JSON: JSON Parse error: Unexpected identifier"],
      ["Version 2", `echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}'`, "Unsupported version '2' for credential process provider, supported versions: 1"],
      ["no Version", `echo '{"AccessKeyId": "A", "SecretAccessKey": "S"}'`, "Unsupported version '<Version key not provided>' for credential process provider, supported versions: 1"],
      ["no SecretAccessKey", `echo '{"Version": 1, "AccessKeyId": "A"}'`, "Missing required key in response: 'SecretAccessKey'"],
      ["an Expiration that is not a time", `echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "later"}'`, "Expiration is not an ISO 8601 time: later"],
    ];
    test.each(cases)("%s", async (_name, body, message) => {
      const file = script(body);
      const env = baseEnv(profileHome(file));
      const expected = `Error when retrieving credentials from custom-process: ${message.replace("%SCRIPT%", file)}`;
      expectError(await runCli(["--profile", "p", "get"], { env, stdin: REQUEST }), expected);
      const debug = await runCli(["--profile", "p", "--debug", "get"], { env, stdin: REQUEST });
      expect(debug.stderr).toEndWith(`\ngit-credential-codecommit: ${expected}\n`);
      expectNoSecrets(debug, [PROC.secretAccessKey, PROC.secretAccessKey.slice(0, 13)]);
    });

    test("an executable that does not exist", async () => {
      const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome("/nonexistent/bin/x --flag")), stdin: REQUEST });
      expectError(r, "Error when retrieving credentials from custom-process: cannot run /nonexistent/bin/x: ENOENT: no such file or directory, posix_spawn '/nonexistent/bin/x'");
    });

    test("an unbalanced quote", async () => {
      const r = await runCli(["--profile", "p", "get"], { env: baseEnv(profileHome(`/bin/echo "oops`)), stdin: REQUEST });
      expectError(r, `Error when retrieving credentials from custom-process: cannot split credential_process "/bin/echo \\"oops": No closing quotation`);
    });
  });

  describe("its place in the chain", () => {
    const keys = (id: string) => `aws_access_key_id = ${id}\naws_secret_access_key = ${id}Secret/EXAMPLE\n`;
    test("credentials-file keys beat credential_process", async () => {
      const p = printing({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey });
      const home = tempHome({ config: `[profile p]\ncredential_process = ${p.command}\n`, credentials: `[p]\n${keys("AKIDCREDFILEEXAMPLE")}` });
      const r = await runCli(["--profile", "p", "get"], { env: baseEnv(home), stdin: REQUEST });
      expectGetAnswer(r, { accessKeyId: "AKIDCREDFILEEXAMPLE", secretAccessKey: "AKIDCREDFILEEXAMPLESecret/EXAMPLE" });
      expect(p.runs()).toBe(0);
    });

    test("credential_process beats config-file keys", async () => {
      const p = printing({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey });
      const home = tempHome({ config: `[profile p]\ncredential_process = ${p.command}\n${keys("AKIDCONFIGEXAMPLE")}` });
      const r = await runCli(["--profile", "p", "get"], { env: baseEnv(home), stdin: REQUEST });
      expectGetAnswer(r, { accessKeyId: PROC.accessKeyId, secretAccessKey: PROC.secretAccessKey });
      expect(p.runs()).toBe(1);
    });

    test("a source profile with credential_process signs the AssumeRole call", async () => {
      const sts = await fakeSts({ identities: { [PROC.accessKeyId]: { secretAccessKey: PROC.secretAccessKey, sessionToken: PROC.sessionToken } } });
      const p = printing({ Version: 1, AccessKeyId: PROC.accessKeyId, SecretAccessKey: PROC.secretAccessKey, SessionToken: PROC.sessionToken });
      const home = tempHome({
        config: `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = vault\nregion = us-west-1\n[profile vault]\ncredential_process = ${p.command}\n`,
      });
      const r = await runCli(["--profile", "role", "--debug", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expectSigned(sts.requests[0]!, PROC.accessKeyId, "us-west-1", PROC.sessionToken);
      expectGetAnswer(r, sts.requests[0]!.issued!);
      expectNoSecrets(r, [PROC.secretAccessKey, PROC.sessionToken, BASE.secretAccessKey, ...issuedSecrets(sts)]);
    });
  });
});
