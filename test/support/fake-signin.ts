// A local stand-in for the AWS Sign-In service's CreateOAuth2Token refresh
// grant (AWS_ENDPOINT_URL_SIGNIN), the call that renews `aws login` sessions.
// It checks every DPoP proof as the service must: a dpop+jwt ES256 JWT whose
// signature verifies under the embedded key, htm POST, htu this exact URL, a
// recent iat, a fresh jti, and a key that is the one the refresh token is bound to.
//
// Plain module (no bun:test imports).

import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { fakeCredentials, json, startRecordingServer, type FakeCredentials, type RecordedRequest } from "./recording-server.ts";

type JsonWebKey = { kty?: string; crv?: string; x?: string; y?: string };

export interface LoginKey {
  /** The SEC1 PEM `aws login` keeps as dpopKey. */
  pem: string;
  /** RFC 7638 thumbprint of the public key. */
  thumbprint: string;
}

function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

export function newLoginKey(): LoginKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { pem: privateKey.export({ type: "sec1", format: "pem" }) as string, thumbprint: thumbprint(publicKey.export({ format: "jwk" })) };
}

export interface SigninBehaviour {
  /** Answer every refresh with AccessDeniedException and this error code (TOKEN_EXPIRED, …). */
  deny?: string;
  /** Lifetime of the credentials handed out, in seconds (the real service: 900). */
  expiresIn?: number;
  /** The service's clock, for checking iat (default: now). */
  now?: () => Date;
}

export interface Refresh {
  credentials: FakeCredentials;
  refreshToken: string;
}

export interface FakeSignin {
  /** `http://127.0.0.1:<port>` (AWS_ENDPOINT_URL_SIGNIN). */
  url: string;
  requests: RecordedRequest[];
  /** Why each refused request was refused, in order. */
  rejections: string[];
  /** Successful refreshes, in order. */
  refreshes: Refresh[];
  behaviour: SigninBehaviour;
  /** A refresh token bound to this key, for the client id `aws login` uses. */
  grant(key: LoginKey): string;
  stop(): Promise<void>;
}

export const LOGIN_CLIENT_ID = "arn:aws:signin:::devtools/same-device";

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return v && typeof v === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}

export function startFakeSignin(initial: SigninBehaviour = {}): FakeSignin {
  const behaviour: SigninBehaviour = { ...initial };
  const bound = new Map<string, string>(); // refresh token → key thumbprint
  const seenJti = new Set<string>();
  const rejections: string[] = [];
  const refreshes: Refresh[] = [];
  let base = "";

  /** Why this proof is unacceptable for that refresh token, or undefined when it is fine. */
  function checkProof(proof: string | undefined, refreshToken: string): string | undefined {
    if (!proof) return "no DPoP header";
    const parts = proof.split(".");
    if (parts.length !== 3) return "DPoP is not a JWT";
    const [h, p, s] = parts as [string, string, string];
    const header = decode(h);
    const payload = decode(p);
    if (!header || !payload) return "DPoP header or payload is not JSON";
    if (header.typ !== "dpop+jwt" || header.alg !== "ES256") return `DPoP typ/alg ${header.typ}/${header.alg}`;
    const jwk = header.jwk as JsonWebKey | undefined;
    if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256" || Object.keys(jwk).join() !== "kty,x,y,crv") return "DPoP jwk is not botocore's {kty,x,y,crv}";
    const key = createPublicKey({ key: jwk, format: "jwk" });
    const signature = Buffer.from(s, "base64url");
    if (signature.length !== 64) return "DPoP signature is not raw r||s";
    if (!verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, signature)) return "DPoP signature does not verify";
    if (payload.htm !== "POST") return `DPoP htm ${payload.htm}`;
    if (payload.htu !== `${base}/v1/token`) return `DPoP htu ${payload.htu}`;
    const now = (behaviour.now?.() ?? new Date()).getTime() / 1000;
    if (typeof payload.iat !== "number" || !Number.isInteger(payload.iat) || Math.abs(payload.iat - now) > 60) return `DPoP iat ${payload.iat}`;
    if (typeof payload.jti !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(payload.jti)) {
      return "DPoP jti is not a uuid4";
    }
    if (seenJti.has(payload.jti)) return "DPoP jti replayed";
    seenJti.add(payload.jti);
    if (bound.get(refreshToken) !== thumbprint(jwk)) return "DPoP key is not the one the refresh token is bound to";
    return undefined;
  }

  const server = startRecordingServer((rec, url) => {
    if (rec.method !== "POST" || url.pathname !== "/v1/token") {
      return json({ message: `no route for ${rec.method} ${url.pathname}` }, 404, { "x-amzn-ErrorType": "UnknownOperationException" });
    }
    const refuse = (why: string, status = 400, type = "ValidationException", error = "INVALID_REQUEST") => {
      rejections.push(why);
      return json({ error, message: why }, status, { "x-amzn-ErrorType": type });
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rec.body);
    } catch {
      return refuse("body is not JSON");
    }
    if (Object.keys(body).sort().join() !== "clientId,grantType,refreshToken") return refuse(`body fields ${Object.keys(body)}`);
    if (body.grantType !== "refresh_token" || body.clientId !== LOGIN_CLIENT_ID) return refuse("wrong grantType or clientId");
    const old = body.refreshToken as string;
    if (!bound.has(old)) return refuse("unknown refresh token", 401, "AccessDeniedException", "TOKEN_EXPIRED");
    const why = checkProof(rec.headers.dpop, old);
    if (why) return refuse(why);
    if (behaviour.deny) return refuse(behaviour.deny, behaviour.deny === "TOKEN_EXPIRED" ? 401 : 403, "AccessDeniedException", behaviour.deny);
    const key = bound.get(old)!;
    bound.delete(old);
    const refreshToken = `loginRefresh.${randomBytes(32).toString("base64url")}`;
    bound.set(refreshToken, key);
    const expiresIn = behaviour.expiresIn ?? 900;
    const credentials = fakeCredentials("ASIALOGIN", new Date(Date.now() + expiresIn * 1000));
    refreshes.push({ credentials, refreshToken });
    return json({
      accessToken: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
      tokenType: "aws_sigv4",
      expiresIn,
      refreshToken,
    });
  });
  base = server.url;

  return {
    url: server.url,
    requests: server.requests,
    rejections,
    refreshes,
    behaviour,
    grant: (key) => {
      const token = `loginRefresh.${randomBytes(32).toString("base64url")}`;
      bound.set(token, key.thumbprint);
      return token;
    },
    stop: server.stop,
  };
}
