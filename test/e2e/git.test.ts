// Real git, the compiled helper and the verifying CodeCommit server, in an
// isolated HOME: everything a user does after `setup`, and the failures users
// actually report (wrong secret, useHttpPath off, a storing helper that hands
// back a stale password), each shown the way git shows it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, runBinary } from "../support/cli.ts";
import { startFakeSts } from "../support/fake-sts.ts";
import { git, gitOk, gitWorld, type GitWorld } from "../support/git-env.ts";
import { staleEntry, startGitServer, type GitServer, type Identity, type RequestRecord } from "../support/git-server.ts";
import { tempDir, tempHome } from "../support/home.ts";

const USER: Identity = { accessKeyId: "AKIDE2EUSER000000001", secretAccessKey: "e2e/User+Secret/0001" };
const TEMP: Identity = {
  accessKeyId: "ASIAE2ETEMP000000001",
  secretAccessKey: "e2e/Temp+Secret/0002",
  // Real tokens are base64 and carry / + =.
  sessionToken: "IQoJb3JpZ2luX2VjE2E/+token==",
};
const PASSWORD = /^\d{8}T\d{6}Z[0-9a-f]{64}$/;
const HTTP_403 = "The requested URL returned error: 403";

let server: GitServer;
let origin: string;

beforeAll(async () => {
  server = await startGitServer({ identities: [USER, TEMP] });
  origin = new URL(server.url("x")).origin;
  await Promise.all(["demo", "alpha", "beta"].map((name) => server.createRepo(name, { withInitialCommit: true })));
});

afterAll(async () => {
  await server?.stop();
});

function keys(id: Identity): Record<string, string> {
  const env: Record<string, string> = { AWS_ACCESS_KEY_ID: id.accessKeyId, AWS_SECRET_ACCESS_KEY: id.secretAccessKey };
  if (id.sessionToken) env.AWS_SESSION_TOKEN = id.sessionToken;
  return env;
}

