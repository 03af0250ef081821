// The layers of src/ (see .dependency-cruiser.cjs): imports point down, commands
// don't import each other, providers are reached through the chain, and there
// is no cycle, dynamic import() included. dependency-cruiser checks the real
// tree, then a copy broken on purpose proves the rules bite.
import { expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/home.ts";

const ROOT = join(import.meta.dir, "..");
const DEPCRUISE = join(ROOT, "node_modules", ".bin", "depcruise");

function cruise(cwd: string) {
  const r = Bun.spawnSync([DEPCRUISE, "src", "--config", join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err"], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, output: `${r.stdout.toString()}${r.stderr.toString()}` };
}

test("src/ breaks no layer rule and has no import cycle", () => {
  const r = cruise(ROOT);
  // On failure the output names each offending import as `from → to`.
  expect(r.output).toContain("no dependency violations found");
  expect(r.code).toBe(0);
});

function brokenCopy(file: string, line: string): string {
  const dir = tempDir("gcc-layers-");
  cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
  cpSync(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
  const path = join(dir, file);
  writeFileSync(path, `${line}\n${readFileSync(path, "utf8")}`);
  return dir;
}

test.each([
  ["an upward import", "src/aws/http.ts", 'import "../commands/get.ts";', "aws-below-codecommit-git-commands: src/aws/http.ts → src/commands/get.ts"],
  ["a sibling command", "src/commands/url.ts", 'import "./setup.ts";', "no-sibling-command: src/commands/url.ts → src/commands/setup.ts"],
  ["a provider reached around the chain", "src/commands/get.ts", 'import "../aws/providers/sso.ts";', "providers-only-from-the-chain: src/commands/get.ts → src/aws/providers/sso.ts"],
  ["a cycle through a dynamic import", "src/aws/imds.ts", 'export const back = () => import("./region.ts");', "no-cycle: src/aws/imds.ts → "],
])("%s fails, naming both files", (_name, file, line, expected) => {
  const r = cruise(brokenCopy(file, line));
  expect(r.code).not.toBe(0);
  expect(r.output.replace(/\s+/g, " ")).toContain(expected);
});
