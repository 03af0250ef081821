// `setup` against real git config files, in-process and compiled: exactly the
// entries it promises, in every scope, idempotent, reversible, and safe next to
// a user's own settings. One test clones through a binary whose path and
// profile both contain spaces, because that quoting is where helpers break.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CODECOMMIT_URL_PATTERNS } from "../../src/codecommit/patterns.ts";
import { BINARY, RUNNERS } from "../support/cli.ts";
import { git, gitOk, gitWorld, readConfig, type GitWorld } from "../support/git-env.ts";
import { startGitServer, type Identity } from "../support/git-server.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { lacks } from "../support/platform.ts";

const EXTRA_URL = "https://git-codecommit.us-east-1.amazonaws.com:4443";
const CREDENTIAL = "^credential\\.";

/** What setup writes for each pattern: the reset, then us, then useHttpPath, then the record of what it added. */
function expectedEntries(helper: string, patterns: string[]): Array<[string, string]> {
  return patterns.flatMap((p): Array<[string, string]> => [
    [`credential.${p}.helper`, ""],
    [`credential.${p}.helper`, helper],
    [`credential.${p}.usehttppath`, "true"],
    [`credential.${p}.codecommitsetupadded`, "helper reset useHttpPath"],
  ]);
}

/** The helper commands git runs for `url`, from GIT_TRACE of `git credential reject` (which runs every helper, where `fill` stops at the first answer). */
async function helpersGitRuns(w: GitWorld, cwd?: string, url = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/x"): Promise<string[]> {
  const r = await git(["credential", "reject"], {
    env: { ...w.env, GIT_TRACE: "1" },
    cwd: cwd ?? w.home,
    stdin: `url=${url}\nusername=u\npassword=p\n\n`,
  });
  return [...r.stderr.matchAll(/trace: run_command: '((?:[^'\\]|'\\'')*)'$/gm)].map((m) => m[1]!.replaceAll("'\\''", "'"));
}

async function fresh(): Promise<GitWorld> {
  return gitWorld(tempHome());
}

