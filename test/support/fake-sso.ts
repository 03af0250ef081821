// Local stand-ins for IAM Identity Center on 127.0.0.1: the portal's
// GetRoleCredentials (AWS_ENDPOINT_URL_SSO) and the OIDC service's CreateToken
// with the refresh_token grant (AWS_ENDPOINT_URL_SSO_OIDC), as two servers so a
// test sees which service each request went to. They share state the way the
// real services do: a refreshed access token is one the portal accepts, and a
// refresh token works once.
//
// Plain module (no bun:test imports).

import { randomBytes } from "node:crypto";
import { fakeCredentials, json, startRecordingServer, type FakeCredentials, type RecordedRequest } from "./recording-server.ts";

export interface SsoError {
  status: number;
  /** The x-amzn-ErrorType, e.g. UnauthorizedException. */
  type: string;
  message: string;
}

export interface SsoBehaviour {
  /** Expiration of the role credentials handed out (default: an hour from now). */
  expiration?: Date;
  /** Answer every GetRoleCredentials with this error. */
  portalError?: SsoError;
  /** Refuse every refresh with 400 InvalidGrantException. */
  refuseRefresh?: boolean;
  /** Whether CreateToken returns a new refresh token (default true). */
  rotateRefreshToken?: boolean;
  /** Wait this long before answering CreateToken. */
  refreshDelayMs?: number;
  /** Answer GetRoleCredentials with exactly this (a broken proxy, an outage page). */
  portalRaw?: { status: number; body: string };
  /** Answer CreateToken with 200 and exactly this body, spending the refresh token. */
  refreshRaw?: string;
}

export interface RefreshGrant {
  /** The access token CreateToken answered with. */
  accessToken: string;
  refreshToken?: string;
}

export interface FakeSso {
  /** `http://127.0.0.1:<port>` of the portal (AWS_ENDPOINT_URL_SSO). */
  portalUrl: string;
  /** `http://127.0.0.1:<port>` of the OIDC service (AWS_ENDPOINT_URL_SSO_OIDC). */
  oidcUrl: string;
  portalRequests: RecordedRequest[];
  oidcRequests: RecordedRequest[];
  /** Access tokens the portal accepts. */
  accessTokens: Set<string>;
  /** The registration (clientId → clientSecret) and the refresh tokens CreateToken accepts. */
  clients: Map<string, string>;
  refreshTokens: Set<string>;
  /** Role credentials handed out, in order. */
  issued: FakeCredentials[];
  /** Successful refreshes, in order. */
  refreshed: RefreshGrant[];
  behaviour: SsoBehaviour;
  stop(): Promise<void>;
}

function oidcError(type: string, error: string, description: string): Response {
  return json({ error, error_description: description }, 400, { "x-amzn-ErrorType": type });
}

export function startFakeSso(initial: SsoBehaviour = {}): FakeSso {
  const behaviour: SsoBehaviour = { ...initial };
  const accessTokens = new Set<string>();
  const clients = new Map<string, string>();
  const refreshTokens = new Set<string>();
  const issued: FakeCredentials[] = [];
  const refreshed: RefreshGrant[] = [];

  const portal = startRecordingServer((rec, url) => {
    if (rec.method !== "GET" || url.pathname !== "/federation/credentials") {
      return json({ message: `no route for ${rec.method} ${url.pathname}` }, 404, { "x-amzn-ErrorType": "UnknownOperationException" });
    }
    const token = rec.headers["x-amz-sso_bearer_token"];
    if (token === undefined || !accessTokens.has(token)) {
      return json({ message: "Session token not found or invalid" }, 401, { "x-amzn-ErrorType": "UnauthorizedException" });
    }
    const roleName = url.searchParams.get("role_name");
    const accountId = url.searchParams.get("account_id");
    if (!roleName || !accountId) {
      return json({ message: "role_name and account_id are required" }, 400, { "x-amzn-ErrorType": "InvalidRequestException" });
    }
    if (behaviour.portalRaw) return new Response(behaviour.portalRaw.body, { status: behaviour.portalRaw.status });
    const err = behaviour.portalError;
    if (err) return json({ message: err.message }, err.status, { "x-amzn-ErrorType": err.type });
    const creds = fakeCredentials("ASIASSO", behaviour.expiration ?? new Date(Date.now() + 3600_000));
    issued.push(creds);
    return json({
      roleCredentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        expiration: creds.expiration.getTime(),
      },
    });
  });

  const oidc = startRecordingServer(async (rec, url) => {
    if (rec.method !== "POST" || url.pathname !== "/token") {
      return json({ message: `no route for ${rec.method} ${url.pathname}` }, 404, { "x-amzn-ErrorType": "UnknownOperationException" });
    }
    if (behaviour.refreshDelayMs) await Bun.sleep(behaviour.refreshDelayMs);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rec.body);
    } catch {
      return oidcError("InvalidRequestException", "invalid_request", "body is not JSON");
    }
    if (body.grantType !== "refresh_token") return oidcError("UnsupportedGrantTypeException", "unsupported_grant_type", "");
    if (typeof body.clientId !== "string" || clients.get(body.clientId) !== body.clientSecret) {
      return oidcError("InvalidClientException", "invalid_client", "Invalid client provided");
    }
    const old = body.refreshToken;
    if (behaviour.refuseRefresh || typeof old !== "string" || !refreshTokens.has(old)) {
      return oidcError("InvalidGrantException", "invalid_grant", "Invalid grant provided");
    }
    refreshTokens.delete(old);
    if (behaviour.refreshRaw !== undefined) return new Response(behaviour.refreshRaw, { status: 200 });
    const grant: RefreshGrant = { accessToken: `aoa${randomBytes(48).toString("base64url")}` };
    accessTokens.add(grant.accessToken);
    if (behaviour.rotateRefreshToken ?? true) {
      grant.refreshToken = `aor${randomBytes(48).toString("base64url")}`;
      refreshTokens.add(grant.refreshToken);
    }
    refreshed.push(grant);
    return json({
      accessToken: grant.accessToken,
      tokenType: "Bearer",
      expiresIn: 28800,
      ...(grant.refreshToken ? { refreshToken: grant.refreshToken } : {}),
    });
  });

  return {
    portalUrl: portal.url,
    oidcUrl: oidc.url,
    portalRequests: portal.requests,
    oidcRequests: oidc.requests,
    accessTokens,
    clients,
    refreshTokens,
    issued,
    refreshed,
    behaviour,
    stop: async () => {
      await Promise.all([portal.stop(), oidc.stop()]);
    },
  };
}
