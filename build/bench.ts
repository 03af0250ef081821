// `npm run bench`: the compiled helper's `get` from every credential source,
// each as a ratio to a compiled Bun no-op (built with the same flags) measured
// in the same run, with peak RSS. Everything it talks to is local: the fakes
// from test/support on 127.0.0.1 and cache files it writes into its own HOME.
//
// `npm run bench -- --git`: 20 `git ls-remote` through the local
// CodeCommit-compatible server, with this helper and (when installed) with
// `!aws codecommit credential-helper $@`, and the ratio between the two.
//
// Runs are interleaved round by round, so drift on a busy machine hits every
// case alike; a ratio is the median over rounds of (case ÷ no-op) in the same
// round. BENCH_RUNS sets the rounds (default 40). It is not a test: nothing
// in `npm test` times anything.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "./options.ts";
import { cliCacheFile } from "../src/aws/cache.ts";
import { startFakeContainer } from "../test/support/fake-container.ts";
import { startFakeSso } from "../test/support/fake-sso.ts";
import { startFakeSts } from "../test/support/fake-sts.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const GIT_CALLS = 20;
const GOAL = 2.0;
const BUDGET = 2.5;
const RSS_BUDGET_MIB = 40;
const REQUEST = "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/bench\n\n";

const dir = mkdtempSync(join(tmpdir(), "gcc-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const helper = join(dir, "git-credential-codecommit");
const noop = join(dir, "noop");
await compile({ outfile: helper });
await compile({ entry: "build/noop.ts", outfile: noop });

interface Sample {
  ms: number;
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * One whole process, spawned asynchronously: the fakes answer from this
 * process's event loop, which a spawnSync would block.
 */
async function once(cmd: string[], env: Record<string, string>, stdin = REQUEST): Promise<Sample> {
  const t = performance.now();
  const proc = Bun.spawn(cmd, { env, stdin: new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { ms: performance.now() - t, stdout, stderr, code };
}

/** GNU time (macOS's BSD time takes other flags). */
const TIME = ["/usr/bin/time", "/bin/time"].find((p) => {
  if (Bun.file(p).size === 0) return false;
  const r = Bun.spawnSync([p, "--version"], { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 && `${r.stdout}${r.stderr}`.includes("GNU");
});

/**
 * Peak RSS in MiB, from GNU time's wait4() rusage. Not Bun's resourceUsage():
 * its maxRSS includes this process's own pages (a no-op spawned from a process
 * holding 300 MB reports 300 MB).
 */
async function peakRssMiB(cmd: string[], env: Record<string, string>): Promise<number | undefined> {
  if (!TIME) return undefined;
  const out = join(dir, "rss");
  let peak = 0;
  for (let i = 0; i < 3; i++) {
    const r = await once([TIME, "-f", "%M", "-o", out, ...cmd], env);
    if (r.code !== 0) throw new Error(`${cmd.join(" ")} failed under ${TIME}: ${r.stderr}`);
    peak = Math.max(peak, Number(readFileSync(out, "utf8").trim().split("\n").pop()) / 1024);
  }
  return peak;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

type Budget =
  | { kind: "none" }
  | { kind: "ratio" }
  /** The helper minus the child it runs, the child measured alone in the same round. */
  | { kind: "minus-child"; child: Case }
  /** ≤ BUDGET × no-op plus one local HTTP round trip, measured in this run. */
  | { kind: "plus-round-trip" };

interface Case {
  name: string;
  cmd: string[];
  env: Record<string, string>;
  /** What the first line of stdout must be, so a case can't silently measure another source. */
  expect?: string;
  budget: Budget;
  runs?: number;
  samples: number[];
}

async function sources(): Promise<boolean> {
  const home = join(dir, "home");
  const cache = join(home, ".aws", "cli", "cache");
  mkdirSync(cache, { recursive: true });
  mkdirSync(join(home, ".aws", "login", "cache"), { recursive: true });
  const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const cached = (key: string) => ({ Credentials: { AccessKeyId: key, SecretAccessKey: "secret", SessionToken: "token", Expiration: expiration } });
  const write = (path: string, value: unknown) => writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));

  const child = join(dir, "credential-process.sh");
  write(child, `#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": "secret", "SessionToken": "token"}'\n`);
  chmodSync(child, 0o755);
  const loginSession = "arn:aws:iam::123456789012:user/bench";
  write(
    join(home, ".aws", "config"),
    [
      "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/bench\nsource_profile = static",
      "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Bench",
      "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1",
      `[profile login]\nlogin_session = ${loginSession}`,
      `[profile process]\ncredential_process = ${child}`,
      "",
    ].join("\n"),
  );
  write(join(home, ".aws", "credentials"), "[static]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = secret\n");
  write(cliCacheFile(home, { RoleArn: "arn:aws:iam::123456789012:role/bench" }), cached("ASIAROLE"));
  write(cliCacheFile(home, { roleName: "Bench", accountId: "123456789012", sessionName: "corp" }, true), cached("ASIASSO"));
  const webRole = { RoleArn: "arn:aws:iam::123456789012:role/web", RoleSessionName: "bench" };
  write(cliCacheFile(home, webRole), cached("ASIAWEB"));
  write(join(dir, "web-identity-token"), "bench-token");
  const loginFile = `${new Bun.CryptoHasher("sha256").update(loginSession).digest("hex")}.json`;
  write(join(home, ".aws", "login", "cache", loginFile), {
    accessToken: { accessKeyId: "ASIALOGIN", secretAccessKey: "secret", sessionToken: "token", expiresAt: expiration },
  });

  // A cache miss would reach these instead of AWS; the bench fails if anything does.
  const sts = await startFakeSts();
  const sso = startFakeSso();
  const container = startFakeContainer();
  try {
    const base: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_SSO: sso.portalUrl,
      AWS_ENDPOINT_URL_SSO_OIDC: sso.oidcUrl,
    };
    const get = (args: string[] = []) => [helper, ...args, "get"];
    const childCase: Case = { name: "  the credential_process child alone", cmd: [child], env: base, budget: { kind: "none" }, samples: [] };
    const cases: Case[] = [
      { name: "compiled Bun no-op", cmd: [noop], env: base, budget: { kind: "none" }, samples: [] },
      { name: "environment keys", cmd: get(), env: { ...base, AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "secret" }, expect: "AKIDENV", budget: { kind: "ratio" }, samples: [] },
      { name: "static profile (credentials file)", cmd: get(["--profile", "static"]), env: base, expect: "AKIDSTATIC", budget: { kind: "ratio" }, samples: [] },
      { name: "assume-role, cache hit", cmd: get(["--profile", "role"]), env: base, expect: "ASIAROLE%token", budget: { kind: "ratio" }, samples: [] },
      { name: "SSO role credentials, cache hit", cmd: get(["--profile", "sso"]), env: base, expect: "ASIASSO%token", budget: { kind: "ratio" }, samples: [] },
      {
        name: "web identity, cache hit",
        cmd: get(),
        env: { ...base, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "web-identity-token"), AWS_ROLE_ARN: webRole.RoleArn, AWS_ROLE_SESSION_NAME: webRole.RoleSessionName },
        expect: "ASIAWEB%token",
        budget: { kind: "ratio" },
        samples: [],
      },
      { name: "login_session, valid credentials", cmd: get(["--profile", "login"]), env: base, expect: "ASIALOGIN%token", budget: { kind: "ratio" }, samples: [] },
      { name: "credential_process, minus the child", cmd: get(["--profile", "process"]), env: base, expect: "ASIAPROCESS%token", budget: { kind: "minus-child", child: childCase }, samples: [] },
      childCase,
      {
        name: "container endpoint on 127.0.0.1",
        cmd: get(),
        env: { ...base, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/v2/credentials` },
        expect: "ASIACONTAINER",
        budget: { kind: "plus-round-trip" },
        samples: [],
      },
    ];
    const aws = Bun.which("aws", { PATH: process.env.PATH ?? "" });
    if (aws) {
      const version = (await once([aws, "--version"], base, "")).stdout.split(" ")[0] ?? "aws";
      cases.push({
        name: `${version} credential-helper get, env keys`,
        cmd: [aws, "codecommit", "credential-helper", "get"],
        env: { ...base, AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "secret" },
        expect: "AKIDENV",
        budget: { kind: "none" },
        runs: Math.min(RUNS, 10),
        samples: [],
      });
    }

    const run = async (c: Case) => {
      const r = await once(c.cmd, c.env);
      const first = r.stdout.split("\n", 1)[0];
      if (r.code !== 0 || (c.expect !== undefined && !first!.startsWith(`username=${c.expect}`))) {
        throw new Error(`${c.name}: exit ${r.code}, ${JSON.stringify(first)}, stderr: ${r.stderr.trim()}`);
      }
      return r.ms;
    };
    for (const c of cases) for (let i = 0; i < 3; i++) await run(c); // page cache, and each path once
    for (let i = 0; i < RUNS; i++) for (const c of cases) if (i < (c.runs ?? RUNS)) c.samples.push(await run(c));

    // One local round trip on a fresh connection, as the helper makes it.
    const trips: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await (await fetch(`${container.url}/v2/credentials`, { headers: { Connection: "close" }, keepalive: false })).text();
      trips.push(performance.now() - t);
    }
    const roundTrip = median(trips);

    const missed = [...sts.requests.map((r) => `STS ${r.action}`), ...sso.portalRequests.map((r) => `SSO ${r.path}`)];
    if (missed.length > 0) throw new Error(`a cache-hit case missed its cache: ${missed.join(", ")}`);

    const noopSamples = cases[0]!.samples;
    const noopMs = median(noopSamples);
    const paired = (xs: number[], minus?: number[]) => median(xs.map((x, i) => (x - (minus?.[i] ?? 0)) / noopSamples[i]!));
    console.log(`${RUNS} rounds, each case once per round; median wall time of the whole process; ratio: median over rounds of case ÷ no-op`);
    console.log(`no-op: ${noopMs.toFixed(1)} ms (a compiled Bun console.log, same flags as the helper); one local HTTP round trip: ${roundTrip.toFixed(2)} ms\n`);
    console.log(`${"get from".padEnd(44)} ${"median".padStart(9)} ${"ratio".padStart(7)}  ${"peak RSS".padStart(9)}  budget`);
    let ok = true;
    for (const c of cases) {
      const rss = await peakRssMiB(c.cmd, c.env);
      const rssText = rss === undefined ? "n/a" : `${rss.toFixed(1)} MiB`;
      let ms = median(c.samples);
      let ratio = paired(c.samples);
      let verdict = "";
      const budget = c.budget;
      if (budget.kind !== "none") {
        let limit = BUDGET;
        let goal: number | undefined = GOAL;
        let what = `goal ≤ ${GOAL.toFixed(1)}×, at most ${BUDGET.toFixed(1)}×`;
        if (budget.kind === "minus-child") {
          ms = median(c.samples.map((x, i) => x - budget.child.samples[i]!));
          ratio = paired(c.samples, budget.child.samples);
          goal = undefined;
          what = `≤ ${BUDGET.toFixed(1)}× plus the child`;
        } else if (budget.kind === "plus-round-trip") {
          limit = BUDGET + roundTrip / noopMs;
          goal = undefined;
          what = `≤ ${BUDGET.toFixed(1)}× plus one round trip (${limit.toFixed(2)}×)`;
        }
        const overRss = rss !== undefined && rss > RSS_BUDGET_MIB;
        const status = ratio > limit || overRss ? "OVER BUDGET" : goal !== undefined && ratio <= goal ? "goal met" : "within budget";
        if (status === "OVER BUDGET") ok = false;
        verdict = `${status}: ${what}; RSS ≤ ${RSS_BUDGET_MIB} MiB`;
      }
      console.log(`${c.name.padEnd(44)} ${ms.toFixed(1).padStart(6)} ms ${ratio.toFixed(2).padStart(6)}×  ${rssText.padStart(9)}  ${verdict}`);
    }
    if (!TIME) console.log("\n(peak RSS needs GNU time at /usr/bin/time; on Debian: apt-get install time)");
    return ok;
  } finally {
    await Promise.all([sts.stop(), sso.stop(), container.stop()]);
  }
}

async function gitComparison(): Promise<void> {
  const { startGitServer } = await import("../test/support/git-server.ts");
  const { gitOk, gitWorld } = await import("../test/support/git-env.ts");
  const identity = { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" };
  const server = await startGitServer({ identities: [identity] });
  try {
    await server.createRepo("bench", { withInitialCommit: true });
    const home = join(dir, "git-home");
    mkdirSync(home, { recursive: true });
    const world = await gitWorld(home, server);
    const env: Record<string, string> = { ...world.env, AWS_ACCESS_KEY_ID: identity.accessKeyId, AWS_SECRET_ACCESS_KEY: identity.secretAccessKey };
    const url = server.url("bench");
    const origin = new URL(url).origin;

    const timeCalls = async (helperLine: string) => {
      await gitOk(["config", "--global", "--replace-all", `credential.${origin}.helper`, helperLine], { env });
      await gitOk(["config", "--global", `credential.${origin}.useHttpPath`, "true"], { env });
      await gitOk(["ls-remote", url], { env }); // warm up
      const t = performance.now();
      for (let i = 0; i < GIT_CALLS; i++) await gitOk(["ls-remote", url], { env });
      return performance.now() - t;
    };
    const ours = await timeCalls(`!'${helper}'`);
    console.log(`${GIT_CALLS} × git ls-remote through the local CodeCommit-compatible server (HTTPS on 127.0.0.1)\n`);
    console.log(`${"git-credential-codecommit".padEnd(44)} ${(ours / 1000).toFixed(2).padStart(6)} s`);
    const aws = Bun.which("aws", { PATH: env.PATH });
    if (!aws) {
      console.log("(the AWS CLI is not installed: no comparison)");
      return;
    }
    const version = (await once([aws, "--version"], env, "")).stdout.split(" ")[0] ?? "aws";
    const theirs = await timeCalls("!aws codecommit credential-helper $@");
    console.log(`${`${version} (!aws codecommit credential-helper $@)`.padEnd(44)} ${(theirs / 1000).toFixed(2).padStart(6)} s`);
    console.log(`\nthe AWS CLI takes ${(theirs / ours).toFixed(1)}× as long as this helper`);
  } finally {
    await server.stop();
  }
}

if (process.argv.includes("--git")) {
  await gitComparison();
} else {
  process.exitCode = (await sources()) ? 0 : 1;
}
