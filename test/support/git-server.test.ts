// Proves the fake CodeCommit endpoint on its own, without the product: real git
// clones and pushes with credentials embedded in the URL, and each of
// CodeCommit's refusals at the HTTP level. The passwords here come from a
// small signer on Bun.CryptoHasher, independent of the server's node:crypto
// one, so a shared mistake would have to be made twice.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { signGitPassword, startGitServer, verifyGitCredentials, type GitServer, type Identity } from "./git-server.ts";

const FETCH_TIMEOUT_MS = 10_000;
const GIT_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;

// --- independent signer -------------------------------------------------------

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return new Bun.CryptoHasher("sha256", key).update(data).digest() as Uint8Array;
}

function testPassword(secret: string, region: string, host: string, path: string, at: Date): string {
  const iso = at.toISOString(); // 2010-10-08T00:00:00.000Z
  const ts = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const day = ts.slice(0, 8);
  const canonical = "GIT\n" + path + "\n\nhost:" + host + "\n\nhost\n";
  const hashed = new Bun.CryptoHasher("sha256").update(canonical).digest("hex");
  const toSign = `AWS4-HMAC-SHA256\n${ts}\n${day}/${region}/codecommit/aws4_request\n${hashed}`;
  const kDate = hmac("AWS4" + secret, day);
  const kSigning = hmac(hmac(hmac(kDate, region), "codecommit"), "aws4_request");
  const sig = new Bun.CryptoHasher("sha256", kSigning).update(toSign).digest("hex");
  return `${ts}Z${sig}`;
}

const VECTOR_TIME = new Date("2010-10-08T00:00:00Z");
const VECTOR_HOST = "git-codecommit.us-east-1.amazonaws.com";
const VECTOR_SINGLE = "20101008T000000Zfe1db4a13b1db96501a6b235126e3dd60cc42fadfc2b7a00088f106ed89381d0";
const VECTOR_DOUBLE = "20101008T000000Z7dc259e2d505af354a1219b9bcd784bd384dc706efa0d9aefc571f214be4c89c";

describe("signers agree with the published vectors", () => {
  const foo: Identity = { accessKeyId: "foo", secretAccessKey: "bar" };
  const check = (password: string, path: string) =>
    verifyGitCredentials({
      username: "foo",
      password,
      identities: [foo],
      region: "us-east-1",
      host: VECTOR_HOST,
      path,
      now: VECTOR_TIME,
    });

  test("the server's verifier accepts both vectors for their own path only", () => {
    expect(check(VECTOR_SINGLE, "/v1/repos/myrepo")).toEqual({ ok: true, identity: foo });
    expect(check(VECTOR_DOUBLE, "//v1/repos/myrepo")).toEqual({ ok: true, identity: foo });
    const crossed = check(VECTOR_DOUBLE, "/v1/repos/myrepo");
    expect(crossed.ok).toBe(false);
    if (!crossed.ok) expect(crossed.reason).toContain('matches path "//v1/repos/myrepo"');
  });

  test("both signers reproduce the vectors", () => {
    expect(testPassword("bar", "us-east-1", VECTOR_HOST, "/v1/repos/myrepo", VECTOR_TIME)).toBe(VECTOR_SINGLE);
    expect(testPassword("bar", "us-east-1", VECTOR_HOST, "//v1/repos/myrepo", VECTOR_TIME)).toBe(VECTOR_DOUBLE);
    const server = (path: string) =>
      signGitPassword({ secretAccessKey: "bar", region: "us-east-1", host: VECTOR_HOST, path, date: VECTOR_TIME });
    expect(server("/v1/repos/myrepo")).toBe(VECTOR_SINGLE);
    expect(server("//v1/repos/myrepo")).toBe(VECTOR_DOUBLE);
  });

  test("the verifier rejects malformed and out-of-window passwords", () => {
    expect(check(VECTOR_SINGLE.toUpperCase(), "/v1/repos/myrepo").ok).toBe(false);
    expect(check(VECTOR_SINGLE.replace("Z", ""), "/v1/repos/myrepo").ok).toBe(false);
    const month13 = testPassword("bar", "us-east-1", VECTOR_HOST, "/v1/repos/myrepo", VECTOR_TIME).replace("201010", "201013");
    expect(check(month13, "/v1/repos/myrepo")).toMatchObject({ ok: false, reason: expect.stringContaining("malformed") });
    const at = (minutes: number) =>
      verifyGitCredentials({
        username: "foo",
        password: VECTOR_SINGLE,
        identities: [foo],
        region: "us-east-1",
        host: VECTOR_HOST,
        path: "/v1/repos/myrepo",
        now: new Date(VECTOR_TIME.getTime() + minutes * 60_000),
      }).ok;
    expect([at(-15), at(15), at(-15.02), at(15.02)]).toEqual([true, true, false, false]);
  });
});

