// Issue 11's adversarial review, case by case, against the compiled binary:
// nothing from outside (environment, files, caches, credential_process, STS,
// SSO, container, IMDS, stdin) can add a line to what git reads, hang the
// helper, or make it eat memory. Every run is timed and its peak RSS measured.
import { describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { cliCacheFile } from "../../src/aws/cache.ts";
import { BINARY, baseEnv, RUNNERS } from "../support/cli.ts";
import { tempDir, tempHome } from "../support/home.ts";
import {
  endlessBody,
  hugeBody,
  imdsHandler,
  injectedCredentials,
  linkToDevZero,
  makeFifo,
  metadataJson,
  RSS_LIMIT_KIB,
  runMeasured,
  ssoJson,
  stsXml,
  tricklingBody,
  type HostileCredentials,
  type MeasuredRun,
} from "../support/hostile.ts";
import { startRecordingServer } from "../support/recording-server.ts";
import { expectError, expectGetAnswer, HOST, REQUEST, stopAfterTest } from "../aws/helpers.ts";

const NAME = "git-credential-codecommit";
const ROLE = "arn:aws:iam::123456789012:role/hostile";
const BAD = "contains a line break or NUL byte, which no AWS credential holds";

/** Refused with exactly this one line, nothing for git, within `withinMs`, under the RSS ceiling. */
function expectRefused(r: MeasuredRun, message: string | RegExp, withinMs = 10_000) {
  expect(r.stdout).toBe("");
  expect(r.code).toBe(1);
  if (typeof message === "string") expect(r.stderr).toBe(`${NAME}: ${message}\n`);
  else {
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n")).toHaveLength(2); // one line
  }
  expect(r.ms).toBeLessThan(withinMs);
  expect(r.rssKiB).toBeLessThan(RSS_LIMIT_KIB);
}

/** git would read only these three lines, within `withinMs`, under the RSS ceiling. */
function expectOnlyAnswerLines(r: MeasuredRun, withinMs = 10_000) {
  expect(r.stdout.split("\n").map((l) => l.split("=")[0])).toEqual(["username", "password", "password_expiry_utc", ""]);
  expect(r.ms).toBeLessThan(withinMs);
  expect(r.rssKiB).toBeLessThan(RSS_LIMIT_KIB);
}

const clean = (): HostileCredentials => ({
  accessKeyId: "ASIACLEAN00000000001",
  secretAccessKey: "cleanSecret/K7MDENG+bPxRfiCYEXAMPLE",
  sessionToken: "IQoJcleanSessionToken/EXAMPLE==",
  expiration: new Date(Date.now() + 3600_000),
});

/** A web identity setup (unsigned STS, its own cache entry) pointed at `stsUrl`, with a token file. */
/** A HOME whose default profile runs `body` (sh) as its credential_process. */
function processHome(name: string, body: string): { home: string; script: string } {
  const script = join(tempDir(), name);
  writeFileSync(script, `#!/bin/sh\n${body}\n`);
  chmodSync(script, 0o755);
  return { home: tempHome({ config: `[default]\ncredential_process = ${script}\n` }), script };
}

function webIdentity(stsUrl: string, tokenFile?: string) {
  const home = tempHome();
  const token = tokenFile ?? join(home, "token");
  if (!tokenFile) writeFileSync(token, "eyJhbGciOiJIUzI1NiJ9.e30.hostile");
  const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: stsUrl, AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_ARN: ROLE, AWS_REGION: "us-east-1" };
  return { home, env, token, cache: cliCacheFile(home, { RoleArn: ROLE }) };
}

function sts(answer: () => Response) {
  return stopAfterTest(startRecordingServer(() => answer()));
}

