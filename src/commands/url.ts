// `url`: a signed https://user:password@host/v1/repos/repo URL for tools that
// cannot run a credential helper (GRC #30). The password is a secret for ~15 minutes.
import { notice, type Context } from "../context.ts";
import { UserError } from "../errors.ts";
import { isCodeCommitHost } from "../codecommit/host.ts";
import { resolveRemoteUrl } from "../codecommit/remote-url.ts";
import { gitUsername, signGitRequest } from "../codecommit/sign.ts";
import { openSession, type Session, type SessionOptions } from "../aws/session.ts";
import { requestRegion } from "../codecommit/region.ts";
import { resolveCredentials } from "../aws/chain.ts";
import { rfc3986 } from "../util/encoding.ts";

export async function url(ctx: Context, input: string | undefined, opts: SessionOptions): Promise<number> {
  if (input === undefined) throw new UserError("url needs a repository URL: https://git-codecommit.<region>.amazonaws.com/v1/repos/<name> or codecommit::<region>://<name>", 2);
  let session: Session;
  let host: string;
  let path: string;
  let region: string;
  if (/^https:\/\//i.test(input)) {
    let parsed: URL;
    try {
      parsed = new URL(input);
      // git percent-decodes the path it hands a helper; sign what git would.
      path = decodeURIComponent(parsed.pathname).replace(/^\//, "");
    } catch {
      throw new UserError(`not a valid URL: ${input}`);
    }
    host = parsed.host;
    if (!isCodeCommitHost(host)) throw new UserError(`${host} is not a CodeCommit git endpoint`);
    session = await openSession(ctx, opts);
    region = (await requestRegion(session, host)).name;
  } else {
    // As typed in a git remote; git itself strips "codecommit::" before the remote helper sees it.
    const target = await resolveRemoteUrl(ctx, input.replace(/^codecommit::/i, ""), opts.profile);
    ({ session, host, region } = target);
    path = `v1/repos/${target.repository}`;
  }
  const creds = await resolveCredentials(session);
  const { password } = signGitRequest({ host, path, region, credentials: creds, date: ctx.now() });
  const username = rfc3986(gitUsername(creds));
  notice(ctx, "warning: this URL contains a password valid for about 15 minutes; treat it as a secret");
  // Percent-encoded, so the URL is one line whatever the path decoded to (`%0a`); git decodes it back to what was signed.
  const encodedPath = path.split("/").map(rfc3986).join("/");
  const encodedHost = host.replace(/[^\x21-\x7e]|%/g, (c) => encodeURIComponent(c));
  ctx.out(`https://${username}:${password}@${encodedHost}/${encodedPath}\n`);
  return 0;
}