// --- the running server -------------------------------------------------------

const REGION = "us-east-1";
const FIPS = "git-codecommit-fips.us-east-1.amazonaws.com";
const plain: Identity = { accessKeyId: "AKIDPLAINTEST0000001", secretAccessKey: "plain/secret+key=0001" };
const temp: Identity = {
  accessKeyId: "ASIATEMPTEST00000001",
  secretAccessKey: "temp/secret+key=0002",
  // Real tokens are base64 and carry / + =; they must survive the URL and Basic auth.
  sessionToken: "IQoJb3JpZ2luX2VjE/+token==",
};

let server: GitServer;
let work: string;
let ca: string;

beforeAll(async () => {
  server = await startGitServer({ region: REGION, identities: [plain, temp], hostnames: [FIPS] });
  ca = readFileSync(server.caFile, "utf8");
  work = mkdtempSync(join(tmpdir(), "git-server-test-"));
  await server.createRepo("seeded", { withInitialCommit: true });
  await server.createRepo("empty");
  await server.createRepo("pushme", { withInitialCommit: true });
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function repoPath(repo: string): string {
  return `/v1/repos/${repo}`;
}

function signFor(id: Identity, repo: string, o: { region?: string; host?: string; at?: Date; path?: string } = {}): string {
  return testPassword(id.secretAccessKey, o.region ?? REGION, o.host ?? server.host, o.path ?? repoPath(repo), o.at ?? new Date());
}

function usernameOf(id: Identity): string {
  return id.sessionToken === undefined ? id.accessKeyId : `${id.accessKeyId}%${id.sessionToken}`;
}

function authedUrl(repo: string, username: string, password: string, hostname?: string): string {
  const u = new URL(server.url(repo, hostname));
  return `https://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${u.host}${u.pathname}`;
}

let envCounter = 0;
function gitEnv(): Record<string, string> {
  const home = join(work, `home-${++envCounter}`);
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Tester",
    GIT_AUTHOR_EMAIL: "tester@example.invalid",
    GIT_COMMITTER_NAME: "Tester",
    GIT_COMMITTER_EMAIL: "tester@example.invalid",
    LANG: "C",
    LC_ALL: "C",
    ...server.gitEnv(),
  };
}

async function git(args: string[], o: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn(["git", ...server.gitConfig(), ...args], {
    cwd: o.cwd ?? work,
    env: o.env ?? gitEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), GIT_TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

async function gitOk(args: string[], o: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await git(args, o);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function serverGit(repo: string, args: string[]): Promise<string> {
  return gitOk(["--git-dir", join(server.root, "v1", "repos", repo), ...args]);
}

function basic(username: string, password: string): string {
  return "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
}

async function request(
  path: string,
  o: { auth?: string; hostHeader?: string; method?: string; body?: Uint8Array; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Host: `${o.hostHeader ?? server.host}:${server.port}`, ...o.headers };
  if (o.auth) headers.Authorization = o.auth;
  return fetch(`https://127.0.0.1:${server.port}${path}`, {
    method: o.method ?? "GET",
    headers,
    body: o.body,
    tls: { ca },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
}

const INFO_REFS = "/v1/repos/seeded/info/refs?service=git-upload-pack";

describe("git over the fake endpoint", () => {
  test("clone a seeded repository, then push a commit", async () => {
    const dir = join(work, "clone-seeded");
    const env = gitEnv();
    await gitOk(["clone", "--quiet", authedUrl("pushme", plain.accessKeyId, signFor(plain, "pushme")), dir], { env });
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("# pushme");
    expect(await gitOk(["rev-parse", "--abbrev-ref", "HEAD"], { cwd: dir, env })).toBe("main");

    writeFileSync(join(dir, "change.txt"), "pushed through the fake CodeCommit\n");
    await gitOk(["add", "change.txt"], { cwd: dir, env });
    await gitOk(["commit", "--quiet", "-m", "second"], { cwd: dir, env });
    const local = await gitOk(["rev-parse", "HEAD"], { cwd: dir, env });
    await gitOk(["push", "--quiet", "origin", "main"], { cwd: dir, env });
    expect(await serverGit("pushme", ["rev-parse", "refs/heads/main"])).toBe(local);

    const pushes = server.requests.filter((r) => r.path === "/v1/repos/pushme/git-receive-pack");
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((r) => r.status === 200 && r.username === plain.accessKeyId)).toBe(true);
  }, TEST_TIMEOUT_MS);

  test("push into an empty repository with a session-token identity", async () => {
    const dir = join(work, "into-empty");
    const env = gitEnv();
    await gitOk(["init", "--quiet", "--initial-branch=main", dir], { env });
    writeFileSync(join(dir, "a.txt"), "first\n");
    await gitOk(["add", "a.txt"], { cwd: dir, env });
    await gitOk(["commit", "--quiet", "-m", "first"], { cwd: dir, env });
    const url = authedUrl("empty", usernameOf(temp), signFor(temp, "empty"));
    await gitOk(["push", "--quiet", url, "main"], { cwd: dir, env });
    expect(await serverGit("empty", ["log", "--format=%s", "main"])).toBe("first");
    const last = server.requests.filter((r) => r.path === "/v1/repos/empty/git-receive-pack").at(-1);
    expect(last?.username).toBe(`${temp.accessKeyId}%${temp.sessionToken}`);
  }, TEST_TIMEOUT_MS);

  test("a large push (chunked body) and a fetch with a gzip-compressed request", async () => {
    await server.createRepo("big", { withInitialCommit: true });
    const dir = join(work, "big");
    const env = gitEnv();
    const url = authedUrl("big", plain.accessKeyId, signFor(plain, "big"));
    await gitOk(["clone", "--quiet", url, dir], { env });
    // Incompressible and above http.postBuffer (1 MiB), so git streams it chunked.
    const random = new Uint8Array(2 * 1024 * 1024);
    // getRandomValues fills at most 64 KiB per call.
    for (let i = 0; i < random.length; i += 65536) crypto.getRandomValues(random.subarray(i, i + 65536));
    writeFileSync(join(dir, "random.bin"), random);
    await gitOk(["add", "random.bin"], { cwd: dir, env });
    await gitOk(["commit", "--quiet", "-m", "big"], { cwd: dir, env });
    // Many refs make the next fetch's negotiation exceed 1 KiB, which git gzips.
    for (let i = 0; i < 60; i++) await gitOk(["branch", `branch-with-a-long-name-${i}`], { cwd: dir, env });
    await gitOk(["push", "--quiet", "origin", "--all"], { cwd: dir, env });
    expect(await serverGit("big", ["rev-parse", "main"])).toBe(await gitOk(["rev-parse", "HEAD"], { cwd: dir, env }));

    const mirror = join(work, "big-mirror");
    await gitOk(["clone", "--quiet", "--mirror", url, mirror], { env });
    expect((await gitOk(["for-each-ref", "refs/heads/"], { cwd: mirror, env })).split("\n").length).toBe(61);

    // Guard against git changing its habits and the test silently no longer
    // covering those two body forms.
    const posts = server.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v1/repos/big/"));
    expect(posts.some((r) => r.path.endsWith("/git-receive-pack") && r.headers["transfer-encoding"] === "chunked" && r.status === 200)).toBe(true);
    expect(posts.some((r) => r.path.endsWith("/git-upload-pack") && r.headers["content-encoding"] === "gzip" && r.status === 200)).toBe(true);
  }, TEST_TIMEOUT_MS);

  test("git reports CodeCommit's 403 for a wrong secret", async () => {
    const wrong = testPassword("not-the-secret", REGION, server.host, repoPath("seeded"), new Date());
    const r = await git(["ls-remote", authedUrl("seeded", plain.accessKeyId, wrong)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("403");
  }, TEST_TIMEOUT_MS);

  test("an extra host name works when signed for that host", async () => {
    const url = authedUrl("seeded", plain.accessKeyId, signFor(plain, "seeded", { host: FIPS }), FIPS);
    expect(await gitOk(["ls-remote", url, "refs/heads/main"])).toContain("refs/heads/main");
  }, TEST_TIMEOUT_MS);
});

describe("HTTP-level rules", () => {
  const expect403 = async (res: Response, reasonPart: string) => {
    const body = await res.text();
    expect({ status: res.status, body }).toMatchObject({ status: 403, body: expect.stringContaining(reasonPart) });
  };

  test("no Authorization: 401 with the Basic challenge", async () => {
    const res = await request(INFO_REFS);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="git-codecommit"');
  }, TEST_TIMEOUT_MS);

  test("valid credentials: a smart-HTTP advertisement", async () => {
    const res = await request(INFO_REFS, { auth: basic(plain.accessKeyId, signFor(plain, "seeded")) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-git-upload-pack-advertisement");
    expect(await res.text()).toContain("refs/heads/main");
  }, TEST_TIMEOUT_MS);

  test("wrong secret: 403", async () => {
    const pw = testPassword("wrong", REGION, server.host, repoPath("seeded"), new Date());
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, pw) }), "signature mismatch");
  }, TEST_TIMEOUT_MS);

  test("signed for another region: 403", async () => {
    const pw = signFor(plain, "seeded", { region: "us-west-2" });
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, pw) }), "matches region us-west-2");
  }, TEST_TIMEOUT_MS);

  test("signed for another repository: 403", async () => {
    const pw = signFor(plain, "pushme");
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, pw) }), "signature mismatch");
  }, TEST_TIMEOUT_MS);

  test("signed for another accepted host: 403", async () => {
    const pw = signFor(plain, "seeded", { host: FIPS });
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, pw) }), `matches host ${FIPS}`);
  }, TEST_TIMEOUT_MS);

  test("a Host header the endpoint does not serve: 403", async () => {
    const pw = signFor(plain, "seeded", { host: "localhost" });
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, pw), hostHeader: "localhost" }), "Host header");
  }, TEST_TIMEOUT_MS);

  test("a 20-minute-old or 20-minute-future timestamp: 403; 14 minutes old: accepted", async () => {
    const at = (min: number) => signFor(plain, "seeded", { at: new Date(Date.now() + min * 60_000) });
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, at(-20)) }), "s old");
    await expect403(await request(INFO_REFS, { auth: basic(plain.accessKeyId, at(20)) }), "in the future");
    expect((await request(INFO_REFS, { auth: basic(plain.accessKeyId, at(-14)) })).status).toBe(200);
  }, TEST_TIMEOUT_MS);

  test("session tokens: required, must match, and refused for long-term keys", async () => {
    const tempPw = signFor(temp, "seeded");
    expect((await request(INFO_REFS, { auth: basic(usernameOf(temp), tempPw) })).status).toBe(200);
    await expect403(await request(INFO_REFS, { auth: basic(temp.accessKeyId, tempPw) }), "needs a session token");
    await expect403(await request(INFO_REFS, { auth: basic(`${temp.accessKeyId}%other`, tempPw) }), "does not match");
    const plainPw = signFor(plain, "seeded");
    await expect403(await request(INFO_REFS, { auth: basic(`${plain.accessKeyId}%tok`, plainPw) }), "has no session token");
    await expect403(await request(INFO_REFS, { auth: basic("AKIDUNKNOWN", plainPw) }), "unknown access key id");
  }, TEST_TIMEOUT_MS);

  test("the same password covers every request of the repository", async () => {
    const auth = basic(plain.accessKeyId, signFor(plain, "seeded"));
    const res = await request("/v1/repos/seeded/info/refs?service=git-receive-pack", { auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-git-receive-pack-advertisement");
    await res.arrayBuffer();
  }, TEST_TIMEOUT_MS);

  test("a gzip-encoded upload-pack request is inflated", async () => {
    const head = await serverGit("seeded", ["rev-parse", "main"]);
    const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, "0") + s;
    const body = gzipSync(Buffer.from(pkt(`want ${head}\n`) + "0000" + pkt("done\n")));
    const res = await request("/v1/repos/seeded/git-upload-pack", {
      method: "POST",
      auth: basic(plain.accessKeyId, signFor(plain, "seeded")),
      body,
      headers: { "Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "gzip" },
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 8).toString()).toBe("0008NAK\n");
    expect(bytes.includes("PACK")).toBe(true);
  }, TEST_TIMEOUT_MS);

  test("unknown repositories and dumb-HTTP paths: 404 after authentication", async () => {
    const missing = await request("/v1/repos/nope/info/refs?service=git-upload-pack", {
      auth: basic(plain.accessKeyId, signFor(plain, "nope")),
    });
    expect(missing.status).toBe(404);
    const dumb = await request("/v1/repos/seeded/HEAD", { auth: basic(plain.accessKeyId, signFor(plain, "seeded")) });
    expect(dumb.status).toBe(404);
    expect((await request("/other")).status).toBe(404);
  }, TEST_TIMEOUT_MS);

  test("every request is recorded with its outcome", () => {
    const refused = server.requests.filter((r) => r.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => typeof r.reason === "string" && r.reason.length > 0)).toBe(true);
    expect(server.requests.some((r) => r.status === 401 && r.username === undefined)).toBe(true);
  });
});

describe("an injected clock and a shared CA", () => {
  test("the published vector is accepted end to end at its own time", async () => {
    const fixed = await startGitServer({
      identities: [{ accessKeyId: "foo", secretAccessKey: "bar" }],
      now: () => VECTOR_TIME,
      ca: server.ca,
    });
    try {
      await fixed.createRepo("myrepo", { withInitialCommit: true });
      const res = await fetch(`https://127.0.0.1:${fixed.port}/v1/repos/myrepo/info/refs?service=git-upload-pack`, {
        headers: { Host: `${fixed.host}:${fixed.port}`, Authorization: basic("foo", VECTOR_SINGLE) },
        tls: { ca },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      await fixed.stop();
    }
    // The shared CA belongs to the first server and must survive the second's stop().
    expect(readFileSync(server.caFile, "utf8")).toBe(ca);
  }, TEST_TIMEOUT_MS);
});
