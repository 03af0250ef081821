// `setup`: configure git to use this helper for every CodeCommit endpoint, like
// `gh auth setup-git`. Writes only through `git config`, is idempotent, prints
// what it changed, and `--remove` takes back exactly its own entries: each
// section records what setup added to it, so a reset or useHttpPath the user
// wrote before stays. planSetup() decides; setup() reads git and runs the plan.
import type { Context } from "../context.ts";
import { UserError } from "../errors.ts";
import { atLeast, configEntries, credentialKey, gitVersion, helperRuns, MIN_GIT, regexLiteral, runGit, shellQuote, type ConfigEntry } from "../git/config.ts";
import { helperCommand, ourHelper } from "../git/helper-line.ts";
import { AWS_CLI_HELPER, CODECOMMIT_URL_PATTERNS, exampleUrl } from "../codecommit/patterns.ts";

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

/**
 * The key, in each section setup writes, that lists what setup added there
 * ("helper", "reset", "useHttpPath"). git ignores credential keys it doesn't know.
 */
export const MARKER = "codecommitSetupAdded";

export interface SetupState {
  /** credential.* entries of the scope being written, in file order. */
  entries: ConfigEntry[];
  /** The URL patterns to configure. */
  patterns: string[];
  /** Our helper line, as it should read. */
  helper: string;
  remove: boolean;
  /** --submodules, and protocol.codecommit.allow's current value in the scope (undefined: unset). */
  submodules: boolean;
  protocolAllow?: string;
  /** AWS CLI helper entries to retire (--replace), from any file git reads. */
  retire: ConfigEntry[];
}

export interface SetupPlan {
  /** `git config` arguments, after the scope (a retirement names its own --file). */
  commands: string[][];
  /** Lines to print before the commands. */
  notes: string[];
}

/** What to run so that the scope ends up as setup (or --remove) wants it. Pure: reads nothing. */
export function planSetup(state: SetupState): SetupPlan {
  const commands: string[][] = [];
  const notes: string[] = [];
  for (const pattern of state.patterns) {
    const section = state.entries.filter((e) => credentialKey(e.key)?.url === pattern);
    const planned = state.remove ? planRemoval(pattern, section) : planSection(pattern, section, state.helper);
    commands.push(...planned.commands);
    notes.push(...planned.notes);
  }
  if (state.submodules) {
    if (state.remove && state.protocolAllow !== undefined) commands.push(["--unset-all", "protocol.codecommit.allow"]);
    if (!state.remove && state.protocolAllow !== "always") commands.push(["protocol.codecommit.allow", "always"]);
  }
  for (const e of state.remove ? [] : state.retire) {
    commands.push(["--file", e.origin.slice("file:".length), "--unset-all", e.key, regexLiteral(e.value)]);
  }
  return { commands, notes };
}

interface Section {
  helpers: string[];
  useHttpPath?: string;
  marker?: Set<string>;
  /** Keys that are neither ours nor the ones we manage (e.g. the user's username). */
  others: number;
}

/**
 * What setup added to the section: its marker, or for a section with our helper
 * line and no marker (a setup from before markers), everything that setup always added.
 */
function addedBySetup(s: Section): Set<string> {
  if (s.marker !== undefined) return new Set(s.marker);
  if (!s.helpers.some((v) => ourHelper(v) !== undefined)) return new Set();
  return new Set(["helper", "reset", ...(s.useHttpPath === undefined ? [] : ["useHttpPath"])]);
}

function readSection(entries: ConfigEntry[]): Section {
  const s: Section = { helpers: [], others: 0 };
  for (const e of entries) {
    const name = credentialKey(e.key)!.name;
    if (name === "helper") s.helpers.push(e.value);
    else if (name === "usehttppath") s.useHttpPath = e.value;
    else if (name === MARKER.toLowerCase()) s.marker = new Set(e.value.split(/\s+/).filter(Boolean));
    else s.others++;
  }
  return s;
}

function planSection(pattern: string, entries: ConfigEntry[], helper: string): SetupPlan {
  const key = (name: string) => `credential.${pattern}.${name}`;
  const s = readSection(entries);
  const added = addedBySetup(s);
  const commands: string[][] = [];
  const ours = s.helpers.filter((v) => ourHelper(v) !== undefined);
  const theirs = s.helpers.filter((v) => ourHelper(v) === undefined);
  // Right already: the last two helpers are a reset and this very line, and no other line of ours.
  const done = ours.length === 1 && s.helpers.at(-1) === helper && s.helpers.at(-2) === "";
  if (!done) {
    for (const value of new Set(ours)) commands.push(["--unset-all", key("helper"), regexLiteral(value)]);
    // A reset already last (the user's, or ours from before) serves: a second one could never be removed alone.
    if (theirs.at(-1) !== "") {
      commands.push(["--add", key("helper"), ""]);
      added.add("reset");
    }
    commands.push(["--add", key("helper"), helper]);
  }
  added.add("helper");
  if (s.useHttpPath?.toLowerCase() !== "true") {
    commands.push([key("useHttpPath"), "true"]);
    added.add("useHttpPath");
  }
  const marker = [...added].sort().join(" ");
  if (s.marker === undefined || marker !== [...s.marker].sort().join(" ")) {
    commands.push([key(MARKER), marker]);
  }
  return { commands, notes: [] };
}

