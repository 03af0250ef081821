// `login`: IAM Identity Center sign-in against the fake OIDC service and portal
// (AWS_ENDPOINT_URL_SSO_OIDC / _SSO), with a stand-in browser ($BROWSER) that
// follows the URL as a person would. The PKCE flow, the device code flow, the
// CLI's exact cache files, the loopback listener's rules, the locks, and the
// bad paths: a forged state, an error callback, a failing browser, Ctrl-C.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS, runSource, type RunResult } from "../support/cli.ts";
import { startFakeSso, type FakeSso } from "../support/fake-sso.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { startInteractive } from "../support/interactive.ts";
import { expectGetAnswer, REQUEST, stopAfterTest } from "../aws/helpers.ts";

const SESSION_URL = "https://corp.awsapps.com/start";
const LEGACY_URL = "https://legacy.awsapps.com/start";
const CONFIG =
  `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-west-2\n\n` +
  `[sso-session corp]\nsso_start_url = ${SESSION_URL}\nsso_region = eu-west-1\n\n` +
  `[sso-session scoped]\nsso_start_url = ${SESSION_URL}\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access, codecommit:read\n\n` +
  `[profile legacy]\nsso_start_url = ${LEGACY_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n` +
  `[profile plain]\nregion = us-east-1\n`;

const PYTHON = Bun.which("python3")!;
const BROWSER = `${PYTHON} ${join(import.meta.dir, "..", "support", "browser.py")}`;
const ssoCache = (home: string) => join(home, ".aws", "sso", "cache");

/** Python's own answers for the CLI's cache file names and bytes: the oracle, not our code. */
function python(code: string, input: unknown): string {
  const p = Bun.spawnSync([PYTHON, "-c", `import hashlib, json, sys\nv = json.load(sys.stdin)\n${code}`], {
    stdin: new TextEncoder().encode(JSON.stringify(input)),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  return p.stdout.toString();
}
const registrationName = (key: Record<string, unknown>) =>
  python(`print(hashlib.sha1(json.dumps(v, sort_keys=True).encode()).hexdigest() + ".json", end="")`, { tool: "botocore", ...key });
const tokenName = (name: string) => python(`print(hashlib.sha1(v.encode()).hexdigest() + ".json", end="")`, name);
/** json.dumps(obj) of the CLI's JSONFileCache, keys in the order given. */
const cliBytes = (value: Record<string, unknown>) => python(`print(json.dumps(v), end="")`, value);

interface Setup {
  home: string;
  sso: FakeSso;
  env: Record<string, string>;
  browserLog: string;
}

function setup(extra: Record<string, string> = {}): Setup {
  const sso = stopAfterTest(startFakeSso());
  const home = tempHome({ config: CONFIG });
  const browserLog = join(tempDir(), "browser.log");
  const env = {
    ...baseEnv(home),
    AWS_ENDPOINT_URL_SSO: sso.portalUrl,
    AWS_ENDPOINT_URL_SSO_OIDC: sso.oidcUrl,
    BROWSER,
    FAKE_BROWSER_LOG: browserLog,
    ...extra,
  };
  return { home, sso, env, browserLog };
}

const browserLines = (s: Setup) => (existsSync(s.browserLog) ? readFileSync(s.browserLog, "utf8").trim().split("\n") : []);

/** The stand-in browser logs after its page arrives, which can be after login has finished: poll for it. */
async function expectBrowser(s: Setup, expected: string[]) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && browserLines(s).length < expected.length) await Bun.sleep(20);
  expect(browserLines(s)).toEqual(expected);
}

/** Every secret of every sign-in: none may appear in any output. */
function secretsOf(sso: FakeSso): string[] {
  const codes = sso.oidcRequests.flatMap((q) => {
    const body = q.method === "POST" ? JSON.parse(q.body) : {};
    return [body.code, body.codeVerifier, body.clientSecret, body.deviceCode].filter((v): v is string => typeof v === "string");
  });
  return [...codes, ...sso.registered.map((r) => r.clientSecret), ...sso.signIns.flatMap((t) => [t.accessToken, t.refreshToken!])];
}

function expectNoSecretsIn(r: RunResult, sso: FakeSso) {
  for (const s of secretsOf(sso)) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
  expect(r.stderr).not.toMatch(/^\s+at |\.ts:\d+/m);
}

const VALID_UNTIL = /^Successfully logged into Start URL: (\S+) \(the session is valid until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)\n$/;

