// IAM Identity Center: legacy sso_start_url profiles and sso-session profiles.
// Reads the token `login` (ours or `aws sso login`) left in ~/.aws/sso/cache,
// refreshes an sso-session token when it is about to expire, and caches role
// credentials in ~/.aws/cli/cache as CLI v2 does. Never opens a browser.
import { lastLine, NetworkNeeded, ServiceError, UserError } from "../../errors.ts";
import { readJsonFile, tryWriteCache, withFileLock } from "../cache.ts";
import { jsonObject } from "../../util/json.ts";
import { checkedCredentials, cliTime, parseExpiration, REFRESH_WINDOW_MS, type Credentials } from "../credentials.ts";
import { caBundle, httpRequest } from "../http.ts";
import { checkRegion } from "../region.ts";
import type { Session } from "../session.ts";
import { canRefresh, loginCommand, oidcCall, ssoRoleCacheFile, ssoServiceUrl, ssoTokenFile, tokenAnswerProblem, tokenRecord, writeCliJson } from "../sso-oidc.ts";
import { cachedCredentials } from "../sts.ts";

const REQUIRED = ["sso_start_url", "sso_region", "sso_role_name", "sso_account_id"];

const UNAUTHORIZED =
  "The SSO session associated with this profile has expired or is otherwise invalid. " +
  "To refresh this SSO session run aws sso login with the corresponding profile.";

interface SsoConfig {
  startUrl: string;
  region: string;
  roleName: string;
  accountId: string;
  sessionName?: string;
  /** The command that fixes an expired or missing token. */
  login: string;
}

/** The profile merged with its sso-session section, validated as botocore does. */
function ssoConfig(session: Session, profileName: string): SsoConfig {
  const merged: Record<string, string> = {};
  const profile = session.files.profiles[profileName] ?? {};
  for (const [k, v] of Object.entries(profile)) if (typeof v === "string") merged[k] = v;
  const sessionName = merged.sso_session;
  if (sessionName !== undefined) {
    const section = session.files.ssoSessions[sessionName];
    if (!section) throw new UserError(`The specified sso-session does not exist: "${sessionName}"`);
    for (const [k, v] of Object.entries(section)) {
      if (typeof v !== "string") continue;
      if (merged[k] !== undefined && merged[k] !== v) {
        throw new UserError(`The value for ${k} is inconsistent between profile (${merged[k]}) and sso-session (${v}).`);
      }
      merged[k] = v;
    }
  }
  const missing = REQUIRED.filter((k) => merged[k] === undefined);
  if (missing.length > 0) {
    throw new UserError(`The profile "${profileName}" is configured to use SSO but is missing required configuration: ${missing.join(", ")}`);
  }
  return {
    startUrl: merged.sso_start_url!,
    region: checkRegion(merged.sso_region!),
    roleName: merged.sso_role_name!,
    accountId: merged.sso_account_id!,
    sessionName,
    login: loginCommand({ sessionName, profileName }),
  };
}

interface Token {
  accessToken: string;
  expiresAt: Date;
  raw: Record<string, unknown>;
}

/** botocore's SSOTokenLoader texts: a missing token is named by its session, an invalid one by its start URL. */
async function readToken(file: string, cfg: SsoConfig): Promise<Token> {
  const raw = await readJsonFile(file);
  if (!raw) throw new UserError(`Error loading SSO Token: Token for ${cfg.sessionName ?? cfg.startUrl} does not exist. Run: ${cfg.login}`);
  const expiresAt = typeof raw.expiresAt === "string" ? parseExpiration(raw.expiresAt) : undefined;
  if (typeof raw.accessToken !== "string" || !expiresAt) {
    throw new UserError(`Error loading SSO Token: Token for ${cfg.startUrl} is invalid. Run: ${cfg.login}`);
  }
  return { accessToken: raw.accessToken, expiresAt, raw };
}

/**
 * An sso-session token with less than 15 minutes left is refreshed once, under
 * a lock: refresh tokens are single-use, and two helpers racing would log the
 * user out. A refused refresh keeps the old token (botocore does the same).
 */
