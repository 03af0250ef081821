// `npm run demo` is the README's "run it": it has to keep working, and it has
// to leave nothing behind.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { systemEnv } from "../support/platform.ts";

test("the demo builds, sets up, clones, commits and pushes, then cleans up", async () => {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "..", "support", "demo.ts")], {
    cwd: join(import.meta.dir, "..", ".."),
    // Only PATH from this machine: the demo must not depend on its AWS or git settings.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...systemEnv() },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 50_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain("$ git-credential-codecommit setup --url https://git-codecommit.us-east-1.amazonaws.com:");
  expect(stdout).toContain("$ git push origin main\n");
  expect(stdout).toMatch(/pushed: the server's main is now [0-9a-f]{12}\n/);
  const root = /Cleaned up: stopped the server, removed (\S+)\n/.exec(stdout)?.[1];
  expect(root).toBeDefined();
  expect(existsSync(root!)).toBe(false);
}, 60_000);
