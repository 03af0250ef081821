// IAM Identity Center profiles (legacy sso_start_url and sso-session) against a
// fake portal and OIDC service reached through AWS_ENDPOINT_URL_SSO(_OIDC): the
// token file the CLI left, GetRoleCredentials, the CLI v2 role cache, the token
// refresh under a lock, and the CLI's exact error texts.
import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS, runBinary, type RunResult, type Runner } from "../support/cli.ts";
import { startFakeSso, type FakeSso } from "../support/fake-sso.ts";
import { tempHome } from "../support/home.ts";
import { isoSeconds } from "../support/recording-server.ts";
import { expectError, expectGetAnswer, expectNoSecrets, REQUEST, stopAfterTest } from "./helpers.ts";
import { lacks } from "../support/platform.ts";

const SESSION_URL = "https://corp.awsapps.com/start";
const LEGACY_URL = "https://legacy.awsapps.com/start";
const CONFIG =
  `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-west-2\n\n` +
  `[sso-session corp]\nsso_start_url = ${SESSION_URL}\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n` +
  `[profile legacy]\nsso_start_url = ${LEGACY_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n`;

// The file names the CLI uses (§4.5.2, §4.5.6), written out rather than recomputed with the product's helpers.
const SESSION_TOKEN_KEY = "ee0bfd2552fbd840c02cc48b6e823320543c450f"; // sha1("corp")
const LEGACY_TOKEN_KEY = "79e435d7a515078e81c9dffc35f38d5687ebd3a7"; // sha1(LEGACY_URL)
const SESSION_ROLE_KEY = "8457bc68cf9d4aa8d629a61563948e8bd3159d49";
const LEGACY_ROLE_KEY = "4b6ae814e6977af5e6951f29c843e3ec1789ce84";
const ROLE_PATH = "/federation/credentials?role_name=Admin&account_id=123456789012";

const UNAUTHORIZED =
  "The SSO session associated with this profile has expired or is otherwise invalid. " +
  "To refresh this SSO session run aws sso login with the corresponding profile.";

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);
const secret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;

function fakeSso(): FakeSso {
  return stopAfterTest(startFakeSso());
}

function ssoEnv(home: string, sso: FakeSso): Record<string, string> {
  return { ...baseEnv(home), AWS_ENDPOINT_URL_SSO: sso.portalUrl, AWS_ENDPOINT_URL_SSO_OIDC: sso.oidcUrl };
}

const ssoCache = (home: string) => join(home, ".aws", "sso", "cache");
const roleCacheFile = (home: string, key: string) => join(home, ".aws", "cli", "cache", `${key}.json`);

function writeJson(file: string, value: unknown) {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
}

/** A HOME with CONFIG and `token` cached for the [sso-session corp]; `file` is where it is. */
function homeWithToken(token: object): { home: string; file: string } {
  const home = tempHome({ config: CONFIG });
  const file = join(ssoCache(home), `${SESSION_TOKEN_KEY}.json`);
  writeJson(file, token);
  return { home, file };
}

interface TokenFile {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

/** A token as `aws sso login` leaves it; the portal accepts its access token. */
function loginToken(sso: FakeSso, startUrl: string, expiresAt: Date, refreshable = false): TokenFile {
  const token: TokenFile = { startUrl, region: "eu-west-1", accessToken: secret("aoaLogin"), expiresAt: isoSeconds(expiresAt) };
  sso.accessTokens.add(token.accessToken);
  if (refreshable) {
    token.clientId = `client-${randomBytes(8).toString("hex")}`;
    token.clientSecret = secret("eyJraWQiOiJrZXktY2xpZW50U2VjcmV0");
    token.registrationExpiresAt = isoSeconds(inMinutes(90 * 24 * 60));
    token.refreshToken = secret("aorLogin");
    sso.clients.set(token.clientId, token.clientSecret);
    sso.refreshTokens.add(token.refreshToken);
  }
  return token;
}

/** Every secret the fake or the token file holds or handed out. */
function ssoSecrets(sso: FakeSso, ...tokens: TokenFile[]): string[] {
  return [
    ...tokens.flatMap((t) => [t.accessToken, t.clientSecret, t.refreshToken]),
    ...sso.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]),
    ...sso.refreshed.flatMap((g) => [g.accessToken, g.refreshToken]),
    ...sso.accessTokens,
    ...sso.refreshTokens,
    ...sso.clients.values(),
  ].filter((s): s is string => s !== undefined);
}

