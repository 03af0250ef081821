// readRegularFile and readSmallFile: how the helper reads a file someone else
// may have replaced (caches, tokens, config files).
import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { joinPath, readRegularFile, readSmallFile, UnreadableFile } from "../../src/util/files.ts";
import { tempDir } from "../support/home.ts";
import { linkToDevZero, makeFifo } from "../support/hostile.ts";

function failure(path: string, maxBytes: number): { kind: string; message: string } {
  try {
    readRegularFile(path, maxBytes);
  } catch (e) {
    if (e instanceof UnreadableFile) return { kind: e.kind, message: e.message };
    throw e;
  }
  throw new Error(`${path} was read`);
}

test("a file of exactly the cap is read whole; one byte more is too big", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "ten"), "0123456789");
  expect(readRegularFile(join(dir, "ten"), 10).toString()).toBe("0123456789");
  expect(failure(join(dir, "ten"), 9)).toEqual({ kind: "too-big", message: `${join(dir, "ten")} is larger than 9 bytes` });
  writeFileSync(join(dir, "empty"), "");
  expect(readRegularFile(join(dir, "empty"), 10).length).toBe(0);
});

test("links are followed to a regular file; FIFOs, devices and directories are refused without blocking", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "..data"));
  writeFileSync(join(dir, "..data", "token"), "jwt");
  symlinkSync("..data/token", join(dir, "token"));
  expect(readRegularFile(join(dir, "token"), 100).toString()).toBe("jwt");
  for (const path of [makeFifo(join(dir, "fifo")), linkToDevZero(join(dir, "zero")), join(dir, "..data")]) {
    expect(failure(path, 100)).toEqual({ kind: "not-regular", message: `${path} is not a regular file` });
  }
});

test("a missing file keeps the system's message", () => {
  const missing = join(tempDir(), "missing");
  expect(failure(missing, 100)).toEqual({ kind: "missing", message: `ENOENT: no such file or directory, open '${missing}'` });
});

describe("readSmallFile: the config files and cache entries every `get` reads", () => {
  async function smallFailure(path: string, maxBytes: number): Promise<{ kind: string; message: string }> {
    try {
      await readSmallFile(path, maxBytes);
    } catch (e) {
      if (e instanceof UnreadableFile) return { kind: e.kind, message: e.message };
      throw e;
    }
    throw new Error(`${path} was read`);
  }

  test("a file of exactly the cap is read whole; one byte more is too big", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ten"), "0123456789");
    expect(new TextDecoder().decode(await readSmallFile(join(dir, "ten"), 10))).toBe("0123456789");
    expect(await smallFailure(join(dir, "ten"), 9)).toEqual({ kind: "too-big", message: `${join(dir, "ten")} is larger than 9 bytes` });
  });

  test("no file, and an empty one, read as no bytes", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty"), "");
    expect((await readSmallFile(join(dir, "empty"), 10)).length).toBe(0);
    expect((await readSmallFile(join(dir, "missing"), 10)).length).toBe(0);
    expect((await readSmallFile(join(dir, "missing", "deeper"), 10)).length).toBe(0);
  });

  test("links are followed; a FIFO or a device is refused without blocking, a directory can't be read", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "..data"));
    writeFileSync(join(dir, "..data", "config"), "[default]\n");
    symlinkSync("..data/config", join(dir, "config"));
    expect(new TextDecoder().decode(await readSmallFile(join(dir, "config"), 100))).toBe("[default]\n");
    for (const path of [makeFifo(join(dir, "fifo")), linkToDevZero(join(dir, "zero"))]) {
      expect(await smallFailure(path, 100)).toEqual({ kind: "not-regular", message: `${path} is not a regular file` });
    }
    expect(await smallFailure(join(dir, "..data"), 1 << 20)).toEqual({ kind: "unreadable", message: `${join(dir, "..data")} cannot be read` });
  });
});

test("joinPath joins as path.join does for a folder and plain names", () => {
  for (const parts of [
    ["/home/me", ".aws", "cli", "cache", "abc.json"],
    ["/home/me/", ".aws", "sso", "cache"],
    ["/", ".aws", "login"],
    ["relative", "x.json"],
  ]) {
    expect(joinPath(parts[0]!, ...parts.slice(1))).toBe(join(...parts));
  }
});
