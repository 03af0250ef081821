// Entry point: argv → command. Kept small: each command is imported only when
// it runs, so git's hot path (`get`) loads only what signing needs.
import mri from "mri";
import { debugTrace, notice, type Context } from "./context.ts";
import { UserError } from "./errors.ts";

import { COMMIT, NAME, VERSION } from "./version.ts";
import { MAX_INPUT_BYTES } from "./git/credential.ts";
import { homeFromEnv } from "./util/home.ts";

/** One line of a command's help: the flags as shown, the option names they cover, and what they do. */
export interface OptionHelp {
  flags: string;
  names: string[];
  text: string;
}

/** A command's whole surface: its names, usage, options (which are also all it accepts) and one example. */
export interface CommandHelp {
  names: string[];
  usage: string;
  summary: string;
  options: OptionHelp[];
  example: string;
}

// The names are spelt out, not parsed from the flags: this table is built on
// every run, `get` included, and must cost nothing measurable at start-up.
const opt = (names: string[], flags: string, text: string): OptionHelp => ({ flags, names, text });
const PROFILE = opt(["profile"], "--profile NAME", "use this AWS profile (as aws --profile)");
const REGION = opt(["region"], "--region REGION", "region for hosts that don't name one");
const DEBUG = opt(["debug"], "--debug", "explain each step on stderr (never prints secrets)");
const SSO_SESSION = opt(["sso-session"], "--sso-session NAME", "this [sso-session NAME] instead of the profile's");

/** Every command, in the order help lists them: adding a command is one entry here and one case in dispatch(). */
export const COMMANDS: CommandHelp[] = [
  {
    names: ["get", "store", "erase"],
    usage: "[--profile NAME] [--region REGION] [--ignore-host-check] [--debug] <get|store|erase>",
    summary: "git runs these: get prints a username and signed password for a CodeCommit URL; store and erase read and ignore",
    options: [PROFILE, REGION, opt(["ignore-host-check"], "--ignore-host-check", "sign for any host, not only CodeCommit endpoints"), DEBUG],
    example: `printf 'protocol=https\\nhost=git-codecommit.us-east-1.amazonaws.com\\npath=v1/repos/demo\\n' | ${NAME} get`,
  },
  {
    names: ["setup"],
    usage: "setup [--global|--system|--local|--file FILE] [--profile NAME] [--region REGION] [--url PATTERN]... [--dry-run] [--remove] [--replace] [--submodules]",
    summary: "configure git to use this helper for every CodeCommit endpoint",
    options: [
      opt(["global", "system", "local", "file"], "--global (default), --system, --local, --file FILE", "which git config to write"),
      PROFILE,
      REGION,
      opt(["url"], "--url PATTERN", "also configure this URL pattern (e.g. a custom port); repeatable"),
      opt(["dry-run"], "--dry-run", "print the git config commands without running them"),
      opt(["remove"], "--remove", "remove what setup wrote"),
      opt(["replace"], "--replace", "also remove AWS CLI credential-helper settings"),
      opt(["submodules"], "--submodules", "also allow codecommit:// URLs in submodules (protocol.codecommit.allow always)"),
    ],
    example: `${NAME} setup --profile dev`,
  },
  {
    names: ["doctor"],
    usage: "doctor [--profile NAME] [--region REGION] [--url URL] [--network] [--json] [--debug]",
    summary: "check git's configuration, credentials and region; say how to fix problems",
    options: [
      PROFILE,
      REGION,
      opt(["url"], "--url URL", "check for this repository URL (default: the region's endpoint)"),
      opt(["network"], "--network", "also check the clock and the credentials with AWS"),
      opt(["json"], "--json", "machine-readable output"),
      DEBUG,
    ],
    example: `${NAME} doctor --network --url https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/my-repo`,
  },
  {
    names: ["url"],
    usage: "url [--profile NAME] [--region REGION] [--debug] <https or codecommit URL>",
    summary: "print a signed https://user:password@… URL (a secret for ~15 minutes) for tools without helpers",
    options: [PROFILE, REGION, DEBUG],
    example: `${NAME} url codecommit::us-east-1://my-repo`,
  },
  {
    names: ["login"],
    usage: "login [--profile NAME | --sso-session NAME] [--use-device-code] [--no-browser] [--debug]",
    summary: "sign in to IAM Identity Center (SSO), as `aws sso login`",
    options: [
      PROFILE,
      SSO_SESSION,
      opt(["use-device-code"], "--use-device-code", "sign in with a code on any device (headless machines, containers); always so for profiles with sso_start_url and no sso_session"),
      opt(["no-browser"], "--no-browser", "print the sign-in URL instead of opening a browser"),
      DEBUG,
    ],
    example: `${NAME} login --profile dev`,
  },
  {
    names: ["logout"],
    usage: "logout [--profile NAME | --sso-session NAME] [--debug]",
    summary: "sign out of IAM Identity Center, as `aws sso logout`; with --profile or --sso-session, of that session only",
    options: [PROFILE, SSO_SESSION, DEBUG],
    example: `${NAME} logout --sso-session corp`,
  },
  {
    names: ["help"],
    usage: "help [COMMAND]",
    summary: "show this help, or a command's options and an example (also: COMMAND --help)",
    options: [],
    example: `${NAME} help setup`,
  },
];

