// Shared by the credential-provider tests: a fake STS per test (stopped after
// it), the exact checks of an STS request and of `get`'s answer, and the
// "no secret leaks" rule applied to every run.
import { expect, onTestFinished } from "bun:test";
import { baseEnv, type RunResult } from "../support/cli.ts";
import { startFakeSts, type FakeSts, type StartFakeStsOptions, type StsRequest } from "../support/fake-sts.ts";
import { verifyGitCredentials } from "../support/git-server.ts";

export const HOST = "git-codecommit.us-east-1.amazonaws.com";
export const REQUEST = `protocol=https\nhost=${HOST}\npath=v1/repos/demo\n\n`;
export const ROLE_ARN = "arn:aws:iam::123456789012:role/x";
export const BASE = { accessKeyId: "AKIDBASEEXAMPLE", secretAccessKey: "baseSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY" };
export const BASE_CREDENTIALS = `[base]\naws_access_key_id = ${BASE.accessKeyId}\naws_secret_access_key = ${BASE.secretAccessKey}\n`;

/**
 * Stops a server when the current test ends. (A module-level afterEach here
 * would bind only to the first test file that imports this module.)
 */
export function stopAfterTest<T extends { stop(): Promise<void> }>(server: T): T {
  onTestFinished(() => server.stop());
  return server;
}

/** A fake STS that knows the base keys, stopped after the test. */
export async function fakeSts(opts: StartFakeStsOptions = {}): Promise<FakeSts> {
  return stopAfterTest(
    await startFakeSts({
      ...opts,
      identities: { [BASE.accessKeyId]: { secretAccessKey: BASE.secretAccessKey }, ...opts.identities },
    }),
  );
}

/** baseEnv plus the STS override. */
export function stsEnv(home: string, sts: FakeSts, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, ...extra };
}

/** What aws4 signs for our STS calls; botocore leaves content-length out. */
export const SIGNED_HEADERS = ["content-length", "content-type", "host", "x-amz-date"];
export const BOTOCORE_SIGNED_HEADERS = ["content-type", "host", "x-amz-date"];

/** An AssumeRole (or GetCallerIdentity) request signed by `accessKeyId` for `region`, whose signature verifies. */
export function expectSigned(
  rec: StsRequest,
  accessKeyId: string,
  region: string,
  sessionToken?: string,
  signedHeaders = SIGNED_HEADERS,
) {
  expect(rec.method).toBe("POST");
  expect(rec.path).toBe("/");
  expect(rec.headers["content-type"]).toBe("application/x-www-form-urlencoded; charset=utf-8");
  const day = rec.headers["x-amz-date"]!.slice(0, 8);
  expect(rec.signature).toEqual({
    accessKeyId,
    scope: `${day}/${region}/sts/aws4_request`,
    region,
    service: "sts",
    signedHeaders: sessionToken ? [...signedHeaders, "x-amz-security-token"] : signedHeaders,
    verified: true,
  });
  if (sessionToken) expect(rec.headers["x-amz-security-token"]).toBe(sessionToken);
  else expect(rec.headers["x-amz-security-token"]).toBeUndefined();
  expect(rec.status).toBe(200);
}

/** An unsigned request: no Authorization and no X-Amz-* header at all. */
export function expectUnsigned(rec: StsRequest) {
  expect(rec.method).toBe("POST");
  expect(rec.path).toBe("/");
  expect(Object.keys(rec.headers).filter((h) => h === "authorization" || h.startsWith("x-amz-"))).toEqual([]);
}

/** `botocore-session-<epoch>` for a time between `from` and now. */
export function expectDefaultSessionName(name: string | undefined, from: number) {
  const m = /^botocore-session-(\d+)$/.exec(name ?? "");
  expect(m).not.toBeNull();
  const epoch = Number(m![1]);
  expect(epoch).toBeGreaterThanOrEqual(Math.floor(from / 1000));
  expect(epoch).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
}

interface Signer {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * `get`'s exact answer for these credentials: `AKID%TOKEN` (or AKID), a
 * password the fake CodeCommit verifier accepts, and the expiry capped by the
 * credentials'.
 */
export function expectGetAnswer(r: RunResult, creds: Signer, host = HOST) {
  expect(r.code).toBe(0);
  const lines = r.stdout.split("\n");
  expect(lines.length).toBe(4);
  expect(lines[3]).toBe("");
  expect(lines[0]).toBe(`username=${creds.sessionToken ? `${creds.accessKeyId}%${creds.sessionToken}` : creds.accessKeyId}`);
  const password = /^password=(\d{8}T\d{6}Z[0-9a-f]{64})$/.exec(lines[1]!)?.[1];
  expect(password).toBeDefined();
  const verdict = verifyGitCredentials({
    username: lines[0]!.slice("username=".length),
    password: password!,
    identities: [creds],
    region: host.split(".")[1]!,
    host,
    path: "/v1/repos/demo",
    now: new Date(),
  });
  expect(verdict).toEqual({ ok: true, identity: creds });
  const ts = password!.slice(0, 15);
  const signedAt = Date.UTC(+ts.slice(0, 4), +ts.slice(4, 6) - 1, +ts.slice(6, 8), +ts.slice(9, 11), +ts.slice(11, 13), +ts.slice(13, 15)) / 1000;
  const cap = creds.expiration ? Math.floor(creds.expiration.getTime() / 1000) : Infinity;
  expect(lines[2]).toBe(`password_expiry_utc=${Math.min(signedAt + 900, cap)}`);
}

/** No stack trace, no runtime banner. */
export function expectCleanStderr(r: RunResult) {
  expect(r.stderr).not.toMatch(/^\s+at |Bun v\d|error: .*\n\s+at|node_modules|\.ts:\d+/m);
}

/**
 * Secrets appear nowhere: not in stderr, and in stdout only as the username
 * line's session token. Secrets shorter than 8 characters would match by chance.
 */
export function expectNoSecrets(r: RunResult, secrets: Array<string | undefined>) {
  const stdout = r.stdout.replace(/^username=[^%\n]*%.*$/m, "username=");
  for (const s of secrets) {
    if (!s || s.length < 8) continue;
    expect(stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
    // A token's tail must not leak either (a message that cuts a secret short still leaks it).
    expect(r.stderr).not.toContain(s.slice(-12));
  }
  expectCleanStderr(r);
}

/** The secrets an STS fake handed out. */
export function issuedSecrets(sts: FakeSts): string[] {
  return sts.requests.flatMap((r) => (r.issued ? [r.issued.secretAccessKey, r.issued.sessionToken] : []));
}

/** The one-line error `get` prints, and nothing on stdout. */
export function expectError(r: RunResult, message: string) {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
    code: 1,
    stdout: "",
    stderr: `git-credential-codecommit: ${message}\n`,
  });
}
