// The Windows MFA prompt turns the console's echo off through bun:ffi, which
// needs TinyCC, and Bun's windows-arm64 builds long came without it
// (oven-sh/bun#28055: "bun:ffi dlopen() is not available in this build").
// The release binary carries the runtime it was compiled with, so the pinned
// runtime's TinyCC is checked in the windows-arm64 binary itself. (It can't be
// run here; without TinyCC the prompt would still work, showing the code.)
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { compile } from "../../build/options.ts";
import { TARGETS } from "../../build/release.ts";
import { removeTempDirs, tempDir } from "./support/release.ts";

afterAll(removeTempDirs);

test("the windows-arm64 binary's Bun has TinyCC, so bun:ffi works there", async () => {
  const exe = join(await tempDir("arm64-ffi"), "git-credential-codecommit.exe");
  await compile({ outfile: exe, target: TARGETS["windows-arm64"] });
  const runtime = Buffer.from(await Bun.file(exe).arrayBuffer());
  // Messages from TinyCC's compile path, which a build without TinyCC leaves out.
  expect(runtime.includes("TinyCC failed to compile")).toBe(true);
  expect(runtime.includes("tcc_relocate returned a negative value")).toBe(true);
  expect(runtime.includes("TinyCC is disabled")).toBe(false);
}, 180_000);
