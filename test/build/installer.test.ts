// install.sh end to end, under dash (with curl) and under busybox sh with
// nothing but busybox's applets on PATH (wget, tar, sha256sum: an Alpine-like
// system), against a local server laid out like GitHub's release downloads.
// The linux-x64 archive is the real one from build/release.ts, so the
// installer's smoke test really runs the helper; other platforms get tiny
// stand-in archives, since only the installer's choice of asset is under test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmod, link, lstat, mkdir, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pkg from "../../package.json";
import { assetName, pack, type Target } from "../../build/release.ts";
import { MAN_PAGE } from "../../build/man.ts";
import {
  buildRelease,
  removeTempDirs,
  requireTools,
  requireFile,
  ROOT,
  run,
  serveReleases,
  tempDir,
} from "./support/release.ts";
import { lacks } from "../support/platform.ts";

const INSTALL_SH = join(ROOT, "install.sh");
const TAG = `v${pkg.version}`;
const TAMPERED_TAG = "v6.6.6";
const MISLABELLED_TAG = "v0.0.1";
const PAGELESS_TAG = "v0.0.9";
const NAME = "git-credential-codecommit";

const UNAME_LINUX_X64 = "#!/bin/sh\ncase $1 in -m) echo x86_64 ;; *) echo Linux ;; esac\n";
const LDD_GLIBC = "#!/bin/sh\necho 'ldd (Debian GLIBC 2.36-9+deb12u13) 2.36'\n";
// musl's ldd prints this on stderr and exits 1.
const LDD_MUSL = "#!/bin/sh\necho 'musl libc (x86_64)' >&2\necho 'Version 1.2.5' >&2\nexit 1\n";

function fakeBinary(target: Target): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(
    `#!/bin/sh\ncase $1 in\n  --version) echo "${NAME} ${pkg.version} (fake-${target})" ;;\n  setup) echo "setup $*" >"$FAKE_SETUP_LOG" ;;\nesac\n`,
  );
}

const FAKE_PAGE = '.TH GIT-CREDENTIAL-CODECOMMIT 1 "2000-01-01" "fake"\n';
let realPage = "";

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

let server: ReturnType<typeof serveReleases>;
let busyboxOnly = ""; // every busybox applet, and nothing else
let busyboxNoSha = ""; // the same without sha256sum

beforeAll(async () => {
  if (lacks("dash") || process.arch !== "x64") return;
  requireTools("dash", "busybox", "shellcheck", "curl");
  const build = await tempDir("installer-build");
  await buildRelease(build, ["linux-x64"]);
  realPage = await Bun.file(join(build, "bin", MAN_PAGE)).text();

  const releases = await tempDir("installer-releases");
  const good = join(releases, TAG);
  await mkdir(good);
  await link(join(build, "out", assetName("linux-x64")), join(good, assetName("linux-x64")));
  for (const t of ["linux-x64-musl", "darwin-arm64"] as const) {
    await Bun.write(join(good, assetName(t)), pack(t, fakeBinary(t), new TextEncoder().encode(FAKE_PAGE)));
  }
  let sums = "";
  for (const f of (await readdir(good)).sort()) sums += `${sha256(await Bun.file(join(good, f)).bytes())}  ${f}\n`;
  await Bun.write(join(good, "SHA256SUMS"), sums);

  // One flipped byte in the middle of the real archive; the checksums are the genuine ones.
  const tampered = join(releases, TAMPERED_TAG);
  await mkdir(tampered);
  const bytes = await Bun.file(join(good, assetName("linux-x64"))).bytes();
  bytes[bytes.length >> 1]! ^= 0xff;
  await Bun.write(join(tampered, assetName("linux-x64")), bytes);
  await link(join(good, "SHA256SUMS"), join(tampered, "SHA256SUMS"));

  // The right hash, but on a line for another file whose name merely contains the asset's.
  const mislabelled = join(releases, MISLABELLED_TAG);
  await mkdir(mislabelled);
  await link(join(good, assetName("linux-x64")), join(mislabelled, assetName("linux-x64")));
  const realHash = sums.split("\n").find((l) => l.endsWith(`  ${assetName("linux-x64")}`))!.split(" ")[0];
  await Bun.write(join(mislabelled, "SHA256SUMS"), `${realHash}  ${assetName("linux-x64")}.sig\n`);

  // A release from before the manual page: the archive holds the binary alone.
  const pageless = join(releases, PAGELESS_TAG);
  await mkdir(join(pageless, "stage"), { recursive: true });
  await writeFile(join(pageless, "stage", NAME), fakeBinary("linux-x64"), { mode: 0o755 });
  const packed = await run(["tar", "-czf", join(pageless, assetName("linux-x64")), "-C", join(pageless, "stage"), NAME]);
  if (packed.code !== 0) throw new Error(packed.stderr);
  await Bun.write(join(pageless, "SHA256SUMS"), `${sha256(await Bun.file(join(pageless, assetName("linux-x64"))).bytes())}  ${assetName("linux-x64")}\n`);

  server = serveReleases(releases, TAG);

  const applets = (await run(["busybox", "--list"])).stdout.split("\n").filter(Boolean);
  busyboxOnly = await tempDir("busybox-only");
  busyboxNoSha = await tempDir("busybox-nosha");
  const busybox = Bun.which("busybox")!;
  for (const a of applets) {
    await symlink(busybox, join(busyboxOnly, a));
    if (a !== "sha256sum") await symlink(busybox, join(busyboxNoSha, a));
  }
}, 180_000);

