// The linux-arm64 release asset, unpacked and run under qemu-user with the
// arm64 glibc from libc6-arm64-cross: the cross-compiled binary works, not
// only builds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import pkg from "../../package.json";
import { assetName } from "../../build/release.ts";
import {
  buildRelease,
  GET_ENV,
  GET_OUTPUT,
  GET_STDIN,
  removeTempDirs,
  requireFile,
  requireTools,
  run,
  tempDir,
  VERSION_OUTPUT,
} from "./support/release.ts";
import { lacks } from "../support/platform.ts";

const SYSROOT = "/usr/aarch64-linux-gnu";

describe.skipIf(lacks("qemu"))("linux-arm64 binary under qemu-aarch64", () => {
  let binary = "";
  let home = "";

  beforeAll(async () => {
    requireTools("qemu-aarch64", "tar");
    requireFile(`${SYSROOT}/lib/ld-linux-aarch64.so.1`, "apt-get install -y libc6-arm64-cross (.ci/run installs it)");
    const dir = await tempDir("arm64");
    await buildRelease(dir, ["linux-arm64"]);
    const unpacked = join(dir, "unpacked");
    await mkdir(unpacked);
    const untar = await run(["tar", "-xzf", join(dir, "out", assetName("linux-arm64")), "-C", unpacked]);
    if (untar.code !== 0) throw new Error(`cannot unpack: ${untar.stderr}`);
    binary = join(unpacked, "git-credential-codecommit");
    home = await tempDir("arm64-home");
  }, 120_000);

  afterAll(removeTempDirs);

  const qemu = (args: string[], env: Record<string, string> = {}, stdin?: string) =>
    run(["qemu-aarch64", "-L", SYSROOT, binary, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env },
      cwd: home,
      ...(stdin === undefined ? {} : { stdin }),
    });

  test("is an aarch64 executable", async () => {
    const head = new DataView((await Bun.file(binary).slice(0, 20).arrayBuffer()));
    expect(head.getUint32(0)).toBe(0x7f454c46); // "\x7fELF"
    expect(head.getUint16(18, true)).toBe(183); // e_machine: EM_AARCH64
  });

  test("answers --version with the package.json version", async () => {
    const r = await qemu(["--version"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(VERSION_OUTPUT);
    expect(VERSION_OUTPUT.exec(r.stdout)?.[1]).toBe(pkg.version);
    expect(r.code).toBe(0);
  }, 30_000);

  test("answers a get with a signed password", async () => {
    const r = await qemu(["get"], GET_ENV, GET_STDIN);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(GET_OUTPUT);
    expect(r.code).toBe(0);
  }, 30_000);
});
