// Local stand-ins for IAM Identity Center on 127.0.0.1: the portal's
// GetRoleCredentials and Logout (AWS_ENDPOINT_URL_SSO) and the OIDC service
// (AWS_ENDPOINT_URL_SSO_OIDC): RegisterClient, the /authorize page (a 302 to the
// loopback redirect URI), StartDeviceAuthorization with its verification page,
// and CreateToken for the authorization_code (PKCE checked), device_code and
// refresh_token grants. Two servers, so a test sees which service each request
// went to. They share state the way the real services do: an issued access
// token is one the portal accepts until Logout, and codes and refresh tokens work once.
//
// Plain module (no bun:test imports).

import { createHash, randomBytes } from "node:crypto";
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
  /** /authorize redirects with this error (e.g. access_denied) instead of a code. */
  authorizeError?: string;
  /** /authorize redirects with this state instead of the one it was given. */
  authorizeState?: string;
  /** The first device_code CreateToken answers, in order, before the approval decides. */
  deviceScript?: DeviceAnswer[];
  /** StartDeviceAuthorization's interval and expiresIn, in seconds (default 1 and 600). */
  deviceInterval?: number;
  deviceExpiresIn?: number;
  /** Lifetime of issued access tokens, in seconds (default 8 hours). */
  tokenExpiresIn?: number;
}

export type DeviceAnswer = "pending" | "slow_down" | "denied" | "expired";

export interface Registered {
  clientId: string;
  clientSecret: string;
  /** The RegisterClient request body. */
  request: Record<string, unknown>;
}

export interface Issued {
  grant: "authorization_code" | "device_code";
  clientId: string;
  accessToken: string;
  refreshToken?: string;
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
  /** RegisterClient calls, in order. */
  registered: Registered[];
  /** Tokens issued by sign-ins (authorization code or device code), in order. */
  signIns: Issued[];
  /** Access tokens the portal's Logout was called with, in order. */
  loggedOut: string[];
  /** Why each refused sign-in request was refused, in order. */
  rejections: string[];
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
  const registered: Registered[] = [];
  const signIns: Issued[] = [];
  const loggedOut: string[] = [];
  const rejections: string[] = [];
  const grantTypesOf = new Map<string, string[]>();
  const redirectUrisOf = new Map<string, string[]>();
  /** Authorization codes → what the token exchange must match. */
  const codes = new Map<string, { clientId: string; challenge: string; redirectUri: string }>();
  /** Device codes → their user code, client, approval and expiry. */
  const devices = new Map<string, { userCode: string; clientId: string; approved: boolean; expires: number }>();
  let oidcBase = "";

  function refuse(type: string, error: string, why: string): Response {
    rejections.push(why);
    return oidcError(type, error, why);
  }

  /** A fresh access token (and refresh token) the portal accepts. */
  function issue(grant: Issued["grant"], clientId: string): Response {
    const accessToken = `aoa${randomBytes(48).toString("base64url")}`;
    const refreshToken = `aor${randomBytes(48).toString("base64url")}`;
    accessTokens.add(accessToken);
    refreshTokens.add(refreshToken);
    signIns.push({ grant, clientId, accessToken, refreshToken });
    return json({ accessToken, tokenType: "Bearer", expiresIn: behaviour.tokenExpiresIn ?? 28800, refreshToken });
  }

  function register(body: Record<string, unknown>): Response {
    if (typeof body.clientName !== "string" || body.clientType !== "public") {
      return refuse("InvalidClientMetadataException", "invalid_client_metadata", "clientName and clientType public are required");
    }
    const grantTypes = (body.grantTypes as string[] | undefined) ?? [];
    const redirectUris = (body.redirectUris as string[] | undefined) ?? [];
    if (grantTypes.includes("authorization_code") && (redirectUris.length === 0 || typeof body.issuerUrl !== "string")) {
      return refuse("InvalidRequestException", "invalid_request", "authorization_code needs redirectUris and issuerUrl");
    }
    const clientId = `client-${randomBytes(12).toString("hex")}`;
    const clientSecret = `secret${randomBytes(48).toString("base64url")}`;
    clients.set(clientId, clientSecret);
    grantTypesOf.set(clientId, grantTypes);
    redirectUrisOf.set(clientId, redirectUris);
    registered.push({ clientId, clientSecret, request: body });
    const now = Math.floor(Date.now() / 1000);
    return json({ clientId, clientSecret, clientIdIssuedAt: now, clientSecretExpiresAt: now + 90 * 86400 });
  }

  /** The /authorize page: checks the request, then sends the browser back to the loopback redirect URI. */
  function authorize(url: URL): Response {
    const q = url.searchParams;
    const clientId = q.get("client_id") ?? "";
    const redirect = q.get("redirect_uri") ?? "";
    let target: URL;
    try {
      target = new URL(redirect);
    } catch {
      return new Response(`bad redirect_uri ${redirect}`, { status: 400 });
    }
    // RFC 8252 §7.3: a loopback redirect URI matches the registered one on any port.
    const registeredUris = redirectUrisOf.get(clientId) ?? [];
    const portless = `${target.protocol}//${target.hostname}${target.pathname}`;
    const problems = [
      q.get("response_type") !== "code" && "response_type",
      !(grantTypesOf.get(clientId) ?? []).includes("authorization_code") && "client_id",
      !registeredUris.includes(portless) && "redirect_uri",
      !q.get("state") && "state",
      q.get("code_challenge_method") !== "S256" && "code_challenge_method",
      !/^[A-Za-z0-9_-]{43}$/.test(q.get("code_challenge") ?? "") && "code_challenge",
      !q.get("scopes") && "scopes",
    ].filter(Boolean);
    if (problems.length > 0) {
      rejections.push(`authorize: ${problems.join(", ")}`);
      return new Response(`bad ${problems.join(", ")}`, { status: 400 });
    }
    const back = new URL(redirect);
    const state = behaviour.authorizeState ?? q.get("state")!;
    if (behaviour.authorizeError) {
      back.searchParams.set("error", behaviour.authorizeError);
      back.searchParams.set("error_description", "The user denied the request");
    } else {
      const code = `code${randomBytes(24).toString("base64url")}`;
      codes.set(code, { clientId, challenge: q.get("code_challenge")!, redirectUri: redirect });
      back.searchParams.set("code", code);
    }
    back.searchParams.set("state", state);
    return new Response(null, { status: 302, headers: { Location: back.toString() } });
  }

