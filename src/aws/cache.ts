// Files shared with the AWS CLI: ~/.aws/cli/cache (assumed-role, web-identity
// and SSO role credentials) and ~/.aws/sso/cache (SSO tokens). Same names, same
// format, so `aws` and we reuse each other's entries.
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { UserError } from "../errors.ts";
import { withCleanup } from "./cleanup.ts";
import { sha1Hex } from "../util/encoding.ts";
import { jsonObject, pythonJsonDumps } from "../util/json.ts";
import { joinPath, readRegularText, readSmallFile, UnreadableFile } from "../util/files.ts";

/** Cache entries and SSO tokens are a few KiB; anything past this is not one (a miss). */
export const CACHE_FILE_MAX_BYTES = 1 << 20;

/** Web identity and container authorization tokens are a few KiB; a bigger one is an error. */
export const TOKEN_FILE_MAX_BYTES = 1 << 20;

/** A temporary file this old is left over from a run that was killed mid-write. */
export const STALE_TMP_MS = 5 * 60_000;

/**
 * The ~/.aws/cli/cache file the CLI keeps these arguments' credentials in: the
 * sha1 of Python's sorted json.dumps of them (AssumeRole arguments without a
 * defaulted RoleSessionName; compact separators for CLI v2's SSO entries).
 */
export function cliCacheFile(home: string, keyArgs: Record<string, string | number>, compact = false): string {
  return joinPath(home, ".aws", "cli", "cache", `${sha1Hex(pythonJsonDumps(keyArgs, compact))}.json`);
}

/**
 * A cache entry, or undefined when it is missing, unreadable, not a regular
 * file, over CACHE_FILE_MAX_BYTES or not JSON (a miss, never a crash or a hang).
 * Read through Bun.file: a cache hit then loads no node built-in.
 */
export async function readJsonFile(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return jsonObject(new TextDecoder().decode(await readSmallFile(path, CACHE_FILE_MAX_BYTES)));
  } catch {
    return undefined;
  }
}

/**
 * Removes `<path>.*.tmp` files older than STALE_TMP_MS: what a write killed
 * between open and rename leaves, holding credentials. Younger ones may be
 * another helper's write in progress.
 */
function removeStaleTemporaries(path: string, now: number): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const file = join(dir, name);
    try {
      const stat = lstatSync(file);
      if (stat.isFile() && now - stat.mtimeMs > STALE_TMP_MS) rmSync(file, { force: true });
    } catch {
      // gone already, or not ours to remove: the next write tries again
    }
  }
}

/**
 * Writes JSON atomically with mode 0600 (directory 0700): a temporary file in
 * the same directory, fsync, then rename, so a concurrent reader sees the old
 * entry or the new one, never half of one.
 */
export function writeJsonFile(path: string, value: unknown, indent?: number): void {
  writeFileAtomic(path, JSON.stringify(value, null, indent));
}

/** writeJsonFile for text already serialised (files that must match the CLI's bytes). */
export function writeFileAtomic(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600); // a umask can't widen 0600, but a pre-existing ACL default might
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write ${path}: ${(e as Error).message}`);
  }
  removeStaleTemporaries(path, Date.now());
}

/**
 * Writes a cache entry if it can: a cache that can't be written (a read-only
 * home, say) costs a call next time, not this run.
 */
export function tryWriteCache(path: string, value: unknown, debug: (line: string) => void): void {
  try {
    writeJsonFile(path, value);
  } catch (e) {
    debug(`not cached: ${(e as Error).message}`);
  }
}

/** A lock whose holder can't be known or checked (unreadable, a directory, empty, another host's) is waited for this long, then ignored. */
export const UNKNOWN_HOLDER_WAIT_MS = 5_000;

/** A wait for a holder that isn't asking the person anything is announced once it passes this. */
export const QUIET_WAIT_MS = 10_000;

export interface LockOptions {
  /** How long to wait for a live holder on this host. */
  waitMs: number;
  /** What the holder is doing, for the wait notice: "assuming arn:…". */
  what: string;
  notice(line: string): void;
  debug(line: string): void;
}

/** What the lock holder gives `fn`: a way to tell waiters it is asking the person something. */
export interface HeldLock {
  asking(what: string): void;
}

interface Holder {
  pid: number;
  host: string;
  /** Set while the holder asks the person something (an MFA code): waiters say so at once. */
  asking?: string;
}

/** The lock's holder; undefined when the lock is gone; "unknown" when it can't be read or makes no sense. */
function lockHolder(lock: string): Holder | "unknown" | undefined {
  let text: string;
  try {
    text = readRegularText(lock, 4096);
  } catch (e) {
    return e instanceof UnreadableFile && e.kind === "missing" ? undefined : "unknown";
  }
  const [first = "", asking] = text.split("\n");
  const m = /^([1-9]\d{0,9}) (\S+)$/.exec(first);
  return m ? { pid: Number(m[1]), host: m[2]!, asking: asking || undefined } : "unknown";
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes the lock's content in one step, so a waiter never reads half of it. */
function writeLock(lock: string, content: string, exclusive: boolean): void {
  if (exclusive) {
    const fd = openSync(lock, "wx", 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const tmp = `${lock}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, lock);
}

