// install.ps1 run for real on Windows (pwsh, which the GitHub runners ship),
// against a local copy of a release: the natively built binary packed as the
// release packs it, into a folder with spaces, then -Setup's git config, the
// git-remote-codecommit.exe copy, and -Uninstall.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json";
import { assetName, pack, type Target } from "../../build/release.ts";
import { BINARY } from "../support/binary.ts";
import { baseEnv } from "../support/cli.ts";
import { lacks } from "../support/platform.ts";
import { removeTempDirs, ROOT, run, serveReleases, tempDir } from "./support/release.ts";

const TAG = `v${pkg.version}`;

afterAll(removeTempDirs);

describe.skipIf(lacks("windows"))("install.ps1 on Windows", () => {
  test("installs the verified build into a folder with spaces, sets git up, and uninstalls", async () => {
    const target: Target = process.arch === "arm64" ? "windows-arm64" : "windows-x64";
    const asset = assetName(target);
    const releases = await tempDir("ps1-releases");
    mkdirSync(join(releases, TAG));
    // A Windows archive holds only the .exe: the page is for man, which Windows lacks.
    const archive = pack(target, new Uint8Array(await Bun.file(BINARY).arrayBuffer()), new Uint8Array());
    await Bun.write(join(releases, TAG, asset), archive);
    const sum = new Bun.CryptoHasher("sha256").update(archive).digest("hex");
    await Bun.write(join(releases, TAG, "SHA256SUMS"), `${sum}  ${asset}\n`);
    const server = serveReleases(releases, TAG);

    const home = await tempDir("ps1-home");
    const dir = join(await tempDir("ps1-install"), "Program Files with spaces", "gcc");
    const env = {
      ...baseEnv(home),
      LOCALAPPDATA: join(home, "AppData", "Local"),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CREDENTIAL_CODECOMMIT_BASE_URL: server.url,
      GIT_CREDENTIAL_CODECOMMIT_VERSION: pkg.version,
      GIT_CREDENTIAL_CODECOMMIT_INSTALL_DIR: dir,
    };
    const pwsh = ["pwsh", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", join(ROOT, "install.ps1")];
    try {
      const install = await run([...pwsh, "-Setup"], { env });
      expect({ code: install.code, stderr: install.stderr }).toEqual({ code: 0, stderr: "" });
      expect(install.stdout).toContain(`downloading ${asset} from ${server.url}/download/${TAG}`);
      expect(install.stdout).toContain("SHA-256 verified against SHA256SUMS");
      expect(server.requests).toEqual([`/download/${TAG}/SHA256SUMS`, `/download/${TAG}/${asset}`]);

      const exe = join(dir, "git-credential-codecommit.exe");
      const alias = join(dir, "git-remote-codecommit.exe");
      expect(existsSync(exe) && existsSync(alias)).toBe(true);
      const version = await run([alias, "--version"], { env });
      expect(version.stdout).toStartWith(`git-credential-codecommit ${pkg.version} (`);

      // -Setup ran the installed binary: git for Windows' sh gets its path with forward slashes.
      const gitconfig = readFileSync(join(home, ".gitconfig"), "utf8");
      expect(gitconfig).toContain(`!'${exe.replaceAll("\\", "/")}'`);

      const uninstall = await run([...pwsh, "-Uninstall"], { env });
      expect(uninstall.code).toBe(0);
      expect(existsSync(exe) || existsSync(alias)).toBe(false);
    } finally {
      server.stop();
    }
  }, 120_000);
});
