// Run as `git-remote-codecommit <remote> <url>`: git's remote helper for
// codecommit:// URLs, compatible with AWS's git-remote-codecommit. Rather than
// put a signed URL in a child's argv (where `ps` shows it, as GRC does), it
// hands the transfer to git's own HTTPS helper and points that git's credential
// helper at this binary, which signs afresh over a pipe.
import type { Context } from "../context.ts";
import { UserError } from "../errors.ts";
import { resolveRemoteUrl } from "../codecommit/remote-url.ts";
import { isCodeCommitHost } from "../codecommit/host.ts";
import { helperCommand } from "../git/helper-line.ts";

export async function remote(ctx: Context, argv: string[]): Promise<number> {
  if (argv.length < 2) throw new UserError("Too few arguments. This hook requires the git command and remote.");
  if (argv.length > 2) {
    throw new UserError(`Too many arguments. Hook only accepts the git command and remote, but argv was: '${argv.join("', '")}'`);
  }
  const [remoteName, remoteUrl] = argv as [string, string];
  const target = await resolveRemoteUrl(ctx, remoteUrl);
  const url = `https://${target.host}/v1/repos/${target.repository}`;

  // A CODE_COMMIT_ENDPOINT that isn't a CodeCommit name (a proxy, a test server) still gets signed, for the URL's region.
  const custom = !isCodeCommitHost(target.host);
  let helper = helperCommand(ctx, target.profile, custom ? target.region : undefined);
  if (custom) helper += " --ignore-host-check";
  const scope = `credential.https://${target.host}`;
  const config: Array<[string, string]> = [
    [`${scope}.helper`, ""], // drop every helper configured before: none may store the password
    [`${scope}.helper`, helper],
    [`${scope}.useHttpPath`, "true"],
  ];
  // Appended after any GIT_CONFIG_COUNT entries the caller set, so theirs survive.
  const env: Record<string, string | undefined> = { ...ctx.env };
  const base = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10) || 0;
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${base + i}`] = key;
    env[`GIT_CONFIG_VALUE_${base + i}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(base + config.length);

  let child;
  try {
    child = Bun.spawn(["git", "remote-https", remoteName, url], {
      cwd: ctx.cwd,
      env,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    });
  } catch {
    throw new UserError("git is not installed or not on PATH");
  }
  return child.exited;
}
