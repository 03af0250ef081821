// codecommit:// remotes through this binary installed as git-remote-codecommit,
// against the verifying server: the URL forms of AWS's git-remote-codecommit,
// its error messages, a fresh signature per git process, and no password in
// any process's argv or environment. Also the `url` command's signed URL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { BINARY, runBinary } from "../support/cli.ts";
import { git, gitOk, gitWorld, type GitWorld } from "../support/git-env.ts";
import { startGitServer, type GitServer, type Identity } from "../support/git-server.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { startFakeSts } from "../support/fake-sts.ts";
import { lacks } from "../support/platform.ts";

const USER: Identity = { accessKeyId: "AKIDREMOTEUSER000001", secretAccessKey: "remote/User+Secret/01" };
const PASSWORD = /\d{8}T\d{6}Z[0-9a-f]{64}/;

let server: GitServer;
let endpoint: string;

beforeAll(async () => {
  // A slow server keeps the transfer's processes alive long enough to inspect them.
  server = await startGitServer({ identities: [USER], delayMs: 150 });
  endpoint = new URL(server.url("x")).host; // git-codecommit.us-east-1.amazonaws.com:<port>
  await Promise.all(["demo", "other"].map((name) => server.createRepo(name, { withInitialCommit: true })));
});

afterAll(async () => {
  await server?.stop();
});

/**
 * A HOME where `git-remote-codecommit` on PATH is a link to the compiled binary,
 * with a profile `dev` in ~/.aws and CODE_COMMIT_ENDPOINT naming the server.
 */
async function world(env: Record<string, string> = {}): Promise<GitWorld> {
  const home = tempHome({
    config: "[profile dev]\nregion = us-east-1\n[profile noregion]\n",
    credentials: `[dev]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n[noregion]\naws_access_key_id = x\naws_secret_access_key = y\n`,
  });
  const bin = join(home, "bin");
  mkdirSync(bin);
  // Where links need special rights, a copy named .exe, as install.ps1 makes.
  if (lacks("symlinks")) copyFileSync(BINARY, join(bin, "git-remote-codecommit.exe"));
  else symlinkSync(BINARY, join(bin, "git-remote-codecommit"));
  const w = await gitWorld(home, server);
  w.env.PATH = `${bin}${delimiter}${w.env.PATH}`;
  w.env.CODE_COMMIT_ENDPOINT = endpoint;
  Object.assign(w.env, env);
  return w;
}

const envKeys = { AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey };

