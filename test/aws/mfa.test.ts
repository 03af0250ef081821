// mfa_serial: the code is asked for on the controlling terminal, never on stdin
// (git's pipe). A real pseudo-terminal (test/support/pty-run.py) stands in for
// the person; `setsid` gives a process with no terminal at all. The source
// variant runs src/cli.ts under bun, since a test process cannot lend its own
// terminal to run().
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, RUNNERS, type RunResult } from "../support/cli.ts";
import { stsTimestamp } from "../support/fake-sts.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { BASE, BASE_CREDENTIALS, expectError, expectGetAnswer, expectNoSecrets, expectSigned, fakeSts, issuedSecrets, REQUEST, ROLE_ARN, stsEnv } from "./helpers.ts";
import { lacks } from "../support/platform.ts";

const SERIAL = "arn:aws:iam::123456789012:mfa/user";
const PROMPT = `Enter MFA code for ${SERIAL}: `;
const CODE = "123456";
const CONFIG = `[profile mfa]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nmfa_serial = ${SERIAL}\nregion = us-west-2\n`;
// sha1 of botocore's json.dumps(sort_keys=True) of the AssumeRole arguments: the MFA serial is part of the key.
const CACHE_KEY = createHash("sha1")
  .update(`{"RoleArn": "${ROLE_ARN}", "SerialNumber": "${SERIAL}"}`)
  .digest("hex");

const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : Bun.which("python3");
const SETSID = Bun.which("setsid");
const PTY_RUN = join(import.meta.dir, "..", "support", "pty-run.py");

const TERMINAL_RUNNERS: ReadonlyArray<readonly [string, string[]]> = [
  ["source", [process.execPath, join(import.meta.dir, "..", "..", "src", "cli.ts")]],
  ["binary", [BINARY]],
];

interface PtyResult extends RunResult {
  tty: string;
}

