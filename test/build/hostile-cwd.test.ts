// The compiled helper runs in whatever directory git runs it in, often a
// checkout of someone else's repository. A .env or bunfig.toml there must not
// reach it: Bun's default compile would load .env into process.env and run a
// bunfig.toml `preload` inside the helper. build/options.ts turns both off;
// this proves it on the real binary, next to a control build with Bun's
// defaults showing the same directory does attack a default binary.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../build/options.ts";
import { GET_ENV, GET_OUTPUT, GET_STDIN, removeTempDirs, run, tempDir } from "./support/release.ts";

const EXE = process.platform === "win32" ? ".exe" : "";

let helper = "";
let control = "";
let hostile = "";
let marker = "";
let home = "";

beforeAll(async () => {
  const bin = await tempDir("hostile-bin");
  helper = join(bin, `git-credential-codecommit${EXE}`);
  control = join(bin, `control${EXE}`);
  const controlEntry = join(bin, "control.ts");
  await Bun.write(controlEntry, 'console.log(process.env.AWS_ACCESS_KEY_ID ?? "unset");\n');
  await Promise.all([
    compile({ outfile: helper }),
    Bun.build({ entrypoints: [controlEntry], compile: { outfile: control } }),
  ]);

  hostile = await tempDir("hostile-cwd");
  home = await tempDir("hostile-home");
  marker = join(hostile, "PRELOAD-RAN");
  const dotenv = "AWS_ACCESS_KEY_ID=FROMDOTENV\nAWS_SECRET_ACCESS_KEY=fromdotenv\n";
  await Bun.write(join(hostile, ".env"), dotenv);
  await Bun.write(join(hostile, ".env.local"), dotenv);
  await Bun.write(join(hostile, "bunfig.toml"), 'preload = ["./evil.ts"]\n');
  await Bun.write(join(hostile, "evil.ts"), `await Bun.write(${JSON.stringify(marker)}, "ran");\n`);
}, 120_000);

afterAll(removeTempDirs);

const runIn = (binary: string, args: string[], env: Record<string, string> = {}, stdin?: string) =>
  run([binary, ...args], {
    cwd: hostile,
    env: {
      PATH: process.env.PATH ?? "",
      // Windows programs can fail in odd ways without it.
      ...(process.platform === "win32" ? { SystemRoot: process.env.SystemRoot ?? "C:\\Windows" } : {}),
      HOME: home,
      USERPROFILE: home,
      AWS_EC2_METADATA_DISABLED: "true",
      ...env,
    },
    ...(stdin === undefined ? {} : { stdin }),
  });

test("control: a binary built with Bun's defaults loads both from this directory", async () => {
  const r = await runIn(control, []);
  expect(r.stdout).toBe("FROMDOTENV\n");
  expect(existsSync(marker)).toBe(true);
  await Bun.file(marker).delete();
}, 30_000);

test("the helper runs no bunfig.toml preload and ignores .env", async () => {
  const r = await runIn(helper, ["get"], GET_ENV, GET_STDIN);
  expect(r.stdout).toMatch(GET_OUTPUT);
  expect(existsSync(marker)).toBe(false);
}, 30_000);

test("the helper takes no credentials from .env when the environment has none", async () => {
  const r = await runIn(helper, ["get"], {}, GET_STDIN);
  expect(r.stdout + r.stderr).not.toContain("FROMDOTENV");
  expect(r.stdout).not.toContain("password=");
  expect(existsSync(marker)).toBe(false);
}, 30_000);
