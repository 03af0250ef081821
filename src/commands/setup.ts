// `setup`: configure git to use this helper for every CodeCommit endpoint, like
// `gh auth setup-git`. Writes only through `git config`, is idempotent, prints
// what it changed, and `--remove` takes back exactly its own entries.
import type { Context } from "../context.ts";
import { UserError } from "../errors.ts";
import { atLeast, configEntries, credentialKey, gitVersion, MIN_GIT, regexLiteral, runGit, shellQuote } from "../git/config.ts";
import { helperCommand, ourHelper } from "../git/helper-line.ts";
import { AWS_CLI_HELPER, CODECOMMIT_URL_PATTERNS } from "../codecommit/patterns.ts";

export interface SetupOptions {
  scope: string[];
  profile?: string;
  region?: string;
  urls: string[];
  dryRun: boolean;
  remove: boolean;
  replace: boolean;
  /** Allow codecommit:// URLs in submodules, which git refuses for unknown protocols by default. */
  submodules: boolean;
}

/** Ours to replace or remove: the reset line, or a helper line that runs us. */
function isOurHelper(value: string, current: string): boolean {
  return value === "" || value === current || ourHelper(value) !== undefined;
}

export async function setup(ctx: Context, opts: SetupOptions): Promise<number> {
  const version = await gitVersion(ctx);
  if (!atLeast(version, MIN_GIT)) {
    throw new UserError(
      `setup needs git ${MIN_GIT.join(".")} or later (wildcard URL patterns); this git is ${version.join(".")}`,
    );
  }
  const helper = helperCommand(ctx, opts.profile, opts.region);
  const patterns = [...CODECOMMIT_URL_PATTERNS, ...opts.urls];
  const existing = await configEntries(ctx, "^credential\\.", opts.scope);
  const commands: string[][] = [];

  for (const pattern of patterns) {
    const helperKey = `credential.${pattern}.helper`;
    const pathKey = `credential.${pattern}.usehttppath`;
    const mine = existing.filter((e) => credentialKey(e.key)?.url === pattern);
    const helpers = mine.filter((e) => credentialKey(e.key)?.name === "helper").map((e) => e.value);
    const ours = helpers.filter((v) => isOurHelper(v, helper));
    const useHttpPath = mine.find((e) => credentialKey(e.key)?.name === "usehttppath")?.value;

    if (opts.remove) {
      if (mine.length === 0) continue;
      // A section holding only what we wrote goes whole, header included.
      if (mine.length === ours.length + (useHttpPath === undefined ? 0 : 1)) {
        commands.push(["--remove-section", `credential.${pattern}`]);
        continue;
      }
      for (const value of new Set(ours)) commands.push(["--unset-all", helperKey, regexLiteral(value)]);
      if (useHttpPath !== undefined) commands.push(["--unset-all", pathKey]);
      continue;
    }
    // Already right: the reset, then us, and nothing of ours besides.
    const done = ours.length === 2 && ours[0] === "" && ours[1] === helper && helpers.indexOf("") === helpers.length - 2;
    if (!done) {
      for (const value of new Set(ours)) commands.push(["--unset-all", helperKey, regexLiteral(value)]);
      commands.push(["--add", helperKey, ""], ["--add", helperKey, helper]);
    }
    if (useHttpPath?.toLowerCase() !== "true") commands.push([pathKey.replace(/usehttppath$/, "useHttpPath"), "true"]);
  }

  if (opts.submodules) {
    const allow = await runGit(ctx, ["config", ...opts.scope, "--get", "protocol.codecommit.allow"]);
    if (opts.remove ? allow.code === 0 : allow.stdout.trim() !== "always") {
      commands.push(opts.remove ? ["--unset-all", "protocol.codecommit.allow"] : ["protocol.codecommit.allow", "always"]);
    }
  }

  const retire = await oldHelpers(ctx);
  if (!opts.remove && retire.length > 0) {
    ctx.out(`Found AWS CLI credential-helper settings, which would also run for CodeCommit:\n`);
    for (const e of retire) ctx.out(`  ${e.origin}: ${e.key} = ${e.value}\n`);
    if (opts.replace) {
      for (const e of retire) {
        commands.push(["--file", e.origin.slice("file:".length), "--unset-all", e.key, regexLiteral(e.value)]);
      }
    } else {
      ctx.out(`Run "git-credential-codecommit setup --replace" to remove them.\n`);
    }
  }

  const where = opts.scope.join(" ");
  if (commands.length === 0) {
    ctx.out(opts.remove ? `Nothing to remove (${where}).\n` : `git is already set up for CodeCommit (${where}).\n`);
    return 0;
  }
  ctx.out(opts.dryRun ? "Would run:\n" : opts.remove ? "Removed with:\n" : "Configured with:\n");
  for (const args of commands) {
    const full = args[0] === "--file" ? ["config", ...args] : ["config", ...opts.scope, ...args];
    ctx.out(`  git ${full.map(displayArg).join(" ")}\n`);
    if (opts.dryRun) continue;
    const r = await runGit(ctx, full);
    // 5: nothing matched an --unset-all; fine when removing what isn't there.
    if (r.code !== 0 && !(r.code === 5 && args.includes("--unset-all"))) {
      throw new UserError(`git ${full.join(" ")} failed: ${r.stderr.trim()}`);
    }
  }
  return 0;
}

function displayArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a);
}

/** AWS CLI helper entries in any config file git reads. */
async function oldHelpers(ctx: Context) {
  const all = await configEntries(ctx, "^credential\\.");
  return all.filter(
    (e) => credentialKey(e.key)?.name === "helper" && AWS_CLI_HELPER.test(e.value) && e.origin.startsWith("file:"),
  );
}