/** Runs the helper with a terminal of its own and git's request on stdin; types CODE at the prompt. */
async function onTerminal(command: string[], args: string[], env: Record<string, string>): Promise<PtyResult> {
  const stdinFile = join(tempDir(), "request");
  writeFileSync(stdinFile, REQUEST);
  const proc = Bun.spawn([PYTHON!, PTY_RUN, "--stdin-file", stdinFile, "--prompt", PROMPT, "--reply", CODE, "--timeout", "20", "--", ...command, ...args], {
    env,
    cwd: tempDir(),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  return JSON.parse(out) as PtyResult;
}

/** Runs the helper in a new session with no controlling terminal. */
async function withoutTerminal(command: string[], args: string[], env: Record<string, string>): Promise<RunResult> {
  const proc = Bun.spawn([SETSID!, "--wait", ...command, ...args], {
    env,
    cwd: tempDir(),
    stdin: new TextEncoder().encode(REQUEST),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe.each(TERMINAL_RUNNERS)("MFA on a terminal (%s)", (_kind, command) => {
  test.skipIf(lacks("pty"))("the prompt goes to the terminal, the code typed there reaches STS; the next get asks nothing", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: CONFIG, credentials: BASE_CREDENTIALS });
    const env = stsEnv(home, sts);
    const r = await onTerminal(command, ["--profile", "mfa", "get"], env);
    expect(r.tty).toContain(PROMPT);
    expect(r.tty).toBe(`${PROMPT}\r\n`); // the code is typed without echo, as getpass does
    expect(r.stderr).toBe("");
    expect(sts.requests.length).toBe(1);
    const rec = sts.requests[0]!;
    expectSigned(rec, BASE.accessKeyId, "us-west-2");
    expect(rec.params).toEqual({
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: ROLE_ARN,
      RoleSessionName: rec.params.RoleSessionName!,
      SerialNumber: SERIAL,
      TokenCode: CODE,
    });
    expectGetAnswer(r, rec.issued!);
    expectNoSecrets(r, [BASE.secretAccessKey, ...issuedSecrets(sts)]);
    expect(existsSync(join(home, ".aws", "cli", "cache", `${CACHE_KEY}.json`))).toBe(true);

    const again = await onTerminal(command, ["--profile", "mfa", "--debug", "get"], env);
    expect(again.tty).toBe("");
    expect(sts.requests.length).toBe(1);
    expectGetAnswer(again, rec.issued!);
    expectNoSecrets(again, [BASE.secretAccessKey, ...issuedSecrets(sts)]);
  });

  test.skipIf(lacks("pty"))("concurrent helpers on their own terminals: one prompt, one STS call, the others use its cache", async () => {
    const sts = await fakeSts({ behaviour: { delayMs: 200 } });
    const home = tempHome({ config: CONFIG, credentials: BASE_CREDENTIALS });
    const env = stsEnv(home, sts);
    const results = await Promise.all(Array.from({ length: 4 }, () => onTerminal(command, ["--profile", "mfa", "get"], env)));
    expect(results.filter((r) => r.tty.includes(PROMPT)).length).toBe(1);
    expect(sts.requests.length).toBe(1);
    expect(sts.requests[0]!.params.TokenCode).toBe(CODE);
    // A helper that waited while the first one asked says once whom it waits for; the rest say nothing.
    const asker = results.find((r) => r.tty.includes(PROMPT))!;
    for (const r of results) {
      if (r === asker) expect(r.stderr).toBe("");
      else expect(r.stderr).toMatch(new RegExp(`^(|git-credential-codecommit: waiting for process \\d+, which is asking for the MFA code for ${SERIAL.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n)$`));
      expectGetAnswer(r, sts.requests[0]!.issued!);
    }
  });

  test.skipIf(lacks("pty"))("STS grants less than 15 minutes: still one prompt and one call, used with a warning", async () => {
    const expiration = new Date(Date.now() + 14 * 60_000);
    const sts = await fakeSts({ behaviour: { expiration } });
    const home = tempHome({ config: CONFIG, credentials: BASE_CREDENTIALS });
    const r = await onTerminal(command, ["--profile", "mfa", "get"], stsEnv(home, sts));
    expect(r.tty.split(PROMPT).length - 1).toBe(1);
    expect(sts.requests.length).toBe(1);
    const left = Math.ceil((Date.parse(stsTimestamp(expiration)) - Date.now()) / 60_000);
    expect(r.stderr).toMatch(
      new RegExp(`^git-credential-codecommit: warning: the credentials from assume-role expire in (${left}|${left + 1}) minutes \\(${stsTimestamp(expiration).replace("Z", "")}\\.000Z\\); renew them soon\n$`),
    );
    expectGetAnswer({ ...r, stderr: "" }, { ...sts.requests[0]!.issued!, expiration: new Date(Date.parse(stsTimestamp(expiration))) });
  });

  test.skipIf(lacks("pty"))("a short-lived role on top of an MFA hop: the hop's code is asked for once", async () => {
    // The hop's credentials last an hour; the top role's only 10 minutes, so it is fetched twice.
    const short = new Date(Date.now() + 10 * 60_000);
    const sts = await fakeSts({ behaviour: { expiration: (params) => (params.RoleArn!.endsWith("/top") ? short : undefined) } });
    const home = tempHome({
      config: `[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = mfa\nregion = us-west-2\n${CONFIG.replace("region = us-west-2\n", "")}`,
      credentials: BASE_CREDENTIALS,
    });
    const r = await onTerminal(command, ["--profile", "top", "get"], stsEnv(home, sts));
    expect(r.tty.split(PROMPT).length - 1).toBe(1);
    expect(sts.requests.map((q) => [q.params.RoleArn, q.params.TokenCode])).toEqual([
      [ROLE_ARN, CODE],
      ["arn:aws:iam::123456789012:role/top", undefined],
      ["arn:aws:iam::123456789012:role/top", undefined],
    ]);
    expect(r.stderr).toStartWith("git-credential-codecommit: warning: the credentials from assume-role expire in ");
    expectGetAnswer({ ...r, stderr: "" }, { ...sts.requests[2]!.issued!, expiration: new Date(Date.parse(stsTimestamp(short))) });
  });

  test.skipIf(lacks("setsid"))("no terminal at all: refused with the way out, STS not called", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: CONFIG, credentials: BASE_CREDENTIALS });
    const r = await withoutTerminal(command, ["--profile", "mfa", "get"], stsEnv(home, sts));
    expectError(
      r,
      `profile "mfa" needs an MFA code, but there is no terminal to ask on; run "aws sts get-caller-identity --profile mfa" ` +
        "in a terminal once; the session it caches is shared with this helper",
    );
    expect(sts.requests).toEqual([]);
  });
});

describe.each(RUNNERS)("MFA with GIT_TERMINAL_PROMPT=0 (%s)", (_kind, runCli) => {
  test("refused before any terminal is opened", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: CONFIG, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "mfa", "get"], { env: stsEnv(home, sts, { GIT_TERMINAL_PROMPT: "0" }), stdin: REQUEST });
    expectError(
      r,
      `profile "mfa" needs an MFA code, but GIT_TERMINAL_PROMPT=0 forbids prompting; run "aws sts get-caller-identity --profile mfa" ` +
        "in a terminal once; the session it caches is shared with this helper",
    );
    expect(sts.requests).toEqual([]);
  });
});
