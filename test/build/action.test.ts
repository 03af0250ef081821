// action.yml run the way a GitHub runner runs a composite action: each step's
// `if:` decided for RUNNER_OS, its `env:` expressions evaluated, its `run:`
// script run with bash as the runner does (`bash --noprofile --norc -eo
// pipefail`), GITHUB_OUTPUT and GITHUB_PATH as files read back between steps.
// The install downloads from the local release server the installer tests use,
// and the clone goes through the CodeCommit-compatible git test server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, link, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pkg from "../../package.json";
import { assetName } from "../../build/release.ts";
import { git, gitOk, gitWorld } from "../support/git-env.ts";
import { startGitServer, type GitServer, type Identity } from "../support/git-server.ts";
import { tempHome } from "../support/home.ts";
import { lacks } from "../support/platform.ts";
import { buildRelease, removeTempDirs, requireTools, ROOT, run, serveReleases, tempDir } from "./support/release.ts";

interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
}
interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const ACTION = Bun.YAML.parse((await Bun.file(join(ROOT, "action.yml")).text()).replaceAll("\r\n", "\n")) as Action;
const TAG = `v${pkg.version}`;
const USER: Identity = { accessKeyId: "AKIDACTIONUSER000001", secretAccessKey: "action/User+Secret/01" };

interface Context {
  inputs: Record<string, string>;
  github: Record<string, string>;
  runner: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

/** The expressions action.yml uses: dotted names, quoted strings, `==`, `!=` and `||`. */
function evaluate(expr: string, ctx: Context): string | boolean {
  const alternatives = expr.split("||").map((s) => s.trim());
  if (alternatives.length > 1) return alternatives.map((a) => evaluate(a, ctx)).find((v) => v !== "" && v !== false) ?? "";
  const cmp = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(expr);
  if (cmp) {
    const equal = evaluate(cmp[1]!, ctx) === evaluate(cmp[3]!, ctx);
    return cmp[2] === "==" ? equal : !equal;
  }
  const quoted = /^'(.*)'$/.exec(expr);
  if (quoted) return quoted[1]!;
  // A step that was skipped, or set no such output, gives "" (as on a runner); an unknown step id is a mistake.
  const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
  if (output && ctx.steps[output[1]!]) return ctx.steps[output[1]!]!.outputs[output[2]!] ?? "";
  let value: unknown = ctx;
  for (const part of expr.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  if (value === undefined) throw new Error(`action.yml uses an expression this runner stand-in doesn't know: ${expr}`);
  return String(value);
}

const interpolate = (text: string, ctx: Context) => text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => String(evaluate(e, ctx)));

interface ActionRun {
  code: number;
  log: string;
  outputs: Record<string, string>;
  /** What the action added to GITHUB_PATH. */
  path: string[];
}

/** Runs the action's steps in order, as a Linux runner would, stopping at the first failing step. */
async function runAction(inputs: Record<string, string>, env: Record<string, string>, actionRef = "v0"): Promise<ActionRun> {
  const runner = await tempDir("runner");
  const githubPath = join(runner, "github_path");
  await writeFile(githubPath, "");
  const ctx: Context = {
    inputs: Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, inputs[k] ?? v.default ?? ""])),
    github: { action_path: ROOT, action_ref: actionRef },
    runner: { os: "Linux" },
    steps: {},
  };
  let log = "";
  for (const [i, step] of ACTION.runs.steps.entries()) {
    if (step.if !== undefined && evaluate(step.if, ctx) !== true) {
      if (step.id) ctx.steps[step.id] = { outputs: {} };
      continue;
    }
    expect(step.shell).toBe("bash");
    const output = join(runner, `output-${i}`);
    await writeFile(output, "");
    const script = join(runner, `step-${i}.sh`);
    await writeFile(script, step.run!);
    const added = (await readFile(githubPath, "utf8")).split("\n").filter(Boolean);
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
    const r = await run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], {
      env: {
        ...env,
        PATH: [...added.reverse(), env.PATH].join(":"),
        RUNNER_OS: "Linux",
        RUNNER_TEMP: runner,
        GITHUB_PATH: githubPath,
        GITHUB_OUTPUT: output,
        ...stepEnv,
      },
    });
    log += r.stdout + r.stderr;
    const outputs = Object.fromEntries(
      (await readFile(output, "utf8")).split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    if (step.id) ctx.steps[step.id] = { outputs };
    if (r.code !== 0) return { code: r.code, log, outputs: {}, path: [] };
  }
  const outputs = Object.fromEntries(Object.entries(ACTION.outputs).map(([k, v]) => [k, interpolate(v.value, ctx)]));
  return { code: 0, log, outputs, path: (await readFile(githubPath, "utf8")).split("\n").filter(Boolean) };
}

let server: GitServer;
let releases: ReturnType<typeof serveReleases>;

beforeAll(async () => {
  if (process.platform !== "linux" || process.arch !== "x64") return;
  requireTools("curl", "tar");
  const build = await tempDir("action-build");
  await buildRelease(build, ["linux-x64"]);
  const root = await tempDir("action-releases");
  await mkdir(join(root, TAG));
  for (const f of [assetName("linux-x64"), "SHA256SUMS"]) await link(join(build, "out", f), join(root, TAG, f));
  releases = serveReleases(root, TAG);
  server = await startGitServer({ identities: [USER] });
  await server.createRepo("demo", { withInitialCommit: true });
}, 180_000);

