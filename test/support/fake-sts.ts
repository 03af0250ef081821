// A local stand-in for AWS STS's query API on 127.0.0.1: AssumeRole,
// AssumeRoleWithWebIdentity and GetCallerIdentity, answered with the XML shapes
// the real service sends. The product reaches it only through the documented
// endpoint overrides (AWS_ENDPOINT_URL_STS and friends).
//
// Signed requests are verified here with a short SigV4 implementation on
// node:crypto, deliberately without importing anything from src/: a verifier
// sharing the product's signer would agree with its bugs.
//
// Plain module (no bun:test imports).

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createTestCa, type TestCa } from "./tls.ts";
import { tempDir } from "./home.ts";

export interface StsIdentity {
  secretAccessKey: string;
  /** When set, signed requests must carry it as X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface SignatureCheck {
  accessKeyId: string;
  /** `20261125/us-west-2/sts/aws4_request` */
  scope: string;
  region: string;
  service: string;
  signedHeaders: string[];
  verified: boolean;
  /** Why verification failed. */
  reason?: string;
}

export interface StsRequest {
  method: string;
  /** Path plus query string. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body exactly as received. */
  body: string;
  /** The form body decoded (application/x-www-form-urlencoded). */
  params: Record<string, string>;
  action?: string;
  /** Present when the request carried an Authorization header. */
  signature?: SignatureCheck;
  status: number;
  /** Credentials handed out in answer to this request. */
  issued?: IssuedCredentials;
}

export interface StsError {
  status: number;
  code: string;
  message: string;
}

