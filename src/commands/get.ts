// `get`: git asks for a username and password for a CodeCommit URL.
import { debugTrace, notice, type Context } from "../context.ts";
import { UserError } from "../errors.ts";
import { attribute, formatCredentialResponse, parseCredentialRequest } from "../git/credential.ts";
import { isCodeCommitHost } from "../codecommit/host.ts";
import { gitUsername, signGitRequest } from "../codecommit/sign.ts";
import { requestRegion } from "../codecommit/region.ts";
import { openSession, type SessionOptions } from "../aws/session.ts";
import { resolveCredentials } from "../aws/chain.ts";
import { maskKeyId } from "../aws/credentials.ts";

/** CodeCommit accepts a signature for about 15 minutes. */
export const PASSWORD_LIFETIME_S = 900;

export interface GetOptions extends SessionOptions {
  ignoreHostCheck?: boolean;
}

export async function get(ctx: Context, opts: GetOptions): Promise<number> {
  const started = performance.now();
  // The config files are read while git's request is: a request that isn't
  // ours is declined all the same, and a config error then stays unsaid.
  const opening = openSession(ctx, opts);
  opening.catch(() => {});
  const request = parseCredentialRequest(await ctx.stdin());
  const host = attribute(request, "host");
  const protocol = attribute(request, "protocol");
  const decline = debugTrace(ctx, opts.debug);
  // Not ours: say nothing (except under --debug), so git moves on to its next helper.
  if (host === undefined) {
    decline("not signing: git's request has no host= line");
    return 0;
  }
  if (!(opts.ignoreHostCheck || isCodeCommitHost(host))) {
    decline(
      `not signing for ${host}: not a CodeCommit endpoint (accepted: git-codecommit[-fips].<region>.amazonaws.com[.cn] and ` +
        `vpce-….git-codecommit[-fips].<region>.vpce.amazonaws.com[.cn], with an optional port); --ignore-host-check signs anyway`,
    );
    return 0;
  }
  if (protocol !== "https") {
    notice(
      ctx,
      `not signing for ${protocol ?? "a missing protocol"}://${host}: ` +
        `git would send the password in clear text; use an https:// URL`,
    );
    return 0;
  }
  const path = attribute(request, "path");
  if (path === undefined) {
    throw new UserError(
      `git did not send the repository path, because credential.useHttpPath is off; fix it with: ` +
        `git config --global credential.https://${host}.useHttpPath true`,
    );
  }

  const session = await opening;
  const debug = session.debug;
  const region = await requestRegion(session, host);
  debug(`region: ${region.name} (from ${region.source})`);
  debug(`profile: ${session.profileName}`);

  const creds = await resolveCredentials(session);
  const now = ctx.now();
  debug(`credentials: ${creds.source}, access key ${maskKeyId(creds.accessKeyId)}${creds.sessionToken ? " with a session token" : ""}`);

  const sig = signGitRequest({ host, path, region: region.name, credentials: creds, date: now });
  debug(`canonical request:\n${sig.canonicalRequest}`);
  debug(`string to sign:\n${sig.stringToSign}`);

  const signedAt = Math.floor(now.getTime() / 1000);
  const credsExpire = creds.expiration ? Math.floor(creds.expiration.getTime() / 1000) : Infinity;
  const expiry = Math.min(signedAt + PASSWORD_LIFETIME_S, credsExpire);
  ctx.out(
    formatCredentialResponse([
      ["username", gitUsername(creds)],
      ["password", sig.password],
      ["password_expiry_utc", String(expiry)],
    ]),
  );
  debug(`done in ${(performance.now() - started).toFixed(1)} ms`);
  return 0;
}