/** GetRoleCredentials as the CLI sends it: a GET with the bearer token header and nothing signed. */
function expectRoleRequest(sso: FakeSso, index: number, accessToken: string) {
  const rec = sso.portalRequests[index]!;
  expect(rec.method).toBe("GET");
  expect(rec.path).toBe(ROLE_PATH);
  expect(rec.headers["x-amz-sso_bearer_token"]).toBe(accessToken);
  expect(Object.keys(rec.headers).filter((h) => h === "authorization" || (h.startsWith("x-amz-") && h !== "x-amz-sso_bearer_token"))).toEqual([]);
  expect(rec.status).toBe(200);
}

/** The one-line error, without and with --debug, with no secret in either. */
async function expectFailure(runCli: Runner, profile: string, env: Record<string, string>, message: string, secrets: string[]) {
  const plain = await runCli(["--profile", profile, "get"], { env, stdin: REQUEST });
  expectError(plain, message);
  expectNoSecrets(plain, secrets);
  const debug = await runCli(["--profile", profile, "--debug", "get"], { env, stdin: REQUEST });
  expect(debug.code).toBe(1);
  expect(debug.stdout).toBe("");
  expect(debug.stderr).toEndWith(`\ngit-credential-codecommit: ${message}\n`);
  expectNoSecrets(debug, secrets);
}

function expectRoleCache(home: string, key: string, sso: FakeSso, index = 0) {
  const file = roleCacheFile(home, key);
  if (!lacks("posix-modes")) expect(statSync(file).mode & 0o777).toBe(0o600);
  const creds = sso.issued[index]!;
  expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
    ProviderType: "sso",
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
      AccountId: "123456789012",
    },
  });
}

