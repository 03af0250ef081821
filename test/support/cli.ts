// Runs the helper two ways with the same inputs: in this process (src/cli.ts's
// run()) and as the compiled binary in a child with an explicit, clean
// environment. Tests iterate over RUNNERS so every behaviour is proven twice.
import { run } from "../../src/cli.ts";
import type { Context } from "../../src/context.ts";

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "./binary.ts";
import { platformEnv } from "./platform.ts";
import { homeFromEnv } from "../../src/util/home.ts";

export { BINARY };

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Frozen wall-clock time, "YYYY-MM-DD HH:MM:SS" UTC (faketime's format). */
  time?: string;
  cwd?: string;
  /**
   * Standard input is a terminal, as when a person types the command: `stdin`
   * is typed on it and ended with Ctrl-D; without `stdin` nothing is typed and
   * the terminal never ends, so a command that reads it hangs (and fails).
   */
  terminal?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (args: string[], opts?: RunOptions) => Promise<RunResult>;

/**
 * The environment every child gets: nothing from this machine (which sets
 * AWS_CA_BUNDLE, proxies and the like) except PATH; IMDS off; and proxies
 * pointed at a closed loopback port, so a request that escapes the test's own
 * endpoint overrides fails fast instead of leaving the machine.
 */
export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: `${home}/.aws/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/.aws/credentials`,
    HTTPS_PROXY: "http://127.0.0.1:9",
    HTTP_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1,localhost",
    ...platformEnv(home),
  };
}

function parseTime(time: string): Date {
  return new Date(`${time.replace(" ", "T")}Z`);
}

/** A Context for calling src/ directly: this environment, its home found as the binary finds it, output dropped unless overridden. */
export function testContext(env: Record<string, string | undefined>, overrides: Partial<Context> = {}): Context {
  return {
    env,
    stdin: async () => "",
    stdinIsTerminal: async () => false,
    out: () => {},
    err: () => {},
    now: () => new Date(),
    home: homeFromEnv(env, overrides.platform ?? process.platform) ?? "/nonexistent",
    cwd: process.cwd(),
    execPath: BINARY,
    platform: process.platform,
    name: "git-credential-codecommit",
    ...overrides,
  };
}

export const runSource: Runner = async (args, opts = {}) => {
  let stdout = "";
  const stderr: string[] = [];
  const ctx = testContext(opts.env ?? {}, {
    stdin: async () => {
      if (opts.terminal && opts.stdin === undefined) throw new Error("read a terminal nobody types on");
      return opts.stdin ?? "";
    },
    stdinIsTerminal: async () => Boolean(opts.terminal),
    out: (t) => {
      stdout += t;
    },
    err: (l) => stderr.push(l),
    now: () => (opts.time ? parseTime(opts.time) : new Date()),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const code = await run(args, ctx);
  return { code, stdout, stderr: stderr.map((l) => `${l}\n`).join("") };
};

const FAKETIME = Bun.which("faketime");

export const runBinary: Runner = async (args, opts = {}) => {
  let cmd = [BINARY, ...args];
  if (opts.terminal) return onTerminal(cmd, opts);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  if (opts.time) {
    if (!FAKETIME) throw new Error("faketime is not installed (apt-get install faketime)");
    // TZ=UTC: faketime reads the time as local. Real monotonic time: Bun's timers hang without it.
    cmd = [FAKETIME, "-f", opts.time, ...cmd];
    env.TZ = "UTC";
    env.FAKETIME_DONT_FAKE_MONOTONIC = "1";
  }
  const proc = Bun.spawn(cmd, {
    env,
    cwd: opts.cwd,
    stdin: new TextEncoder().encode(opts.stdin ?? ""),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill(), 20_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
};

const PTY_RUN = join(import.meta.dir, "pty-run.py");

/** The binary with a pseudo-terminal as its stdin (test/support/pty-run.py), stdout and stderr pipes. */
async function onTerminal(cmd: string[], opts: RunOptions): Promise<RunResult> {
  const python = Bun.which("python3");
  if (!python) throw new Error("python3 is needed to drive a pseudo-terminal (apt-get install python3)");
  const dir = mkdtempSync(join(tmpdir(), "gcc-tty-"));
  const stdinFile = join(dir, "typed");
  writeFileSync(stdinFile, opts.stdin ?? "");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  const noEof = opts.stdin === undefined ? ["--no-eof"] : [];
  const proc = Bun.spawn([python, PTY_RUN, "--stdin-tty", ...noEof, "--stdin-file", stdinFile, "--timeout", "20", "--", ...cmd], {
    env,
    cwd: opts.cwd ?? dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`pty-run.py failed (${code}): ${err}`);
  const r = JSON.parse(out) as { code: number | null; stdout: string; stderr: string };
  // A timed-out run (code null) fails any exact expectation.
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const RUNNERS: ReadonlyArray<readonly [string, Runner]> = [
  ["source", runSource],
  ["binary", runBinary],
];
