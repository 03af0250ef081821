// Files shared with the AWS CLI: ~/.aws/cli/cache (assumed-role, web-identity
// and SSO role credentials) and ~/.aws/sso/cache (SSO tokens). Same names, same
// format, so `aws` and we reuse each other's entries.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { UserError } from "../errors.ts";
import { withCleanup } from "./cleanup.ts";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Python's `json.dumps(value, sort_keys=True)` with its default separators
 * (", " and ": ") or compact ones, and ensure_ascii: the text botocore hashes
 * into cache file names.
 */
export function pythonJsonDumps(value: Json, compact = false): string {
  const [item, kv] = compact ? [",", ":"] : [", ", ": "];
  const str = (s: string) =>
    JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const dump = (v: Json): string => {
    if (typeof v === "string") return str(v);
    if (typeof v === "number" || typeof v === "boolean" || v === null) return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(dump).join(item)}]`;
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${str(k)}${kv}${dump(v[k]!)}`)
      .join(item)}}`;
  };
  return dump(value);
}

export function sha1Hex(text: string): string {
  return new Bun.CryptoHasher("sha1").update(text).digest("hex");
}

/**
 * The ~/.aws/cli/cache file the CLI keeps these arguments' credentials in: the
 * sha1 of Python's sorted json.dumps of them (AssumeRole arguments without a
 * defaulted RoleSessionName; compact separators for CLI v2's SSO entries).
 */
export function cliCacheFile(home: string, keyArgs: Record<string, string | number>, compact = false): string {
  return join(home, ".aws", "cli", "cache", `${sha1Hex(pythonJsonDumps(keyArgs, compact))}.json`);
}

/**
 * `text` as a JSON object, or undefined (not JSON, null, an array…). Parse
 * errors are swallowed on purpose: their messages quote the input, which may be a token.
 */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A cache entry, or undefined when it is missing, unreadable or not JSON (a miss, never a crash). */
export function readJsonFile(path: string): Record<string, unknown> | undefined {
  try {
    return jsonObject(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Writes JSON atomically with mode 0600 (directory 0700): a temporary file in
 * the same directory, fsync, then rename, so a concurrent reader sees the old
 * entry or the new one, never half of one.
 */
export function writeJsonFile(path: string, value: unknown, indent?: number): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, JSON.stringify(value, null, indent));
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
}

/**
 * The lock options for a helper session: wait up to `waitMs`, say so on stderr
 * after a second, and note in --debug when no lock can be made.
 */
export function lockOptions(ctx: { err(line: string): void }, debug: (line: string) => void, what: string, waitMs: number) {
  return {
    waitMs,
    debug,
    onWait: (pid: number) => ctx.err(`git-credential-codecommit: waiting for process ${pid}, which is ${what}`),
  };
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

/** A lock nobody has touched for this long belongs to a process that is gone (e.g. on another host). */
const ABANDONED_MS = 15 * 60_000;

function lockHolder(lock: string): { pid: number; host: string; ageMs: number } | undefined {
  try {
    const [pid, host] = readFileSync(lock, "utf8").trim().split(" ");
    return { pid: Number(pid), host: host ?? "", ageMs: Date.now() - statSync(lock).mtimeMs };
  } catch {
    return undefined; // released while we looked
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` holding `<path>.lock`, so concurrent helpers (parallel fetches,
 * submodules, an IDE) do one STS call, MFA prompt or token refresh between them;
 * the others wait and then find the cache entry the first one wrote. The lock
 * names its holder (pid and host): a dead holder's lock is taken over at once,
 * and Ctrl-C releases it. Where no lock can be made (a read-only home) `fn`
 * runs without one: the lock saves calls, it isn't needed for correctness.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  opts: { waitMs: number; onWait?: (pid: number) => void; debug?: (line: string) => void },
): Promise<T> {
  const lock = `${path}.lock`;
  const host = hostname();
  const giveUp = Date.now() + opts.waitMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, `${process.pid} ${host}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !existsSync(lock)) {
        opts.debug?.(`cannot lock ${lock} (${(e as Error).message}); going on without the lock`);
        return fn();
      }
      const holder = lockHolder(lock);
      if (!holder) continue;
      const dead = holder.host === host ? !isAlive(holder.pid) : holder.ageMs > ABANDONED_MS;
      if (dead) {
        // Only if it is still that holder's: another helper may have taken over first.
        if (lockHolder(lock)?.pid === holder.pid) rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > giveUp) {
        throw new UserError(`process ${holder.pid} has held ${lock} for too long; if it is stuck, stop it or delete that file`);
      }
      if (!told && Date.now() > giveUp - opts.waitMs + 1000) {
        opts.onWait?.(holder.pid);
        told = true;
      }
      await Bun.sleep(25 + Math.random() * 75);
    }
  }
  return withCleanup(() => rmSync(lock, { force: true }), fn);
}
