// Entry point: argv → command. Kept small: everything but `get` is imported lazily,
// so git's hot path loads only what signing needs.
import mri from "mri";
import type { Context } from "./context.ts";
import { UserError } from "./errors.ts";

declare const BUILD_VERSION: string | undefined;
declare const BUILD_COMMIT: string | undefined;

export const NAME = "git-credential-codecommit";
export const VERSION = typeof BUILD_VERSION === "string" ? BUILD_VERSION : "0.0.0-dev";
export const COMMIT = typeof BUILD_COMMIT === "string" ? BUILD_COMMIT : "source";

export const USAGE = `usage: ${NAME} [--profile NAME] [--region REGION] [--ignore-host-check] [--debug] <get|store|erase>`;

const HELP = `${USAGE}

A git credential helper for AWS CodeCommit. git runs it; it prints the same
username and password as \`aws codecommit credential-helper get\`, signed with
your AWS credentials (env, profiles, roles, SSO, containers, EC2), without
Python or the AWS CLI.

Operations (git supplies them):
  get                 print a username and a signed password for a CodeCommit URL
  store, erase        read and ignore (a signature is made fresh every time)

Options:
  --profile NAME      use this AWS profile (as aws --profile)
  --region REGION     region for hosts that don't name one
  --ignore-host-check sign for any host, not only CodeCommit endpoints
  --debug             explain each step on stderr (never prints secrets)
  -h, --help          show this help
  --version           show the version

Configure git with:
  git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.helper ''
  git config --global --add credential.https://git-codecommit.us-east-1.amazonaws.com.helper '!${NAME}'
  git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.useHttpPath true
`;

const STRING_OPTIONS = ["profile", "region"];
const BOOLEAN_OPTIONS = ["ignore-host-check", "debug", "help", "version"];

/** Runs one invocation; returns the exit code. Throws nothing. */
export async function run(argv: string[], ctx: Context): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (e) {
    if (e instanceof UserError) {
      ctx.err(`${NAME}: ${e.message}`);
      return e.exitCode;
    }
    // Not a bug we anticipated: still one line, never a stack trace (it could hold a secret).
    ctx.err(`${NAME}: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
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
    alias: { help: "h", profile: [], region: [], "ignore-host-check": [], debug: [], version: [] },
    unknown: (flag) => {
      unknown = flag;
    },
  });
  if (unknown) throw usageError(`unknown option ${unknown}`);
  if (args.help) {
    ctx.out(HELP);
    return 0;
  }
  if (args.version) {
    ctx.out(`${NAME} ${VERSION} (${COMMIT})\n`);
    return 0;
  }
  const profile = lastString(args.profile, "--profile");
  const region = lastString(args.region, "--region");
  const operation = args._[0];
  if (operation === undefined) throw usageError("no operation given");

  switch (operation) {
    case "get": {
      const { get } = await import("./commands/get.ts");
      return get(ctx, { profile, region, ignoreHostCheck: args["ignore-host-check"], debug: args.debug });
    }
    default:
      // store, erase and any operation a future git invents: read the input and
      // say nothing, as gitcredentials(7) asks of helpers.
      await ctx.stdin();
      return 0;
  }
}

/** A repeated option keeps its last value; an option given without one is an error. */
function lastString(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const last = String(Array.isArray(value) ? value[value.length - 1] : value);
  if (last === "") throw usageError(`${flag} needs a value`);
  return last;
}

if (import.meta.main) {
  const { homedir } = await import("node:os");
  let stdout = "";
  const env = process.env;
  const ctx: Context = {
    env,
    stdin: () => Bun.stdin.text(),
    out: (text) => {
      stdout += text;
    },
    // console.error, not process.stderr: touching process.stderr costs ~10 ms at start-up.
    err: (line) => console.error(line),
    now: () => new Date(),
    home: env.HOME || (process.platform === "win32" && env.USERPROFILE) || homedir(),
    execPath: process.execPath,
    platform: process.platform,
  };
  const code = await run(process.argv.slice(2), ctx);
  if (stdout) await Bun.write(Bun.stdout, stdout);
  process.exitCode = code;
}
