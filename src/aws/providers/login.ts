// `login_session` profiles (`aws login`, AWS CLI 2.32 and later): the credentials
// the CLI keeps in its login cache, refreshed as botocore 1.43's
// LoginCredentialFetcher does once less than 5 minutes remain: the Sign-In
// service's CreateOAuth2Token with the refresh token, proven with a DPoP JWT
// signed by the cache's own key, written back in the same file.
import { lastLine, NetworkNeeded, ServiceError, UserError } from "../../errors.ts";
import { readJsonFile, withFileLock, writeJsonFile } from "../cache.ts";
import { expandPath, setting } from "../config-files.ts";
import { checkedCredentials, cliTime, parseExpiration, unsafeField, type Credentials } from "../credentials.ts";
import { signinEndpoint } from "../endpoints.ts";
import { caBundle, httpRequest } from "../http.ts";
import { sessionRegion } from "../region.ts";
import type { Session } from "../session.ts";
import type { Context } from "../../context.ts";
import { joinPath } from "../../util/files.ts";
import { jsonObject } from "../../util/json.ts";

const REAUTHENTICATE = "Your session has expired or credentials have changed. Please reauthenticate using 'aws login'.";

/** botocore's _REFRESH_THRESHOLD: these credentials live about 15 minutes, so the generic 15-minute rule would refresh every time. */
export const LOGIN_REFRESH_MS = 5 * 60 * 1000;

/** The fields a refresh needs besides the credentials (botocore's _REQUIRED_TOKEN_FIELDS). */
const REFRESH_FIELDS = ["refreshToken", "dpopKey", "clientId"];

interface Entry {
  file: string;
  raw: Record<string, unknown>;
  creds: Credentials;
}

/** botocore's get_login_token_cache_directory. */
export function loginCacheDir({ env, home, platform }: Context): string {
  return env.AWS_LOGIN_CACHE_DIRECTORY
    ? expandPath(env.AWS_LOGIN_CACHE_DIRECTORY, env, home, platform)
    : joinPath(home, ".aws", "login", "cache");
}

function loginCacheFile(session: Session, name: string): string {
  return joinPath(loginCacheDir(session.ctx), `${new Bun.CryptoHasher("sha256").update(name).digest("hex")}.json`);
}

/** The credentials in a cache entry, or undefined when it has none. */
function credentialsOf(raw: Record<string, unknown>): Credentials | undefined {
  const t = raw.accessToken as Record<string, unknown> | undefined;
  const expiration = typeof t?.expiresAt === "string" ? parseExpiration(t.expiresAt) : undefined;
  if (!t || typeof t.accessKeyId !== "string" || typeof t.secretAccessKey !== "string" || !expiration) return undefined;
  const creds = {
    accessKeyId: t.accessKeyId,
    secretAccessKey: t.secretAccessKey,
    sessionToken: typeof t.sessionToken === "string" ? t.sessionToken : undefined,
    expiration,
    source: "login",
    refreshWindowMs: LOGIN_REFRESH_MS,
  };
  // A value with a line break makes a poisoned entry, no better than none: `aws login` writes a good one.
  return unsafeField(creds) === undefined ? creds : undefined;
}

async function readEntry(file: string, profileName: string): Promise<Entry> {
  const raw = await readJsonFile(file);
  if (!raw) {
    throw new UserError(`Error loading login session token: ${file} does not exist or is not JSON. Run: aws login --profile ${profileName}`);
  }
  const creds = credentialsOf(raw);
  if (!creds) throw new UserError(`Error loading login session token: ${file} has no credentials. Run: aws login --profile ${profileName}`);
  return { file, raw, creds };
}

const fresh = (e: Entry, now: Date) => e.creds.expiration!.getTime() - now.getTime() > LOGIN_REFRESH_MS;

export async function fromLogin(session: Session, profileName: string): Promise<Credentials> {
  const name = setting(session.files.profiles[profileName], "login_session")!;
  const file = loginCacheFile(session, name);
  const entry = await readEntry(file, profileName);
  if (fresh(entry, session.ctx.now())) return entry.creds;
  // Refresh tokens rotate: two helpers refreshing at once would leave one of them with a spent token.
  return withFileLock(file, async () => {
    const current = await readEntry(file, profileName); // another helper may have refreshed it while we waited
    if (fresh(current, session.ctx.now())) return current.creds;
    return refresh(session, current, profileName);
  }, { waitMs: 60_000, what: `refreshing the login session ${name}`, notice: session.notice, debug: session.debug });
}