describe("1: no value reaches git with a line break", () => {
  test("AWS_ACCESS_KEY_ID with injected lines: refused, naming the variable", async () => {
    const env = { ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKID\npassword=INJECTED\nhost=evil.invalid", AWS_SECRET_ACCESS_KEY: "s" };
    expectRefused(await runMeasured(["get"], { env, stdin: REQUEST }), `AWS_ACCESS_KEY_ID ${BAD}`);
  });

  test("AWS_SESSION_TOKEN with a CR (a line break to git before 2.48.1): refused", async () => {
    const env = { ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "tok\rhost=evil.invalid" };
    expectRefused(await runMeasured(["get"], { env, stdin: REQUEST }), `AWS_SESSION_TOKEN ${BAD}`);
  });

  test("a credentials file whose session token holds a NUL (which cuts the value in git): refused, naming the key and profile", async () => {
    // Python reads any line break as the end of a line, so a NUL is what a file can smuggle into a value.
    const home = tempHome({
      credentials: "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\naws_session_token = tok\0password=INJECTED\n",
    });
    expectRefused(
      await runMeasured(["get"], { env: baseEnv(home), stdin: REQUEST }),
      `aws_session_token of profile "default" in ${home}/.aws/credentials ${BAD}`,
    );
  });

  test("credential_process printing a token with a line break: refused, naming the command", async () => {
    const { home, script } = processHome("creds.sh", `echo '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "s", "SessionToken": "a\\\\npassword=INJECTED"}'`);
    expectRefused(await runMeasured(["get"], { env: baseEnv(home), stdin: REQUEST }), `the SessionToken that credential_process ${script} printed ${BAD}`);
  });

  test("STS answering with &#10; in the token: refused, and nothing is cached", async () => {
    const server = sts(() => stsXml("AssumeRoleWithWebIdentity", injectedCredentials()));
    const w = webIdentity(server.url);
    expectRefused(await runMeasured(["get"], { env: w.env, stdin: REQUEST }), `the SessionToken in STS's AssumeRoleWithWebIdentity answer ${BAD}`);
    expect(server.requests).toHaveLength(1);
    expect(existsSync(join(w.home, ".aws", "cli", "cache"))).toBe(false);
  });

  test("a poisoned cache entry is a miss: fetched anew, used, and replaced", async () => {
    const good = clean();
    const server = sts(() => stsXml("AssumeRoleWithWebIdentity", good));
    const w = webIdentity(server.url);
    const bad = injectedCredentials();
    mkdirSync(join(w.home, ".aws", "cli", "cache"), { recursive: true });
    writeFileSync(w.cache, JSON.stringify({
      Credentials: { AccessKeyId: bad.accessKeyId, SecretAccessKey: bad.secretAccessKey, SessionToken: bad.sessionToken, Expiration: bad.expiration.toISOString() },
    }));
    const r = await runMeasured(["get"], { env: w.env, stdin: REQUEST });
    expectGetAnswer(r, good);
    expectOnlyAnswerLines(r);
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(readFileSync(w.cache, "utf8")).Credentials.SessionToken).toBe(good.sessionToken);
  });

  test("SSO answering with a line break: refused, and nothing is cached", async () => {
    const server = stopAfterTest(startRecordingServer(() => ssoJson(injectedCredentials())));
    const home = tempHome({
      config: "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n" +
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    });
    const cache = join(home, ".aws", "sso", "cache");
    mkdirSync(cache, { recursive: true });
    // sha1("corp"): the file `aws sso login --sso-session corp` writes.
    writeFileSync(join(cache, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"), JSON.stringify({
      startUrl: "https://corp.awsapps.com/start", region: "us-east-1", accessToken: "ssoAccessToken", expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    }));
    const env = { ...baseEnv(home), AWS_ENDPOINT_URL_SSO: server.url };
    expectRefused(await runMeasured(["--profile", "dev", "get"], { env, stdin: REQUEST }), `the SessionToken in SSO's GetRoleCredentials answer ${BAD}`);
    expect(existsSync(join(home, ".aws", "cli", "cache"))).toBe(false);
  });

  test("the container endpoint answering with a line break: refused, naming it", async () => {
    const server = stopAfterTest(startRecordingServer(() => metadataJson(injectedCredentials())));
    const env = { ...baseEnv(tempHome()), AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` };
    expectRefused(await runMeasured(["get"], { env, stdin: REQUEST }), `the Token from the container credentials endpoint ${BAD}`);
  });

  test("instance metadata answering with a line break: refused, naming it", async () => {
    const server = stopAfterTest(startRecordingServer(imdsHandler(() => metadataJson(injectedCredentials()))));
    const env: Record<string, string> = { ...baseEnv(tempHome()), AWS_EC2_METADATA_SERVICE_ENDPOINT: server.url, AWS_REGION: "us-east-1" };
    delete env.AWS_EC2_METADATA_DISABLED;
    expectRefused(await runMeasured(["get"], { env, stdin: REQUEST }), `the Token from EC2 instance metadata ${BAD}`);
  });

  test("url: a %0a in the path stays percent-encoded, so the URL is one line", async () => {
    const env = { ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "s" };
    const r = await runMeasured(["url", `https://${HOST}/v1/repos/de%0amo%0d%00x`], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^https://AKIDEXAMPLE:\\d{8}T\\d{6}Z[0-9a-f]{64}@${HOST.replace(/\./g, "\\.")}/v1/repos/de%0Amo%0D%00x\\n$`));
  });
});

