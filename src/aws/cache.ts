// Files shared with the AWS CLI: ~/.aws/cli/cache (assumed-role, web-identity
// and SSO role credentials) and ~/.aws/sso/cache (SSO tokens). Same names, same
// format, so `aws` and we reuse each other's entries.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../errors.ts";

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

export function cliCacheDir(home: string): string {
  return join(home, ".aws", "cli", "cache");
}

/** A cache entry, or undefined when it is missing, unreadable or not JSON (a miss, never a crash). */
export function readJsonFile(path: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
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
 * Runs `fn` holding `<path>.lock`, so concurrent helpers (parallel fetches,
 * submodules, an IDE) do one STS call, MFA prompt or token refresh between them;
 * the others wait and then find the cache entry the first one wrote. A lock
 * older than `staleMs` is taken to belong to a process that died.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, waitMs = 120_000, staleMs = waitMs): Promise<T> {
  const lock = `${path}.lock`;
  try {
    mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new UserError(`cannot create ${lock}: ${(e as Error).message}`);
  }
  const giveUp = Date.now() + waitMs;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new UserError(`cannot create ${lock}: ${(e as Error).message}`);
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released between our attempt and the stat
      }
      if (age > staleMs) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > giveUp) {
        throw new UserError(`another git-credential-codecommit holds ${lock}; if none is running, delete that file`);
      }
      await Bun.sleep(25 + Math.random() * 75);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
