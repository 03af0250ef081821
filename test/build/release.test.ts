// build/release.ts: asset names, SHA256SUMS, archive contents, and that the
// same inputs give the same bytes (once in one go, once in the two halves the
// release workflow uses, concurrently so both read the same sources).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { assetName, type Target } from "../../build/release.ts";
import { MAN_PAGE, manPage, sourceDate } from "../../build/man.ts";
import { buildRelease, removeTempDirs, requireTools, run, tempDir, VERSION_OUTPUT } from "./support/release.ts";
import { lacks } from "../support/platform.ts";

const TARGETS: Target[] = ["linux-x64", "windows-arm64"];
const VERSION = "1.2.3-test";

const sha256 = async (path: string) =>
  new Bun.CryptoHasher("sha256").update(await Bun.file(path).bytes()).digest("hex");

describe.skipIf(lacks("busybox"))("build/release.ts", () => {
  let once = "";
  let halves = "";

  beforeAll(async () => {
    requireTools("tar", "busybox", "sha256sum");
    once = await tempDir("release-once");
    halves = await tempDir("release-halves");
    await Promise.all([
      buildRelease(once, TARGETS, ["--version", `v${VERSION}`]),
      buildRelease(halves, TARGETS, ["--version", VERSION, "--compile-only"]).then(() =>
        buildRelease(halves, TARGETS, ["--package-only"]),
      ),
    ]);
  }, 180_000);

  afterAll(removeTempDirs);

  test("writes exactly the archives asked for and SHA256SUMS", async () => {
    const files = (await readdir(join(once, "out"))).sort();
    expect(files).toEqual([
      "SHA256SUMS",
      "git-credential-codecommit-linux-x64.tar.gz",
      "git-credential-codecommit-windows-arm64.zip",
    ]);
    const expected = [];
    for (const name of files.filter((f) => f !== "SHA256SUMS")) {
      expected.push(`${await sha256(join(once, "out", name))}  ${name}\n`);
    }
    expect(await Bun.file(join(once, "out", "SHA256SUMS")).text()).toBe(expected.join(""));
    // And the format is the one sha256sum itself checks.
    const check = await run(["sha256sum", "--strict", "-c", "SHA256SUMS"], { cwd: join(once, "out") });
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
  });

  test("the same inputs give the same bytes", async () => {
    expect((await readdir(join(halves, "out"))).sort()).toEqual((await readdir(join(once, "out"))).sort());
    for (const name of await readdir(join(once, "out"))) {
      expect({ name, sha256: await sha256(join(halves, "out", name)) }).toEqual({
        name,
        sha256: await sha256(join(once, "out", name)),
      });
    }
  });

  test("the tarball holds the executable, which runs, and the manual page of this version and commit date, with fixed owner and time", async () => {
    const tarball = join(once, "out", assetName("linux-x64"));
    const listing = await run(["tar", "--numeric-owner", "--full-time", "-tvzf", tarball]);
    expect(listing.code).toBe(0);
    expect(listing.stdout).toMatch(
      /^-rwxr-xr-x 0\/0 +\d+ 1980-01-01 00:00:00 git-credential-codecommit\n-rw-r--r-- 0\/0 +\d+ 1980-01-01 00:00:00 git-credential-codecommit\.1\n$/,
    );

    const dir = await tempDir("release-untar");
    expect((await run(["tar", "-xzf", tarball, "-C", dir])).code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(["git-credential-codecommit", MAN_PAGE]);
    const page = await Bun.file(join(dir, MAN_PAGE)).text();
    expect(page).toBe(await manPage(VERSION, sourceDate()));
    expect(page).toContain(`.TH GIT-CREDENTIAL-CODECOMMIT 1 "${sourceDate()}" "git-credential-codecommit ${VERSION}" "User Commands"\n`);
    const binary = join(dir, "git-credential-codecommit");
    expect(await sha256(binary)).toBe(await sha256(join(once, "bin", "linux-x64", "git-credential-codecommit")));

    const version = await run([binary, "--version"]);
    expect(version.stdout).toMatch(VERSION_OUTPUT);
    expect(VERSION_OUTPUT.exec(version.stdout)?.[1]).toBe(VERSION);
  }, 30_000);

  test("the Windows zip holds exactly the .exe", async () => {
    const zip = join(once, "out", assetName("windows-arm64"));
    const dir = await tempDir("release-unzip");
    const unzip = await run(["busybox", "unzip", "-q", zip, "-d", dir]);
    expect(unzip.stderr).toBe("");
    expect(await readdir(dir)).toEqual(["git-credential-codecommit.exe"]);
    const exe = join(dir, "git-credential-codecommit.exe");
    expect(await sha256(exe)).toBe(await sha256(join(once, "bin", "windows-arm64", "git-credential-codecommit.exe")));
    expect(new TextDecoder().decode((await Bun.file(exe).bytes()).subarray(0, 2))).toBe("MZ");
  }, 30_000);

  test("a narrower run drops stale archives, so SHA256SUMS still lists every file beside it", async () => {
    await buildRelease(once, ["linux-x64"], ["--package-only"]);
    expect((await readdir(join(once, "out"))).sort()).toEqual(["SHA256SUMS", assetName("linux-x64")]);
    expect(await Bun.file(join(once, "out", "SHA256SUMS")).text()).toBe(
      `${await sha256(join(once, "out", assetName("linux-x64")))}  ${assetName("linux-x64")}\n`,
    );
  }, 60_000);

  test("an unknown target fails before compiling anything", async () => {
    const r = await run([process.execPath, "build/release.ts", "--targets", "linux-x64,plan9-x64", "--outdir", await tempDir("release-bad")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown target(s) "plan9-x64"');
    expect(r.stdout).toBe("");
  });
});