function commandNamed(name: string): CommandHelp | undefined {
  for (const c of COMMANDS) if (c.names.includes(name)) return c;
  return undefined;
}

// The help texts are built only when printed: `get` never pays for them.
export function usage(): string {
  return `usage: ${COMMANDS.filter((c) => c.names[0] !== "help").map((c) => `${NAME} ${c.usage}`).join("\n       ")}
       git-remote-codecommit <remote> <codecommit URL>   (run by git, through a link or copy with that name)`;
}

/** A help line: the term in a 19-column gutter, or on a line of its own when longer. */
const column = (left: string, right: string) => (left.length > 19 ? `  ${left}\n  ${"".padEnd(19)} ${right}` : `  ${left.padEnd(19)} ${right}`);

const overview = () => `${usage()}

A git credential helper for AWS CodeCommit. git runs it; it prints the same
username and password as \`aws codecommit credential-helper get\`, signed with
your AWS credentials (env, profiles, roles, web identity, credential_process),
without Python or the AWS CLI.

Commands:
${COMMANDS.map((c) => column(c.names.join(", "), c.summary)).join("\n")}

Options:
  -h, --help          show this help
  --version           show the version
Run \`${NAME} help COMMAND\` for a command's options and an example; \`man ${NAME}\` for the manual.

Set git up with \`${NAME} setup\`, or by hand:
  git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.helper ''
  git config --global --add credential.https://git-codecommit.us-east-1.amazonaws.com.helper '!${NAME}'
  git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.useHttpPath true
`;

export function commandHelp(c: CommandHelp): string {
  const options = c.options.map((o) => column(o.flags, o.text));
  return `usage: ${NAME} ${c.usage}

${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.

Options:
${[...options, column("-h, --help", "show this help")].join("\n")}

Example:
  ${c.example}
`;
}

const STRING_OPTIONS = ["profile", "region", "file", "url", "sso-session"];
const BOOLEAN_OPTIONS = [
  "ignore-host-check", "debug", "help", "version",
  "global", "system", "local", "dry-run", "remove", "replace", "submodules", "network", "json",
  "use-device-code", "browser",
];

function accepts(command: CommandHelp, option: string): boolean {
  for (const o of command.options) if (o.names.includes(option)) return true;
  return false;
}

