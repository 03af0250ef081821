// Shared by the test/build suites: running build/release.ts, the tools those
// suites need, and a web server laid out like GitHub's release downloads.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Target } from "../../../build/release.ts";

export const ROOT = join(import.meta.dir, "..", "..", "..");

/** Names the Debian package for each tool, so a missing one says how to get it. */
const PACKAGES: Record<string, string> = {
  dash: "dash",
  busybox: "busybox",
  shellcheck: "shellcheck",
  "qemu-aarch64": "qemu-user",
  tar: "tar",
};

/** Fails the suite with an install hint instead of letting a spawn fail obscurely. */
export function requireTools(...tools: string[]): void {
  const missing = tools.filter((t) => !Bun.which(t));
  if (missing.length > 0) {
    const pkgs = missing.map((t) => PACKAGES[t] ?? t).join(" ");
    throw new Error(`missing tool(s) ${missing.join(", ")}: apt-get install -y ${pkgs} (.ci/run installs them)`);
  }
}

export function requireFile(path: string, hint: string): void {
  if (!existsSync(path)) throw new Error(`missing ${path}: ${hint}`);
}

const temps: string[] = [];

/** A fresh directory under the system temp dir, removed by removeTempDirs(). */
export async function tempDir(prefix: string): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), `gcc-build-${prefix}-`));
  temps.push(path);
  return path;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(temps.splice(0).map((p) => rm(p, { recursive: true, force: true })));
}

export interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process, which may be serving the child over HTTP. */
export async function run(
  cmd: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<Spawned> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** `npm run build:release` as CI runs it, into dir/out (archives) and dir/bin (staged binaries). */
export async function buildRelease(dir: string, targets: Target[], extra: string[] = []): Promise<Spawned> {
  const r = await run(
    [process.execPath, "build/release.ts", "--targets", targets.join(","), "--outdir", join(dir, "out"), "--bindir", join(dir, "bin"), ...extra],
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" } },
  );
  if (r.code !== 0) throw new Error(`build/release.ts failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return r;
}

export const GET_ENV = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_EC2_METADATA_DISABLED: "true",
};
export const GET_STDIN = "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/x\n";
export const GET_OUTPUT = /^username=AKIDEXAMPLE\npassword=\d{8}T\d{6}Z[0-9a-f]{64}\npassword_expiry_utc=\d+\n$/;
export const VERSION_OUTPUT = /^git-credential-codecommit (\S+) \((\S+)\)\n$/;

/**
 * Serves root/<tag>/<asset> as GitHub does: /download/<tag>/<asset>, and
 * /latest/download/<asset> as a redirect to the latest tag's copy.
 */
export function serveReleases(root: string, latestTag: string) {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const { pathname, origin } = new URL(req.url);
      requests.push(pathname);
      const latest = /^\/latest\/download\/([^/]+)$/.exec(pathname);
      if (latest) return Response.redirect(`${origin}/download/${latestTag}/${latest[1]}`, 302);
      const pinned = /^\/download\/([^/]+)\/([^/]+)$/.exec(pathname);
      const file = pinned ? Bun.file(join(root, pinned[1]!, pinned[2]!)) : undefined;
      if (file && (await file.exists())) return new Response(file);
      return new Response("Not Found", { status: 404 });
    },
  });
  return { url: server.url.origin, requests, stop: () => server.stop(true) };
}
