// Run as `git-remote-codecommit <remote> <url>`: git's remote helper for
// codecommit:// URLs, compatible with AWS's git-remote-codecommit. Rather than
// put a signed URL in a child's argv (where `ps` shows it, as GRC does), it
// hands the transfer to git's own HTTPS helper and points that git's credential
// helper at this binary, which signs afresh over a pipe.
import type { Context } from "../context.ts";
import { CredentialsNotFound, UserError } from "../errors.ts";
import { resolveCredentials } from "../aws/chain.ts";
import { resolveRemoteUrl } from "../codecommit/remote-url.ts";
import { isCodeCommitHost } from "../codecommit/host.ts";
import { helperCommand } from "../git/helper-line.ts";

export async function remote(ctx: Context, argv: string[]): Promise<number> {
  if (argv.length < 2) throw new UserError("Too few arguments. This hook requires the git command and remote.");
  if (argv.length > 2) {
    const all = [ctx.name, ...argv];
    throw new UserError(`Too many arguments. Hook only accepts the git command and remote, but argv was: '${all.join("', '")}'`);
  }
  const [remoteName, remoteUrl] = argv as [string, string];
  const target = await resolveRemoteUrl(ctx, remoteUrl);
  // Fail here, as GRC does, rather than let git meet a 401 and ask for a username.
  // What this resolves (an assumed role, after its MFA prompt; SSO role
  // credentials) lands in the CLI cache, where the child's helper finds it.
  try {
    await resolveCredentials(target.session);
  } catch (e) {
    if (!(e instanceof CredentialsNotFound)) throw e;
    throw new UserError(
      `The following profile does not have credentials configured: ${target.profile ?? "default"}. You must configure the ` +
        `access key and secret key for the profile. For more information, see Configure an AWS CLI Profile in the AWS CLI User Guide.`,
    );
  }
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
  // git reads GIT_CONFIG_PARAMETERS (where `git -c` puts its entries) last of
  // all, so entries appended to its end come after every helper the user set
  // anywhere, `-c credential.helper=store` included, and the reset clears them.
  const env: Record<string, string | undefined> = {
    ...ctx.env,
    // Credentials were found above: if CodeCommit still refuses them, git must fail, not prompt.
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_PARAMETERS: [ctx.env.GIT_CONFIG_PARAMETERS?.trim(), ...config.map(configParameter)].filter(Boolean).join(" "),
  };

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

/**
 * One GIT_CONFIG_PARAMETERS entry: `'key=value'`, shell-quoted as git's
 * sq_quote writes it (`'` as `'\''`, `!` as `'\!'`). This older form is the one
 * every git reads; git splits it at the first `=`, and our keys hold none.
 */
function configParameter([key, value]: [string, string]): string {
  return `'${`${key}=${value}`.replace(/['!]/g, (c) => `'\\${c}'`)}'`;
}