afterAll(async () => {
  server?.stop();
  await removeTempDirs();
});

interface InstallOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Scripts put first on PATH, by name; uname and ldd default to a glibc Linux x86_64. */
  shims?: Record<string, string>;
  dir?: string;
  dirOnPath?: boolean;
  path?: string;
  script?: string;
}

async function installer(shell: string[], opts: InstallOptions = {}) {
  const home = await tempDir("home");
  const dir = opts.dir ?? join(home, "bin");
  const shims = await tempDir("shims");
  for (const [name, body] of Object.entries({ uname: UNAME_LINUX_X64, ldd: LDD_GLIBC, ...opts.shims })) {
    await writeFile(join(shims, name), body);
    await chmod(join(shims, name), 0o755);
  }
  const basePath = opts.path ?? (shell[0] === "busybox" ? busyboxOnly : (process.env.PATH ?? "/usr/bin:/bin"));
  server.requests.length = 0;
  // Resolved here: the child's PATH may hold only busybox's applets.
  const [exe, ...shellArgs] = shell;
  const r = await run([Bun.which(exe!) ?? exe!, ...shellArgs, opts.script ?? INSTALL_SH, ...(opts.args ?? [])], {
    env: {
      HOME: home,
      PATH: [shims, ...(opts.dirOnPath ? [dir] : []), basePath].join(":"),
      GIT_CREDENTIAL_CODECOMMIT_BASE_URL: server.url,
      GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR: dir,
      ...opts.env,
    },
  });
  return { ...r, dir, requests: [...server.requests] };
}

async function listing(dir: string): Promise<string[] | "absent"> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return "absent";
  }
}

/** Where install.sh puts the manual page for an install folder `<prefix>/bin`. */
const manDir = (dir: string) => join(dir, "..", "share", "man", "man1");

async function expectInstalled(dir: string, versionText: RegExp, page = FAKE_PAGE) {
  expect(await listing(manDir(dir))).toEqual([MAN_PAGE]);
  expect((await lstat(join(manDir(dir), MAN_PAGE))).mode & 0o777).toBe(0o644);
  expect(await Bun.file(join(manDir(dir), MAN_PAGE)).text()).toBe(page);
  expect(await listing(dir)).toEqual([NAME, "git-remote-codecommit"]);
  expect((await lstat(join(dir, "git-remote-codecommit"))).isSymbolicLink()).toBe(true);
  expect(await readlink(join(dir, "git-remote-codecommit"))).toBe(NAME);
  expect((await run([join(dir, NAME), "--version"])).stdout).toMatch(versionText);
}

/** A refusal is one line on stderr, a non-zero status, and nothing in the install dir. */
async function expectRefused(r: Awaited<ReturnType<typeof installer>>, message: RegExp) {
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.code).not.toBe(0);
  const left = await listing(r.dir);
  expect(left === "absent" ? [] : left).toEqual([]);
}

const realVersion = new RegExp(`^${NAME} ${pkg.version.replaceAll(".", "\\.")} \\(`);
const SHELLS: Record<string, string[]> = { dash: ["dash"], "busybox sh": ["busybox", "sh"] };