async function portClosed(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/oauth/callback`, { signal: AbortSignal.timeout(5000) });
    return false;
  } catch {
    return true;
  }
}

describe.each(RUNNERS)("login (%s)", (_kind, runCli) => {
  test("PKCE for an sso-session profile: the CLI's requests, its exact cache files, and a get that only calls GetRoleCredentials", async () => {
    const s = setup();
    const before = Date.now();
    const r = await runCli(["login", "--profile", "dev", "--debug"], { env: s.env });
    expect(s.sso.rejections).toEqual([]);
    expect(r.code).toBe(0);
    const m = VALID_UNTIL.exec(r.stdout);
    expect(m?.[1]).toBe(SESSION_URL);
    expectNoSecretsIn(r, s.sso);

    // RegisterClient exactly as SSOTokenFetcherAuth sends it.
    expect(s.sso.registered.length).toBe(1);
    const reg = s.sso.registered[0]!;
    expect(reg.request).toEqual({
      clientName: "botocore-client-corp",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: SESSION_URL,
      scopes: ["sso:account:access"],
    });
    // The authorize URL: the CLI's parameters, in its order, with its encoding.
    const authorize = s.sso.oidcRequests.find((q) => q.path.startsWith("/authorize"))!;
    const am = /^\/authorize\?response_type=code&client_id=([^&]+)&redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A(\d+)%2Foauth%2Fcallback&state=([0-9a-f-]{36})&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=([A-Za-z0-9_-]{43})$/.exec(authorize.path);
    expect(am).not.toBeNull();
    expect(am![1]).toBe(reg.clientId);
    expect(am![3]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.stderr).toContain(`\n${s.sso.oidcUrl}${authorize.path}\n`);
    // The code exchange: same port-qualified redirect URI, a verifier the fake checked against the challenge.
    const exchange = JSON.parse(s.sso.oidcRequests.find((q) => q.path === "/token")!.body);
    expect(Object.keys(exchange)).toEqual(["grantType", "clientId", "clientSecret", "redirectUri", "codeVerifier", "code"]);
    expect(exchange.redirectUri).toBe(`http://127.0.0.1:${am![2]}/oauth/callback`);
    expect(exchange.codeVerifier).toMatch(/^[A-Za-z0-9._~-]{64}$/);
    await expectBrowser(s, ["opened", "followed 200"]);
    expect(await portClosed(Number(am![2]))).toBe(true);

    // The token file and the registration file: names and bytes as AWS CLI v2 writes them.
    const issued = s.sso.signIns[0]!;
    const tokenFile = join(ssoCache(s.home), tokenName("corp"));
    const token = JSON.parse(readFileSync(tokenFile, "utf8"));
    const expiresAt = Date.parse(token.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 28800_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 28800_000);
    expect(m?.[2]).toBe(token.expiresAt);
    const regFile = join(ssoCache(s.home), registrationName({ startUrl: SESSION_URL, region: "eu-west-1", scopes: null, session_name: "corp" }));
    const registration = JSON.parse(readFileSync(regFile, "utf8"));
    expect(readFileSync(tokenFile, "utf8")).toBe(
      cliBytes({
        startUrl: SESSION_URL,
        region: "eu-west-1",
        accessToken: issued.accessToken,
        expiresAt: token.expiresAt,
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        registrationExpiresAt: registration.expiresAt,
        refreshToken: issued.refreshToken,
      }),
    );
    expect(readFileSync(regFile, "utf8")).toBe(
      cliBytes({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        expiresAt: registration.expiresAt,
        scopes: ["sso:account:access"],
        grantTypes: ["authorization_code", "refresh_token"],
      }),
    );
    expect(Date.parse(registration.expiresAt)).toBeGreaterThan(Date.now() + 89 * 86400_000);
    for (const f of [tokenFile, regFile]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(ssoCache(s.home)).sort()).toEqual([tokenName("corp"), registrationName({ startUrl: SESSION_URL, region: "eu-west-1", scopes: null, session_name: "corp" })].sort());

    // A get right after: no OIDC call, one GetRoleCredentials.
    const oidcCalls = s.sso.oidcRequests.length;
    const got = await runCli(["--profile", "dev", "get"], { env: s.env, stdin: REQUEST });
    expectGetAnswer(got, s.sso.issued[0]!);
    expect(s.sso.oidcRequests.length).toBe(oidcCalls);
    expect(s.sso.portalRequests.map((q) => [q.method, q.path.split("?")[0], q.headers["x-amz-sso_bearer_token"]])).toEqual([
      ["GET", "/federation/credentials", issued.accessToken],
    ]);
  });

  test("configured scopes go into the registration, its cache key and the authorize URL; a second login reuses the registration", async () => {
    const s = setup();
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["login", "--sso-session", "scoped"], { env: s.env });
      expect(r.code).toBe(0);
    }
    expect(s.sso.registered.length).toBe(1);
    expect(s.sso.registered[0]!.request.scopes).toEqual(["sso:account:access", "codecommit:read"]);
    expect(s.sso.oidcRequests.filter((q) => q.path.startsWith("/authorize")).map((q) => /&scopes=([^&]+)&/.exec(q.path)?.[1])).toEqual([
      "sso%3Aaccount%3Aaccess%20codecommit%3Aread",
      "sso%3Aaccount%3Aaccess%20codecommit%3Aread",
    ]);
    const key = { startUrl: SESSION_URL, region: "eu-west-1", scopes: ["sso:account:access", "codecommit:read"], session_name: "scoped" };
    expect(existsSync(join(ssoCache(s.home), registrationName(key)))).toBe(true);
    expect(s.sso.signIns.length).toBe(2);
    const token = JSON.parse(readFileSync(join(ssoCache(s.home), tokenName("scoped")), "utf8"));
    expect(token.accessToken).toBe(s.sso.signIns[1]!.accessToken);
    // The device flow sends the configured scopes too (and none when none are configured, as the legacy test shows).
    expect((await runCli(["login", "--sso-session", "scoped", "--use-device-code"], { env: s.env })).code).toBe(0);
    expect(s.sso.registered[1]!.request).toEqual({ clientName: "botocore-client-scoped", clientType: "public", scopes: ["sso:account:access", "codecommit:read"] });
    const registration = JSON.parse(readFileSync(join(ssoCache(s.home), registrationName(key)), "utf8"));
    expect(Object.keys(registration)).toEqual(["clientId", "clientSecret", "expiresAt", "scopes"]);
  });

  test("device code for a legacy profile: pending, then approved in the browser; the CLI's files", async () => {
    const s = setup();
    s.sso.behaviour.deviceScript = ["pending"];
    const started = Math.floor(Date.now() / 1000);
    const r = await runCli(["login", "--profile", "legacy", "--debug"], { env: s.env });
    expect(s.sso.rejections).toEqual([]);
    expect(r.code).toBe(0);
    expect(VALID_UNTIL.exec(r.stdout)?.[1]).toBe(LEGACY_URL);
    expectNoSecretsIn(r, s.sso);
    const reg = s.sso.registered[0]!;
    expect(Object.keys(reg.request)).toEqual(["clientName", "clientType"]);
    const clientTime = Number(/^botocore-client-(\d+)$/.exec(reg.request.clientName as string)?.[1]);
    expect(clientTime).toBeGreaterThanOrEqual(started);
    expect(clientTime).toBeLessThanOrEqual(Date.now() / 1000);
    expect(JSON.parse(s.sso.oidcRequests.find((q) => q.path === "/device_authorization")!.body)).toEqual({
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      startUrl: LEGACY_URL,
    });
    expect(r.stderr).toContain(`\n${s.sso.oidcUrl}/device\n`);
    expect(r.stderr).toMatch(/\n[0-9A-F]{4}-[0-9A-F]{4}\n/);
    await expectBrowser(s, ["opened", "followed 200"]);
    const tokenFile = join(ssoCache(s.home), tokenName(LEGACY_URL));
    const token = JSON.parse(readFileSync(tokenFile, "utf8"));
    const regFile = join(ssoCache(s.home), registrationName({ startUrl: LEGACY_URL, region: "us-east-1", scopes: null, session_name: null }));
    const registration = JSON.parse(readFileSync(regFile, "utf8"));
    expect(readFileSync(regFile, "utf8")).toBe(cliBytes({ clientId: reg.clientId, clientSecret: reg.clientSecret, expiresAt: registration.expiresAt }));
    expect(readFileSync(tokenFile, "utf8")).toBe(
      cliBytes({
        startUrl: LEGACY_URL,
        region: "us-east-1",
        accessToken: s.sso.signIns[0]!.accessToken,
        expiresAt: token.expiresAt,
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        registrationExpiresAt: registration.expiresAt,
        refreshToken: s.sso.signIns[0]!.refreshToken,
      }),
    );
    const got = await runCli(["--profile", "legacy", "get"], { env: s.env, stdin: REQUEST });
    expectGetAnswer(got, s.sso.issued[0]!);
  });

  test("--use-device-code on an sso-session profile registers a device client beside the PKCE one's file, and PKCE then registers again", async () => {
    const s = setup();
    expect((await runCli(["login", "--profile", "dev"], { env: s.env })).code).toBe(0);
    expect((await runCli(["login", "--profile", "dev", "--use-device-code"], { env: s.env })).code).toBe(0);
    expect((await runCli(["login", "--profile", "dev", "--use-device-code"], { env: s.env })).code).toBe(0);
    expect((await runCli(["login", "--profile", "dev"], { env: s.env })).code).toBe(0);
    expect(s.sso.registered.map((r) => [r.request.clientName, r.request.grantTypes ?? null])).toEqual([
      ["botocore-client-corp", ["authorization_code", "refresh_token"]],
      ["botocore-client-corp", null],
      ["botocore-client-corp", ["authorization_code", "refresh_token"]],
    ]);
    expect(s.sso.signIns.map((t) => t.grant)).toEqual(["authorization_code", "device_code", "device_code", "authorization_code"]);
  });

  test("a callback with another state ends the login: no code exchange, no token", async () => {
    const s = setup();
    s.sso.behaviour.authorizeState = "0b5c6a2e-4a53-4a3e-9e0b-1f7ad1c1c0de";
    const r = await runCli(["login", "--profile", "dev"], { env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toEndWith(
      "git-credential-codecommit: the sign-in callback carried a state that is not this login's (an old or forged link?); nothing was saved. Run login again\n",
    );
    expect(s.sso.oidcRequests.filter((q) => q.path === "/token")).toEqual([]);
    expect(existsSync(join(ssoCache(s.home), tokenName("corp")))).toBe(false);
    await expectBrowser(s, ["opened", "followed 400"]);
  });

  test("a callback with error= ends the login and names the error", async () => {
    const s = setup();
    s.sso.behaviour.authorizeError = "access_denied";
    const r = await runCli(["login", "--profile", "dev"], { env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toEndWith("git-credential-codecommit: the sign-in failed: access_denied (The user denied the request); nothing was saved\n");
    expect(existsSync(join(ssoCache(s.home), tokenName("corp")))).toBe(false);
  });

  test("the listener answers 404 on any other path, and the login still completes", async () => {
    const s = setup({ FAKE_BROWSER_PROBE: "1" });
    const r = await runCli(["login", "--profile", "dev"], { env: s.env });
    expect(r.code).toBe(0);
    await expectBrowser(s, ["opened", "probe /other 404", "probe / 404", "followed 200"]);
  });

  test("device flow: denied and expired each end with their own line, nothing written", async () => {
    for (const [answer, line] of [
      ["denied", "the sign-in was denied in the browser; nothing was saved"],
      ["expired", "the device code expired before the sign-in was approved; nothing was saved. Run login again"],
    ] as const) {
      const s = setup({ BROWSER: "" });
      s.sso.behaviour.deviceScript = ["pending", answer];
      const r = await runCli(["login", "--profile", "legacy", "--no-browser"], { env: s.env });
      expect(r.code).toBe(1);
      expect(r.stderr).toEndWith(`git-credential-codecommit: ${line}\n`);
      expect(existsSync(join(ssoCache(s.home), tokenName(LEGACY_URL)))).toBe(false);
    }
  });

  test("device flow: slow_down adds 5 seconds to the interval and says so", async () => {
    const s = setup();
    s.sso.behaviour.deviceScript = ["slow_down"];
    const r = await runCli(["login", "--profile", "legacy"], { env: s.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("git-credential-codecommit: the sign-in service asked us to slow down; asking every 6 seconds\n");
    const polls = s.sso.oidcRequests.filter((q) => q.path === "/token").length;
    expect(polls).toBe(2);
  }, 30_000);

  test("a profile without IAM Identity Center settings: which keys are missing", async () => {
    const s = setup();
    const r = await runCli(["login", "--profile", "plain"], { env: s.env });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr:
        `git-credential-codecommit: Missing the following required SSO configuration values: sso_start_url, sso_region. ` +
        `Add them to profile "plain" in ${s.home}/.aws/config, or give the profile an sso_session.\n`,
    });
    const none = await runCli(["login", "--sso-session", "nope"], { env: s.env });
    expect(none.stderr).toBe('git-credential-codecommit: The specified sso-session does not exist: "nope"\n');
    const both = await runCli(["login", "--profile", "dev", "--sso-session", "corp"], { env: s.env });
    expect(both.code).toBe(2);
    expect(both.stderr).toStartWith("git-credential-codecommit: choose one of --profile and --sso-session\n");
    const wrong = await runCli(["get", "--no-browser"], { env: s.env, stdin: REQUEST });
    expect(wrong.stderr).toStartWith("git-credential-codecommit: --no-browser does not apply to get\n");
  });

  test("get and url without a token name our login first, the AWS CLI's as the equivalent", async () => {
    const s = setup();
    const fix = {
      dev: "Error loading SSO Token: Token for corp does not exist. Run: git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)",
      legacy: `Error loading SSO Token: Token for ${LEGACY_URL} does not exist. Run: git-credential-codecommit login --profile legacy (or: aws sso login --profile legacy)`,
    };
    for (const [profile, message] of Object.entries(fix)) {
      const got = await runCli(["--profile", profile, "get"], { env: s.env, stdin: REQUEST });
      expect(got).toEqual({ code: 1, stdout: "", stderr: `git-credential-codecommit: ${message}\n` });
      const url = await runCli(["url", "--profile", profile, "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/demo"], { env: s.env });
      expect(url).toEqual({ code: 1, stdout: "", stderr: `git-credential-codecommit: ${message}\n` });
    }
  });

  test("a failing browser command: the next $BROWSER entry is tried, and the printed URL is enough", async () => {
    const s = setup({ BROWSER: `/bin/false:${BROWSER}` });
    const r = await runCli(["login", "--profile", "dev"], { env: s.env });
    expect(r.code).toBe(0);
    await expectBrowser(s, ["opened", "followed 200"]);
  });
});

describe.each([["source"], ["binary"]] as const)("login, watched mid-run (%s)", (kind) => {
  test("no browser opens (--no-browser, or a failing one): the printed URL, followed by hand, completes the login", async () => {
    for (const [flags, browser] of [[["--no-browser"], BROWSER], [[], "/bin/false"]] as const) {
      const s = setup({ BROWSER: browser });
      const login = startInteractive(kind, ["login", "--profile", "dev", ...flags], s.env);
      const url = await login.line(/^http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
      if (flags.length === 0) await login.line(/could not open a browser; open the URL above yourself/);
      const res = await fetch(url); // the fake's 302 leads to our listener
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("You can close this window");
      const r = await login.result;
      expect(r.code).toBe(0);
      await expectBrowser(s, []);
      expect(existsSync(join(ssoCache(s.home), tokenName("corp")))).toBe(true);
    }
  });

  test("two logins at once: the second waits for the first, saying why; get is not blocked meanwhile", async () => {
    const s = setup();
    const gate = join(tempDir(), "gate");
    const env = { ...s.env, FAKE_BROWSER_WAIT_FOR: gate };
    const first = startInteractive(kind, ["login", "--profile", "dev"], env);
    await first.line(/^http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
    const second = startInteractive(kind, ["login", "--sso-session", "corp"], env);
    await second.line(/waiting for process \d+, which is waiting for a sign-in in the browser/);
    // The first login is waiting for the browser: `get` with a token that needs a refresh is not held up.
    const tokenFile = join(ssoCache(s.home), tokenName("corp"));
    const old = { accessToken: "aoaOld", refreshToken: "aorOld" };
    s.sso.accessTokens.add(old.accessToken);
    s.sso.refreshTokens.add(old.refreshToken);
    s.sso.clients.set("client-old", "secret-old");
    writeFileSync(tokenFile, JSON.stringify({
      startUrl: SESSION_URL, region: "eu-west-1", accessToken: old.accessToken, expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      clientId: "client-old", clientSecret: "secret-old", registrationExpiresAt: new Date(Date.now() + 86400_000).toISOString(), refreshToken: old.refreshToken,
    }));
    const started = Date.now();
    const got = await runSource(["--profile", "dev", "get"], { env: s.env, stdin: REQUEST });
    expect(got.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s.sso.refreshed.length).toBe(1);
    writeFileSync(gate, "");
    const [a, b] = await Promise.all([first.result, second.result]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(s.sso.signIns.length).toBe(2);
    const token = JSON.parse(readFileSync(tokenFile, "utf8"));
    expect(token.accessToken).toBe(s.sso.signIns[1]!.accessToken);
  }, 60_000);
});

test("Ctrl-C while waiting for the browser: exit 130, no token, no lock, no temporary file, no listener", async () => {
  const s = setup();
  const login = startInteractive("binary", ["login", "--profile", "dev", "--no-browser"], s.env);
  const url = await login.line(/^http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
  const port = Number(/redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A(\d+)/.exec(url)![1]);
  expect(await portClosed(port)).toBe(false);
  process.kill(login.pid!, "SIGINT");
  const r = await login.result;
  expect(r.code).toBe(130);
  expect(readdirSync(ssoCache(s.home))).toEqual([registrationName({ startUrl: SESSION_URL, region: "eu-west-1", scopes: null, session_name: "corp" })]);
  expect(await portClosed(port)).toBe(true);
});
