// Entry point: argv → command. Kept small: each command is imported only when
// it runs, so git's hot path (`get`) loads only what signing needs.
import mri from "mri";
import type { Context } from "./context.ts";
import { UserError } from "./errors.ts";
import { homeFromEnv } from "./util/home.ts";

import { COMMIT, NAME, VERSION } from "./version.ts";
import { MAX_INPUT_BYTES } from "./git/credential.ts";
import { readCapped } from "./util/stream.ts";

export const USAGE = `usage: ${NAME} [--profile NAME] [--region REGION] [--ignore-host-check] [--debug] <get|store|erase>
       ${NAME} setup [--global|--system|--local|--file FILE] [--profile NAME] [--region REGION] [--url PATTERN]... [--dry-run] [--remove] [--replace]
       ${NAME} doctor [--profile NAME] [--region REGION] [--url URL] [--network] [--json]
       ${NAME} url [--profile NAME] [--region REGION] <https or codecommit URL>
       ${NAME} login [--profile NAME | --sso-session NAME] [--use-device-code] [--no-browser] [--debug]
       ${NAME} logout [--profile NAME | --sso-session NAME] [--debug]
       git-remote-codecommit <remote> <codecommit URL>   (run by git, through a link or copy with that name)`;

const HELP = `${USAGE}

A git credential helper for AWS CodeCommit. git runs it; it prints the same
username and password as \`aws codecommit credential-helper get\`, signed with
your AWS credentials (env, profiles, roles, web identity, credential_process),
without Python or the AWS CLI.

Operations (git supplies them):
  get                 print a username and a signed password for a CodeCommit URL
  store, erase        read and ignore (a signature is made fresh every time)

Commands:
  setup               configure git to use this helper for every CodeCommit endpoint
  doctor              check git's configuration, credentials and region; say how to fix problems
  url URL             print a signed https://user:password@… URL (a secret for ~15 minutes)
                      for tools that cannot run a credential helper
  login               sign in to IAM Identity Center (SSO), as \`aws sso login\`
  logout              sign out of IAM Identity Center, as \`aws sso logout\`; with
                      --profile or --sso-session, of that session only

Options:
  --profile NAME      use this AWS profile (as aws --profile)
  --region REGION     region for hosts that don't name one
  --ignore-host-check sign for any host, not only CodeCommit endpoints
  --debug             explain each step on stderr (never prints secrets)
  -h, --help          show this help
  --version           show the version

setup options:
  --global (default), --system, --local, --file FILE   which git config to write
  --url PATTERN       also configure this URL pattern (e.g. a custom port); repeatable
  --dry-run           print the git config commands without running them
  --remove            remove what setup wrote
  --replace           also remove AWS CLI credential-helper settings
  --submodules        also allow codecommit:// URLs in submodules (protocol.codecommit.allow always)

doctor options:
  --url URL           check for this repository URL (default: the region's endpoint)
  --network           also check the clock and the credentials with AWS
  --json              machine-readable output

login and logout options:
  --sso-session NAME  this [sso-session NAME] instead of the profile's
  --use-device-code   sign in with a code on any device (headless machines, containers);
                      always so for profiles with sso_start_url and no sso_session
  --no-browser        print the sign-in URL instead of opening a browser

Set git up with \`${NAME} setup\`, or by hand:
  git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.helper ''
  git config --global --add credential.https://git-codecommit.us-east-1.amazonaws.com.helper '!${NAME}'
  git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.useHttpPath true
`;

const STRING_OPTIONS = ["profile", "region", "file", "url", "sso-session"];
// "browser": mri reads --no-browser as browser=false.
const BOOLEAN_OPTIONS = [
  "ignore-host-check", "debug", "help", "version",
  "global", "system", "local", "dry-run", "remove", "replace", "submodules", "network", "json",
  "use-device-code", "browser",
];