describe.each(RUNNERS)("sso (%s)", (_kind, runCli) => {
  const profiles: Array<[string, string, string, string, string]> = [
    ["legacy sso_start_url", "legacy", LEGACY_URL, LEGACY_TOKEN_KEY, LEGACY_ROLE_KEY],
    ["sso-session", "dev", SESSION_URL, SESSION_TOKEN_KEY, SESSION_ROLE_KEY],
  ];

  test.each(profiles)("%s: GetRoleCredentials with the login token, cached as CLI v2 caches it; the second get makes no call", async (_name, profile, url, tokenKey, roleKey) => {
    const sso = fakeSso();
    const home = tempHome({ config: CONFIG });
    const token = loginToken(sso, url, inMinutes(8 * 60));
    writeJson(join(ssoCache(home), `${tokenKey}.json`), token);
    const env = ssoEnv(home, sso);

    const r = await runCli(["--profile", profile, "--debug", "get"], { env, stdin: REQUEST });
    expect(sso.portalRequests.length).toBe(1);
    expectRoleRequest(sso, 0, token.accessToken);
    expect(sso.oidcRequests).toEqual([]);
    expectGetAnswer(r, sso.issued[0]!);
    expectNoSecrets(r, ssoSecrets(sso, token));
    expectRoleCache(home, roleKey, sso);
    expect(readdirSync(join(home, ".aws", "cli", "cache"))).toEqual([`${roleKey}.json`]);

    const again = await runCli(["--profile", profile, "--debug", "get"], { env, stdin: REQUEST });
    expect(sso.portalRequests.length).toBe(1);
    expectGetAnswer(again, sso.issued[0]!);
    expectNoSecrets(again, ssoSecrets(sso, token));
  });

  test.each(profiles)("%s: cached role credentials are used even when the token has expired (CLI v2)", async (_name, profile, url, tokenKey, roleKey) => {
    const sso = fakeSso();
    const home = tempHome({ config: CONFIG });
    const token = loginToken(sso, url, inMinutes(-60));
    writeJson(join(ssoCache(home), `${tokenKey}.json`), token);
    const cached = { accessKeyId: "ASIASSOCACHEDEXAMPLE", secretAccessKey: secret("cachedSecret"), sessionToken: secret("cachedSession"), expiration: inMinutes(45) };
    writeJson(roleCacheFile(home, roleKey), {
      ProviderType: "sso",
      Credentials: {
        AccessKeyId: cached.accessKeyId,
        SecretAccessKey: cached.secretAccessKey,
        SessionToken: cached.sessionToken,
        Expiration: isoSeconds(cached.expiration),
        AccountId: "123456789012",
      },
    });
    const r = await runCli(["--profile", profile, "--debug", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
    expect(sso.portalRequests).toEqual([]);
    expect(sso.oidcRequests).toEqual([]);
    expectGetAnswer(r, cached);
    expectNoSecrets(r, [cached.secretAccessKey, cached.sessionToken, ...ssoSecrets(sso, token)]);
  });

  test("role credentials with less than 15 minutes left: asked for once more, then used with a warning", async () => {
    const sso = fakeSso();
    const expiration = new Date(Math.floor(inMinutes(12).getTime() / 1000) * 1000 - 30_000);
    sso.behaviour.expiration = expiration;
    const token = loginToken(sso, SESSION_URL, inMinutes(60));
    const { home } = homeWithToken(token);
    const r = await runCli(["--profile", "dev", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
    expect(sso.portalRequests.length).toBe(2);
    expectRoleRequest(sso, 1, token.accessToken);
    expectGetAnswer(r, sso.issued[1]!);
    expect(r.stdout).toContain(`\npassword_expiry_utc=${expiration.getTime() / 1000}\n`);
    expect(r.stderr).toBe(
      `git-credential-codecommit: warning: the credentials from sso expire in 12 minutes (${expiration.toISOString()}); renew them soon\n`,
    );
    expectRoleCache(home, SESSION_ROLE_KEY, sso, 1);
  });

  test("a start URL ending in #/ is kept whole: it names the token file and the role cache entry", async () => {
    const sso = fakeSso();
    const url = "https://d-9067000000.awsapps.com/start/#/";
    const home = tempHome({ config: `[profile hash]\nsso_start_url = ${url}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n` });
    const token = loginToken(sso, url, inMinutes(60));
    writeJson(join(ssoCache(home), `${createHash("sha1").update(url).digest("hex")}.json`), token);
    const r = await runCli(["--profile", "hash", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
    expectRoleRequest(sso, 0, token.accessToken);
    expectGetAnswer(r, sso.issued[0]!);
    const key = createHash("sha1").update(`{"accountId":"123456789012","roleName":"Admin","startUrl":"${url}"}`).digest("hex");
    expectRoleCache(home, key, sso);
  });

  describe("configuration errors: the CLI's exact texts, and no call", () => {
    const cases: Array<[string, string, string, string]> = [
      [
        "a missing sso-session section",
        `[profile dev]\nsso_session = ghost\nsso_account_id = 123456789012\nsso_role_name = Admin\n`,
        "dev",
        'The specified sso-session does not exist: "ghost"',
      ],
      [
        "a value that differs between the profile and the sso-session",
        CONFIG.replace("sso_session = corp\n", "sso_session = corp\nsso_region = us-east-1\n"),
        "dev",
        "The value for sso_region is inconsistent between profile (us-east-1) and sso-session (eu-west-1).",
      ],
      [
        "missing keys in a legacy profile",
        `[profile partial]\nsso_account_id = 123456789012\nsso_role_name = Admin\n`,
        "partial",
        'The profile "partial" is configured to use SSO but is missing required configuration: sso_start_url, sso_region',
      ],
      [
        "missing keys after merging the sso-session",
        `[profile dev]\nsso_session = thin\nsso_role_name = Admin\n[sso-session thin]\nsso_region = eu-west-1\n`,
        "dev",
        'The profile "dev" is configured to use SSO but is missing required configuration: sso_start_url, sso_account_id',
      ],
    ];
    test.each(cases)("%s", async (_name, config, profile, message) => {
      const sso = fakeSso();
      const home = tempHome({ config });
      await expectFailure(runCli, profile, ssoEnv(home, sso), message, []);
      expect(sso.portalRequests).toEqual([]);
      expect(sso.oidcRequests).toEqual([]);
    });
  });

  describe("token errors", () => {
    test("no token file: the label the CLI uses, and the login command that fixes it", async () => {
      const sso = fakeSso();
      const home = tempHome({ config: CONFIG });
      const env = ssoEnv(home, sso);
      await expectFailure(runCli, "dev", env, "Error loading SSO Token: Token for corp does not exist. Run: git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)", []);
      await expectFailure(
        runCli,
        "legacy",
        env,
        `Error loading SSO Token: Token for ${LEGACY_URL} does not exist. Run: git-credential-codecommit login --profile legacy (or: aws sso login --profile legacy)`,
        [],
      );
      expect(sso.portalRequests).toEqual([]);
    });

    test("a token file without accessToken or expiresAt is invalid (named by its start URL, as botocore names it)", async () => {
      const sso = fakeSso();
      const home = tempHome({ config: CONFIG });
      const env = ssoEnv(home, sso);
      const leaked = secret("aoaHalf");
      writeJson(join(ssoCache(home), `${SESSION_TOKEN_KEY}.json`), { startUrl: SESSION_URL, region: "eu-west-1", accessToken: leaked });
      writeJson(join(ssoCache(home), `${LEGACY_TOKEN_KEY}.json`), { startUrl: LEGACY_URL, region: "us-east-1", expiresAt: isoSeconds(inMinutes(60)) });
      await expectFailure(runCli, "dev", env, `Error loading SSO Token: Token for ${SESSION_URL} is invalid. Run: git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)`, [leaked]);
      await expectFailure(runCli, "legacy", env, `Error loading SSO Token: Token for ${LEGACY_URL} is invalid. Run: git-credential-codecommit login --profile legacy (or: aws sso login --profile legacy)`, []);
      expect(sso.portalRequests).toEqual([]);
    });

    test("an expired legacy token is refused before any call", async () => {
      const sso = fakeSso();
      const home = tempHome({ config: CONFIG });
      const token = loginToken(sso, LEGACY_URL, inMinutes(-1));
      writeJson(join(ssoCache(home), `${LEGACY_TOKEN_KEY}.json`), token);
      await expectFailure(runCli, "legacy", ssoEnv(home, sso), `${UNAUTHORIZED} Run: git-credential-codecommit login --profile legacy (or: aws sso login --profile legacy)`, ssoSecrets(sso, token));
      expect(sso.portalRequests).toEqual([]);
    });

    test.each(profiles)("%s: 401 from the portal is the CLI's UNAUTHORIZED text plus the fix", async (_name, profile, url, tokenKey) => {
      const sso = fakeSso();
      const home = tempHome({ config: CONFIG });
      const token = loginToken(sso, url, inMinutes(60));
      sso.accessTokens.delete(token.accessToken); // revoked by the portal
      writeJson(join(ssoCache(home), `${tokenKey}.json`), token);
      const which = profile === "dev" ? "--sso-session corp" : "--profile legacy";
      const fix = `git-credential-codecommit login ${which} (or: aws sso login ${which})`;
      await expectFailure(runCli, profile, ssoEnv(home, sso), `${UNAUTHORIZED} Run: ${fix}`, ssoSecrets(sso, token));
      expect(sso.portalRequests.map((q) => [q.path, q.headers["x-amz-sso_bearer_token"], q.status])).toEqual([
        [ROLE_PATH, token.accessToken, 401],
        [ROLE_PATH, token.accessToken, 401],
      ]);
    });

    test("another portal error is reported as the CLI reports a service error", async () => {
      const sso = fakeSso();
      sso.behaviour.portalError = { status: 403, type: "ForbiddenException", message: "No access" };
      const token = loginToken(sso, SESSION_URL, inMinutes(60));
      const { home } = homeWithToken(token);
      await expectFailure(
        runCli,
        "dev",
        ssoEnv(home, sso),
        "An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access",
        ssoSecrets(sso, token),
      );
    });

    test("a portal answer that isn't JSON is one line with its status", async () => {
      const sso = fakeSso();
      sso.behaviour.portalRaw = { status: 502, body: "null" };
      const token = loginToken(sso, SESSION_URL, inMinutes(60));
      const { home } = homeWithToken(token);
      await expectFailure(runCli, "dev", ssoEnv(home, sso), "An error occurred (502) when calling the GetRoleCredentials operation: null", ssoSecrets(sso, token));
      sso.behaviour.portalRaw = { status: 503, body: "<html>\n<p>Service Unavailable</p>\n</html>\n" };
      await expectFailure(runCli, "dev", ssoEnv(home, sso), "An error occurred (503) when calling the GetRoleCredentials operation: </html>", ssoSecrets(sso, token));
    });

    test("an expired sso-session token that cannot be refreshed", async () => {
      const sso = fakeSso();
      const token = loginToken(sso, SESSION_URL, inMinutes(-5)); // no refresh token, no registration
      const { home } = homeWithToken(token);
      await expectFailure(
        runCli,
        "dev",
        ssoEnv(home, sso),
        "Error when retrieving token from sso: Token has expired and refresh failed. Run: git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)",
        ssoSecrets(sso, token),
      );
      expect(sso.oidcRequests).toEqual([]);
      expect(sso.portalRequests).toEqual([]);
    });
  });

  describe("refreshing an sso-session token", () => {
    /** The one CreateToken call: unsigned JSON with exactly the refresh grant's four fields. */
    function expectRefreshRequest(sso: FakeSso, token: TokenFile) {
      expect(sso.oidcRequests.length).toBe(1);
      const rec = sso.oidcRequests[0]!;
      expect(rec.method).toBe("POST");
      expect(rec.path).toBe("/token");
      expect(rec.headers["content-type"]).toBe("application/json");
      expect(Object.keys(rec.headers).filter((h) => h === "authorization" || h.startsWith("x-amz-"))).toEqual([]);
      expect(JSON.parse(rec.body)).toEqual({
        grantType: "refresh_token",
        clientId: token.clientId,
        clientSecret: token.clientSecret,
        refreshToken: token.refreshToken,
      });
    }

    test("less than 15 minutes left: one CreateToken, the token file rewritten in the CLI's format, the new token used", async () => {
      const sso = fakeSso();
      const token = loginToken(sso, SESSION_URL, inMinutes(10), true);
      const { home, file } = homeWithToken(token);
      const before = Math.floor(Date.now() / 1000);
      const r = await runCli(["--profile", "dev", "--debug", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      const after = Math.ceil(Date.now() / 1000);
      expectRefreshRequest(sso, token);
      const grant = sso.refreshed[0]!;
      expectRoleRequest(sso, 0, grant.accessToken);
      expectGetAnswer(r, sso.issued[0]!);
      expectNoSecrets(r, ssoSecrets(sso, token));

      if (!lacks("posix-modes")) expect(statSync(file).mode & 0o777).toBe(0o600);
      const written = JSON.parse(readFileSync(file, "utf8"));
      expect(Object.keys(written)).toEqual([
        "startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken",
      ]);
      expect(written).toEqual({ ...token, accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: written.expiresAt });
      expect(written.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const expires = Date.parse(written.expiresAt) / 1000;
      expect(expires).toBeGreaterThanOrEqual(before + 28800 - 1);
      expect(expires).toBeLessThanOrEqual(after + 28800);
      // Written atomically: no temporary file and no lock left behind.
      expect(readdirSync(ssoCache(home))).toEqual([`${SESSION_TOKEN_KEY}.json`]);
    });

    test("a refresh that returns no refresh token drops the old one, as botocore does", async () => {
      const sso = fakeSso();
      sso.behaviour.rotateRefreshToken = false;
      const token = loginToken(sso, SESSION_URL, inMinutes(3), true);
      const { home, file } = homeWithToken(token);
      const r = await runCli(["--profile", "dev", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expectRefreshRequest(sso, token);
      expectGetAnswer(r, sso.issued[0]!);
      const written = JSON.parse(readFileSync(file, "utf8"));
      expect(Object.keys(written)).toEqual(["startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt"]);
      expect(written.accessToken).toBe(sso.refreshed[0]!.accessToken);
    });

    test("a refresh answer that isn't a token (not JSON) keeps a token that is still valid, and quotes nothing", async () => {
      const sso = fakeSso();
      sso.behaviour.refreshRaw = "eyJsecretish-not-json";
      const token = loginToken(sso, SESSION_URL, inMinutes(10), true);
      const { home } = homeWithToken(token);
      const r = await runCli(["--profile", "dev", "--debug", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expectRefreshRequest(sso, token);
      expectRoleRequest(sso, 0, token.accessToken);
      expectGetAnswer(r, sso.issued[0]!);
      expect(r.stderr).not.toContain("eyJsecretish");
    });

    test("a refresh answer whose token holds a line break keeps the old token, and writes nothing", async () => {
      const sso = fakeSso();
      sso.behaviour.refreshRaw = JSON.stringify({ accessToken: "aoaNew\r\nx-evil: 1", expiresIn: 3600, tokenType: "Bearer" });
      const token = loginToken(sso, SESSION_URL, inMinutes(10), true);
      const { home, file } = homeWithToken(token);
      const original = readFileSync(file, "utf8");
      const r = await runCli(["--profile", "dev", "--debug", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expectRefreshRequest(sso, token);
      expectRoleRequest(sso, 0, token.accessToken);
      expectGetAnswer(r, sso.issued[0]!);
      expect(r.stderr).toContain("[debug] sso: the refresh answer holds a line break or NUL byte; keeping the old token\n");
      expect(readFileSync(file, "utf8")).toBe(original);
    });

    test("a refused refresh keeps a token that is still valid", async () => {
      const sso = fakeSso();
      sso.behaviour.refuseRefresh = true;
      const token = loginToken(sso, SESSION_URL, inMinutes(10), true);
      const { home, file } = homeWithToken(token);
      const original = readFileSync(file, "utf8");
      const r = await runCli(["--profile", "dev", "--debug", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expectRefreshRequest(sso, token);
      expect(sso.oidcRequests[0]!.status).toBe(400);
      expectRoleRequest(sso, 0, token.accessToken);
      expectGetAnswer(r, sso.issued[0]!);
      expectNoSecrets(r, ssoSecrets(sso, token));
      expect(readFileSync(file, "utf8")).toBe(original);
    });

    test("a refused refresh of an expired token is the CLI's error", async () => {
      const sso = fakeSso();
      sso.behaviour.refuseRefresh = true;
      const token = loginToken(sso, SESSION_URL, inMinutes(-1), true);
      const { home } = homeWithToken(token);
      const r = await runCli(["--profile", "dev", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expectError(r, "Error when retrieving token from sso: Token has expired and refresh failed. Run: git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)");
      expectNoSecrets(r, ssoSecrets(sso, token));
      expectRefreshRequest(sso, token);
      expect(sso.portalRequests).toEqual([]);
    });

    test("an expired registration means no refresh attempt", async () => {
      const sso = fakeSso();
      const token = { ...loginToken(sso, SESSION_URL, inMinutes(10), true), registrationExpiresAt: isoSeconds(inMinutes(-1)) };
      const { home } = homeWithToken(token);
      const r = await runCli(["--profile", "dev", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expect(sso.oidcRequests).toEqual([]);
      expectRoleRequest(sso, 0, token.accessToken);
      expectGetAnswer(r, sso.issued[0]!);
    });

    test("a legacy token is never refreshed", async () => {
      const sso = fakeSso();
      const home = tempHome({ config: CONFIG });
      const token = loginToken(sso, LEGACY_URL, inMinutes(10), true);
      writeJson(join(ssoCache(home), `${LEGACY_TOKEN_KEY}.json`), token);
      const r = await runCli(["--profile", "legacy", "get"], { env: ssoEnv(home, sso), stdin: REQUEST });
      expect(sso.oidcRequests).toEqual([]);
      expectRoleRequest(sso, 0, token.accessToken);
      expectGetAnswer(r, sso.issued[0]!);
    });
  });
});

test("10 concurrent helpers with a token that needs refreshing: exactly one refresh, all succeed", async () => {
  const sso = fakeSso();
  // A slow refresh keeps the window in which a helper without the lock would refresh too wide open.
  sso.behaviour.refreshDelayMs = 300;
  const token = loginToken(sso, SESSION_URL, inMinutes(5), true);
  const { home } = homeWithToken(token);
  const env = ssoEnv(home, sso);
  const results: RunResult[] = await Promise.all(
    Array.from({ length: 10 }, () => runBinary(["--profile", "dev", "get"], { env, stdin: REQUEST })),
  );
  expect(sso.oidcRequests.length).toBe(1);
  expect(sso.oidcRequests[0]!.status).toBe(200);
  const fresh = sso.refreshed[0]!.accessToken;
  expect(sso.portalRequests.every((q) => q.headers["x-amz-sso_bearer_token"] === fresh)).toBe(true);
  for (const r of results) {
    const used = sso.issued.find((c) => r.stdout.startsWith(`username=${c.accessKeyId}%`));
    expect(used).toBeDefined();
    expectGetAnswer(r, used!);
    expectNoSecrets(r, ssoSecrets(sso, token));
  }
  expect(readdirSync(ssoCache(home))).toEqual([`${SESSION_TOKEN_KEY}.json`]);
});