describe("git-remote-codecommit", () => {
  test("clone and push through codecommit::us-east-1://demo (env credentials)", async () => {
    const w = await world(envKeys);
    const dir = join(tempDir(), "demo");
    await gitOk(["clone", "codecommit::us-east-1://demo", dir], { env: w.env });
    writeFileSync(join(dir, "new.txt"), "pushed through the remote helper\n");
    await gitOk(["add", "new.txt"], { env: w.env, cwd: dir });
    await gitOk(["commit", "-m", "remote helper push"], { env: w.env, cwd: dir });
    await gitOk(["push", "origin", "HEAD:refs/heads/from-remote-helper"], { env: w.env, cwd: dir });
    const refs = await gitOk(["ls-remote", "codecommit::us-east-1://demo"], { env: w.env, cwd: dir });
    expect(refs).toContain("refs/heads/from-remote-helper");
    const signed = server.requests.filter((r) => r.path.startsWith("/v1/repos/demo") && r.status === 200);
    expect(signed.length).toBeGreaterThan(0);
    expect(signed.every((r) => r.username === USER.accessKeyId)).toBe(true);
  });

  test("clone and push through codecommit://dev@demo: the profile's keys and region, env keys ignored", async () => {
    const w = await world({ AWS_ACCESS_KEY_ID: "AKIDWRONGWRONGWRONG0", AWS_SECRET_ACCESS_KEY: "wrong" });
    const from = server.requests.length;
    const dir = join(tempDir(), "demo");
    await gitOk(["clone", "codecommit://dev@demo", dir], { env: w.env });
    await gitOk(["commit", "--allow-empty", "-m", "via profile"], { env: w.env, cwd: dir });
    await gitOk(["push", "origin", "HEAD:refs/heads/from-profile"], { env: w.env, cwd: dir });
    const mine = server.requests.slice(from).filter((r) => r.username !== undefined);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.username === USER.accessKeyId && r.status === 200)).toBe(true);
  });

  test("every git process signs afresh: two clones a second apart send different passwords", async () => {
    const w = await world(envKeys);
    const passwords: string[] = [];
    for (const i of [1, 2]) {
      const from = server.requests.length;
      await gitOk(["clone", "codecommit::us-east-1://other", join(tempDir(), `other${i}`)], { env: w.env });
      passwords.push(server.requests.slice(from).find((r) => r.status === 200 && r.password)!.password!);
      if (i === 1) await Bun.sleep(1100);
    }
    expect(passwords[0]).toMatch(PASSWORD);
    expect(passwords[1]).toMatch(PASSWORD);
    expect(passwords[0]).not.toBe(passwords[1]);
  });

  test.skipIf(lacks("procfs"))("the signed password appears in no process's argv or environment during a clone", async () => {
    const w = await world(envKeys);
    const from = server.requests.length;
    const clone = Bun.spawn(["git", "clone", "codecommit::us-east-1://demo", join(tempDir(), "demo")], {
      env: w.env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const seen: string[] = [];
    let sawTransfer = false;
    while (clone.exitCode === null) {
      for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
          const environ = readFileSync(`/proc/${pid}/environ`, "utf8").replaceAll("\0", "\n");
          if (argv.includes("remote-https") && argv.includes("/v1/repos/demo")) sawTransfer = true;
          seen.push(argv, environ);
        } catch {
          // the process ended between listing and reading
        }
      }
      await Bun.sleep(20);
    }
    expect(await clone.exited).toBe(0);
    expect(sawTransfer).toBe(true); // the snapshots did catch the transfer in flight
    const passwords = server.requests.slice(from).flatMap((r) => (r.password ? [r.password] : []));
    expect(passwords.length).toBeGreaterThan(0);
    // (The secret key is in the environment here because the test put it there, as a user would.)
    for (const text of seen) for (const p of passwords) expect(text).not.toContain(p);
  });

  test("no storing helper runs, whether given with -c, GIT_CONFIG_COUNT or a config file; the caller's other -c settings still apply", async () => {
    const w = await world(envKeys);
    const dir = tempDir();
    const byFlag = join(dir, "stored-by-flag");
    const byCount = join(dir, "stored-by-count");
    const byFile = join(dir, "stored-by-file");
    await gitOk(["config", "--file", w.globalConfig, "credential.helper", `store --file ${byFile}`], { env: w.env });
    const env = { ...w.env, GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "credential.helper", GIT_CONFIG_VALUE_0: `store --file ${byCount}` };
    const clone = join(dir, "demo");
    // A quote and a `!` in an earlier -c value: git's quoting of GIT_CONFIG_PARAMETERS must survive our additions.
    const agent = "it's a test!";
    const from = server.requests.length;
    await gitOk(["-c", `credential.helper=store --file ${byFlag}`, "-c", `http.userAgent=${agent}`, "clone", "codecommit::us-east-1://demo", clone], { env });
    for (const file of [byFlag, byCount, byFile]) expect(existsSync(file) ? readFileSync(file, "utf8") : "").toBe("");
    const mine = server.requests.slice(from).filter((r) => r.status === 200);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.username === USER.accessKeyId && r.headers["user-agent"] === agent)).toBe(true);
  });

  test("a malformed URL, an unknown profile and a region mismatch each end in one clear line", async () => {
    const w = await world(envKeys);
    const cases: Array<[string, string]> = [
      [
        "codecommit::us-east-1://",
        "git-remote-codecommit: The following URL is malformed: us-east-1://. A URL must be in one of the two following formats: codecommit://<profile>@<repository> or codecommit::<region>://<profile>@<repository>",
      ],
      [
        "codecommit://nobody@demo",
        "git-remote-codecommit: The following profile was not found: nobody. Available profiles are: dev, noregion. Either use one of the available profiles, or create an AWS CLI profile to use and then try again. For more information, see Configure an AWS CLI Profile in the AWS CLI User Guide.",
      ],
      [
        "codecommit::eu-west-1://demo",
        `git-remote-codecommit: CODE_COMMIT_ENDPOINT (${endpoint}) is in us-east-1, but the URL eu-west-1://demo is for eu-west-1`,
      ],
      [
        "codecommit::xx-nowhere-9://demo",
        "git-remote-codecommit: The following AWS Region is not available for use with AWS CodeCommit: xx-nowhere-9.",
      ],
      [
        "codecommit://noregion@demo",
        "git-remote-codecommit: The following profile does not have an AWS Region: noregion.",
      ],
    ];
    for (const [url, message] of cases) {
      const r = await git(["clone", url, join(tempDir(), "x")], { env: w.env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  test("submodules with codecommit:// URLs clone once setup --submodules has allowed the protocol", async () => {
    const w = await world(envKeys);
    const parent = join(tempDir(), "parent");
    await gitOk(["clone", "codecommit::us-east-1://demo", parent], { env: w.env });
    await gitOk(["-c", "protocol.codecommit.allow=always", "submodule", "add", "codecommit::us-east-1://other", "sub"], { env: w.env, cwd: parent });
    await gitOk(["commit", "-m", "add a submodule"], { env: w.env, cwd: parent });
    await gitOk(["push", "origin", "HEAD:refs/heads/with-submodule"], { env: w.env, cwd: parent });

    const clone = (dir: string) =>
      git(["clone", "--branch", "with-submodule", "--recurse-submodules", "codecommit::us-east-1://demo", join(tempDir(), dir)], { env: w.env });
    const refused = await clone("refused");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("transport 'codecommit' not allowed");

    const r = await runBinary(["setup", "--submodules", "--url", `https://${endpoint}`], { env: w.env });
    expect(r.code).toBe(0);
    const allowed = await clone("allowed");
    expect(allowed.stderr).not.toContain("not allowed");
    expect(allowed.code).toBe(0);
  });

  test("argument count errors are GRC's", async () => {
    const w = await world(envKeys);
    const remote = join(w.home, "bin", "git-remote-codecommit");
    let r = Bun.spawnSync([remote, "origin"], { env: w.env });
    expect(r.stderr.toString()).toBe("git-remote-codecommit: Too few arguments. This hook requires the git command and remote.\n");
    expect(r.exitCode).toBe(1);
    r = Bun.spawnSync([remote, "a", "b", "c"], { env: w.env });
    expect(r.stderr.toString()).toBe(
      "git-remote-codecommit: Too many arguments. Hook only accepts the git command and remote, but argv was: 'git-remote-codecommit', 'a', 'b', 'c'\n",
    );
  });

  test("no credentials: fails at once with GRC's text, before git talks to the server", async () => {
    const w = await world();
    const from = server.requests.length;
    for (const [url, profile] of [["codecommit::us-east-1://demo", "default"], ["codecommit::us-east-1://noregion@demo", "noregion"]] as const) {
      const env = url.includes("noregion@") ? { ...w.env, AWS_SHARED_CREDENTIALS_FILE: join(w.home, "none") } : w.env;
      const r = await git(["clone", url, join(tempDir(), "x")], { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        `git-remote-codecommit: The following profile does not have credentials configured: ${profile}. You must configure the ` +
          "access key and secret key for the profile. For more information, see Configure an AWS CLI Profile in the AWS CLI User Guide.\n",
      );
      expect(r.stderr).not.toMatch(/Username for|terminal prompts/);
    }
    expect(server.requests.length).toBe(from);
  });

  test.skipIf(lacks("sh"))("when the child's helper has nothing to give, git fails rather than ask for a username", async () => {
    // A credential_process that answers once: the remote helper's own check gets credentials, the child's helper doesn't.
    const dir = tempDir();
    const script = join(dir, "once");
    writeFileSync(
      script,
      `#!/bin/sh\nif [ -e "${dir}/used" ]; then echo "spent" >&2; exit 1; fi\ntouch "${dir}/used"\n` +
        `echo '{"Version": 1, "AccessKeyId": "${USER.accessKeyId}", "SecretAccessKey": "${USER.secretAccessKey}"}'\n`,
    );
    chmodSync(script, 0o755);
    const w = await world();
    writeFileSync(join(w.home, ".aws", "config"), `[profile once]\nregion = us-east-1\ncredential_process = ${script}\n`, { flag: "a" });
    const r = await git(["clone", "codecommit://once@demo", join(tempDir(), "x")], { env: w.env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Error when retrieving credentials from custom-process: spent");
    expect(r.stderr).toContain("terminal prompts disabled");
  });

  test("the remote helper's own warnings carry its own name", async () => {
    const expiring = new Date(Date.now() + 12 * 60_000);
    const w = await world({ ...envKeys, AWS_CREDENTIAL_EXPIRATION: expiring.toISOString() });
    const r = await git(["ls-remote", "codecommit::us-east-1://demo"], { env: w.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^git-remote-codecommit: warning: the credentials from env expire in 1[12] minutes \(/m);
  });

  test("an assumed role is resolved once: the child's helper uses the cache, and a warm cache costs no STS call", async () => {
    const issued = { accessKeyId: "ASIAREMOTEROLE000001", secretAccessKey: "remote/Role+Secret/01", sessionToken: "remote/role+session/token==" };
    server.identities.push(issued);
    const sts = await startFakeSts({ identities: { [USER.accessKeyId]: { secretAccessKey: USER.secretAccessKey } }, behaviour: { credentials: issued } });
    try {
      const home = tempHome({
        config: `[profile role]\nrole_arn = arn:aws:iam::123456789012:role/remote\nsource_profile = dev\nregion = us-east-1\n[profile dev]\nregion = us-east-1\n`,
        credentials: `[dev]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n`,
      });
      const w = await world({ AWS_ENDPOINT_URL_STS: sts.url });
      const env = { ...w.env, HOME: home, AWS_CONFIG_FILE: join(home, ".aws", "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials") };
      await gitOk(["clone", "codecommit://role@demo", join(tempDir(), "cold")], { env });
      expect(sts.calls("AssumeRole")).toHaveLength(1);
      await gitOk(["clone", "codecommit://role@demo", join(tempDir(), "warm")], { env });
      expect(sts.calls("AssumeRole")).toHaveLength(1);
    } finally {
      await sts.stop();
    }
  });
});

describe("url", () => {
  test("prints a signed URL the server accepts, with the username percent-encoded as GRC does", async () => {
    const token = "IQoJ/tok+en==";
    const tempUser: Identity = { accessKeyId: "ASIAURLTEMP000000001", secretAccessKey: "url/Temp+Secret", sessionToken: token };
    server.identities.push(tempUser);
    const w = await world({ AWS_ACCESS_KEY_ID: tempUser.accessKeyId, AWS_SECRET_ACCESS_KEY: tempUser.secretAccessKey, AWS_SESSION_TOKEN: token });
    for (const input of [server.url("demo"), "codecommit::us-east-1://demo"]) {
      const r = await runBinary(["url", input], { env: w.env });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(
        "git-credential-codecommit: warning: this URL contains a password valid for about 15 minutes; treat it as a secret\n",
      );
      const signed = r.stdout.trim();
      expect(signed).toMatch(
        new RegExp(`^https://ASIAURLTEMP000000001%25IQoJ%2Ftok%2Ben%3D%3D:\\d{8}T\\d{6}Z[0-9a-f]{64}@${endpoint.replace(/\./g, "\\.")}/v1/repos/demo$`),
      );
      // No helper at all: the URL alone must be enough.
      await gitOk(["-c", "credential.helper=", "clone", signed, join(tempDir(), "viaurl")], { env: w.env });
    }
  });
});
