// `npm run demo`: the whole story on this machine, with no AWS account and
// nothing leaving 127.0.0.1. It builds the helper, starts a local
// CodeCommit-compatible git server (which checks SigV4 passwords as CodeCommit
// does), runs `setup` in a throw-away HOME, then clones, commits and pushes
// with real git, printing each command and what came of it. Everything it
// creates is removed at the end, also when a step fails or it is interrupted.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { compile } from "../../build/options.ts";
import { git, gitWorld } from "./git-env.ts";
import { startGitServer, type GitServer } from "./git-server.ts";

const DEMO = { accessKeyId: "AKIADEMOEXAMPLE00001", secretAccessKey: "demo/Secret+Key/wJalrXUtnFEMIEXAMPLE" };
const REPO = "demo";

const root = mkdtempSync(join(tmpdir(), "gcc-demo-"));
let server: GitServer | undefined;
let cleaned = false;

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
  console.log(`\nCleaned up: stopped the server, removed ${root}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

let stepNo = 0;
function step(title: string): void {
  console.log(`\n${++stepNo}. ${title}`);
}

function say(text: string): void {
  for (const line of text.trimEnd().split("\n")) console.log(`   ${line}`);
}

/** Runs git, printing the command line as typed; a failure stops the demo with git's own words. */
async function shell(args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  console.log(`   $ git ${args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ")}`);
  const r = await git(args, { env, cwd });
  if (r.code !== 0) throw new Error(`git ${args[0]} failed (exit ${r.code}):\n${r.stderr.trim()}`);
  return `${r.stdout}${r.stderr}`.trim();
}

async function main(): Promise<void> {
  console.log("git-credential-codecommit demo: real git, the helper, and a local CodeCommit-compatible server");
  console.log("(no AWS account needed; nothing leaves 127.0.0.1)");

  step("Build the helper");
  const bin = join(root, "bin");
  const exe = join(bin, "git-credential-codecommit");
  const started = performance.now();
  await compile({ entry: join(import.meta.dir, "..", "..", "src", "cli.ts"), outfile: exe });
  say(`compiled src/cli.ts to ${exe} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  step("Start a local CodeCommit git server");
  server = await startGitServer({ identities: [DEMO] });
  await server.createRepo(REPO, { withInitialCommit: true });
  const url = server.url(REPO);
  const origin = new URL(url).origin;
  say(`${url}\n(git reaches it through http.curloptResolve; it trusts the server's throw-away CA)`);

  step("A temporary HOME with AWS credentials");
  const home = join(root, "home");
  mkdirSync(join(home, ".aws"), { recursive: true });
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[default]\naws_access_key_id = ${DEMO.accessKeyId}\naws_secret_access_key = ${DEMO.secretAccessKey}\n`,
  );
  const world = await gitWorld(home, server);
  const env = { ...world.env, PATH: `${bin}${delimiter}${world.env.PATH}` };
  say(`HOME=${home}\n~/.aws/credentials: [default] aws_access_key_id = ${DEMO.accessKeyId}`);

  // A CodeCommit pattern without a port matches only port 443, so the demo
  // server's port is configured explicitly, as any custom endpoint would be.
  step("Configure git");
  console.log(`   $ git-credential-codecommit setup --url ${origin}`);
  const setup = Bun.spawn([exe, "setup", "--url", origin], { env, stdout: "pipe", stderr: "pipe" });
  const [setupOut, setupErr, setupCode] = await Promise.all([
    new Response(setup.stdout).text(),
    new Response(setup.stderr).text(),
    setup.exited,
  ]);
  if (setupCode !== 0) throw new Error(`setup failed (exit ${setupCode}):\n${setupErr.trim()}`);
  const commands = setupOut.split("\n").filter((l) => l.startsWith("  git config "));
  const forDemo = commands.filter((l) => l.includes(origin)).map((l) => l.trim());
  say(`${commands.length} git config commands for every CodeCommit endpoint, among them:\n${forDemo.join("\n")}`);

  step("Clone");
  const work = join(root, "work");
  await shell(["clone", url, work], env);
  const readme = await shell(["log", "--oneline", "-1"], env, work);
  say(`cloned; HEAD is ${readme}`);

  step("Commit");
  writeFileSync(join(work, "hello.txt"), "Hello from git-credential-codecommit\n");
  await shell(["add", "hello.txt"], env, work);
  await shell(["commit", "-q", "-m", "Say hello"], env, work);
  const head = (await shell(["rev-parse", "HEAD"], env, work)).trim();
  say(`committed ${head.slice(0, 12)}`);

  step("Push");
  await shell(["push", "origin", "main"], env, work);
  const remote = await shell(["ls-remote", "origin", "refs/heads/main"], env, work);
  if (!remote.startsWith(head)) throw new Error(`the server's main is ${remote}, not ${head}`);
  say(`pushed: the server's main is now ${head.slice(0, 12)}`);

  const signed = server.requests.filter((r) => r.username !== undefined);
  const refused = signed.filter((r) => r.status >= 400);
  if (refused.length > 0) throw new Error(`the server refused ${refused.length} signed request(s): ${refused[0]!.reason}`);
  console.log(
    `\nThe server verified ${signed.length} SigV4-signed requests from ${DEMO.accessKeyId}, ` +
      "each password made by git-credential-codecommit for its repository path.",
  );
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