async function refresh(session: Session, entry: Entry, profileName: string): Promise<Credentials> {
  const relogin = `Run: aws login --profile ${profileName}`;
  const missing = REFRESH_FIELDS.filter((k) => typeof entry.raw[k] !== "string");
  if (missing.length > 0) {
    throw new UserError(
      `Error loading login session token: Failed to load access token from token cache, missing required fields: ${missing.join(", ")}. ${relogin}`,
    );
  }
  if (session.offline) throw new NetworkNeeded("Sign-In CreateOAuth2Token");
  const url = `${signinEndpoint(session, sessionRegion(session)?.name)}/v1/token`;
  const dpop = await dpopProof(entry.raw.dpopKey as string, url, session.ctx.now(), relogin);
  session.debug(`login: refreshing the login session at ${url}`);
  const res = await httpRequest(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", DPoP: dpop },
    body: JSON.stringify({ clientId: entry.raw.clientId, refreshToken: entry.raw.refreshToken, grantType: "refresh_token" }),
    env: session.ctx.env,
    caBundle: caBundle(session.ctx.env, session.profile),
  });
  const body = jsonObject(res.body) ?? {};
  if (res.status !== 200) {
    const code = res.headers.get("x-amzn-errortype")?.split(":")[0] ?? String(res.status);
    const error = typeof body.error === "string" ? body.error : "";
    if (code === "AccessDeniedException") {
      if (error === "TOKEN_EXPIRED" || error === "USER_CREDENTIALS_CHANGED") throw new UserError(`${REAUTHENTICATE} ${relogin}`);
      if (error === "INSUFFICIENT_PERMISSIONS") {
        throw new UserError(
          "Unable to create or refresh login credentials due to insufficient permissions. " +
            "You may be missing permission for the 'signin:CreateOAuth2Token' action.",
        );
      }
      throw new UserError(`An unspecified error happened when resolving AWS credentials or refreshing a login session profile. ${relogin}`);
    }
    throw new ServiceError(code, "CreateOAuth2Token", lastLine(typeof body.message === "string" ? body.message : res.body));
  }
  const t = body.accessToken as Record<string, unknown> | undefined;
  if (
    typeof t?.accessKeyId !== "string" || typeof t.secretAccessKey !== "string" || typeof t.sessionToken !== "string" ||
    typeof body.expiresIn !== "number" || typeof body.refreshToken !== "string"
  ) {
    throw new UserError(
      "Error loading login session token: Unable to refresh access token due to an invalid service response. " +
        "Please try running 'aws login' again. If the issue persists, there may be a temporary signin service problem.",
    );
  }
  checkedCredentials(
    { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey, sessionToken: t.sessionToken, source: "login" },
    (field) => `the ${field} in the Sign-In service's CreateOAuth2Token answer`,
  );
  const previous = entry.raw.accessToken as Record<string, unknown>;
  // botocore's write-back: the new credentials and refresh token over the old entry, everything else kept.
  const written = {
    ...entry.raw,
    accessToken: {
      accessKeyId: t.accessKeyId,
      secretAccessKey: t.secretAccessKey,
      sessionToken: t.sessionToken,
      accountId: previous.accountId,
      expiresAt: cliTime(new Date(Math.floor(session.ctx.now().getTime() / 1000) * 1000 + body.expiresIn * 1000)),
    },
    refreshToken: body.refreshToken,
  };
  try {
    writeJsonFile(entry.file, written);
  } catch (e) {
    // The old refresh token is spent now: say so, or the next run fails mysteriously.
    session.notice(`warning: the refreshed login session could not be saved (${(e as Error).message}); run aws login if the next command fails`);
  }
  return credentialsOf(written)!;
}

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString("base64url");

/**
 * The DPoP proof (RFC 9449) botocore's _build_dpop_header makes: ES256 over
 * `header.payload`, the signature as raw r‖s. The key is the cache's SEC1 PEM,
 * which WebCrypto can't import, so node:crypto it is, loaded only here to keep
 * `get`'s start-up free of it.
 */
export async function dpopProof(pem: string, url: string, now: Date, relogin: string): Promise<string> {
  const { createPrivateKey, createPublicKey, randomUUID, sign } = await import("node:crypto");
  let key;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new UserError(`Error loading login session token: Unable to load private key from cached token. ${relogin}`);
  }
  const jwk = createPublicKey(key).export({ format: "jwk" });
  if (jwk.kty !== "EC" || jwk.crv !== "P-256") {
    throw new UserError(`Error loading login session token: Unable to load private key from cached token. ${relogin}`);
  }
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", x: jwk.x, y: jwk.y, crv: "P-256" } };
  const payload = { htm: "POST", htu: url, iat: Math.floor(now.getTime() / 1000), jti: randomUUID() };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}