/**
 * Runs `fn` holding `<path>.lock`, so concurrent helpers (parallel fetches,
 * submodules, an IDE) do one STS call, MFA prompt or token refresh between them;
 * the others wait and then find the cache entry the first one wrote.
 *
 * The lock names its holder (pid and host). A dead holder's lock is taken over
 * at once, and Ctrl-C releases it. Waiting is quiet: a waiter speaks once, at
 * once if the holder is asking the person something (so they know where to
 * look), else after QUIET_WAIT_MS. A lock whose holder can't be checked is
 * waited for UNKNOWN_HOLDER_WAIT_MS, then ignored: the lock saves calls, it
 * isn't needed for correctness, which is also why `fn` runs without one where
 * none can be made (a read-only home).
 */
export async function withFileLock<T>(path: string, fn: (lock: HeldLock) => Promise<T>, opts: LockOptions): Promise<T> {
  const lock = `${path}.lock`;
  const host = hostname();
  const me = `${process.pid} ${host}\n`;
  const started = Date.now();
  let told = false;
  const unlocked: HeldLock = { asking: () => {} };
  try {
    mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  } catch (e) {
    opts.debug(`cannot lock ${lock} (${(e as Error).message}); going on without the lock`);
    return fn(unlocked);
  }
  for (;;) {
    try {
      writeLock(lock, me, true);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        opts.debug(`cannot lock ${lock} (${(e as Error).message}); going on without the lock`);
        return fn(unlocked);
      }
    }
    const holder = lockHolder(lock);
    const waited = Date.now() - started;
    // undefined: released while we looked (or a dangling link): the next round tells.
    const checkable = holder !== undefined && holder !== "unknown" && holder.host === host;
    if (checkable && !isAlive(holder.pid)) {
      // Only if it is still that holder's: another helper may have taken over first.
      const now = lockHolder(lock);
      try {
        if (now !== undefined && now !== "unknown" && now.pid === holder.pid) rmSync(lock, { force: true });
        continue;
      } catch (e) {
        opts.debug(`cannot remove the dead process ${holder.pid}'s ${lock} (${(e as Error).message}); going on without the lock`);
        return fn(unlocked);
      }
    }
    if (!checkable && waited > UNKNOWN_HOLDER_WAIT_MS) {
      opts.debug(`${lock} names no process on this host that can be checked; going on without the lock`);
      return fn(unlocked);
    }
    if (checkable && waited > opts.waitMs) {
      throw new UserError(`process ${holder.pid} has held ${lock} for too long; if it is stuck, stop it or delete that file`);
    }
    if (checkable && !told && (holder.asking !== undefined || waited > QUIET_WAIT_MS)) {
      opts.notice(`waiting for process ${holder.pid}, which is ${holder.asking ?? opts.what}`);
      told = true;
    }
    await Bun.sleep(25 + Math.random() * 75);
  }
  const held: HeldLock = { asking: (what) => writeLock(lock, `${me}${what}\n`, false) };
  return withCleanup(() => rmSync(lock, { force: true }), () => fn(held));
}
