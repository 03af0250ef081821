// `logout`: what `aws sso logout` does (call the portal's Logout for every
// cached SSO token, delete those tokens and every SSO role-credential file in
// ~/.aws/cli/cache, keep client registrations), or, with --profile or
// --sso-session, the same for one sign-in only.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "../context.ts";
import { readJsonFile, withFileLock } from "../aws/cache.ts";
import { setting } from "../aws/config-files.ts";
import { openSession, type Session } from "../aws/session.ts";
import { portalLogout, ssoCacheDir, ssoRoleCacheFile, ssoSignIn, ssoTokenFile, type SsoSignIn } from "../aws/sso-oidc.ts";

export interface LogoutOptions {
  profile?: string;
  ssoSession?: string;
  debug: boolean;
}

export async function logout(ctx: Context, opts: LogoutOptions): Promise<number> {
  const session = await openSession(ctx, { profile: opts.profile, debug: opts.debug });
  const one = opts.profile !== undefined || opts.ssoSession !== undefined ? ssoSignIn(session, opts.ssoSession) : undefined;
  const tokens = one ? [ssoTokenFile(ctx.home, one)] : filesIn(ssoCacheDir(ctx.home));
  let removedTokens = 0;
  for (const file of tokens) {
    if (!isToken(await readJsonFile(file))) continue;
    // Under the refresh lock, so a `get` refreshing this token can't write it back after we delete it.
    const removed = await withFileLock(file, async () => {
      const entry = await readJsonFile(file);
      if (!isToken(entry)) return false;
      if (typeof entry.region === "string" && entry.region && typeof entry.accessToken === "string") {
        await portalLogout(session, entry.region, entry.accessToken);
      }
      rmSync(file, { force: true });
      return true;
    }, { waitMs: 60_000, what: "refreshing an SSO token", notice: session.notice, debug: session.debug });
    if (removed) removedTokens++;
  }
  const credentials = one ? roleCacheFiles(session, one) : filesIn(join(ctx.home, ".aws", "cli", "cache"));
  let removedCredentials = 0;
  for (const file of credentials) {
    if ((await readJsonFile(file))?.ProviderType !== "sso") continue;
    rmSync(file, { force: true });
    removedCredentials++;
  }
  const scope = one ? ` of ${one.sessionName ?? one.startUrl}` : "";
  ctx.out(`Signed out${scope}: removed ${removedTokens} SSO token(s) and ${removedCredentials} cached credential file(s)\n`);
  return 0;
}

/** What `aws sso logout` deletes: any JSON object with an accessToken (registrations have none). */
function isToken(entry: Record<string, unknown> | undefined): entry is Record<string, unknown> {
  return entry !== undefined && "accessToken" in entry;
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/**
 * The role-credential files of one sign-in. They don't name their session, so
 * their names are computed from every profile that uses it, as `get` computes
 * them: sha1 of {accountId, roleName, sessionName or startUrl}.
 */
function roleCacheFiles(session: Session, one: SsoSignIn): string[] {
  const files: string[] = [];
  for (const profile of Object.values(session.files.profiles)) {
    const accountId = setting(profile, "sso_account_id");
    const roleName = setting(profile, "sso_role_name");
    if (accountId === undefined || roleName === undefined) continue;
    const sessionName = setting(profile, "sso_session");
    if (one.sessionName !== undefined ? sessionName !== one.sessionName : sessionName !== undefined || setting(profile, "sso_start_url") !== one.startUrl) {
      continue;
    }
    files.push(ssoRoleCacheFile(session.ctx.home, { accountId, roleName, sessionName: one.sessionName, startUrl: one.startUrl }));
  }
  return files;
}