/** A fresh HOME with git pointed at the server; `setup --url <origin>` run unless told otherwise. */
async function world(opts: { setup?: boolean } = {}): Promise<GitWorld> {
  const w = await gitWorld(tempHome(), server);
  if (opts.setup !== false) {
    const r = await runBinary(["setup", "--url", origin], { env: w.env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }
  return w;
}

/** Requests that arrive while `action` runs. */
async function recording<T>(action: () => Promise<T>): Promise<{ result: T; requests: RequestRecord[] }> {
  const from = server.requests.length;
  const result = await action();
  return { result, requests: server.requests.slice(from) };
}

/** The ones that carried credentials (git's first request of each connection goes without). */
const authenticated = (requests: RequestRecord[]) => requests.filter((r) => r.username !== undefined);

describe("git through the helper", () => {
  test("clone, fetch and push a new branch: every request signed with the access key", async () => {
    const w = await world();
    const env = { ...w.env, ...keys(USER) };
    const dir = join(tempDir(), "demo");
    const { requests } = await recording(async () => {
      await gitOk(["clone", server.url("demo"), dir], { env });
      writeFileSync(join(dir, "e2e.txt"), "pushed through git-credential-codecommit\n");
      await gitOk(["add", "e2e.txt"], { env, cwd: dir });
      await gitOk(["commit", "-q", "-m", "e2e"], { env, cwd: dir });
      await gitOk(["push", "origin", "HEAD:refs/heads/e2e-feature"], { env, cwd: dir });
      await gitOk(["fetch", "origin"], { env, cwd: dir });
    });
    const signed = authenticated(requests);
    expect(signed.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/v1/repos/demo/info/refs?service=git-upload-pack",
        "/v1/repos/demo/git-upload-pack",
        "/v1/repos/demo/info/refs?service=git-receive-pack",
        "/v1/repos/demo/git-receive-pack",
      ]),
    );
    for (const r of signed) {
      expect({ path: r.path, status: r.status, username: r.username }).toEqual({ path: r.path, status: 200, username: USER.accessKeyId });
      expect(r.password).toMatch(PASSWORD);
    }
    // The push really landed: the server's branch is the commit made here.
    const head = await gitOk(["rev-parse", "HEAD"], { env, cwd: dir });
    const remote = await gitOk(["ls-remote", "origin", "refs/heads/e2e-feature"], { env, cwd: dir });
    expect(remote).toBe(`${head}\trefs/heads/e2e-feature`);
  });

  test("session credentials: the username is AKID%TOKEN", async () => {
    const w = await world();
    const env = { ...w.env, ...keys(TEMP) };
    const { requests } = await recording(() => gitOk(["clone", server.url("demo"), join(tempDir(), "demo")], { env }));
    const signed = authenticated(requests);
    expect(signed.length).toBeGreaterThan(0);
    for (const r of signed) {
      expect(r.status).toBe(200);
      expect(r.username).toBe(`${TEMP.accessKeyId}%${TEMP.sessionToken}`);
    }
  });

  test("a wrong secret: git fails with the server's 403 without prompting, and doctor --network names the cause", async () => {
    const w = await world();
    const askpassLog = join(w.home, "askpass.log");
    const askpass = join(w.home, "askpass.sh");
    writeFileSync(askpass, `#!/bin/sh\necho "$*" >> '${askpassLog}'\n`, { mode: 0o755 });
    const env = { ...w.env, ...keys({ ...USER, secretAccessKey: "not/the+secret" }), GIT_ASKPASS: askpass };
    const { result, requests } = await recording(() => git(["clone", server.url("demo"), join(tempDir(), "demo")], { env }));
    expect(result.code).toBe(128);
    expect(result.stderr).toContain(HTTP_403);
    expect(result.stderr).toContain("remote: signature mismatch");
    // No second chance: one signed attempt, no askpass, no terminal prompt.
    expect(authenticated(requests).map((r) => r.status)).toEqual([403]);
    expect(existsSync(askpassLog)).toBe(false);
    expect(result.stderr).not.toMatch(/Username for|Password for|terminal prompts disabled/);

    const sts = await startFakeSts({ identities: { [USER.accessKeyId]: { secretAccessKey: USER.secretAccessKey } } });
    try {
      const doctor = await runBinary(["doctor", "--network", "--url", server.url("demo")], {
        env: { ...env, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: "us-east-1" },
      });
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain("[ok] helper: git runs");
      expect(doctor.stdout).toContain("[fail] aws: the secret key does not belong to this access key: An error occurred (SignatureDoesNotMatch)");
      expect(doctor.stdout).not.toContain("not/the+secret");
      expect(sts.calls("GetCallerIdentity")).toHaveLength(1);
    } finally {
      await sts.stop();
    }
  });

  test("useHttpPath off: git shows our message with the exact fix, and the fix works", async () => {
    const w = await world({ setup: false });
    await gitOk(["config", "--global", `credential.${origin}.helper`, `!'${BINARY}'`], { env: w.env });
    const env = { ...w.env, ...keys(USER) };
    const dir = join(tempDir(), "demo");
    const failed = await git(["clone", server.url("demo"), dir], { env });
    expect(failed.code).toBe(128);
    const fix = `git config --global credential.${origin}.useHttpPath true`;
    expect(failed.stderr).toContain(
      `git-credential-codecommit: git did not send the repository path, because credential.useHttpPath is off; fix it with: ${fix}\n`,
    );
    await gitOk(fix.split(" ").slice(1), { env });
    await gitOk(["clone", server.url("demo"), dir], { env });
  });

  describe("a storing helper (git credential-cache) holding a stale password", () => {
    const sockets: Array<{ socket: string; env: Record<string, string> }> = [];
    afterAll(async () => {
      for (const { socket, env } of sockets) await git(["credential-cache", `--socket=${socket}`, "exit"], { env });
    });

    /** A world whose global config runs credential-cache for everything, pre-loaded with a 20-minute-old password. */
    async function cachedWorld(): Promise<{ w: GitWorld; stale: string }> {
      const w = await world({ setup: false });
      const socket = join(tempDir("gcc-sock-"), "s");
      sockets.push({ socket, env: w.env });
      await gitOk(["config", "--global", "credential.helper", `cache --timeout=300 --socket=${socket}`], { env: w.env });
      const { password: stale, description } = staleEntry(server, USER, "demo");
      // useHttpPath for this one command, so the entry is keyed by path as git's later lookups are.
      await gitOk(["-c", "credential.useHttpPath=true", "credential", "approve"], { env: w.env, stdin: `${description}password=${stale}\n\n` });
      const cached = await gitOk(["credential-cache", `--socket=${socket}`, "get"], { env: w.env, stdin: `${description}\n` });
      expect(cached).toContain(`password=${stale}`);
      return { w, stale };
    }

    test("after setup, clone succeeds: the reset line keeps the cache out", async () => {
      const { w, stale } = await cachedWorld();
      const r = await runBinary(["setup", "--url", origin], { env: w.env });
      expect(r.code).toBe(0);
      const { requests } = await recording(() =>
        gitOk(["clone", server.url("demo"), join(tempDir(), "demo")], { env: { ...w.env, ...keys(USER) } }),
      );
      const signed = authenticated(requests);
      expect(signed.length).toBeGreaterThan(0);
      expect(signed.every((q) => q.status === 200 && q.password !== stale)).toBe(true);
    });

    test("control: without the reset line the cached password wins and the clone fails with 403", async () => {
      const { w, stale } = await cachedWorld();
      await gitOk(["config", "--global", `credential.${origin}.helper`, `!'${BINARY}'`], { env: w.env });
      await gitOk(["config", "--global", `credential.${origin}.useHttpPath`, "true"], { env: w.env });
      const { result, requests } = await recording(() =>
        git(["clone", server.url("demo"), join(tempDir(), "demo")], { env: { ...w.env, ...keys(USER) } }),
      );
      expect(result.code).toBe(128);
      expect(result.stderr).toContain(HTTP_403);
      expect(authenticated(requests).map((q) => [q.status, q.password])).toEqual([[403, stale]]);
      expect(requests.at(-1)!.reason).toMatch(/^password timestamp \S+ is \d+ s old/);
    });
  });

  test("two repositories in one fetch and one push: each request signed for its own repository", async () => {
    const w = await world();
    const env = { ...w.env, ...keys(USER) };
    const dir = join(tempDir(), "alpha");
    await gitOk(["clone", server.url("alpha"), dir], { env });
    await gitOk(["remote", "add", "beta", server.url("beta")], { env, cwd: dir });
    // One remote that pushes to both repositories in a single `git push`.
    await gitOk(["remote", "add", "both", server.url("alpha")], { env, cwd: dir });
    for (const repo of ["alpha", "beta"]) await gitOk(["remote", "set-url", "--add", "--push", "both", server.url(repo)], { env, cwd: dir });

    const { requests } = await recording(async () => {
      await gitOk(["fetch", "--all"], { env, cwd: dir });
      await gitOk(["push", "both", "HEAD:refs/heads/two-repos"], { env, cwd: dir });
    });
    const signed = authenticated(requests);
    const byRepo = (repo: string) => signed.filter((r) => r.path.startsWith(`/v1/repos/${repo}/`));
    expect(byRepo("alpha").length + byRepo("beta").length).toBe(signed.length);
    for (const repo of ["alpha", "beta"]) {
      const paths = byRepo(repo).map((r) => r.path);
      expect(paths).toContain(`/v1/repos/${repo}/info/refs?service=git-upload-pack`);
      expect(paths).toContain(`/v1/repos/${repo}/git-receive-pack`);
    }
    // The server checks each password against the path it arrived on, so 200 means "signed for this repository".
    expect(signed.every((r) => r.status === 200 && r.username === USER.accessKeyId)).toBe(true);
    const passwords = (repo: string) => new Set(byRepo(repo).map((r) => r.password));
    expect([...passwords("alpha")].some((p) => passwords("beta").has(p))).toBe(false);

    const head = await gitOk(["rev-parse", "HEAD"], { env, cwd: dir });
    for (const repo of ["alpha", "beta"]) {
      expect(await gitOk(["ls-remote", server.url(repo), "refs/heads/two-repos"], { env })).toBe(`${head}\trefs/heads/two-repos`);
    }
  });
});