  function startDevice(body: Record<string, unknown>): Response {
    if (typeof body.clientId !== "string" || clients.get(body.clientId) !== body.clientSecret) {
      return refuse("InvalidClientException", "invalid_client", "Invalid client provided");
    }
    if (typeof body.startUrl !== "string") return refuse("InvalidRequestException", "invalid_request", "startUrl is required");
    const deviceCode = `device${randomBytes(24).toString("base64url")}`;
    const userCode = `${randomBytes(2).toString("hex").toUpperCase()}-${randomBytes(2).toString("hex").toUpperCase()}`;
    const expiresIn = behaviour.deviceExpiresIn ?? 600;
    devices.set(deviceCode, { userCode, clientId: body.clientId, approved: false, expires: Date.now() + expiresIn * 1000 });
    return json({
      deviceCode,
      userCode,
      verificationUri: `${oidcBase}/device`,
      verificationUriComplete: `${oidcBase}/device?user_code=${userCode}`,
      expiresIn,
      interval: behaviour.deviceInterval ?? 1,
    });
  }

  /** The verification page: visiting it with the user code approves that device. */
  function approveDevice(url: URL): Response {
    const code = url.searchParams.get("user_code");
    const device = [...devices.values()].find((d) => d.userCode === code);
    if (!device) return new Response("unknown user code", { status: 404 });
    device.approved = true;
    return new Response("Request approved", { status: 200 });
  }

  function createToken(body: Record<string, unknown>): Response {
    const clientId = body.clientId as string;
    if (body.grantType === "authorization_code") {
      const grant = codes.get(body.code as string);
      codes.delete(body.code as string);
      if (!grant || grant.clientId !== clientId) return refuse("InvalidGrantException", "invalid_grant", "unknown or spent code");
      if (body.redirectUri !== grant.redirectUri) return refuse("InvalidGrantException", "invalid_grant", "redirectUri differs from /authorize's");
      const challenge = createHash("sha256").update(String(body.codeVerifier)).digest("base64url");
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(String(body.codeVerifier)) || challenge !== grant.challenge) {
        return refuse("InvalidGrantException", "invalid_grant", "codeVerifier does not match code_challenge");
      }
      return issue("authorization_code", clientId);
    }
    // device_code
    const device = devices.get(body.deviceCode as string);
    if (!device || device.clientId !== clientId) return refuse("InvalidGrantException", "invalid_grant", "unknown device code");
    const scripted = behaviour.deviceScript?.shift();
    if (scripted === "slow_down") return oidcError("SlowDownException", "slow_down", "");
    if (scripted === "pending") return oidcError("AuthorizationPendingException", "authorization_pending", "");
    if (scripted === "denied") return oidcError("AccessDeniedException", "access_denied", "");
    if (scripted === "expired" || Date.now() > device.expires) return oidcError("ExpiredTokenException", "expired_token", "");
    if (!device.approved) return oidcError("AuthorizationPendingException", "authorization_pending", "");
    devices.delete(body.deviceCode as string);
    return issue("device_code", clientId);
  }

  const portal = startRecordingServer((rec, url) => {
    if (rec.method === "POST" && url.pathname === "/logout") {
      const token = rec.headers["x-amz-sso_bearer_token"];
      if (token === undefined || !accessTokens.delete(token)) {
        return json({ message: "Session token not found or invalid" }, 401, { "x-amzn-ErrorType": "UnauthorizedException" });
      }
      loggedOut.push(token);
      return new Response(null, { status: 200 });
    }
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
    if (rec.method === "GET" && url.pathname === "/authorize") return authorize(url);
    if (rec.method === "GET" && url.pathname === "/device") return approveDevice(url);
    const routes = ["/token", "/client/register", "/device_authorization"];
    if (rec.method !== "POST" || !routes.includes(url.pathname)) {
      return json({ message: `no route for ${rec.method} ${url.pathname}` }, 404, { "x-amzn-ErrorType": "UnknownOperationException" });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rec.body);
    } catch {
      return oidcError("InvalidRequestException", "invalid_request", "body is not JSON");
    }
    if (url.pathname === "/client/register") return register(body);
    if (url.pathname === "/device_authorization") return startDevice(body);
    if (behaviour.refreshDelayMs) await Bun.sleep(behaviour.refreshDelayMs);
    if (typeof body.clientId !== "string" || clients.get(body.clientId) !== body.clientSecret) {
      return oidcError("InvalidClientException", "invalid_client", "Invalid client provided");
    }
    if (body.grantType === "authorization_code" || body.grantType === "urn:ietf:params:oauth:grant-type:device_code") {
      return createToken(body);
    }
    if (body.grantType !== "refresh_token") return oidcError("UnsupportedGrantTypeException", "unsupported_grant_type", "");
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

  oidcBase = oidc.url;
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
    registered,
    signIns,
    loggedOut,
    rejections,
    behaviour,
    stop: async () => {
      await Promise.all([portal.stop(), oidc.stop()]);
    },
  };
}