/** How AssumeRole and AssumeRoleWithWebIdentity answer; tests change it between calls. */
export interface StsBehaviour {
  /** Credentials to hand out (default: fresh random ones per call). */
  credentials?: Omit<IssuedCredentials, "expiration">;
  /** Default: an hour from the server's real clock. A function decides per request (undefined: the default). */
  expiration?: Date | ((params: Record<string, string>) => Date | undefined);
  /** The exact Expiration text, e.g. to send `+00:00` instead of `Z`. */
  expirationText?: string;
  /** Answer every call with this error. */
  error?: StsError;
  /** Answer the next N calls with `failure`, then go on as configured. */
  failures?: number;
  /** Default: HTTP 500 InternalError. */
  failure?: StsError;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface FakeSts {
  /** `http(s)://127.0.0.1:<port>` (what AWS_ENDPOINT_URL_STS should say). */
  url: string;
  port: number;
  /** The CA that signed the server's certificate (HTTPS only). */
  caFile?: string;
  requests: StsRequest[];
  /** Keys the server accepts signatures from; issued credentials are added as they are handed out. */
  identities: Map<string, StsIdentity>;
  behaviour: StsBehaviour;
  /** Calls of one action. */
  calls(action: string): StsRequest[];
  stop(): Promise<void>;
}

export interface StartFakeStsOptions {
  /** Serve HTTPS with a certificate for 127.0.0.1/localhost from this CA (true: a fresh one). */
  https?: boolean | TestCa;
  identities?: Record<string, StsIdentity>;
  behaviour?: StsBehaviour;
}

export const ACCOUNT = "123456789012";
const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
const SIGNED_ACTIONS = new Set(["AssumeRole", "GetCallerIdentity"]);
const ALGORITHM = "AWS4-HMAC-SHA256";

function sha256Hex(data: string): string {
  return createHash("sha256").update(data, "utf8").digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Non-S3 services encode each path segment once more than the wire form. */
function canonicalUri(rawPath: string): string {
  return rawPath.split("/").map(rfc3986).join("/") || "/";
}

function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** SigV4 verification of one request; `identities` maps access key ids to secrets. */
export function verifySigV4(
  req: { method: string; url: URL; headers: Headers; body: string },
  identities: Map<string, StsIdentity>,
): SignatureCheck {
  const auth = req.headers.get("authorization") ?? "";
  const m = AUTHORIZATION.exec(auth);
  if (!m) {
    return { accessKeyId: "", scope: "", region: "", service: "", signedHeaders: [], verified: false, reason: `malformed Authorization ${JSON.stringify(auth)}` };
  }
  const [, accessKeyId, day, region, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
  const signedHeaders = signedList.split(";");
  const check: SignatureCheck = { accessKeyId, scope: `${day}/${region}/${service}/aws4_request`, region, service, signedHeaders, verified: false };
  const fail = (reason: string) => ({ ...check, reason });

  const identity = identities.get(accessKeyId);
  if (!identity) return fail(`unknown access key id ${accessKeyId}`);
  const amzDate = req.headers.get("x-amz-date") ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return fail(`bad X-Amz-Date ${JSON.stringify(amzDate)}`);
  if (amzDate.slice(0, 8) !== day) return fail(`X-Amz-Date ${amzDate} is not on the scope's day ${day}`);
  if (!signedHeaders.includes("host")) return fail("host is not signed");
  if ([...signedHeaders].sort().join(";") !== signedList) return fail("SignedHeaders is not sorted");
  const token = req.headers.get("x-amz-security-token");
  if (identity.sessionToken !== undefined) {
    if (token !== identity.sessionToken) return fail(`X-Amz-Security-Token does not match the session token of ${accessKeyId}`);
    if (!signedHeaders.includes("x-amz-security-token")) return fail("X-Amz-Security-Token is not signed");
  } else if (token !== null) {
    return fail(`${accessKeyId} has no session token but one was sent`);
  }

  const canonicalHeaders = signedHeaders.map((name) => {
    const value = req.headers.get(name);
    return `${name}:${(value ?? "").trim().replace(/\s+/g, " ")}\n`;
  });
  const missing = signedHeaders.filter((name) => req.headers.get(name) === null);
  if (missing.length) return fail(`signed headers not sent: ${missing.join(", ")}`);
  const canonicalRequest = [
    req.method,
    canonicalUri(req.url.pathname),
    canonicalQuery(req.url.search),
    canonicalHeaders.join(""),
    signedList,
    sha256Hex(req.body),
  ].join("\n");
  const stringToSign = [ALGORITHM, amzDate, check.scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${identity.secretAccessKey}`, day);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const expected = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return fail(`signature mismatch; canonical request ${JSON.stringify(canonicalRequest)}`);
  }
  return { ...check, verified: true };
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** The wire form STS uses: seconds, `Z`. */
export function stsTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function errorXml(err: StsError, requestId: string): string {
  const type = err.status >= 500 ? "Receiver" : "Sender";
  return (
    `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(err.code)}</Code>\n` +
    `    <Message>${xmlEscape(err.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`
  );
}

function credentialsXml(c: IssuedCredentials, expirationText: string): string {
  return (
    `    <Credentials>\n      <AccessKeyId>${xmlEscape(c.accessKeyId)}</AccessKeyId>\n` +
    `      <SecretAccessKey>${xmlEscape(c.secretAccessKey)}</SecretAccessKey>\n` +
    `      <SessionToken>${xmlEscape(c.sessionToken)}</SessionToken>\n` +
    `      <Expiration>${xmlEscape(expirationText)}</Expiration>\n    </Credentials>\n`
  );
}

function roleName(roleArn: string): string {
  return roleArn.split("/").pop() || "role";
}

function assumeRoleXml(params: Record<string, string>, c: IssuedCredentials, expirationText: string, requestId: string): string {
  const session = params.RoleSessionName ?? "";
  const role = roleName(params.RoleArn ?? "");
  return (
    `<AssumeRoleResponse xmlns="${XMLNS}">\n  <AssumeRoleResult>\n` +
    `    <AssumedRoleUser>\n      <AssumedRoleId>AROA3XFRBF535EXAMPLE:${xmlEscape(session)}</AssumedRoleId>\n` +
    `      <Arn>arn:aws:sts::${ACCOUNT}:assumed-role/${xmlEscape(role)}/${xmlEscape(session)}</Arn>\n    </AssumedRoleUser>\n` +
    credentialsXml(c, expirationText) +
    `    <PackedPolicySize>6</PackedPolicySize>\n  </AssumeRoleResult>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n`
  );
}

function webIdentityXml(params: Record<string, string>, c: IssuedCredentials, expirationText: string, requestId: string): string {
  const session = params.RoleSessionName ?? "";
  const role = roleName(params.RoleArn ?? "");
  return (
    `<AssumeRoleWithWebIdentityResponse xmlns="${XMLNS}">\n  <AssumeRoleWithWebIdentityResult>\n` +
    `    <SubjectFromWebIdentityToken>repo:example/demo:ref:refs/heads/main</SubjectFromWebIdentityToken>\n` +
    `    <Audience>sts.amazonaws.com</Audience>\n` +
    `    <AssumedRoleUser>\n      <Arn>arn:aws:sts::${ACCOUNT}:assumed-role/${xmlEscape(role)}/${xmlEscape(session)}</Arn>\n` +
    `      <AssumedRoleId>AROA3XFRBF535WEBID:${xmlEscape(session)}</AssumedRoleId>\n    </AssumedRoleUser>\n` +
    credentialsXml(c, expirationText) +
    `    <Provider>arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com</Provider>\n` +
    `  </AssumeRoleWithWebIdentityResult>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleWithWebIdentityResponse>\n`
  );
}

function callerIdentityXml(accessKeyId: string, requestId: string): string {
  return (
    `<GetCallerIdentityResponse xmlns="${XMLNS}">\n  <GetCallerIdentityResult>\n` +
    `    <Arn>arn:aws:sts::${ACCOUNT}:assumed-role/caller/${xmlEscape(accessKeyId)}</Arn>\n` +
    `    <UserId>AROA3XFRBF535CALLER:${xmlEscape(accessKeyId)}</UserId>\n    <Account>${ACCOUNT}</Account>\n` +
    `  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</GetCallerIdentityResponse>\n`
  );
}

let issuedCount = 0;

/** Random credentials that look like STS's (a token full of `/`, `+` and `=`). */
function randomCredentials(expiration: Date): IssuedCredentials {
  issuedCount++;
  return {
    accessKeyId: `ASIAFAKE${String(process.pid % 10000).padStart(4, "0")}${String(issuedCount).padStart(8, "0")}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString("base64")}`,
    expiration,
  };
}

export async function startFakeSts(opts: StartFakeStsOptions = {}): Promise<FakeSts> {
  const requests: StsRequest[] = [];
  const identities = new Map(Object.entries(opts.identities ?? {}));
  const behaviour: StsBehaviour = { ...opts.behaviour };
  const ca = opts.https === true ? createTestCa(tempDir("gcc-sts-ca-")) : opts.https || undefined;
  const leaf = ca?.issue(["localhost", "127.0.0.1"]);

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = await req.text();
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const params: Record<string, string> = {};
    if ((req.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    }
    const rec: StsRequest = { method: req.method, path: url.pathname + url.search, headers, body, params, status: 0 };
    if (params.Action) rec.action = params.Action;
    requests.push(rec);
    const requestId = crypto.randomUUID();
    const reply = (status: number, xml: string) => {
      rec.status = status;
      return new Response(xml, { status, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId } });
    };
    const refuse = (err: StsError) => reply(err.status, errorXml(err, requestId));

    if (req.headers.has("authorization")) {
      rec.signature = verifySigV4({ method: req.method, url, headers: req.headers, body }, identities);
    }
    if (behaviour.delayMs) await Bun.sleep(behaviour.delayMs);
    if (req.method !== "POST" || url.pathname !== "/") {
      return refuse({ status: 404, code: "NotFound", message: `${req.method} ${url.pathname}` });
    }
    const action = params.Action;
    if (action === undefined || !["AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"].includes(action)) {
      return refuse({ status: 400, code: "InvalidAction", message: `Could not find operation ${action} for version ${params.Version}` });
    }
    if (params.Version !== "2011-06-15") {
      return refuse({ status: 400, code: "InvalidAction", message: `Could not find operation ${action} for version ${params.Version}` });
    }
    if (SIGNED_ACTIONS.has(action)) {
      if (!rec.signature) return refuse({ status: 403, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token" });
      if (!rec.signature.verified) {
        const unknown = rec.signature.reason?.startsWith("unknown access key id");
        return refuse(
          unknown
            ? { status: 403, code: "InvalidClientTokenId", message: "The security token included in the request is invalid." }
            : { status: 403, code: "SignatureDoesNotMatch", message: `The request signature we calculated does not match the signature you provided. (${rec.signature.reason})` },
        );
      }
    }
    if (action === "GetCallerIdentity") return reply(200, callerIdentityXml(rec.signature!.accessKeyId, requestId));

    if (behaviour.failures) {
      behaviour.failures--;
      return refuse(behaviour.failure ?? { status: 500, code: "InternalError", message: "An internal error has occurred" });
    }
    if (behaviour.error) return refuse(behaviour.error);
    for (const required of action === "AssumeRole" ? ["RoleArn", "RoleSessionName"] : ["RoleArn", "RoleSessionName", "WebIdentityToken"]) {
      if (!params[required]) {
        return refuse({ status: 400, code: "ValidationError", message: `1 validation error detected: Value null at '${required}' failed to satisfy constraint: Member must not be null` });
      }
    }
    const chosen = typeof behaviour.expiration === "function" ? behaviour.expiration(params) : behaviour.expiration;
    const expiration = chosen ?? new Date(Date.now() + 3600_000);
    const issued = behaviour.credentials ? { ...behaviour.credentials, expiration } : randomCredentials(expiration);
    identities.set(issued.accessKeyId, { secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken });
    rec.issued = issued;
    const expirationText = behaviour.expirationText ?? stsTimestamp(expiration);
    return reply(200, (action === "AssumeRole" ? assumeRoleXml : webIdentityXml)(params, issued, expirationText, requestId));
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...(leaf ? { tls: { cert: leaf.cert, key: leaf.key } } : {}),
    fetch: handle,
  });
  const port = server.port;
  if (port === undefined) throw new Error("Bun.serve did not report a port");
  return {
    url: `${leaf ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    caFile: ca?.caFile,
    requests,
    identities,
    behaviour,
    calls: (action) => requests.filter((r) => r.action === action),
    stop: () => server.stop(true),
  };
}