/** Which options each command takes; the credential operations share theirs. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  get: ["profile", "region", "ignore-host-check", "debug"],
  setup: ["profile", "region", "global", "system", "local", "file", "url", "dry-run", "remove", "replace", "submodules"],
  doctor: ["profile", "region", "url", "network", "json", "debug"],
  url: ["profile", "region", "debug"],
  login: ["profile", "sso-session", "use-device-code", "browser", "debug"],
  logout: ["profile", "sso-session", "debug"],
};

export const REMOTE_NAME = "git-remote-codecommit";

/**
 * Runs one invocation; returns the exit code. Throws nothing. `invokedAs` is
 * the name the binary was run under: as git-remote-codecommit it is git's
 * remote helper, unless git runs it as a credential helper (a copy of the
 * binary under that name, where links don't exist, serves as both).
 */
export async function run(argv: string[], invoked: Context, invokedAs = NAME): Promise<number> {
  const asRemote = invokedAs === REMOTE_NAME && !["get", "store", "erase"].includes(argv.at(-1) ?? "");
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
  return new UserError(`${problem}\n${USAGE}`, 2);
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  let unknown: string | undefined;
  // mri appends to the arrays it is given, so each call gets fresh ones.
  const args = mri(argv, {
    string: [...STRING_OPTIONS],
    boolean: [...BOOLEAN_OPTIONS],
    alias: Object.fromEntries([...STRING_OPTIONS, ...BOOLEAN_OPTIONS].map((o) => [o, o === "help" ? ["h"] : []])),
    unknown: (flag) => {
      unknown = flag;
    },
  });
  if (unknown) throw usageError(`unknown option ${unknown}`);
  if (args.browser === true) throw usageError("unknown option --browser");
  if (args.help) {
    ctx.out(HELP);
    return 0;
  }
  if (args.version) {
    ctx.out(`${NAME} ${VERSION} (${COMMIT})\n`);
    return 0;
  }
  const operation = args._[0];
  if (operation === undefined) throw usageError("no operation given");
  const allowed = Object.hasOwn(COMMAND_OPTIONS, operation) ? COMMAND_OPTIONS[operation]! : COMMAND_OPTIONS.get!;
  for (const option of [...STRING_OPTIONS, ...BOOLEAN_OPTIONS]) {
    const given = args[option] !== undefined && (args[option] !== false || option === "browser");
    if (given && !allowed.includes(option) && option !== "h") {
      throw usageError(`--${option === "browser" ? "no-browser" : option} does not apply to ${operation}`);
    }
  }
  const profile = lastString(args.profile, "--profile");
  const region = lastString(args.region, "--region");

  switch (operation) {
    case "get": {
      const { get } = await import("./commands/get.ts");
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
      // store, erase and any operation a future git invents: read the input and
      // say nothing, as gitcredentials(7) asks of helpers.
      await ctx.stdin();
      return 0;
  }
}

/** Every value of a repeatable option; an option given without one is an error. */
function allStrings(value: unknown, flag: string): string[] {
  if (value === undefined) return [];
  const values = (Array.isArray(value) ? value : [value]).map(String);
  if (values.includes("")) throw usageError(`${flag} needs a value`);
  return values;
}

/** A repeated option keeps its last value. */
function lastString(value: unknown, flag: string): string | undefined {
  return allStrings(value, flag).at(-1);
}

if (import.meta.main) {
  let stdout = "";
  const env = process.env;
  const ctx: Context = {
    env,
    // Stops one byte past the cap, so a gigabyte on stdin costs 64 KiB; parseCredentialRequest reports it.
    stdin: async () => (await readCapped(Bun.stdin.stream(), MAX_INPUT_BYTES)).data.toString("utf8"),
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
  const invokedAs = (process.argv0.split(/[\\/]/).pop() ?? "").replace(/\.exe$/i, "");
  const code = await run(process.argv.slice(2), ctx, invokedAs);
  if (stdout) await Bun.write(Bun.stdout, stdout);
  process.exitCode = code;
}
