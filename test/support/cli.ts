// Runs the helper two ways with the same inputs: in this process (src/cli.ts's
// run()) and as the compiled binary in a child with an explicit, clean
// environment. Tests iterate over RUNNERS so every behaviour is proven twice.
import { run } from "../../src/cli.ts";
import type { Context } from "../../src/context.ts";

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
    stdin: async () => opts.stdin ?? "",
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

export const RUNNERS: ReadonlyArray<readonly [string, Runner]> = [
  ["source", runSource],
  ["binary", runBinary],
];