async function sessionToken(session: Session, cfg: SsoConfig, file: string): Promise<Token> {
  const label = cfg.sessionName ?? cfg.startUrl;
  const fresh = (t: Token) => t.expiresAt.getTime() - session.ctx.now().getTime() >= REFRESH_WINDOW_MS;
  let token = await readToken(file, cfg);
  if (fresh(token) || cfg.sessionName === undefined) return token;
  return withFileLock(file, async () => {
    token = await readToken(file, cfg); // another helper may have refreshed it while we waited
    if (fresh(token)) return token;
    const r = token.raw;
    if (!canRefresh(r, session.ctx.now())) return token;
    if (session.offline) throw new NetworkNeeded(`SSO OIDC CreateToken for ${label}`);
    session.debug(`sso: refreshing the token for ${label} at ${ssoServiceUrl(session, "sso_oidc", cfg.region)}/token`);
    const res = await oidcCall(session, cfg.region, "/token", {
      grantType: "refresh_token",
      clientId: r.clientId as string,
      clientSecret: r.clientSecret as string,
      refreshToken: r.refreshToken as string,
    });
    if (!res.ok) {
      session.debug(`sso: the refresh was refused (HTTP ${res.status}); keeping the old token`);
      return token;
    }
    const answer = res.body;
    const problem = tokenAnswerProblem(answer);
    if (problem) {
      session.debug(
        problem.kind === "incomplete"
          ? "sso: the refresh answer has no accessToken and expiresIn; keeping the old token"
          : "sso: the refresh answer holds a line break or NUL byte; keeping the old token",
      );
      return token;
    }
    const now = session.ctx.now();
    // The file `aws sso login` writes, so the CLI keeps using it; a refresh token
    // that wasn't returned is dropped, as botocore drops it.
    const written = tokenRecord(
      { startUrl: typeof r.startUrl === "string" ? r.startUrl : cfg.startUrl, region: typeof r.region === "string" ? r.region : cfg.region },
      { clientId: r.clientId as string, clientSecret: r.clientSecret as string, expiresAt: r.registrationExpiresAt as string },
      answer,
      now,
    );
    const expiresAt = new Date(now.getTime() + (answer.expiresIn as number) * 1000);
    try {
      writeCliJson(file, written);
    } catch (e) {
      // The old refresh token is spent now: say so, or the next run fails mysteriously.
      session.notice(`warning: the refreshed SSO token could not be saved (${(e as Error).message}); run ${cfg.login} if the next command fails`);
    }
    return { accessToken: written.accessToken as string, expiresAt, raw: written };
  }, { waitMs: 60_000, what: `refreshing the SSO token for ${label}`, notice: session.notice, debug: session.debug });
}

export async function fromSso(session: Session, profileName: string, refresh: boolean): Promise<Credentials | undefined> {
  const cfg = ssoConfig(session, profileName);
  const cacheFile = ssoRoleCacheFile(session.ctx.home, cfg);
  // Like CLI v2, cached role credentials are used before the token is even looked at.
  const hit = refresh ? undefined : await cachedCredentials(cacheFile, session, "sso");
  if (hit) return hit;

  const tokenFile = ssoTokenFile(session.ctx.home, cfg);
  const token = cfg.sessionName !== undefined ? await sessionToken(session, cfg, tokenFile) : await readToken(tokenFile, cfg);
  if (token.expiresAt <= session.ctx.now()) {
    throw new UserError(
      cfg.sessionName !== undefined
        ? `Error when retrieving token from sso: Token has expired and refresh failed. Run: ${cfg.login}`
        : `${UNAUTHORIZED} Run: ${cfg.login}`,
    );
  }
  if (session.offline) throw new NetworkNeeded(`SSO GetRoleCredentials for ${cfg.roleName} in ${cfg.accountId}`);
  const query = new URLSearchParams({ role_name: cfg.roleName, account_id: cfg.accountId });
  const url = `${ssoServiceUrl(session, "sso", cfg.region)}/federation/credentials?${query}`;
  session.debug(`sso: GetRoleCredentials at ${url}`);
  const res = await httpRequest(url, {
    headers: { "x-amz-sso_bearer_token": token.accessToken },
    env: session.ctx.env,
    caBundle: caBundle(session.ctx.env, session.profile),
  });
  if (res.status === 401) throw new UserError(`${UNAUTHORIZED} Run: ${cfg.login}`);
  const body = jsonObject(res.body) ?? {}; // an error page is reported by its status
  if (res.status !== 200) {
    const type = typeof body.__type === "string" ? body.__type.split("#").pop() : undefined;
    const code = res.headers.get("x-amzn-errortype")?.split(":")[0] ?? type ?? String(res.status);
    const message = typeof body.message === "string" ? body.message : typeof body.Message === "string" ? body.Message : res.body;
    throw new ServiceError(code, "GetRoleCredentials", lastLine(message));
  }
  const rc = body.roleCredentials as Record<string, unknown> | undefined;
  if (!rc || typeof rc.accessKeyId !== "string" || typeof rc.secretAccessKey !== "string" || typeof rc.expiration !== "number") {
    throw new UserError("the GetRoleCredentials answer has no roleCredentials");
  }
  const creds = checkedCredentials<Credentials>(
    {
      accessKeyId: rc.accessKeyId,
      secretAccessKey: rc.secretAccessKey,
      sessionToken: typeof rc.sessionToken === "string" ? rc.sessionToken : undefined,
      expiration: new Date(rc.expiration),
      source: "sso",
    },
    (field) => `the ${field} in SSO's GetRoleCredentials answer`,
  );
  tryWriteCache(cacheFile, {
    ProviderType: "sso",
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: cliTime(creds.expiration!),
      AccountId: cfg.accountId,
    },
  }, session.debug);
  return creds;
}
