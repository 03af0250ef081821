// IAM Identity Center's OIDC service and portal, and the ~/.aws/sso/cache files
// AWS CLI v2 keeps for them (names, fields and bytes as its SSOTokenFetcher and
// SSOTokenFetcherAuth write them, so either tool uses what the other wrote).
// Shared by the SSO provider's token refresh, `login`, `logout` and doctor.
import { lastLine, ServiceError, UserError } from "../errors.ts";
import { LINE_BREAK_OR_NUL, sha1Hex } from "../util/encoding.ts";
import { joinPath } from "../util/files.ts";
import { jsonObject, pythonJsonDumps, type Json } from "../util/json.ts";
import { NAME } from "../version.ts";
import { cliCacheFile, readJsonFile, writeFileAtomic } from "./cache.ts";
import { setting } from "./config-files.ts";
import { cliTime, parseExpiration, REFRESH_WINDOW_MS } from "./credentials.ts";
import { configuredEndpoint, dnsSuffix } from "./endpoints.ts";
import { caBundle, httpRequest } from "./http.ts";
import { checkRegion } from "./region.ts";
import type { Session } from "./session.ts";

/** What a sign-in is for: an sso-session, or a legacy profile's own sso_start_url. */
export interface SsoSignIn {
  startUrl: string;
  region: string;
  /** undefined for a legacy profile. */
  sessionName?: string;
  /** sso_registration_scopes as the CLI parses them; undefined when not configured. */
  scopes?: string[];
  /** The profile a legacy configuration comes from. */
  profileName: string;
}

/** How to sign in again: our command first, the AWS CLI's as the equivalent. */
export function loginCommand(target: { sessionName?: string; profileName: string }): string {
  const which = target.sessionName !== undefined ? `--sso-session ${target.sessionName}` : `--profile ${target.profileName}`;
  return `${NAME} login ${which} (or: aws sso login ${which})`;
}

const REQUIRED = ["sso_start_url", "sso_region"];

/**
 * The sign-in `aws sso login` would do: the named sso-session, else the
 * profile's sso_session, else the profile's legacy sso_start_url/sso_region.
 */
export function ssoSignIn(session: Session, ssoSession?: string): SsoSignIn {
  const name = ssoSession ?? setting(session.profile, "sso_session");
  const where = name !== undefined ? `[sso-session ${name}]` : `profile "${session.profileName}"`;
  const section = name !== undefined ? session.files.ssoSessions[name] : session.profile;
  if (!section) throw new UserError(`The specified sso-session does not exist: "${name}"`);
  const missing = REQUIRED.filter((k) => setting(section, k) === undefined);
  if (missing.length > 0) {
    throw new UserError(
      `Missing the following required SSO configuration values: ${missing.join(", ")}. ` +
        `Add them to ${where} in ${session.files.configPath}${name === undefined ? ", or give the profile an sso_session" : ""}.`,
    );
  }
  const rawScopes = name !== undefined ? setting(section, "sso_registration_scopes") : undefined;
  return {
    startUrl: setting(section, "sso_start_url")!,
    region: checkRegion(setting(section, "sso_region")!),
    sessionName: name,
    scopes: rawScopes?.split(",").map((s) => s.trim()).filter(Boolean),
    profileName: session.profileName,
  };
}

export const ssoCacheDir = (home: string) => joinPath(home, ".aws", "sso", "cache");

/** The token file: sha1 of the session name, or of the start URL for a legacy profile. */
export function ssoTokenFile(home: string, target: { sessionName?: string; startUrl: string }): string {
  return joinPath(ssoCacheDir(home), `${sha1Hex(target.sessionName ?? target.startUrl)}.json`);
}

/**
 * The ~/.aws/cli/cache file CLI v2 keeps a role's SSO credentials in: keyed by
 * account, role and the session name (the start URL for a legacy profile).
 */
export function ssoRoleCacheFile(home: string, role: { accountId: string; roleName: string; sessionName?: string; startUrl: string }): string {
  const key: Record<string, string> = { roleName: role.roleName, accountId: role.accountId };
  if (role.sessionName !== undefined) key.sessionName = role.sessionName;
  else key.startUrl = role.startUrl;
  return cliCacheFile(home, key, true);
}

/** The client registration file, keyed as botocore's _registration_cache_key. */
export function registrationFile(home: string, s: SsoSignIn): string {
  const key = pythonJsonDumps({
    tool: "botocore",
    startUrl: s.startUrl,
    region: s.region,
    scopes: s.scopes ?? null,
    session_name: s.sessionName ?? null,
  });
  return joinPath(ssoCacheDir(home), `${sha1Hex(key)}.json`);
}

/** Writes a cache file as the CLI's JSONFileCache does: json.dumps in insertion order, mode 0600, atomically. */
export function writeCliJson(path: string, value: Record<string, Json>): void {
  writeFileAtomic(path, pythonJsonDumps(value, false, false));
}