// The same rules in this process and in the binary (the cases above are binary-only because they measure it).
describe.each(RUNNERS)("1, in-process and compiled (%s)", (_kind, runCli) => {
  test("env keys with injected lines: refused", async () => {
    const env = { ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "s\nhost=evil.invalid" };
    expectError(await runCli(["get"], { env, stdin: REQUEST }), `AWS_SECRET_ACCESS_KEY ${BAD}`);
  });

  test("an STS answer with &#10;: refused and not cached; a poisoned cache entry: a miss", async () => {
    let answer = injectedCredentials("\r\n");
    const server = sts(() => stsXml("AssumeRoleWithWebIdentity", answer));
    const w = webIdentity(server.url);
    expectError(await runCli(["get"], { env: w.env, stdin: REQUEST }), `the SessionToken in STS's AssumeRoleWithWebIdentity answer ${BAD}`);
    expect(existsSync(w.cache)).toBe(false);
    const bad = injectedCredentials("\0");
    mkdirSync(join(w.home, ".aws", "cli", "cache"), { recursive: true });
    writeFileSync(w.cache, JSON.stringify({
      Credentials: { AccessKeyId: bad.accessKeyId, SecretAccessKey: bad.secretAccessKey, SessionToken: bad.sessionToken, Expiration: bad.expiration.toISOString() },
    }));
    answer = clean();
    expectGetAnswer(await runCli(["get"], { env: w.env, stdin: REQUEST }), answer);
    expect(server.requests).toHaveLength(2);
  });
});