describe.each(RUNNERS)("setup (%s)", (kind, runCli) => {
  // In-process, execPath is the path the tests use; the binary sees its own resolved path.
  const exe = kind === "binary" ? realpathSync(BINARY) : BINARY;
  const setup = (w: GitWorld, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) =>
    runCli(["setup", ...args], { env: opts.env ?? w.env, cwd: opts.cwd ?? w.home });

  test("writes the reset, the helper and useHttpPath for every CodeCommit pattern and each --url", async () => {
    const w = await fresh();
    const r = await setup(w, ["--profile", "p", "--url", EXTRA_URL]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Configured with:\n");
    const entries = await readConfig(["--file", w.globalConfig], CREDENTIAL, { env: w.env });
    expect(entries).toEqual(expectedEntries(`!'${exe}' --profile 'p'`, [...CODECOMMIT_URL_PATTERNS, EXTRA_URL]));
    expect(readFileSync(w.xdgConfig, "utf8")).toBe("");
  });

  test("a second run changes nothing and says so", async () => {
    const w = await fresh();
    expect((await setup(w, ["--url", EXTRA_URL])).code).toBe(0);
    const before = readFileSync(w.globalConfig);
    const again = await setup(w, ["--url", EXTRA_URL]);
    expect(again).toEqual({ code: 0, stdout: "git is already set up for CodeCommit (--global).\n", stderr: "" });
    expect(readFileSync(w.globalConfig)).toEqual(before);
  });

  test("--submodules allows codecommit:// URLs in submodules, once; --remove --submodules takes it back", async () => {
    const w = await fresh();
    const r = await setup(w, ["--submodules"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  git config --global protocol.codecommit.allow always\n");
    expect(await readConfig(["--file", w.globalConfig], "^protocol\\.", { env: w.env })).toEqual([["protocol.codecommit.allow", "always"]]);
    expect((await setup(w, ["--submodules"])).stdout).toBe("git is already set up for CodeCommit (--global).\n");
    const removed = await setup(w, ["--remove", "--submodules"]);
    expect(removed.stdout).toContain("  git config --global --unset-all protocol.codecommit.allow\n");
    expect(await readConfig(["--file", w.globalConfig], "^protocol\\.", { env: w.env })).toEqual([]);
  });

  test("another profile replaces our helper line instead of adding a second one", async () => {
    const w = await fresh();
    expect((await setup(w, [])).code).toBe(0);
    expect((await setup(w, ["--profile", "other"])).code).toBe(0);
    // Re-adding moves the pair below useHttpPath within each section; order across keys doesn't matter to git.
    const byKey = (entries: Array<[string, string | undefined]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const entries = await readConfig(["--file", w.globalConfig], CREDENTIAL, { env: w.env });
    expect(byKey(entries)).toEqual(byKey(expectedEntries(`!'${exe}' --profile 'other'`, CODECOMMIT_URL_PATTERNS)));
  });

  test("--dry-run prints the git commands and changes nothing", async () => {
    const w = await fresh();
    const r = await setup(w, ["--dry-run", "--url", EXTRA_URL]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Would run:");
    expect(lines).toHaveLength(1 + 4 * (CODECOMMIT_URL_PATTERNS.length + 1));
    expect(lines).toContain(`  git config --global --add credential.${EXTRA_URL}.helper ''`);
    expect(lines).toContain(`  git config --global credential.${EXTRA_URL}.codecommitSetupAdded 'helper reset useHttpPath'`);
    expect(lines).toContain(`  git config --global credential.${EXTRA_URL}.useHttpPath true`);
    expect(readFileSync(w.globalConfig, "utf8")).toBe("");
  });

  test("--remove takes back exactly our entries and leaves the user's", async () => {
    const w = await fresh();
    const mine = [
      "[credential]",
      "\thelper = store",
      '[credential "https://example.com"]',
      "\tusername = me",
      '[credential "https://git-codecommit.*.amazonaws.com"]',
      "\tusername = bob",
      "",
    ].join("\n");
    writeFileSync(w.globalConfig, mine);
    expect((await setup(w, ["--url", EXTRA_URL])).code).toBe(0);
    expect((await readConfig(["--file", w.globalConfig], CREDENTIAL, { env: w.env })).length).toBe(3 + 4 * 7);

    const r = await setup(w, ["--remove", "--url", EXTRA_URL]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("Removed with:\n");
    // Sections holding only ours are gone, headers included; bob's section keeps bob.
    expect(readFileSync(w.globalConfig, "utf8")).toBe(mine);
    expect(await setup(w, ["--remove", "--url", EXTRA_URL])).toEqual({ code: 0, stdout: "Nothing to remove (--global).\n", stderr: "" });
  });

  test("--remove leaves, byte for byte, the reset, useHttpPath and other keys the user wrote before setup", async () => {
    const w = await fresh();
    const mine = [
      '[credential "https://git-codecommit.*.amazonaws.com"]',
      "\tuseHttpPath = true",
      "\thelper = ",
      "\tusername = bob",
      '[credential "https://git-codecommit-fips.*.amazonaws.com"]',
      "\thelper = ",
      "\tuseHttpPath = true",
      "",
    ].join("\n");
    writeFileSync(w.globalConfig, mine);
    expect((await setup(w, [])).code).toBe(0);
    // The user's reset is already last: setup adds only its helper line, and no second reset it could never remove alone.
    const section = "credential.https://git-codecommit.*.amazonaws.com";
    const entries = await readConfig(["--file", w.globalConfig], `^${section.replace(/[.*]/g, "\\$&")}\\.[a-z]+$`, { env: w.env });
    expect(entries).toEqual([
      [`${section}.usehttppath`, "true"],
      [`${section}.helper`, ""],
      [`${section}.username`, "bob"],
      [`${section}.helper`, `!'${exe}'`],
      [`${section}.codecommitsetupadded`, "helper"],
    ]);
    expect((await setup(w, [])).stdout).toBe("git is already set up for CodeCommit (--global).\n");

    const r = await setup(w, ["--remove"]);
    expect(r.code).toBe(0);
    expect(readFileSync(w.globalConfig, "utf8")).toBe(mine);
  });

  describe("scopes", () => {
    const count = 4 * CODECOMMIT_URL_PATTERNS.length;

    test("--global is the default and writes ~/.gitconfig", async () => {
      const w = await fresh();
      expect((await setup(w, ["--global"])).code).toBe(0);
      expect(await readConfig(["--file", w.globalConfig], CREDENTIAL, { env: w.env })).toHaveLength(count);
    });

    test("--system writes the file GIT_CONFIG_SYSTEM names", async () => {
      const w = await fresh();
      const system = join(w.home, "gitconfig-system");
      writeFileSync(system, "");
      // GIT_CONFIG_NOSYSTEM would make git skip the system file altogether.
      const { GIT_CONFIG_NOSYSTEM: _, ...rest } = w.env;
      const env = { ...rest, GIT_CONFIG_SYSTEM: system };
      const r = await setup(w, ["--system"], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("git config --system --add");
      expect(await readConfig(["--file", system], CREDENTIAL, { env: w.env })).toHaveLength(count);
      expect(readFileSync(w.globalConfig, "utf8")).toBe("");
    });

    test("--local writes the repository of the working directory", async () => {
      const w = await fresh();
      const repo = tempDir();
      await gitOk(["init", "-q", repo], { env: w.env });
      expect((await setup(w, ["--local"], { cwd: repo })).code).toBe(0);
      expect(await readConfig(["--file", join(repo, ".git", "config")], CREDENTIAL, { env: w.env })).toHaveLength(count);
      expect(readFileSync(w.globalConfig, "utf8")).toBe("");
    });

    test("--file writes that file", async () => {
      const w = await fresh();
      const file = join(tempDir(), "included.gitconfig");
      expect((await setup(w, ["--file", file])).code).toBe(0);
      expect(await readConfig(["--file", file], CREDENTIAL, { env: w.env })).toHaveLength(count);
      expect(readFileSync(w.globalConfig, "utf8")).toBe("");
    });

    test("two scopes are a usage error", async () => {
      const w = await fresh();
      for (const args of [["--global", "--local"], ["--system", "--file", "x"]]) {
        const r = await setup(w, args);
        expect(r.code).toBe(2);
        expect(r.stderr).toStartWith("git-credential-codecommit: choose one of --global, --system, --local, --file\nusage: ");
      }
      expect(readFileSync(w.globalConfig, "utf8")).toBe("");
    });
  });

  test("the AWS CLI's helper is reported, and --replace removes it", async () => {
    const w = await fresh();
    // The AWS documentation's recommended configuration (awsdocs issue #36).
    const section = "credential.https://git-codecommit.*.amazonaws.com";
    const aws = "!aws codecommit credential-helper $@";
    await gitOk(["config", "--global", `${section}.helper`, ""], { env: w.env });
    await gitOk(["config", "--global", "--add", `${section}.helper`, aws], { env: w.env });
    await gitOk(["config", "--global", `${section}.UseHttpPath`, "true"], { env: w.env });

    const r = await setup(w, []);
    expect(r.code).toBe(0);
    // setup's reset lands after it in the same section: git no longer runs it (GIT_TRACE agrees below).
    expect(r.stdout).toStartWith(
      "Found AWS CLI credential-helper settings that git no longer runs for CodeCommit (an empty helper line after them clears them), still configured:\n" +
        `  file:${w.globalConfig}: ${section}.helper = ${aws}\n` +
        'Run "git-credential-codecommit setup --replace" to remove them.\n',
    );
    expect(await helpersGitRuns(w)).toEqual([`'${exe}' erase`]);
    const helpers = async () => (await readConfig(["--file", w.globalConfig], `^${section.replace(/[.*]/g, "\\$&")}\\.helper$`, { env: w.env })).map(([, v]) => v);
    // The user's reset stays where they put it; ours follows their AWS CLI helper, which it overrides.
    expect(await helpers()).toEqual(["", aws, "", `!'${exe}'`]);

    const replaced = await setup(w, ["--replace"]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain(`--unset-all '${section}.helper' '^!aws codecommit credential-helper \\$@$'\n`);
    expect(await helpers()).toEqual(["", "", `!'${exe}'`]);
    expect(readFileSync(w.globalConfig, "utf8")).not.toContain("aws codecommit");
    expect((await setup(w, [])).stdout).toBe("git is already set up for CodeCommit (--global).\n");
  });

  test("setup and doctor agree with git on whether the AWS CLI's helper still runs", async () => {
    const aws = "!aws codecommit credential-helper $@";
    const ran = `aws codecommit credential-helper $@ erase`;
    const doctorSays = async (w: GitWorld, cwd?: string) => {
      const r = await runCli(["doctor"], { env: { ...w.env, AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" }, cwd: cwd ?? w.home });
      return r.stdout.split("\n").filter((l) => l.includes("AWS CLI"));
    };

    // Before setup, in the global file: setup's sections come after it and clear it.
    const before = await fresh();
    await gitOk(["config", "--global", "credential.helper", aws], { env: before.env });
    expect(await helpersGitRuns(before)).toEqual([ran]);
    const cleared = await setup(before, []);
    expect(cleared.stdout).toStartWith(
      "Found AWS CLI credential-helper settings that git no longer runs for CodeCommit (an empty helper line after them clears them), still configured:\n" +
        `  file:${before.globalConfig}: credential.helper = ${aws}\n`,
    );
    expect(await helpersGitRuns(before)).toEqual([`'${exe}' erase`]);
    expect(await doctorSays(before)).toEqual([`[warn] migration: an AWS CLI credential-helper setting is still configured: credential.helper (file:${before.globalConfig})`]);

    // In a repository's config, read after the global file: it still runs after ours.
    const later = await fresh();
    const repo = tempDir();
    await gitOk(["init", "-q", repo], { env: later.env });
    await gitOk(["config", "--local", "credential.helper", aws], { env: later.env, cwd: repo });
    const running = await setup(later, [], { cwd: repo });
    const local = `file:${realpathSync(repo)}/.git/config`;
    expect(running.stdout).toStartWith(`Found AWS CLI credential-helper settings, which would also run for CodeCommit:\n  ${local}: credential.helper = ${aws}\n`);
    expect(await helpersGitRuns(later, repo)).toEqual([`'${exe}' erase`, ran]);
    expect(await doctorSays(later, repo)).toEqual([`[fail] helper: git also runs the AWS CLI's helper "${aws}" (${local})`]);

    // In a section for one region's endpoint, after setup's: it runs for that region, and doctor fails it for any URL.
    const regional = await fresh();
    expect((await setup(regional, [])).code).toBe(0);
    const eu = "credential.https://git-codecommit.eu-west-1.amazonaws.com";
    await gitOk(["config", "--global", `${eu}.helper`, aws], { env: regional.env });
    expect(await helpersGitRuns(regional, undefined, "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/x")).toEqual([`'${exe}' erase`, ran]);
    expect((await setup(regional, [])).stdout).toStartWith(
      `Found AWS CLI credential-helper settings, which would also run for CodeCommit:\n  file:${regional.globalConfig}: ${eu}.helper = ${aws}\n`,
    );
    expect(await doctorSays(regional)).toEqual([
      `[fail] helper: git also runs the AWS CLI's helper "${aws}" (file:${regional.globalConfig}) for https://git-codecommit.eu-west-1.amazonaws.com URLs`,
    ]);
  });

  test("--replace from a repository's subdirectory removes the AWS CLI's helper from its config", async () => {
    const w = await fresh();
    const repo = tempDir();
    const sub = join(repo, "src");
    await gitOk(["init", "-q", repo], { env: w.env });
    mkdirSync(sub);
    await gitOk(["config", "--local", "credential.helper", "!aws codecommit credential-helper $@"], { env: w.env, cwd: repo });
    const r = await setup(w, ["--replace"], { cwd: sub });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  file:${realpathSync(repo)}/.git/config: credential.helper = !aws codecommit credential-helper $@\n`);
    expect(readFileSync(join(repo, ".git", "config"), "utf8")).not.toContain("aws codecommit");
  });

  test.skipIf(lacks("sh"))("a git older than 2.13 is refused", async () => {
    const w = await fresh();
    const bin = tempDir();
    writeFileSync(join(bin, "git"), "#!/bin/sh\necho 'git version 2.12.0'\n", { mode: 0o755 });
    const r = await setup(w, [], { env: { ...w.env, PATH: `${bin}:${w.env.PATH}` } });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: "git-credential-codecommit: setup needs git 2.13.0 or later (wildcard URL patterns); this git is 2.12.0\n",
    });
  });
});

describe("setup with spaces in the binary's path and the profile's name", () => {
  const USER: Identity = { accessKeyId: "AKIDSPACEDPROFILE001", secretAccessKey: "spaced/Profile+Secret" };
  let server: Awaited<ReturnType<typeof startGitServer>>;
  beforeAll(async () => {
    server = await startGitServer({ identities: [USER] });
    await server.createRepo("demo", { withInitialCommit: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("git runs the helper as written and the clone succeeds", async () => {
    const dir = join(tempDir(), "dir with space");
    mkdirSync(dir);
    // Windows runs only files named .exe; git for Windows' sh wants the line with forward slashes.
    const exe = join(dir, `git-credential-codecommit${process.platform === "win32" ? ".exe" : ""}`);
    const written = process.platform === "win32" ? exe.replaceAll("\\", "/") : exe;
    copyFileSync(BINARY, exe);
    chmodSync(exe, 0o755);
    const home = tempHome({
      credentials: `[my profile]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n`,
    });
    const w = await gitWorld(home, server);
    const origin = new URL(server.url("demo")).origin;

    const proc = Bun.spawn([exe, "setup", "--profile", "my profile", "--url", origin], { env: w.env, stdout: "pipe", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const helpers = await readConfig(["--file", w.globalConfig], "\\.helper$", { env: w.env });
    expect(helpers.at(-1)).toEqual([`credential.${origin}.helper`, `!'${written}' --profile 'my profile'`]);

    const from = server.requests.length;
    const clone = await git(["clone", server.url("demo"), join(tempDir(), "demo")], { env: w.env });
    expect(clone.stderr).not.toContain("fatal");
    expect(clone.code).toBe(0);
    expect(server.requests.slice(from).some((r) => r.status === 200 && r.username === USER.accessKeyId)).toBe(true);

    // doctor reads the quoted line back: the binary and the profile it names.
    const doctor = Bun.spawn([exe, "doctor", "--url", server.url("demo")], { env: w.env, stdout: "pipe", stderr: "pipe" });
    const [report, doctorCode] = await Promise.all([new Response(doctor.stdout).text(), doctor.exited]);
    expect(report).toContain(`[ok] binary: ${written} is git-credential-codecommit `);
    expect(report).toContain(`[ok] credentials: profile "my profile": `);
    expect(doctorCode).toBe(0);
  });
});