export function ssoServiceUrl(session: Session, service: "sso" | "sso_oidc", region: string): string {
  const configured = configuredEndpoint(session, service);
  if (configured) return configured.replace(/\/+$/, "");
  return service === "sso" ? `https://portal.sso.${region}.${dnsSuffix(region)}` : `https://oidc.${region}.${dnsSuffix(region)}`;
}

export type OidcAnswer =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: number; type: string; error: string; description: string };

/** One unsigned SSO OIDC call (a JSON POST). */
export async function oidcCall(session: Session, region: string, path: string, body: Record<string, Json>): Promise<OidcAnswer> {
  const res = await httpRequest(`${ssoServiceUrl(session, "sso_oidc", region)}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    env: session.ctx.env,
    caBundle: caBundle(session.ctx.env, session.profile),
    // CreateToken spends what it is given (an authorization code, a refresh token): sent once, never
    // retried after a 5xx the service may have acted on. The device flow's polling asks again anyway.
    ...(path === "/token" ? { attempts: 1 } : {}),
  });
  const answer = jsonObject(res.body);
  if (res.status === 200 && answer) return { ok: true, body: answer };
  const type = res.headers.get("x-amzn-errortype")?.split(":")[0] ??
    (typeof answer?.__type === "string" ? answer.__type.split("#").pop()! : String(res.status));
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return { ok: false, status: res.status, type, error: str(answer?.error), description: lastLine(str(answer?.error_description)) };
}

/** An OIDC refusal as the AWS CLI reports it. */
export function oidcError(a: Extract<OidcAnswer, { ok: false }>, operation: string): ServiceError {
  return new ServiceError(a.type, operation, a.description || a.error || `HTTP ${a.status}`);
}

export interface Registration {
  clientId: string;
  clientSecret: string;
  /** As written: `%Y-%m-%dT%H:%M:%SZ`. */
  expiresAt: string;
}

/**
 * The cached registration, if the flow may reuse it: the PKCE flow only one
 * whose grantTypes include authorization_code, the device flow only one whose
 * don't, and either only while more than 15 minutes remain.
 */
export async function reusableRegistration(home: string, s: SsoSignIn, authCode: boolean, now: Date): Promise<Registration | undefined> {
  const r = await readJsonFile(registrationFile(home, s));
  if (!r || typeof r.clientId !== "string" || typeof r.clientSecret !== "string" || typeof r.expiresAt !== "string") return undefined;
  const expires = parseExpiration(r.expiresAt);
  if (!expires || expires.getTime() - now.getTime() < REFRESH_WINDOW_MS) return undefined;
  const forAuthCode = Array.isArray(r.grantTypes) && r.grantTypes.includes("authorization_code");
  return forAuthCode === authCode ? { clientId: r.clientId, clientSecret: r.clientSecret, expiresAt: r.expiresAt } : undefined;
}

export interface PkceClient {
  /** http://127.0.0.1/oauth/callback: registered without a port, as the CLI does. */
  redirectUri: string;
}

/**
 * RegisterClient with the CLI's exact values, and the registration file it
 * writes (returned, for the caller to write under its lock).
 */
export async function registerClient(
  session: Session,
  s: SsoSignIn,
  pkce: PkceClient | undefined,
): Promise<{ registration: Registration; record: Record<string, Json> }> {
  // Legacy profiles have no session name; the CLI names their client by the time.
  const clientName = `botocore-client-${s.sessionName ?? Math.floor(session.ctx.now().getTime() / 1000)}`;
  const body: Record<string, Json> = { clientName, clientType: "public" };
  const scopes = pkce ? (s.scopes?.length ? s.scopes : ["sso:account:access"]) : s.scopes?.length ? s.scopes : undefined;
  if (pkce) {
    body.grantTypes = ["authorization_code", "refresh_token"];
    body.redirectUris = [pkce.redirectUri];
    body.issuerUrl = s.startUrl;
  }
  if (scopes) body.scopes = scopes;
  session.debug(`sso: RegisterClient ${clientName} at ${ssoServiceUrl(session, "sso_oidc", s.region)}`);
  const a = await oidcCall(session, s.region, "/client/register", body);
  if (!a.ok) throw oidcError(a, "RegisterClient");
  const { clientId, clientSecret, clientSecretExpiresAt } = a.body;
  if (typeof clientId !== "string" || typeof clientSecret !== "string" || typeof clientSecretExpiresAt !== "number") {
    throw new UserError("the RegisterClient answer has no clientId, clientSecret and clientSecretExpiresAt");
  }
  const registration = { clientId, clientSecret, expiresAt: cliTime(new Date(clientSecretExpiresAt * 1000)) };
  const record: Record<string, Json> = { ...registration };
  if (scopes) record.scopes = scopes;
  if (pkce) record.grantTypes = body.grantTypes!;
  return { registration, record };
}

export type TokenAnswerProblem = { kind: "incomplete" } | { kind: "line break"; field: string };

/**
 * Why a CreateToken answer can't become a token file: it has no token, or a
 * value no token holds (never written: every later run would send it on).
 */
export function tokenAnswerProblem(answer: Record<string, unknown>): TokenAnswerProblem | undefined {
  if (typeof answer.accessToken !== "string" || typeof answer.expiresIn !== "number") return { kind: "incomplete" };
  for (const field of ["accessToken", "refreshToken"]) {
    const value = answer[field];
    if (typeof value === "string" && LINE_BREAK_OR_NUL.test(value)) return { kind: "line break", field };
  }
  return undefined;
}

/**
 * A CreateToken answer as the token file the CLI writes (returned for the
 * caller to write), the same bytes whether `login` or a refresh made it. An
 * answer with a tokenAnswerProblem is refused.
 */
export function tokenRecord(
  s: Pick<SsoSignIn, "startUrl" | "region">,
  reg: Registration,
  answer: Record<string, unknown>,
  now: Date,
): Record<string, Json> {
  const problem = tokenAnswerProblem(answer);
  if (problem?.kind === "incomplete") throw new UserError("the CreateToken answer has no accessToken and expiresIn");
  if (problem) {
    throw new UserError(`the ${problem.field} in SSO OIDC's CreateToken answer contains a line break or NUL byte, which no token holds`);
  }
  const record: Record<string, Json> = {
    startUrl: s.startUrl,
    region: s.region,
    accessToken: answer.accessToken as string,
    expiresAt: cliTime(new Date(now.getTime() + (answer.expiresIn as number) * 1000)),
    clientId: reg.clientId,
    clientSecret: reg.clientSecret,
    registrationExpiresAt: reg.expiresAt,
  };
  if (typeof answer.refreshToken === "string") record.refreshToken = answer.refreshToken;
  return record;
}

