// An isolated world for real git: its own HOME and XDG config, no system
// config, no terminal prompts, the test server's CA, and baseEnv's AWS
// isolation. This machine sets GIT_SSL_CAINFO, SSL_CERT_FILE and friends
// globally, so children get only the explicit environment built here.
//
// Plain module (no bun:test imports) so `bun test/support/demo.ts` can use it.
//
// git is always run with Bun.spawn: a spawnSync from the process that hosts
// the git server would block the event loop that has to answer it.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv } from "./cli.ts";
import type { GitServer } from "./git-server.ts";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitWorld {
  home: string;
  /** The environment every git (and helper) child gets. */
  env: Record<string, string>;
  /** `~/.gitconfig`: where `setup` (--global) writes. */
  globalConfig: string;
  /** `$XDG_CONFIG_HOME/git/config`: the server's settings; git reads it before ~/.gitconfig. */
  xdgConfig: string;
}

const GIT_TIMEOUT_MS = 30_000;

/**
 * The environment for git in `home`. Fixed author and committer so commits
 * need no config; LC_ALL=C so git's messages are the English ones tests match.
 */
export function gitEnv(home: string, server?: GitServer): Record<string, string> {
  return {
    ...baseEnv(home),
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    GIT_AUTHOR_NAME: "Test Author",
    GIT_AUTHOR_EMAIL: "author@example.invalid",
    GIT_COMMITTER_NAME: "Test Author",
    GIT_COMMITTER_EMAIL: "author@example.invalid",
    ...(server ? server.gitEnv() : {}),
  };
}

/**
 * Prepares `home` for git: an empty ~/.gitconfig (without it, `git config
 * --global` would write to the XDG file once that exists) and, given a server,
 * its resolve/CA/proxy settings in the XDG file, so plain `git clone <url>`
 * reaches it and ~/.gitconfig holds only what the test or `setup` writes.
 */
export async function gitWorld(home: string, server?: GitServer): Promise<GitWorld> {
  const globalConfig = join(home, ".gitconfig");
  const xdgConfig = join(home, ".config", "git", "config");
  mkdirSync(join(home, ".config", "git"), { recursive: true });
  writeFileSync(globalConfig, "");
  writeFileSync(xdgConfig, "");
  const env = gitEnv(home, server);
  for (const [key, value] of server?.gitConfigEntries() ?? []) {
    await gitOk(["config", "--file", xdgConfig, "--add", key, value], { env });
  }
  return { home, env, globalConfig, xdgConfig };
}

export async function git(
  args: string[],
  opts: { env: Record<string, string>; cwd?: string; stdin?: string; timeoutMs?: number },
): Promise<GitResult> {
  const proc = Bun.spawn(["git", ...args], {
    env: opts.env,
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? GIT_TIMEOUT_MS);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Like git(), but a failure throws with git's stderr, and stdout comes back trimmed. */
export async function gitOk(args: string[], opts: Parameters<typeof git>[1]): Promise<string> {
  const r = await git(args, opts);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** `key\nvalue` pairs from `git config -z --get-regexp`, in file order; a valueless key has value undefined. */
export async function readConfig(
  scope: string[],
  regexp: string,
  opts: Parameters<typeof git>[1],
): Promise<Array<[string, string | undefined]>> {
  const r = await git(["config", ...scope, "-z", "--get-regexp", regexp], opts);
  if (r.code !== 0 && r.code !== 1) throw new Error(`git config failed: ${r.stderr.trim()}`);
  return r.stdout
    .split("\0")
    .filter((s) => s !== "")
    .map((s) => {
      const nl = s.indexOf("\n");
      return nl === -1 ? [s, undefined] : [s.slice(0, nl), s.slice(nl + 1)];
    });
}