/** The closest command name to a typo, if it is close enough to be what was meant. */
function suggestion(word: string): string | undefined {
  let best: [string, number] | undefined;
  for (const name of COMMANDS.flatMap((c) => c.names)) {
    const d = editDistance(word.toLowerCase(), name);
    if (!best || d < best[1]) best = [name, d];
  }
  return best && best[1] <= Math.max(1, Math.floor(best[0].length / 3)) ? best[0] : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one edit, as in `setpu`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

export const REMOTE_NAME = "git-remote-codecommit";

/**
 * Runs one invocation; returns the exit code. Throws nothing. `invokedAs` is
 * the name the binary was run under: as git-remote-codecommit it is git's
 * remote helper, unless git runs it as a credential helper (a copy of the
 * binary under that name, where links don't exist, serves as both).
 */
export async function run(argv: string[], invoked: Context, invokedAs = NAME): Promise<number> {
  const asRemote = invokedAs === REMOTE_NAME && !["get", "store", "erase"].includes(argv[argv.length - 1] ?? "");
  const name = asRemote ? REMOTE_NAME : NAME;
  const ctx = { ...invoked, name };
  try {
    if (asRemote) {
      const { remote } = await import("./commands/remote.ts");
      return await remote(ctx, argv);
    }
    return await dispatch(argv, ctx);
  } catch (e) {
    if (e instanceof UserError) {
      ctx.err(`${name}: ${e.message}`);
      return e.exitCode;
    }
    // Not a bug we anticipated: still one line, never a stack trace. A parse error's
    // message quotes the text it choked on, which could be a secret: name it only.
    const detail = e instanceof SyntaxError ? "a parse error" : e instanceof Error ? e.message : String(e);
    ctx.err(`${name}: unexpected error: ${detail}`);
    return 1;
  }
}

function usageError(problem: string): UserError {
  return new UserError(`${problem}\n${usage()}`, 2);
}

/**
 * mri's `alias` table, naming every option: with `unknown` set, mri reports
 * any option the table lacks. Loops, not Object.fromEntries and map: each
 * such builtin costs `get` a tenth of a millisecond the first time a run
 * calls it (README, Speed).
 */
function aliases(): Record<string, string[]> {
  const alias: Record<string, string[]> = {};
  for (const o of STRING_OPTIONS) alias[o] = [];
  for (const o of BOOLEAN_OPTIONS) alias[o] = o === "help" ? ["h"] : [];
  return alias;
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  let unknown: string | undefined;
  // mri appends to the arrays it is given, so each call gets fresh ones.
  const args = mri(argv, {
    string: [...STRING_OPTIONS],
    boolean: [...BOOLEAN_OPTIONS],
    alias: aliases(),
    unknown: (flag) => {
      unknown = flag;
    },
  });
  if (unknown) throw usageError(`unknown option ${unknown}`);
  // Only its negation, --no-browser, is an option.
  if (args.browser === true) throw usageError("unknown option --browser");
  if (args.version) {
    ctx.out(`${NAME} ${VERSION} (${COMMIT})\n`);
    return 0;
  }
  const operation = args._[0] === undefined ? undefined : String(args._[0]);
  if (operation === undefined) {
    if (!args.help) throw usageError("no operation given");
    ctx.out(overview());
    return 0;
  }
  const command = commandNamed(operation);
  if (!command) {
    // git may one day send an operation we don't know: read it and say nothing,
    // as gitcredentials(7) asks. A person at a terminal gets an answer instead of a wait.
    if (!args.help && !(await ctx.stdinIsTerminal())) {
      await ctx.stdin();
      debugTrace(ctx, args.debug)(`not answering: "${operation}" is not an operation this helper knows (get, store, erase), so git's request was read and ignored`);
      return 0;
    }
    const close = suggestion(operation);
    throw usageError(`unknown command "${operation}"${close ? `; did you mean "${close}"?` : ""}`);
  }
  if (args.help) {
    ctx.out(command === commandNamed("help") ? overview() : commandHelp(command));
    return 0;
  }
  for (const option of [...STRING_OPTIONS, ...BOOLEAN_OPTIONS]) {
    // mri reads --no-browser as browser=false.
    const flag = option === "browser" ? "no-browser" : option;
    const given = args[option] !== undefined && (args[option] !== false || option === "browser");
    if (given && !accepts(command, flag) && option !== "h") throw usageError(`--${flag} does not apply to ${operation}`);
  }
  const profile = lastString(args.profile, "--profile");
  const region = lastString(args.region, "--region");

  const readsRequest = ["get", "store", "erase"].includes(operation);
  // git's request is read, and `get`'s modules load, while the terminal check
  // waits on Bun's I/O threads: each hides the other's wait. Reading first is
  // safe: a person at a terminal still sees the notice before typing.
  if (readsRequest) ctx.stdin().catch(() => {});
  const getLoading = operation === "get" ? import("./commands/get.ts") : undefined;
  if (readsRequest && (await ctx.stdinIsTerminal())) {
    notice(ctx, `${operation} reads its request on standard input, which git supplies when it runs this helper; to try it by hand, type the request and end it with Ctrl-D`);
  }
  switch (operation) {
    case "help": {
      const topic = args._[1] === undefined ? undefined : String(args._[1]);
      const about = topic === undefined ? undefined : commandNamed(topic);
      if (topic !== undefined && !about) {
        const close = suggestion(topic);
        throw usageError(`no command "${topic}"${close ? `; did you mean "${close}"?` : ""}`);
      }
      ctx.out(about && about !== command ? commandHelp(about) : overview());
      return 0;
    }
    case "get": {
      const { get } = await getLoading!;
      return get(ctx, { profile, region, ignoreHostCheck: args["ignore-host-check"], debug: args.debug });
    }
    case "setup": {
      const scopes = ["global", "system", "local"].filter((s) => args[s]);
      const file = lastString(args.file, "--file");
      if (scopes.length + (file === undefined ? 0 : 1) > 1) throw usageError("choose one of --global, --system, --local, --file");
      const { setup } = await import("./commands/setup.ts");
      return setup(ctx, {
        scope: file !== undefined ? ["--file", file] : [`--${scopes[0] ?? "global"}`],
        profile,
        region,
        urls: allStrings(args.url, "--url"),
        dryRun: Boolean(args["dry-run"]),
        remove: Boolean(args.remove),
        replace: Boolean(args.replace),
        submodules: Boolean(args.submodules),
      });
    }
    case "doctor": {
      const { doctor } = await import("./commands/doctor.ts");
      return doctor(ctx, {
        profile,
        region,
        url: lastString(args.url, "--url"),
        network: Boolean(args.network),
        json: Boolean(args.json),
        debug: Boolean(args.debug),
      });
    }
    case "url": {
      const { url } = await import("./commands/url.ts");
      return url(ctx, args._[1], { profile, region, debug: Boolean(args.debug) });
    }
    case "login":
    case "logout": {
      const ssoSession = lastString(args["sso-session"], "--sso-session");
      if (profile !== undefined && ssoSession !== undefined) throw usageError("choose one of --profile and --sso-session");
      if (operation === "logout") {
        const { logout } = await import("./commands/logout.ts");
        return logout(ctx, { profile, ssoSession, debug: Boolean(args.debug) });
      }
      const { login } = await import("./commands/login.ts");
      return login(ctx, {
        profile,
        ssoSession,
        useDeviceCode: Boolean(args["use-device-code"]),
        noBrowser: args.browser === false,
        debug: Boolean(args.debug),
      });
    }
    default:
      // store and erase: read the input and say nothing, as gitcredentials(7) asks of helpers.
      await ctx.stdin();
      return 0;
  }
}

/** Every value of a repeatable option; an option given without one is an error. */
function allStrings(value: unknown, flag: string): string[] {
  if (value === undefined) return [];
  const values: string[] = [];
  for (const v of Array.isArray(value) ? value : [value]) values.push(String(v));
  if (values.includes("")) throw usageError(`${flag} needs a value`);
  return values;
}

/** A repeated option keeps its last value. */
function lastString(value: unknown, flag: string): string | undefined {
  const all = allStrings(value, flag);
  return all[all.length - 1];
}

/**
 * Whether stdin is a terminal, without node:tty or node:fs: loading either
 * costs `get` more than the whole check (Bun.file's stat is native). A
 * character device other than /dev/null is taken for a terminal (git gives a
 * pipe; nobody feeds a helper /dev/zero). Windows has no /dev/null to compare
 * with, so node:tty decides there.
 */
async function stdinIsTerminal(): Promise<boolean> {
  if (process.platform === "win32") return (require("node:tty") as typeof import("node:tty")).isatty(0);
  try {
    const stdin = await Bun.file(0).stat();
    return stdin.isCharacterDevice() && stdin.rdev !== (await Bun.file("/dev/null").stat()).rdev;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  let stdout = "";
  let input: Promise<string> | undefined;
  const env = process.env;
  const ctx: Context = {
    env,
    // Stops once past the cap (Bun reads a pipe in 64 KiB pieces, so at most 128 KiB are read), so a
    // gigabyte on stdin costs nothing; parseCredentialRequest reports it. A stream reader cost `get` ~1 ms.
    // Read once: dispatch() starts the read, the command awaits the same text.
    stdin: () => (input ??= Bun.stdin.slice(0, MAX_INPUT_BYTES + 1).text()),
    stdinIsTerminal,
    out: (text) => {
      stdout += text;
    },
    // console.error, not process.stderr: touching process.stderr costs ~10 ms at start-up.
    err: (line) => console.error(line),
    now: () => new Date(),
    home: homeFromEnv(env, process.platform) ?? (await import("node:os")).homedir(),
    cwd: process.cwd(),
    execPath: process.execPath,
    platform: process.platform,
    name: NAME,
  };
  // The file name, without a Windows .exe: cut by hand, as a regex is compiled on every run.
  const file = process.argv0.slice(Math.max(process.argv0.lastIndexOf("/"), process.argv0.lastIndexOf("\\")) + 1);
  const invokedAs = file.toLowerCase().endsWith(".exe") ? file.slice(0, -4) : file;
  const code = await run(process.argv.slice(2), ctx, invokedAs);
  if (stdout) await Bun.write(Bun.stdout, stdout);
  process.exitCode = code;
}
