// STS's query API: AssumeRole and GetCallerIdentity (signed with aws4),
// AssumeRoleWithWebIdentity (unsigned). Endpoints per ./endpoints.ts.
import aws4 from "aws4";
import { lastLine, NetworkNeeded, ServiceError, UserError } from "../errors.ts";
import { rfc3986, timestamp } from "../util/encoding.ts";
import { readJsonFile, tryWriteCache } from "./cache.ts";
import { checkedCredentials, cliTime, parseExpiration, REFRESH_WINDOW_MS, unsafeField, type Credentials } from "./credentials.ts";
import { stsEndpoint } from "./endpoints.ts";
import { caBundle, endpointUrl, httpRequest } from "./http.ts";
import { sessionRegion, sessionRegionOrInstance } from "./region.ts";
import type { Session } from "./session.ts";

export type StsAction = "AssumeRole" | "AssumeRoleWithWebIdentity" | "GetCallerIdentity";

/** RFC 3986 form encoding, as botocore's query serializer writes it. */
function formEncode(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join("&");
}

/** botocore's RoleSessionName when the profile names none. */
export function defaultSessionName(session: Session): string {
  return `botocore-session-${Math.floor(session.ctx.now().getTime() / 1000)}`;
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The text of the first `<tag>` element; STS responses are flat enough for this. */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m?.[1]!.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (entity, e: string) => {
    if (!e.startsWith("#")) return XML_ENTITIES[e]!;
    const code = e.startsWith("#x") ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

export async function callSts(
  session: Session,
  action: StsAction,
  params: Record<string, string>,
  signWith?: Credentials,
  /** A caller that wants a quick answer (doctor) sets fewer attempts or a shorter timeout. */
  limits: { attempts?: number; timeoutMs?: number } = {},
): Promise<string> {
  if (session.offline) throw new NetworkNeeded(`${action} at ${stsEndpoint(session, sessionRegion(session)?.name).url}`);
  // The session region decides the endpoint, not the CodeCommit host's region.
  const endpoint = stsEndpoint(session, (await sessionRegionOrInstance(session))?.name);
  const url = endpointUrl(endpoint.url);
  const body = formEncode({ Action: action, Version: "2011-06-15", ...params });
  let headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" };
  if (signWith) {
    const signed = aws4.sign(
      {
        host: url.host,
        path: url.pathname,
        method: "POST",
        service: "sts",
        region: endpoint.signingRegion,
        body,
        headers: { ...headers, "X-Amz-Date": `${timestamp(session.ctx.now())}Z` },
      },
      { accessKeyId: signWith.accessKeyId, secretAccessKey: signWith.secretAccessKey, sessionToken: signWith.sessionToken },
    );
    headers = signed.headers as Record<string, string>;
  }
  session.debug(`sts: ${action} at ${endpoint.url} (signing region ${endpoint.signingRegion})`);
  const res = await httpRequest(url.href, {
    method: "POST",
    headers,
    body,
    env: session.ctx.env,
    caBundle: caBundle(session.ctx.env, session.profile),
    ...limits,
  });
  if (res.status !== 200) {
    const code = xmlText(res.body, "Code") ?? String(res.status);
    throw new ServiceError(code, action, lastLine(xmlText(res.body, "Message") ?? res.body) || "no message");
  }
  return res.body;
}

/** The credentials of an AssumeRole(-WithWebIdentity) response, in the CLI cache's JSON shape. */
function stsResponseForCache(xml: string, action: StsAction): Record<string, unknown> {
  const need = (tag: string) => {
    const v = xmlText(xml, tag);
    if (v === undefined) throw new UserError(`the ${action} response has no ${tag}`);
    return v;
  };
  const expirationText = need("Expiration");
  const expiration = parseExpiration(expirationText);
  if (!expiration) {
    throw new UserError(`the ${action} response has an Expiration that is not a time: ${JSON.stringify(expirationText)}`);
  }
  const arn = xmlText(xml, "Arn");
  const creds: Record<string, string> = {
    AccessKeyId: need("AccessKeyId"),
    SecretAccessKey: need("SecretAccessKey"),
    SessionToken: need("SessionToken"),
    Expiration: cliTime(expiration),
  };
  checkedCredentials(
    { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken, source: "sts" },
    (field) => `the ${field} in STS's ${action} answer`,
  );
  const account = arn?.split(":")[4];
  if (account) creds.AccountId = account;
  const out: Record<string, unknown> = { Credentials: creds };
  if (arn) out.AssumedRoleUser = { AssumedRoleId: xmlText(xml, "AssumedRoleId") ?? "", Arn: arn };
  out.ResponseMetadata = { RequestId: xmlText(xml, "RequestId") ?? "", HTTPStatusCode: 200, RetryAttempts: 0 };
  return out;
}

export function credentialsFromCacheEntry(entry: Record<string, unknown> | undefined, source: string): Credentials | undefined {
  const c = entry?.Credentials as Record<string, unknown> | undefined;
  if (!c || typeof c.AccessKeyId !== "string" || typeof c.SecretAccessKey !== "string") return undefined;
  const creds: Credentials = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: typeof c.SessionToken === "string" ? c.SessionToken : undefined,
    expiration: typeof c.Expiration === "string" ? parseExpiration(c.Expiration) : undefined,
    source,
  };
  // A poisoned entry is a miss: fetched anew and overwritten.
  return unsafeField(creds) === undefined ? creds : undefined;
}

/** A cache entry with at least 15 minutes left (the CLI's rule), or undefined: missing and corrupt entries are misses. */
export async function cachedCredentials(file: string, session: Session, source: string): Promise<Credentials | undefined> {
  const creds = credentialsFromCacheEntry(await readJsonFile(file), source);
  if (!creds?.expiration) return undefined;
  if (creds.expiration.getTime() - session.ctx.now().getTime() < REFRESH_WINDOW_MS) return undefined;
  session.debug(`credentials: ${source}: using ${file}`);
  return { ...creds, source: `${source} (cached)` };
}

/** Calls STS, writes the answer to the CLI cache, and returns its credentials. */
export async function assumeAndCache(
  session: Session,
  action: "AssumeRole" | "AssumeRoleWithWebIdentity",
  params: Record<string, string>,
  cacheFile: string,
  source: string,
  signWith?: Credentials,
): Promise<Credentials> {
  const entry = stsResponseForCache(await callSts(session, action, params, signWith), action);
  tryWriteCache(cacheFile, entry, session.debug);
  return credentialsFromCacheEntry(entry, source)!;
}