describe.skipIf(lacks("dash") || process.arch !== "x64")("install.sh", () => {
  test("is clean under shellcheck -s sh", async () => {
    const r = await run(["shellcheck", "-s", "sh", INSTALL_SH]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("cut short at any line, it runs nothing", async () => {
    const lines = (await Bun.file(INSTALL_SH).text()).split("\n");
    expect(lines.at(-2)).toBe('main "$@" || exit 1');
    const dir = await tempDir("cut");
    server.requests.length = 0;
    const outcomes = await Promise.all(
      lines.slice(0, -2).map(async (_, i) => {
        const script = join(dir, `install-${i}.sh`);
        await Bun.write(script, lines.slice(0, i + 1).join("\n"));
        const r = await run(["dash", script], {
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CREDENTIAL_CODECOMMIT_BASE_URL: server.url },
        });
        return r.stdout === "" ? null : `cut after line ${i + 1} printed: ${r.stdout}`;
      }),
    );
    expect(outcomes.filter(Boolean)).toEqual([]);
    expect(server.requests).toEqual([]);
    expect(await listing(join(dir, ".local"))).toBe("absent");
  }, 60_000);

  for (const [shellName, shell] of Object.entries(SHELLS)) {
    describe(`under ${shellName}`, () => {
      test("installs a pinned version, with or without the v", async () => {
        for (const version of [pkg.version, TAG]) {
          const r = await installer(shell, { env: { GIT_CREDENTIAL_CODECOMMIT_VERSION: version } });
          expect(r.stderr).toBe("");
          expect(r.code).toBe(0);
          expect(r.requests).toEqual([`/download/${TAG}/SHA256SUMS`, `/download/${TAG}/${assetName("linux-x64")}`]);
          await expectInstalled(r.dir, realVersion, realPage);
          expect(r.stdout).toContain(`installed ${NAME} ${pkg.version} (`);
          expect(r.stdout).toContain(`installed the manual page as ${manDir(r.dir).replace("/bin/../", "/")}/${MAN_PAGE} (man ${NAME}, or git credential-codecommit --help)\n`);
          expect(r.stdout).toContain(`${r.dir} is not on your PATH`);
        }
      }, 60_000);

      test("installs the latest release by default, over an earlier install", async () => {
        const first = await installer(shell, { dirOnPath: true });
        expect(first.code).toBe(0);
        const again = await installer(shell, { dir: first.dir, dirOnPath: true });
        expect(again.stderr).toBe("");
        expect(again.code).toBe(0);
        expect(again.requests).toEqual([
          "/latest/download/SHA256SUMS",
          `/download/${TAG}/SHA256SUMS`,
          `/latest/download/${assetName("linux-x64")}`,
          `/download/${TAG}/${assetName("linux-x64")}`,
        ]);
        await expectInstalled(again.dir, realVersion, realPage);
        expect(again.stdout).not.toContain("not on your PATH");
      }, 60_000);

      test("installs a release from before the manual page, without one", async () => {
        const r = await installer(shell, { env: { GIT_CREDENTIAL_CODECOMMIT_VERSION: PAGELESS_TAG } });
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        expect(await listing(r.dir)).toEqual([NAME, "git-remote-codecommit"]);
        expect(await listing(manDir(r.dir))).toBe("absent");
        expect(r.stdout).not.toContain("manual page");
      });

      test("refuses a tampered archive and installs nothing", async () => {
        const r = await installer(shell, { env: { GIT_CREDENTIAL_CODECOMMIT_VERSION: TAMPERED_TAG } });
        await expectRefused(r, /checksum mismatch for git-credential-codecommit-linux-x64\.tar\.gz/);
      }, 30_000);

      test("matches SHA256SUMS by the exact name only", async () => {
        const r = await installer(shell, { env: { GIT_CREDENTIAL_CODECOMMIT_VERSION: MISLABELLED_TAG } });
        await expectRefused(r, /SHA256SUMS of the release v0\.0\.1 has no line for git-credential-codecommit-linux-x64\.tar\.gz/);
      }, 30_000);

      test("refuses a release that does not exist, in one line", async () => {
        const r = await installer(shell, { env: { GIT_CREDENTIAL_CODECOMMIT_VERSION: "9.9.9" } });
        await expectRefused(r, /cannot download .*\/download\/v9\.9\.9\/SHA256SUMS .*404/);
        expect(r.requests).toEqual(["/download/v9.9.9/SHA256SUMS"]);
      });

      for (const [what, uname, message] of [
        ["an unsupported OS", "#!/bin/sh\ncase $1 in -m) echo x86_64 ;; *) echo FreeBSD ;; esac\n", /unsupported operating system: FreeBSD/],
        ["an unsupported CPU", "#!/bin/sh\ncase $1 in -m) echo riscv64 ;; *) echo Linux ;; esac\n", /unsupported CPU: riscv64/],
        ["Windows, pointing to install.ps1", "#!/bin/sh\ncase $1 in -m) echo x86_64 ;; *) echo MINGW64_NT-10.0-26100 ;; esac\n", /use install\.ps1.*latest\/download\/install\.ps1 \| iex/],
      ] as const) {
        test(`refuses ${what} before downloading anything`, async () => {
          const r = await installer(shell, { shims: { uname } });
          await expectRefused(r, message);
          expect(r.requests).toEqual([]);
        });
      }

      test("picks the musl build where ldd is musl's", async () => {
        const r = await installer(shell, { shims: { ldd: LDD_MUSL } });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.requests.at(-1)).toBe(`/download/${TAG}/${assetName("linux-x64-musl")}`);
        await expectInstalled(r.dir, /\(fake-linux-x64-musl\)$/m);
      });

      test("picks the arm64 build on Apple silicon even under Rosetta", async () => {
        const r = await installer(shell, {
          shims: {
            uname: "#!/bin/sh\ncase $1 in -m) echo x86_64 ;; *) echo Darwin ;; esac\n",
            sysctl: '#!/bin/sh\n[ "$2" = sysctl.proc_translated ] && echo 1\n',
          },
        });
        expect(r.stderr).toBe("");
        expect(r.requests.at(-1)).toBe(`/download/${TAG}/${assetName("darwin-arm64")}`);
        await expectInstalled(r.dir, /\(fake-darwin-arm64\)$/m);
      });

      test("--setup runs the helper's setup after installing, with no stdin", async () => {
        const log = join(await tempDir("setup"), "log");
        const r = await installer(shell, { args: ["--setup"], shims: { ldd: LDD_MUSL }, env: { FAKE_SETUP_LOG: log } });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(await Bun.file(log).text()).toBe("setup setup\n");
      });

      test("--uninstall removes exactly the two names and the manual page it installed", async () => {
        const home = await tempDir("uninstall");
        const dir = join(home, "bin");
        await mkdir(dir);
        await writeFile(join(dir, "other-tool"), "keep me");
        await writeFile(join(dir, `${NAME}.bak`), "keep me too");
        const installed = await installer(shell, { dir, shims: { ldd: LDD_MUSL } });
        expect(installed.code).toBe(0);

        const r = await installer(shell, { dir, args: ["--uninstall"] });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.requests).toEqual([]);
        expect(await listing(dir)).toEqual([`${NAME}.bak`, "other-tool"]);
        expect(await listing(manDir(dir))).toEqual([]);
        expect(r.stdout).toContain(`removed ${manDir(dir).replace("/bin/../", "/")}/${MAN_PAGE}\n`);

        const again = await installer(shell, { dir, args: ["--uninstall"] });
        expect(again.code).toBe(0);
        expect(again.stdout).toContain("nothing to remove");
      });

      test("leaves another program's git-remote-codecommit alone, installing and uninstalling", async () => {
        const home = await tempDir("foreign");
        const dir = join(home, "bin");
        await mkdir(dir);
        const foreign = "#!/usr/bin/python3\n# AWS's pip package\n";
        await writeFile(join(dir, "git-remote-codecommit"), foreign);
        const installed = await installer(shell, { dir, shims: { ldd: LDD_MUSL } });
        expect(installed.code).toBe(0);
        expect(installed.stdout).toContain("left");
        expect(await Bun.file(join(dir, "git-remote-codecommit")).text()).toBe(foreign);

        const r = await installer(shell, { dir, args: ["--uninstall"] });
        expect(r.code).toBe(0);
        expect(await listing(dir)).toEqual(["git-remote-codecommit"]);
        expect(await Bun.file(join(dir, "git-remote-codecommit")).text()).toBe(foreign);
      });

      test("--help prints usage; an unknown flag is refused", async () => {
        const help = await installer(shell, { args: ["--help"] });
        expect(help.code).toBe(0);
        expect(help.stdout).toContain("usage: install.sh");
        expect(help.requests).toEqual([]);
        const bad = await installer(shell, { args: ["--frobnicate"] });
        await expectRefused(bad, /unknown argument: --frobnicate/);
      });

      test("a truncated script runs nothing", async () => {
        const text = await Bun.file(INSTALL_SH).bytes();
        const half = join(await tempDir("truncated"), "install.sh");
        await Bun.write(half, text.subarray(0, text.length >> 1));
        const r = await installer(shell, { script: half });
        expect(r.stdout).toBe("");
        expect(r.requests).toEqual([]);
        expect(await listing(r.dir)).toBe("absent");
      });
    });
  }

  test("an install folder not ending in /bin gets the manual page in <folder>/share/man/man1, and loses it on --uninstall", async () => {
    const dir = join(await tempDir("opt"), "gcc");
    const r = await installer(SHELLS.dash!, { dir, shims: { ldd: LDD_MUSL } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await listing(dir)).toEqual([NAME, "git-remote-codecommit", "share"]);
    expect(await Bun.file(join(dir, "share", "man", "man1", MAN_PAGE)).text()).toBe(FAKE_PAGE);
    const gone = await installer(SHELLS.dash!, { dir, args: ["--uninstall"] });
    expect(gone.code).toBe(0);
    expect(await listing(join(dir, "share", "man", "man1"))).toEqual([]);
    expect(await listing(dir)).toEqual(["share"]);
  });

  test("git credential-codecommit --help opens the installed page, found by man from PATH alone", async () => {
    const r = await installer(SHELLS.dash!, { env: { GIT_CREDENTIAL_CODECOMMIT_VERSION: TAG } });
    expect(r.code).toBe(0);
    // git hands the page name to man.<tool>.cmd; this viewer records where man finds it.
    const tools = await tempDir("viewer");
    const log = join(tools, "asked");
    await writeFile(join(tools, "viewer"), `#!/bin/sh\nprintf '%s\\n' "$*" > '${log}'\nman -w "$@" >> '${log}' 2>&1\n`);
    await chmod(join(tools, "viewer"), 0o755);
    const home = join(r.dir, "..");
    const git = await run(["git", "-c", "man.viewer=rec", "-c", `man.rec.cmd=${join(tools, "viewer")}`, "credential-codecommit", "--help"], {
      env: { HOME: home, PATH: `${r.dir}:${process.env.PATH ?? "/usr/bin:/bin"}`, GIT_CONFIG_NOSYSTEM: "1" },
    });
    expect({ code: git.code, stderr: git.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await Bun.file(log).text()).toBe(`${NAME}\n${join(manDir(r.dir).replace("/bin/..", ""), MAN_PAGE)}\n`);
    // And man renders it without a warning.
    const shown = await run(["man", "-l", join(manDir(r.dir), MAN_PAGE)], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", MANWIDTH: "80" } });
    expect({ code: shown.code, stderr: shown.stderr }).toEqual({ code: 0, stderr: "" });
    expect(shown.stdout.replace(/\s+/g, " ")).toContain("NAME git-credential-codecommit, git-remote-codecommit - git credential helper and remote helper for AWS CodeCommit");
  }, 30_000);

  describe("--from a checkout's build (npm run build)", () => {
    const dist = join(ROOT, "dist");
    beforeAll(() => {
      requireFile(join(dist, NAME), "run npm run build");
      requireFile(join(dist, MAN_PAGE), "run npm run build");
    });

    test("installs the built binary, the git-remote-codecommit link and the manual page as a release does; --uninstall removes them", async () => {
      for (const args of [["--from", dist], [`--from=${dist}`]]) {
        const r = await installer(SHELLS.dash!, { args });
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        expect(r.requests).toEqual([]);
        expect(r.stdout).toStartWith(`installing the build in ${dist}\ninstalled ${NAME} ${pkg.version} (`);
        await expectInstalled(r.dir, realVersion, await Bun.file(join(dist, MAN_PAGE)).text());
        expect(await sha256(await Bun.file(join(r.dir, NAME)).bytes())).toBe(sha256(await Bun.file(join(dist, NAME)).bytes()));
        const gone = await installer(SHELLS.dash!, { dir: r.dir, args: ["--uninstall"] });
        expect(gone.code).toBe(0);
        expect(await listing(r.dir)).toEqual([]);
        expect(await listing(manDir(r.dir))).toEqual([]);
      }
    }, 60_000);

    test("refuses a folder without a build, or no folder, in one line", async () => {
      const empty = await tempDir("empty");
      await expectRefused(await installer(SHELLS.dash!, { args: ["--from", empty] }), new RegExp(`${empty}/? has no ${NAME}: build it first with npm run build`));
      await expectRefused(await installer(SHELLS.dash!, { args: ["--from"] }), /--from needs a folder, e\.g\. --from dist/);
    });
  });

  test("refuses when no SHA-256 tool is available", async () => {
    const r = await installer(SHELLS["busybox sh"]!, { path: busyboxNoSha });
    await expectRefused(r, /cannot verify the download: none of sha256sum, shasum or openssl/);
  }, 30_000);
});
