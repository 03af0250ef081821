// Reading a file someone else may have replaced: a FIFO, /dev/zero behind a
// symlink, a file of gigabytes. Links are followed (EKS token files are
// `token -> ..data/token`); what they lead to is checked on the open descriptor.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

// The open flags, read when first needed: the build loads src/'s named node:fs
// imports lazily, which works only for functions (see build/options.ts).
const openFlags = () => {
  const { constants } = require("node:fs") as typeof import("node:fs");
  return constants.O_RDONLY | constants.O_NONBLOCK;
};

/**
 * `first` and `rest` joined with this OS's separator, as path.join does for
 * the paths `get` builds (a home or cache folder and plain names), without
 * loading node:path: that costs a cache hit about a millisecond.
 */
export function joinPath(first: string, ...rest: string[]): string {
  const sep = process.platform === "win32" ? "\\" : "/";
  let path = first;
  for (const part of rest) path += path.endsWith(sep) || path.endsWith("/") ? part : sep + part;
  return path;
}

/** Why a file was not read: a sentence for a person, never the content. */
export class UnreadableFile extends Error {
  constructor(
    message: string,
    readonly kind: "missing" | "not-regular" | "too-big" | "unreadable",
  ) {
    super(message);
  }
}

/** A cap for a message: "1 MiB", "64 KiB", else in bytes. */
export function sizeText(bytes: number): string {
  if (bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/**
 * The bytes of a regular file of at most `maxBytes`, or UnreadableFile. Opened
 * with O_NONBLOCK, so a FIFO can't hold open() until a writer comes; read to
 * at most one byte past the cap, so a file that grows while read is still caught.
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, openFlags());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The system's own words ("ENOENT: no such file or directory, open '…'"), as before these checks.
    throw new UnreadableFile((e as Error).message, code === "ENOENT" ? "missing" : "unreadable");
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnreadableFile(`${path} is not a regular file`, "not-regular");
    const tooBig = () => new UnreadableFile(`${path} is larger than ${sizeText(maxBytes)}`, "too-big");
    if (stat.size > maxBytes) throw tooBig();
    // Sized by fstat; a file that grows while it is read gets more room, up to one byte past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    let chunk = Buffer.allocUnsafe(stat.size + 1);
    let used = 0;
    for (;;) {
      const n = readSync(fd, chunk, used, chunk.length - used, null);
      if (n === 0) break;
      used += n;
      total += n;
      if (total > maxBytes) throw tooBig();
      if (used === chunk.length) {
        chunks.push(chunk);
        chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
        used = 0;
      }
    }
    chunks.push(chunk.subarray(0, used));
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof UnreadableFile) throw e;
    throw new UnreadableFile(`${path} cannot be read: ${(e as Error).message}`, "unreadable");
  } finally {
    closeSync(fd);
  }
}

/** The same as UTF-8 text. */
export function readRegularText(path: string, maxBytes: number): string {
  return readRegularFile(path, maxBytes).toString("utf8");
}

/**
 * readRegularFile's rules for the files every `get` reads (the config files,
 * cache entries), through Bun.file so that start-up loads no node:fs: links
 * followed, regular files only, at most `maxBytes` read; no file reads as no
 * bytes. Bun.file's size is a synchronous stat (0 when nothing is there,
 * Infinity for a FIFO or a device), so a file that isn't there costs no trip
 * to Bun's I/O threads (half a millisecond each) and one that is costs one
 * read. The messages are our own, not the system's: callers treat every
 * failure but "too-big" as "no file".
 */
export async function readSmallFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const file = Bun.file(path);
  const size = file.size;
  if (size === 0) return new Uint8Array(0);
  if (size === Infinity) throw new UnreadableFile(`${path} is not a regular file`, "not-regular");
  const tooBig = () => new UnreadableFile(`${path} is larger than ${sizeText(maxBytes)}`, "too-big");
  if (size > maxBytes) throw tooBig();
  let bytes: Uint8Array;
  try {
    // One byte past the cap: a file that grew since the stat is still caught. A directory fails here.
    bytes = new Uint8Array(await file.slice(0, maxBytes + 1).arrayBuffer());
  } catch {
    throw new UnreadableFile(`${path} cannot be read`, "unreadable");
  }
  if (bytes.length > maxBytes) throw tooBig();
  return bytes;
}
