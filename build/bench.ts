// `npm run bench`: whole-process median wall time of the compiled helper's `get`
// next to a compiled Bun no-op built with the same flags (and the AWS CLI when
// installed). Budget: median ≤ 2.5 × the no-op in the same run; target 2.0 ×.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "./options.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const dir = mkdtempSync(join(tmpdir(), "gcc-bench-"));
const helper = join(dir, "git-credential-codecommit");
const noop = join(dir, "noop");
await compile({ outfile: helper });
await compile({ entry: "build/noop.ts", outfile: noop });

// An assume-role profile whose session is already in the CLI cache: the common
// laptop case, which must cost no more than env keys.
const home = join(dir, "home");
mkdirSync(join(home, ".aws", "cli", "cache"), { recursive: true });
writeFileSync(
  join(home, ".aws", "config"),
  "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n[profile base]\n",
);
writeFileSync(
  join(home, ".aws", "cli", "cache", "f84d75ff2dd3e8682912dae5e7be77540d9d68d0.json"),
  JSON.stringify({
    Credentials: {
      AccessKeyId: "ASIABENCH",
      SecretAccessKey: "secret",
      SessionToken: "token",
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
    },
  }),
);

const stdin = "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/bench\n\n";
const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, AWS_EC2_METADATA_DISABLED: "true" };
const envKeys = { ...base, AWS_ACCESS_KEY_ID: "AKIDBENCH", AWS_SECRET_ACCESS_KEY: "secret" };

interface Case {
  name: string;
  cmd: string[];
  env: Record<string, string>;
  runs: number;
}
const cases: Case[] = [
  { name: "compiled Bun no-op", cmd: [noop], env: base, runs: RUNS },
  { name: "get (env keys)", cmd: [helper, "get"], env: envKeys, runs: RUNS },
  { name: "get (assume-role, cache hit)", cmd: [helper, "--profile", "role", "get"], env: base, runs: RUNS },
];
const aws = Bun.which("aws");
if (aws) {
  const version = Bun.spawnSync([aws, "--version"]).stdout.toString().split(" ")[0];
  cases.push({ name: `${version} credential-helper get`, cmd: [aws, "codecommit", "credential-helper", "get"], env: envKeys, runs: Math.min(RUNS, 10) });
}

const input = new TextEncoder().encode(stdin);
function once(c: Case): number {
  const t = performance.now();
  const r = Bun.spawnSync(c.cmd, { env: c.env, stdin: input, stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - t;
  if (r.exitCode !== 0 || (c.cmd[0] !== noop && !r.stdout.toString().startsWith("username="))) {
    throw new Error(`${c.name} failed: ${r.stderr.toString()}`);
  }
  return ms;
}

const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (const c of cases) for (let i = 0; i < 3; i++) once(c); // warm the page cache
// Interleaved, so drift on a busy machine hits every case alike.
for (let i = 0; i < RUNS; i++) for (const c of cases) if (i < c.runs) samples.get(c)!.push(once(c));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const baseline = median(samples.get(cases[0]!)!);
console.log(`runs: ${RUNS} per case (AWS CLI: ${Math.min(RUNS, 10)}), median wall time of the whole process\n`);
let over = false;
for (const c of cases) {
  const m = median(samples.get(c)!);
  const ratio = m / baseline;
  const budget = c.cmd[0] === helper ? (ratio <= 2.0 ? "  target met (≤ 2.0×)" : ratio <= 2.5 ? "  within budget (≤ 2.5×)" : "  OVER BUDGET (> 2.5×)") : "";
  if (c.cmd[0] === helper && ratio > 2.5) over = true;
  console.log(`${c.name.padEnd(40)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2).padStart(6)}× no-op${budget}`);
}
rmSync(dir, { recursive: true, force: true });
process.exitCode = over ? 1 : 0;