/** Whether a token file holds what an sso-session refresh needs, with the registration still valid. */
export function canRefresh(raw: Record<string, unknown>, now: Date): boolean {
  const registrationExpires = typeof raw.registrationExpiresAt === "string" ? parseExpiration(raw.registrationExpiresAt) : undefined;
  return (
    typeof raw.refreshToken === "string" && typeof raw.clientId === "string" && typeof raw.clientSecret === "string" &&
    registrationExpires !== undefined && registrationExpires > now
  );
}

export interface SsoSessionStatus {
  /** The sso-session's name, or the start URL for a legacy profile. */
  session: string;
  startUrl: string;
  tokenFile: string;
  /** The token exists and has not expired. */
  valid: boolean;
  expiresAt?: Date;
  /** An sso-session token that `get` can renew on its own (refresh token and a live registration). */
  canRefresh: boolean;
  /** The command that signs in again. */
  login: string;
}

/**
 * The selected profile's IAM Identity Center sign-in, for doctor: undefined
 * when the profile doesn't use IAM Identity Center. Reads files only.
 */
export async function ssoSessionStatus(session: Session): Promise<SsoSessionStatus | undefined> {
  if (setting(session.profile, "sso_session") === undefined && setting(session.profile, "sso_start_url") === undefined) return undefined;
  const s = ssoSignIn(session);
  const tokenFile = ssoTokenFile(session.ctx.home, s);
  const raw = await readJsonFile(tokenFile);
  const now = session.ctx.now();
  const expiresAt = typeof raw?.expiresAt === "string" && typeof raw.accessToken === "string" ? parseExpiration(raw.expiresAt) : undefined;
  return {
    session: s.sessionName ?? s.startUrl,
    startUrl: s.startUrl,
    tokenFile,
    valid: expiresAt !== undefined && expiresAt > now,
    expiresAt,
    canRefresh: s.sessionName !== undefined && raw !== undefined && canRefresh(raw, now),
    login: loginCommand(s),
  };
}

/** The portal's Logout for a token; failures are ignored, as `aws sso logout` ignores them. */
export async function portalLogout(session: Session, region: string, accessToken: string): Promise<void> {
  try {
    checkRegion(region);
    const res = await httpRequest(`${ssoServiceUrl(session, "sso", region)}/logout`, {
      method: "POST",
      headers: { "x-amz-sso_bearer_token": accessToken },
      env: session.ctx.env,
      caBundle: caBundle(session.ctx.env, session.profile),
      attempts: 1,
    });
    session.debug(`sso: Logout in ${region}: HTTP ${res.status}`);
  } catch (e) {
    session.debug(`sso: Logout in ${region} failed (${(e as Error).message}); deleting the token anyway`);
  }
}
