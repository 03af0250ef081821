// A throw-away HOME with optional ~/.aws files, removed when the test process exits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = "gcc-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function tempHome(files: { config?: string; credentials?: string } = {}): string {
  const home = tempDir("gcc-home-");
  mkdirSync(join(home, ".aws"), { recursive: true });
  if (files.config !== undefined) writeFileSync(join(home, ".aws", "config"), files.config);
  if (files.credentials !== undefined) writeFileSync(join(home, ".aws", "credentials"), files.credentials);
  return home;
}