afterAll(async () => {
  releases?.stop();
  await server?.stop();
  await removeTempDirs();
});

describe.skipIf(lacks("dash") || process.arch !== "x64")("action.yml", () => {
  test("is a composite action whose scripts take their inputs only through env", () => {
    expect(ACTION.runs.using).toBe("composite");
    expect(Object.keys(ACTION.inputs).sort()).toEqual(["profile", "region", "submodules", "urls", "version"]);
    expect(Object.keys(ACTION.outputs)).toEqual(["path"]);
    for (const step of ACTION.runs.steps) expect(step.run ?? "").not.toContain("${{");
    // Linux and macOS install with install.sh, Windows with install.ps1: both verify SHA256SUMS.
    const scripts = ACTION.runs.steps.map((s) => s.run ?? "").join("\n");
    expect(scripts).toContain('sh "$ACTION_PATH/install.sh"');
    expect(scripts).toContain("& (Join-Path $env:ACTION_PATH 'install.ps1')");
  });

  test("installs the action's own version with checksum verification, puts it on PATH, sets git up, and a clone works", async () => {
    const w = await gitWorld(tempHome(), server);
    const origin = new URL(server.url("demo")).origin;
    const env: Record<string, string> = { ...w.env, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey, GIT_CREDENTIAL_CODECOMMIT_BASE_URL: releases.url };
    releases.requests.length = 0;
    const r = await runAction({ urls: `${origin}\nhttps://git-codecommit.*.example.invalid` }, env);
    expect({ code: r.code, log: r.log }).toMatchObject({ code: 0 });
    // @v0 installs the version in the action's package.json, pinned, after checking SHA256SUMS.
    expect(releases.requests).toEqual([`/download/${TAG}/SHA256SUMS`, `/download/${TAG}/${assetName("linux-x64")}`]);
    expect(r.log).toContain("SHA-256 verified against SHA256SUMS\n");
    const [dir] = r.path;
    expect(r.path).toEqual([expect.stringMatching(/\/git-credential-codecommit\/bin$/)]);
    expect(r.outputs).toEqual({ path: `${dir}/git-credential-codecommit` });
    expect(r.log).toMatch(new RegExp(`^git-credential-codecommit ${pkg.version.replaceAll(".", "\\.")} \\(`, "m"));
    expect((await git(["config", "--global", "--get-all", `credential.${origin}.helper`], { env: w.env })).stdout).toBe(`\n!'${dir}/git-credential-codecommit'\n`);
    expect(await gitOk(["config", "--global", "--get", "credential.https://git-codecommit.*.example.invalid.usehttppath"], { env: w.env })).toBe("true");

    const clone = join(await tempDir("clone"), "demo");
    const cloned = await git(["clone", server.url("demo"), clone], { env: { ...env, PATH: `${dir}:${env.PATH}` } });
    expect({ code: cloned.code, stderr: cloned.stderr }).toEqual({ code: 0, stderr: `Cloning into '${clone}'...\n` });
    expect(existsSync(join(clone, ".git"))).toBe(true);
  }, 60_000);

  test("a version tag as the action's ref, and the profile, region and submodules inputs, reach the installer and setup", async () => {
    const w = await gitWorld(tempHome(), server);
    const env = { ...w.env, GIT_CREDENTIAL_CODECOMMIT_BASE_URL: releases.url };
    releases.requests.length = 0;
    const r = await runAction({ profile: "ci role", region: "eu-west-1", submodules: "true" }, env, TAG);
    expect({ code: r.code, log: r.log }).toMatchObject({ code: 0 });
    expect(releases.requests.at(-1)).toBe(`/download/${TAG}/${assetName("linux-x64")}`);
    const helper = await git(["config", "--global", "--get-all", "credential.https://git-codecommit.*.amazonaws.com.helper"], { env: w.env });
    expect(helper.stdout).toBe(`\n!'${r.outputs.path}' --profile 'ci role' --region 'eu-west-1'\n`);
    expect(await gitOk(["config", "--global", "--get", "protocol.codecommit.allow"], { env: w.env })).toBe("always");
  }, 60_000);

  test("a pinned version input wins, and one that isn't published fails the step in one line", async () => {
    const w = await gitWorld(tempHome(), server);
    const r = await runAction({ version: "9.9.9" }, { ...w.env, GIT_CREDENTIAL_CODECOMMIT_BASE_URL: releases.url }, TAG);
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/^git-credential-codecommit install: cannot download .*\/download\/v9\.9\.9\/SHA256SUMS .*404/m);
  }, 30_000);

  test("submodules must be true or false", async () => {
    const w = await gitWorld(tempHome(), server);
    const r = await runAction({ submodules: "yes" }, { ...w.env, GIT_CREDENTIAL_CODECOMMIT_BASE_URL: releases.url });
    expect(r.code).toBe(1);
    expect(r.log).toEndWith("::error::submodules must be true or false, not yes\n");
  }, 60_000);
});