describe("3: every input is read to a stated cap, and no further", () => {
  test("an endless stdin: stops after 64 KiB", async () => {
    const r = await runMeasured(["get"], { env: baseEnv(tempHome()), stdinCommand: ["yes"] });
    expectRefused(r, "credential input is larger than 64 KiB; git never sends that much");
  });

  test("credential_process = yes: stopped after 1 MiB", async () => {
    const home = tempHome({ config: "[default]\ncredential_process = yes\n" });
    const r = await runMeasured(["get"], { env: baseEnv(home), stdin: REQUEST });
    expectRefused(r, /^git-credential-codecommit: Error when retrieving credentials from custom-process: yes printed more than 1 MiB, which is not credentials; it was stopped( \(its stderr: [^\n]*\))?\n$/);
  });

  test("an STS answer that never ends: stopped after 1 MiB, not retried", async () => {
    const server = sts(() => endlessBody());
    const w = webIdentity(server.url);
    const r = await runMeasured(["get"], { env: w.env, stdin: REQUEST });
    expectRefused(r, `the answer from ${server.url}/ is larger than 1 MiB; it is not an AWS answer`);
    expect(server.requests).toHaveLength(1);
  });

  test("a 300 MB STS answer with its Content-Length: stopped after 1 MiB", async () => {
    const server = sts(() => hugeBody(300 << 20));
    const w = webIdentity(server.url);
    expectRefused(await runMeasured(["get"], { env: w.env, stdin: REQUEST }), `the answer from ${server.url}/ is larger than 1 MiB; it is not an AWS answer`);
  });

  test("a container endpoint that trickles a byte at a time: each attempt's timeout ends it", async () => {
    const server = stopAfterTest(startRecordingServer(() => tricklingBody(50)));
    const env = { ...baseEnv(tempHome()), AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds` };
    // Three attempts of 2 s plus backoff: the bound is generous for a busy machine.
    const r = await runMeasured(["get"], { env, stdin: REQUEST });
    expectRefused(r, `Error when retrieving credentials from container-role: Connect timeout on endpoint URL: "${server.url}/creds"`, 15_000);
  });

  for (const [what, plant] of [
    ["a FIFO", makeFifo],
    ["a symlink to /dev/zero", linkToDevZero],
  ] as const) {
    test(`a cache entry that is ${what}: a miss, fetched anew and replaced by a file`, async () => {
      const good = clean();
      const server = sts(() => stsXml("AssumeRoleWithWebIdentity", good));
      const w = webIdentity(server.url);
      plant(w.cache);
      const r = await runMeasured(["get"], { env: w.env, stdin: REQUEST });
      expectGetAnswer(r, good);
      expectOnlyAnswerLines(r);
      expect(lstatSync(w.cache).isFile()).toBe(true);
    });

    test(`a web identity token file that is ${what}: an error naming it`, async () => {
      const server = sts(() => stsXml("AssumeRoleWithWebIdentity", clean()));
      const token = plant(join(tempDir(), "token"));
      const w = webIdentity(server.url, token);
      expectRefused(
        await runMeasured(["get"], { env: w.env, stdin: REQUEST }),
        `Error when retrieving credentials from assume-role-with-web-identity: ${token} is not a regular file`,
      );
      expect(server.requests).toHaveLength(0);
    });
  }

  test("an AWS_CA_BUNDLE that is a FIFO: an error naming it, not a hang", async () => {
    const server = sts(() => stsXml("AssumeRoleWithWebIdentity", clean()));
    const w = webIdentity(server.url);
    const bundle = makeFifo(join(tempDir(), "ca.pem"));
    expectRefused(
      await runMeasured(["get"], { env: { ...w.env, AWS_CA_BUNDLE: bundle }, stdin: REQUEST }),
      `cannot read the CA bundle ${bundle} (AWS_CA_BUNDLE or ca_bundle): ${bundle} is not a regular file`,
    );
    expect(server.requests).toHaveLength(0);
  });

  test("a web identity token behind symlinks, as EKS mounts it (token -> ..data/token): read", async () => {
    const good = clean();
    const server = sts(() => stsXml("AssumeRoleWithWebIdentity", good));
    const dir = tempDir();
    mkdirSync(join(dir, "..2026_11_27"));
    writeFileSync(join(dir, "..2026_11_27", "token"), "eyJhbGciOiJSUzI1NiJ9.eks.token");
    symlinkSync("..2026_11_27", join(dir, "..data"));
    symlinkSync("..data/token", join(dir, "token"));
    const w = webIdentity(server.url, join(dir, "token"));
    const r = await runMeasured(["get"], { env: w.env, stdin: REQUEST });
    expectGetAnswer(r, good);
    expectOnlyAnswerLines(r);
    expect(server.requests[0]!.body).toContain("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eks.token");
  });

  test("a 100 MB ~/.aws/config: refused at once, without reading it", async () => {
    const home = tempHome({ config: "" });
    truncateSync(join(home, ".aws", "config"), 100 << 20);
    const r = await runMeasured(["get"], { env: { ...baseEnv(home), AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "s" }, stdin: REQUEST });
    expectRefused(r, `${home}/.aws/config is larger than 16 MiB, too big to be an AWS config file; remove what doesn't belong in it`, 5_000);
  });
});

describe("6: the smaller items", () => {
  test("a *.tmp left by a killed cache write is removed by the next write once it is old; a young one is left", async () => {
    const server = sts(() => stsXml("AssumeRoleWithWebIdentity", clean()));
    const w = webIdentity(server.url);
    const dir = join(w.home, ".aws", "cli", "cache");
    mkdirSync(dir, { recursive: true });
    const old = `${w.cache}.4242.abc.tmp`;
    const young = `${w.cache}.4343.def.tmp`;
    const unrelated = join(dir, "other.json.4444.ghi.tmp");
    for (const f of [old, young, unrelated]) writeFileSync(f, '{"Credentials": "half a secret');
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    utimesSync(old, tenMinutesAgo, tenMinutesAgo);
    utimesSync(unrelated, tenMinutesAgo, tenMinutesAgo);
    const r = await runMeasured(["get"], { env: w.env, stdin: REQUEST });
    expectOnlyAnswerLines(r);
    expect(readdirSync(dir).sort()).toEqual([w.cache, young, unrelated].map((f) => f.slice(dir.length + 1)).sort());
  });

  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    test(`${signal} to the helper ends a running credential_process child`, async () => {
      const pidFile = join(tempDir(), "pid");
      const { home } = processHome("slow.sh", `echo $$ > '${pidFile}.tmp' && mv '${pidFile}.tmp' '${pidFile}'\nexec sleep 60`);
      const proc = Bun.spawn([BINARY, "get"], { env: baseEnv(home), stdin: new TextEncoder().encode(REQUEST), stdout: "pipe", stderr: "pipe" });
      const guard = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      let childPid = 0;
      try {
        childPid = Number(await waitFor(() => (existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() : undefined), 10_000));
        proc.kill(signal);
        expect(await proc.exited).toBe(code);
        expect(await new Response(proc.stdout).text()).toBe("");
        await waitFor(() => (alive(childPid) ? undefined : true), 5_000);
      } finally {
        clearTimeout(guard);
        if (childPid && alive(childPid)) process.kill(childPid, "SIGKILL"); // a failed run leaves no orphan behind
      }
    });
  }

  test("with --ignore-host-check, host=[::1]:8443 signs the host [::1]", async () => {
    const env = { ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "s" };
    const r = await runMeasured(["--ignore-host-check", "--region", "us-east-1", "--debug", "get"], {
      env,
      stdin: "protocol=https\nhost=[::1]:8443\npath=v1/repos/demo\n",
    });
    expectOnlyAnswerLines(r);
    expect(r.stderr).toContain("[debug] canonical request:\nGIT\n/v1/repos/demo\n\nhost:[::1]\n\nhost\n");
  });

  test("a credential_process that answers at once costs no lost second", async () => {
    const { home, script } = processHome("fast.sh", `echo '{"Version": 1, "AccessKeyId": "AKIDFAST", "SecretAccessKey": "fastSecret/EXAMPLE"}'`);
    // The child's own time, measured alone in the same conditions.
    const started = performance.now();
    expect(Bun.spawnSync([script]).exitCode).toBe(0);
    const childMs = performance.now() - started;
    const r = await runMeasured(["get"], { env: baseEnv(home), stdin: REQUEST });
    expectGetAnswer(r, { accessKeyId: "AKIDFAST", secretAccessKey: "fastSecret/EXAMPLE" });
    expectOnlyAnswerLines(r);
    // The old collect() waited 1000 ms after the child's exit; 600 ms leaves room for a busy machine.
    expect(r.ms - childMs).toBeLessThan(600);
  });
});

/** Polls `probe` until it gives a value, or fails after `deadlineMs`. */
async function waitFor<T>(probe: () => T | undefined, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms`);
    await Bun.sleep(20);
  }
}

/** Running, and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
