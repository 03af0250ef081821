// ~/.aws/cli/cache, shared with the AWS CLI: the file names the CLI derives,
// the format, the 15-minute rule, corrupt entries, interop with the real AWS CLI
// v1 in both directions, and one STS call among many concurrent helpers.
import { describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { BINARY, RUNNERS, runBinary } from "../support/cli.ts";
import { stsTimestamp } from "../support/fake-sts.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { linkToDevZero, makeFifo } from "../support/hostile.ts";
import {
  BASE,
  BASE_CREDENTIALS,
  BOTOCORE_SIGNED_HEADERS,
  expectGetAnswer,
  expectNoSecrets,
  expectSigned,
  fakeSts,
  issuedSecrets,
  REQUEST,
  ROLE_ARN,
  stsEnv,
} from "./helpers.ts";
import { lacks } from "../support/platform.ts";

const ROLE_PROFILE = `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\n`;
const KEY_ROLE_ONLY = "f84d75ff2dd3e8682912dae5e7be77540d9d68d0";
const KEY_ROLE2 = "14521a2e1e46482fd30f048f96dee1c9556883ce";
const KEY_WEB_IDENTITY = "358ef18c54f6f4b723f0383e48a49f5cec693ec3";

function cacheFile(home: string, key: string): string {
  return join(home, ".aws", "cli", "cache", `${key}.json`);
}

/** An entry as the CLI writes it, expiring at `expiration` (written as given). */
function writeEntry(home: string, key: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, expiration: string) {
  const file = cacheFile(home, key);
  mkdirSync(join(home, ".aws", "cli", "cache"), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({
      Credentials: { AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, SessionToken: creds.sessionToken, Expiration: expiration },
      AssumedRoleUser: { AssumedRoleId: "AROA3XFRBF535EXAMPLE:cached", Arn: "arn:aws:sts::123456789012:assumed-role/x/cached" },
      ResponseMetadata: { RequestId: "cached", HTTPStatusCode: 200, RetryAttempts: 0 },
    }),
  );
  return file;
}

const CACHED = { accessKeyId: "ASIACACHEDEXAMPLE", secretAccessKey: "cachedSecret/EXAMPLEKEY+", sessionToken: "cachedSessionToken/EXAMPLE+==" };

/** `YYYY-MM-DDTHH:MM:SS` of `instant` as seen at UTC offset `minutes`, plus that offset. */
function withOffset(instant: Date, minutes: number): string {
  const local = new Date(instant.getTime() + minutes * 60_000).toISOString().slice(0, 19);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

describe.each(RUNNERS)("CLI cache (%s)", (_kind, runCli) => {
  test("written under the CLI's own file names, 0600 in a 0700 directory, and reused", async () => {
    const sts = await fakeSts();
    const tokenFile = join(tempDir(), "token");
    writeFileSync(tokenFile, "web.identity.token");
    const home = tempHome({
      config:
        ROLE_PROFILE +
        `[profile role2]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nrole_session_name = mysess\nexternal_id = ext-123\nduration_seconds = 3600\n` +
        `[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/wi\nweb_identity_token_file = ${tokenFile}\n`,
      credentials: BASE_CREDENTIALS,
    });
    const env = stsEnv(home, sts, { AWS_REGION: "us-east-1" });
    for (const [profile, key] of [["role", KEY_ROLE_ONLY], ["role2", KEY_ROLE2], ["wi", KEY_WEB_IDENTITY]] as const) {
      const before = sts.requests.length;
      const first = await runCli(["--profile", profile, "get"], { env, stdin: REQUEST });
      expect(sts.requests.length).toBe(before + 1);
      const issued = sts.requests[before]!.issued!;
      expectGetAnswer(first, issued);

      const file = cacheFile(home, key);
      if (!lacks("posix-modes")) {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(statSync(join(home, ".aws", "cli", "cache")).mode & 0o777).toBe(0o700);
      }
      const entry = JSON.parse(readFileSync(file, "utf8"));
      expect(entry.Credentials).toEqual({
        AccessKeyId: issued.accessKeyId,
        SecretAccessKey: issued.secretAccessKey,
        SessionToken: issued.sessionToken,
        Expiration: stsTimestamp(issued.expiration),
        AccountId: "123456789012",
      });
      expect(entry.AssumedRoleUser.Arn).toStartWith("arn:aws:sts::123456789012:assumed-role/");

      const second = await runCli(["--profile", profile, "get"], { env, stdin: REQUEST });
      expect(sts.requests.length).toBe(before + 1);
      expectGetAnswer(second, issued);
      expectNoSecrets(second, [BASE.secretAccessKey, "web.identity.token", ...issuedSecrets(sts)]);
    }
    // Nothing else is left behind: no lock, no temporary file.
    expect(readdirSync(join(home, ".aws", "cli", "cache")).sort()).toEqual(
      [KEY_ROLE_ONLY, KEY_ROLE2, KEY_WEB_IDENTITY].map((k) => `${k}.json`).sort(),
    );
  });

  test("an entry with less than 15 minutes left is replaced by a fresh call; one with more is used", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const env = stsEnv(home, sts);
    writeEntry(home, KEY_ROLE_ONLY, CACHED, stsTimestamp(inMinutes(16)));
    const fresh = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expect(sts.requests).toEqual([]);
    expectGetAnswer(fresh, { ...CACHED, expiration: inMinutes(16) });
    expectNoSecrets(fresh, [BASE.secretAccessKey, CACHED.secretAccessKey]);

    const file = writeEntry(home, KEY_ROLE_ONLY, CACHED, stsTimestamp(inMinutes(14)));
    const r = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    const issued = sts.requests[0]!.issued!;
    expectGetAnswer(r, issued);
    expect(JSON.parse(readFileSync(file, "utf8")).Credentials.AccessKeyId).toBe(issued.accessKeyId);
  });

  describe("a corrupt entry is a miss, and is overwritten", () => {
    const corrupt: Array<[string, string]> = [
      ["not JSON", "this is not json"],
      ["truncated", `{"Credentials": {"AccessKeyId": "ASIA`],
      ["empty", ""],
      ["an array", "[1, 2]"],
      ["null", "null"],
      ["Credentials not an object", `{"Credentials": "x"}`],
      ["AccessKeyId not a string", `{"Credentials": {"AccessKeyId": 1, "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2099-01-01T00:00:00Z"}}`],
      ["no Expiration", `{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t"}}`],
      ["an Expiration that is not a time", `{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "tomorrow"}}`],
    ];
    test.each(corrupt)("%s", async (_name, text) => {
      const sts = await fakeSts();
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      mkdirSync(join(home, ".aws", "cli", "cache"), { recursive: true });
      writeFileSync(cacheFile(home, KEY_ROLE_ONLY), text);
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expect(sts.requests.length).toBe(1);
      expectGetAnswer(r, sts.requests[0]!.issued!);
      expect(r.stderr).toBe("");
      expect(JSON.parse(readFileSync(cacheFile(home, KEY_ROLE_ONLY), "utf8")).Credentials.AccessKeyId).toBe(sts.requests[0]!.issued!.accessKeyId);
    });
  });

  describe("every Expiration format the CLI and botocore write is read", () => {
    const instant = inMinutes(30);
    const seconds = instant.toISOString().slice(0, 19);
    const formats: Array<[string, string, Date, boolean]> = [
      ["Z (CLI v1, STS)", `${seconds}Z`, instant, true],
      ["+00:00 (CLI v2)", `${seconds}+00:00`, instant, true],
      ["UTC (botocore's %Z)", `${seconds}UTC`, instant, true],
      [" UTC", `${seconds} UTC`, instant, true],
      ["microseconds", `${seconds}.123456+00:00`, instant, true],
      ["+02:00 with 20 minutes left", withOffset(inMinutes(20), 120), inMinutes(20), true],
      // Read as UTC, these would look hours away; the offset makes them stale.
      ["+05:00 with 10 minutes left", withOffset(inMinutes(10), 300), inMinutes(10), false],
      ["-03:30 with 10 minutes left", withOffset(inMinutes(10), -210), inMinutes(10), false],
    ];
    test.each(formats)("%s", async (_name, text, expiration, used) => {
      const sts = await fakeSts();
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      writeEntry(home, KEY_ROLE_ONLY, CACHED, text);
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      if (used) {
        expect(sts.requests).toEqual([]);
        expectGetAnswer(r, { ...CACHED, expiration });
      } else {
        expect(sts.requests.length).toBe(1);
        expectGetAnswer(r, sts.requests[0]!.issued!);
      }
    });
  });
});

// The AWS CLI v1 (pip's awscli, botocore 1.43) on PATH. Never the Debian CLI v2
// (/usr/bin/aws): it ignores AWS_ENDPOINT_URL_STS and would call the real STS.
const AWS = Bun.which("aws", { PATH: process.env.PATH ?? "" });
const AWS_VERSION = AWS ? Bun.spawnSync([AWS, "--version"], { stdout: "pipe", stderr: "pipe" }) : undefined;
const AWS_V1 = AWS_VERSION && `${AWS_VERSION.stdout}${AWS_VERSION.stderr}`.startsWith("aws-cli/1.") ? AWS : undefined;
if (!AWS_V1) console.warn(`skipping the AWS CLI v1 interop tests: ${AWS ? `${AWS} is not aws-cli/1.x` : "no aws on PATH"}`);

async function awsV1(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([AWS_V1!, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(stdout) as { Arn: string; UserId: string; Account: string };
}

describe.each(RUNNERS)("CLI cache shared with the AWS CLI v1 (%s)", (_kind, runCli) => {
  const tokenFile = join(tempDir(), "token");
  writeFileSync(tokenFile, "web.identity.token.for.v1");
  const config = ROLE_PROFILE + `[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/wi\nweb_identity_token_file = ${tokenFile}\nregion = us-west-2\n`;

  test.skipIf(!AWS_V1).each([["role"], ["wi"]])("aws v1 writes, we reuse with no STS call (profile %s)", async (profile) => {
    const sts = await fakeSts();
    const home = tempHome({ config, credentials: BASE_CREDENTIALS });
    // CLI v1 reads AWS_DEFAULT_REGION, not AWS_REGION; the profile's region serves both.
    const env = stsEnv(home, sts);
    await awsV1(["sts", "get-caller-identity", "--profile", profile], env);
    expect(sts.requests.map((q) => q.action)).toEqual([profile === "role" ? "AssumeRole" : "AssumeRoleWithWebIdentity", "GetCallerIdentity"]);
    const issued = sts.requests[0]!.issued!;

    const r = await runCli(["--profile", profile, "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(2);
    expectGetAnswer(r, issued);
    expectNoSecrets(r, [BASE.secretAccessKey, ...issuedSecrets(sts)]);
  });

  test.skipIf(!AWS_V1).each([["role"], ["wi"]])("we write, aws v1 reuses with no STS call (profile %s)", async (profile) => {
    const sts = await fakeSts();
    const home = tempHome({ config, credentials: BASE_CREDENTIALS });
    const env = stsEnv(home, sts);
    const r = await runCli(["--profile", profile, "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    const issued = sts.requests[0]!.issued!;
    expectGetAnswer(r, issued);

    const identity = await awsV1(["sts", "get-caller-identity", "--profile", profile], env);
    expect(sts.requests.map((q) => q.action)).toEqual([sts.requests[0]!.action, "GetCallerIdentity"]);
    // aws signed its own call with the role credentials it found in our entry.
    expectSigned(sts.requests[1]!, issued.accessKeyId, "us-west-2", issued.sessionToken, BOTOCORE_SIGNED_HEADERS);
    expect(identity.UserId).toEndWith(`:${issued.accessKeyId}`);
  });
});

test("50 concurrent helpers (the binary) sharing a HOME: all succeed, one STS call, valid JSON left", async () => {
  const sts = await fakeSts({ behaviour: { delayMs: 300 } });
  const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
  const env = stsEnv(home, sts);
  const results = await Promise.all(Array.from({ length: 50 }, () => runBinary(["--profile", "role", "get"], { env, stdin: REQUEST })));
  expect(sts.calls("AssumeRole").length).toBe(1);
  const issued = sts.requests[0]!.issued!;
  for (const r of results) {
    expect(r.stderr).toBe("");
    expectGetAnswer(r, issued);
  }
  const dir = join(home, ".aws", "cli", "cache");
  expect(readdirSync(dir)).toEqual([`${KEY_ROLE_ONLY}.json`]);
  expect(JSON.parse(readFileSync(cacheFile(home, KEY_ROLE_ONLY), "utf8")).Credentials.AccessKeyId).toBe(issued.accessKeyId);
});

test("concurrent helpers finding a stale entry: one of them refreshes it, the others use its answer", async () => {
  const sts = await fakeSts({ behaviour: { delayMs: 200 } });
  const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
  writeEntry(home, KEY_ROLE_ONLY, CACHED, stsTimestamp(inMinutes(10)));
  const env = stsEnv(home, sts);
  const results = await Promise.all(Array.from({ length: 20 }, () => runBinary(["--profile", "role", "get"], { env, stdin: REQUEST })));
  expect(sts.requests.length).toBe(1);
  for (const r of results) {
    expect(r.stderr).toBe("");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  }
});

test("a cache directory that cannot be written costs a call next time, not this run", async () => {
  const sts = await fakeSts();
  const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
  mkdirSync(join(home, ".aws", "cli"), { recursive: true });
  writeFileSync(join(home, ".aws", "cli", "cache"), "a file where the directory should be");
  let calls = 0;
  for (const [, runCli] of RUNNERS) {
    const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    calls++;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(sts.requests.length).toBe(calls); // nothing could be cached, so each run asks STS
    expectGetAnswer(r, sts.requests.at(-1)!.issued!);
  }
});

/** Runs the binary as a child whose stderr can be read while it runs. */
function startBinary(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([BINARY, ...args], { env, stdin: new TextEncoder().encode(REQUEST), stdout: "pipe", stderr: "pipe" });
  let stderr = "";
  const reading = (async () => {
    for await (const chunk of proc.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  const stdout = new Response(proc.stdout).text();
  return {
    stderr: () => stderr,
    async result() {
      const [out, code] = await Promise.all([stdout, proc.exited, reading]);
      return { code, stdout: out, stderr };
    },
  };
}

/** Polls until `check` holds, or fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe("the lock around an STS call", () => {
  const lockOf = (home: string) => `${cacheFile(home, KEY_ROLE_ONLY)}.lock`;
  function lockedHome(content?: string) {
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    mkdirSync(join(home, ".aws", "cli", "cache"), { recursive: true });
    if (content !== undefined) writeFileSync(lockOf(home), content);
    return home;
  }

  test("a lock left by a process that died is taken over at once", async () => {
    const sts = await fakeSts();
    const dead = Bun.spawnSync(["true"]).pid;
    const home = lockedHome(`${dead} ${hostname()}\n`);
    const started = performance.now();
    const r = await runBinary(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.stderr).toBe("");
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expect(existsSync(lockOf(home))).toBe(false);
  });

  test("a live holder is waited for in silence, and the helper goes on once the lock is gone", async () => {
    const sts = await fakeSts();
    const home = lockedHome(`${process.pid} ${hostname()}\n`);
    const waiting = startBinary(["--profile", "role", "get"], stsEnv(home, sts));
    // It is waiting: it has asked STS nothing while the lock stands.
    await Bun.sleep(500);
    expect(sts.requests.length).toBe(0);
    rmSync(lockOf(home));
    const w = await waiting.result();
    expect(w.stderr).toBe("");
    expect(w.code).toBe(0);
    expect(sts.requests.length).toBe(1);
  });

  test("a holder asking the person for an MFA code is named at once, once", async () => {
    const sts = await fakeSts();
    const home = lockedHome(`${process.pid} ${hostname()}\nasking for the MFA code for arn:aws:iam::123456789012:mfa/user\n`);
    const waiting = startBinary(["--profile", "role", "get"], stsEnv(home, sts));
    const line = `git-credential-codecommit: waiting for process ${process.pid}, which is asking for the MFA code for arn:aws:iam::123456789012:mfa/user\n`;
    await until(() => waiting.stderr() === line, 15_000, "the waiting notice");
    rmSync(lockOf(home));
    const w = await waiting.result();
    expect(w.stderr).toBe(line);
    expect(w.code).toBe(0);
  });

  test("a wait past 10 seconds is announced once", async () => {
    const sts = await fakeSts();
    const home = lockedHome(`${process.pid} ${hostname()}\n`);
    const started = Date.now();
    const waiting = startBinary(["--profile", "role", "get"], stsEnv(home, sts));
    const line = `git-credential-codecommit: waiting for process ${process.pid}, which is assuming ${ROLE_ARN}\n`;
    await until(() => waiting.stderr() !== "", 25_000, "the waiting notice");
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    rmSync(lockOf(home));
    const w = await waiting.result();
    expect(w.stderr).toBe(line);
    expect(w.code).toBe(0);
  }, 40_000);

  // A lock whose holder can't be checked costs at most UNKNOWN_HOLDER_WAIT_MS (5 s), never the 10-minute wait,
  // and never spins: each case must end well inside that bound plus a busy machine's slack, using little CPU.
  const unknownHolders: Array<[string, (lock: string) => void]> = [
    ["an empty lock file", (lock) => writeFileSync(lock, "")],
    ["a lock naming another host's process", (lock) => writeFileSync(lock, `${process.pid} another-host.invalid\n`)],
    ["a lock holding nonsense", (lock) => writeFileSync(lock, "NaN\n")],
    ["a directory at the lock path", (lock) => mkdirSync(lock)],
    ["a dangling symlink at the lock path", (lock) => symlinkSync(join(tempDir(), "gone"), lock)],
    // Read without O_NONBLOCK and a cap, these would hang in open() and fill the memory.
    ["a FIFO at the lock path", (lock) => makeFifo(lock)],
    ["a symlink to /dev/zero at the lock path", (lock) => linkToDevZero(lock)],
  ];
  if (process.getuid?.() === 0) {
    // Root reads any file, so the unreadable lock a killed `sudo -E` run leaves is played by another uid.
    unknownHolders.push(["a lock another user owns and only they can read", (lock) => {
      writeFileSync(lock, `${process.pid} ${hostname()}\n`, { mode: 0o600 });
    }]);
  }
  test.skipIf(lacks("gnu-time")).each(unknownHolders)("%s: waited for briefly, then ignored, without spinning", async (name, make) => {
    const sts = await fakeSts();
    const home = lockedHome();
    make(lockOf(home));
    let env = stsEnv(home, sts);
    let cmd = [BINARY, "--profile", "role", "get"];
    if (name.startsWith("a lock another user owns")) {
      // nobody (65534) runs the helper: it can't read root's 0600 lock, like a user after a root run.
      chmodSync(home, 0o755);
      for (const dir of [join(home, ".aws"), join(home, ".aws", "cli"), join(home, ".aws", "cli", "cache")]) chmodSync(dir, 0o777);
      chmodSync(join(home, ".aws", "config"), 0o644);
      chmodSync(join(home, ".aws", "credentials"), 0o644);
      // A copy of the binary where nobody can run it, wherever this checkout lives.
      const bin = join(tempDir(), "git-credential-codecommit");
      copyFileSync(BINARY, bin);
      chmodSync(dirname(bin), 0o755);
      chmodSync(bin, 0o755);
      cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, ...cmd.slice(1)];
      env = { ...env };
    }
    const started = performance.now();
    const proc = Bun.spawn(["/usr/bin/time", "-f", "%U %S", ...cmd], { env, stdin: new TextEncoder().encode(REQUEST), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const elapsed = performance.now() - started;
    const [user, sys] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
    expect(stderr.trim().split("\n").slice(0, -1)).toEqual([]); // nothing but time's own line
    expect(code).toBe(0);
    expectGetAnswer({ code, stdout, stderr: "" }, sts.requests[0]!.issued!);
    expect(elapsed).toBeGreaterThanOrEqual(4_900);
    expect(elapsed).toBeLessThan(20_000);
    expect(user! + sys!).toBeLessThan(2); // CPU seconds: a spinning loop would burn the whole wait
  }, 40_000);
});