function planRemoval(pattern: string, entries: ConfigEntry[]): SetupPlan {
  const key = (name: string) => `credential.${pattern}.${name}`;
  const s = readSection(entries);
  const ours = [...new Set(s.helpers.filter((v) => ourHelper(v) !== undefined))];
  const resets = s.helpers.filter((v) => v === "").length;
  if (ours.length === 0 && s.marker === undefined) return { commands: [], notes: [] };
  const added = addedBySetup(s);
  const removeReset = added.has("reset") && (s.marker === undefined || resets === 1);
  const removePath = added.has("useHttpPath") && s.useHttpPath !== undefined;
  const left = s.others + (s.helpers.length - s.helpers.filter((v) => ourHelper(v) !== undefined).length - (removeReset ? resets : 0)) +
    (s.useHttpPath !== undefined && !removePath ? 1 : 0);
  const notes =
    added.has("reset") && !removeReset
      ? [`Left the empty ${key("helper")} entries: setup added one of them, and git config can't remove one of several equal values.\n`]
      : [];
  // A section holding only what we wrote goes whole, header included.
  if (left === 0) return { commands: [["--remove-section", `credential.${pattern}`]], notes };
  const commands = ours.map((value) => ["--unset-all", key("helper"), regexLiteral(value)]);
  if (removeReset) commands.push(["--unset-all", key("helper"), "^$"]);
  if (removePath) commands.push(["--unset-all", key("useHttpPath")]);
  if (s.marker !== undefined) commands.push(["--unset-all", key(MARKER)]);
  return { commands, notes };
}

export async function setup(ctx: Context, opts: SetupOptions): Promise<number> {
  const version = await gitVersion(ctx);
  if (!atLeast(version, MIN_GIT)) {
    throw new UserError(
      `setup needs git ${MIN_GIT.join(".")} or later (wildcard URL patterns); this git is ${version.join(".")}`,
    );
  }
  const all = await configEntries(ctx, "^credential\\.");
  const retire = oldHelpers(all);
  const entries = await configEntries(ctx, "^credential\\.", opts.scope);
  const state: SetupState = {
    entries,
    patterns: [...CODECOMMIT_URL_PATTERNS, ...opts.urls],
    helper: helperCommand(ctx, opts.profile, opts.region),
    remove: opts.remove,
    submodules: opts.submodules,
    protocolAllow: opts.submodules ? await protocolAllow(ctx, opts.scope) : undefined,
    retire: opts.replace ? retire : [],
  };
  const plan = planSetup(state);

  if (!opts.remove && retire.length > 0) {
    // Judged on the configuration as setup leaves it, by the rule doctor uses.
    const after = configAfter(all, state, plan);
    const running = retire.filter((e) => helperRuns(after, e, exampleUrl()));
    const cleared = retire.filter((e) => !running.includes(e));
    if (running.length > 0) ctx.out(`Found AWS CLI credential-helper settings, which would also run for CodeCommit:\n`);
    for (const e of running) ctx.out(`  ${e.origin}: ${e.key} = ${e.value}\n`);
    if (cleared.length > 0) ctx.out(`Found AWS CLI credential-helper settings that git no longer runs for CodeCommit (an empty helper line after them clears them), still configured:\n`);
    for (const e of cleared) ctx.out(`  ${e.origin}: ${e.key} = ${e.value}\n`);
    if (!opts.replace) ctx.out(`Run "git-credential-codecommit setup --replace" to remove them.\n`);
  }
  for (const note of plan.notes) ctx.out(note);

  const where = opts.scope.join(" ");
  if (plan.commands.length === 0) {
    ctx.out(opts.remove ? `Nothing to remove (${where}).\n` : `git is already set up for CodeCommit (${where}).\n`);
    return 0;
  }
  ctx.out(opts.dryRun ? "Would run:\n" : opts.remove ? "Removed with:\n" : "Configured with:\n");
  for (const args of plan.commands) {
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

async function protocolAllow(ctx: Context, scope: string[]): Promise<string | undefined> {
  const r = await runGit(ctx, ["config", ...scope, "--get", "protocol.codecommit.allow"]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

function displayArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a);
}

/**
 * Every credential entry git reads, as it will read them once the plan has run:
 * each reset and helper line the plan adds goes where `git config --add` puts it,
 * after the last line of that section in the scope's file, or at the file's end.
 * A scope with no credential lines yet has no known place among the files; its
 * additions are then left out, so nothing is judged cleared by them.
 */
export function configAfter(all: ConfigEntry[], state: SetupState, plan: SetupPlan): ConfigEntry[] {
  const origin = state.entries[0]?.origin;
  if (origin === undefined) return all;
  const after = [...all];
  for (const pattern of state.patterns) {
    const key = `credential.${pattern}.helper`;
    const added = plan.commands.filter((c) => c[0] === "--add" && c[1] === key).map((c) => ({ origin, key, value: c[2]! }));
    if (added.length === 0) continue;
    const inFile = (e: ConfigEntry) => e.origin === origin;
    const last = lastIndex(after, (e) => inFile(e) && credentialKey(e.key)?.url === pattern);
    const at = (last === -1 ? lastIndex(after, inFile) : last) + 1;
    after.splice(at, 0, ...added);
  }
  return after;
}

function lastIndex<T>(items: T[], match: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (match(items[i]!)) return i;
  return -1;
}

/** AWS CLI helper entries in any config file git reads. */
function oldHelpers(all: ConfigEntry[]) {
  return all.filter(
    (e) => credentialKey(e.key)?.name === "helper" && AWS_CLI_HELPER.test(e.value) && e.origin.startsWith("file:"),
  );
}
