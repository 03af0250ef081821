// Talking to git itself: its version, its configuration, and how it picks the
// credential helpers for a URL. setup writes through `git config` and doctor
// reads through it, so we never edit a config file by hand.
import { isAbsolute, join } from "node:path";
import type { Context } from "../context.ts";
import { UserError } from "../errors.ts";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runGit(ctx: Context, args: string[]): Promise<GitResult> {
  let proc;
  try {
    proc = Bun.spawn(["git", ...args], {
      cwd: ctx.cwd,
      env: { ...ctx.env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch {
    throw new UserError("git is not installed or not on PATH");
  }
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export type Version = [number, number, number];

export async function gitVersion(ctx: Context): Promise<Version> {
  const r = await runGit(ctx, ["--version"]);
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new UserError("git is not installed or not on PATH");
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Wildcards in credential URL patterns (`*.amazonaws.com`) arrived in git 2.13. */
export const MIN_GIT: Version = [2, 13, 0];

export function atLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

export interface ConfigEntry {
  /** `file:/home/u/.gitconfig`, `command line:`, … as git's --show-origin prints it. */
  origin: string;
  key: string;
  value: string;
}

/** Entries whose key matches `regexp`, in git's config order (system, global, local, command line). */
export async function configEntries(ctx: Context, regexp: string, scope: string[] = []): Promise<ConfigEntry[]> {
  const r = await runGit(ctx, ["config", ...scope, "--show-origin", "-z", "--get-regexp", regexp]);
  if (r.code !== 0 && r.code !== 1) throw new UserError(`git config failed: ${r.stderr.trim()}`);
  const parts = r.stdout.split("\0");
  const entries: ConfigEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const nl = parts[i + 1]!.indexOf("\n");
    const key = nl === -1 ? parts[i + 1]! : parts[i + 1]!.slice(0, nl);
    entries.push({ origin: parts[i]!, key, value: nl === -1 ? "" : parts[i + 1]!.slice(nl + 1) });
  }
  // git names the repository's own files relative to where it moved (the work
  // tree's top, or the git dir), not to our cwd: from a subdirectory,
  // `git config --file .git/config` would name a file that isn't there.
  const relative = (e: ConfigEntry) => e.origin.startsWith("file:") && !isAbsolute(e.origin.slice("file:".length));
  if (entries.some(relative)) {
    const base = await repositoryBase(ctx);
    if (base !== undefined) {
      for (const e of entries.filter(relative)) e.origin = `file:${join(base, e.origin.slice("file:".length))}`;
    }
  }
  return entries;
}

async function repositoryBase(ctx: Context): Promise<string | undefined> {
  for (const flag of ["--show-toplevel", "--absolute-git-dir"]) {
    const r = await runGit(ctx, ["rev-parse", flag]);
    if (r.code === 0 && r.stdout.trim() !== "") return r.stdout.trim();
  }
  return undefined;
}

/** Splits `credential.<url>.<name>` (the URL keeps its case; the name is lower-cased by git). */
export function credentialKey(key: string): { url?: string; name: string } | undefined {
  if (!key.startsWith("credential.")) return undefined;
  const rest = key.slice("credential.".length);
  const dot = rest.lastIndexOf(".");
  return dot === -1 ? { name: rest.toLowerCase() } : { url: rest.slice(0, dot), name: rest.slice(dot + 1).toLowerCase() };
}

interface ParsedUrl {
  scheme: string;
  user?: string;
  host: string;
  port: string;
  path: string;
}

const DEFAULT_PORTS: Record<string, string> = { https: "443", http: "80" };

function parseUrl(url: string): ParsedUrl | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::(\d*))?(\/.*)?$/i.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  return {
    scheme,
    user: m[2],
    host: m[3]!.toLowerCase(),
    port: m[4] || DEFAULT_PORTS[scheme] || "",
    path: (m[5] ?? "/").replace(/\/+$/, ""),
  };
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The fields credential.c's credential_from_url keeps, literally: port inside host, path without outer slashes. */
function credentialFields(url: string): { protocol?: string; user?: string; host?: string; path?: string } {
  const protoEnd = url.indexOf("://");
  const rest = protoEnd === -1 ? url : url.slice(protoEnd + 3);
  const slash = rest.includes("/") ? rest.indexOf("/") : rest.length;
  const at = rest.indexOf("@");
  const hasUser = at !== -1 && at < slash;
  const colon = rest.indexOf(":");
  const host = rest.slice(hasUser ? at + 1 : 0, slash);
  const path = rest.slice(slash).replace(/^\/+/, "").replace(/\/+$/, "");
  return {
    protocol: protoEnd > 0 ? url.slice(0, protoEnd) : undefined,
    user: hasUser ? percentDecode(rest.slice(0, colon !== -1 && colon < at ? colon : at)) : undefined,
    host: host === "" ? undefined : percentDecode(host),
    path: path === "" ? undefined : percentDecode(path),
  };
}

/**
 * git's urlmatch: same scheme, a host label `*` matches any one label, the
 * same port (a pattern without a port means the default port), and the
 * pattern's path a prefix of the URL's on a `/` boundary. A pattern that is
 * not a whole URL (`example.com`, `https://`) gets git's fallback instead:
 * each field it has must equal the URL's exactly.
 */
export function urlMatches(pattern: string, url: string): boolean {
  const p = parseUrl(pattern);
  if (!p || p.host === "") {
    const want = credentialFields(pattern);
    const have = credentialFields(url);
    return (["protocol", "user", "host", "path"] as const).every((k) => want[k] === undefined || want[k] === have[k]);
  }
  const u = parseUrl(url);
  if (!u || p.scheme !== u.scheme || p.port !== u.port) return false;
  if (p.user !== undefined && p.user !== u.user) return false;
  const pl = p.host.split(".");
  const ul = u.host.split(".");
  if (pl.length !== ul.length) return false;
  // urlmatch.c's match_host: `git-*` is not a wildcard, only a label that is exactly `*`.
  if (pl.some((label, i) => label !== "*" && label !== ul[i])) return false;
  return p.path === "" || u.path === p.path || u.path.startsWith(`${p.path}/`);
}

export interface HelperEntry extends ConfigEntry {
  url?: string;
}

/**
 * The helpers git runs for `url`, in order: every matching `credential.helper`
 * and `credential.<pattern>.helper` in config order, an empty value clearing
 * the ones before it (what credential.c does with all matching entries).
 */
export function effectiveHelpers(entries: ConfigEntry[], url: string): HelperEntry[] {
  let helpers: HelperEntry[] = [];
  for (const e of entries) {
    const k = credentialKey(e.key);
    if (!k || k.name !== "helper") continue;
    if (k.url !== undefined && !urlMatches(k.url, url)) continue;
    if (e.value === "") helpers = [];
    else helpers.push({ ...e, url: k.url });
  }
  return helpers;
}

/** The same config line: file, key and value. */
export function sameEntry(a: ConfigEntry, b: ConfigEntry): boolean {
  return a.origin === b.origin && a.key === b.key && a.value === b.value;
}

/**
 * Whether git runs the helper line `entry`, the one rule setup and doctor share:
 * a `credential.helper` line for `url`, a line in a URL section for a URL that
 * section applies to (its `*` labels filled in), each by effectiveHelpers —
 * git's order, with empty values clearing what came before.
 */
export function helperRuns(entries: ConfigEntry[], entry: ConfigEntry, url: string): boolean {
  const section = credentialKey(entry.key)?.url;
  const target = section === undefined ? url : section.replace(/(?<=[/.@])\*(?=[.:/]|$)/g, "x");
  return effectiveHelpers(entries, target).some((h) => sameEntry(h, entry));
}

/** A git config value-pattern matching exactly `s`. */
export function regexLiteral(s: string): string {
  return `^${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

/** `'…'` for sh, which is how git runs a `!` helper. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
