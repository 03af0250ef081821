// login_session profiles (`aws login`): the credentials the CLI keeps in
// ~/.aws/login/cache/<sha256(session)>.json or AWS_LOGIN_CACHE_DIRECTORY, used
// while more than 5 minutes remain, then refreshed against the fake Sign-In
// service (which verifies every DPoP proof) and written back as botocore does.
import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { LOGIN_CLIENT_ID, newLoginKey, startFakeSignin, type FakeSignin, type LoginKey } from "../support/fake-signin.ts";
import { tempHome } from "../support/home.ts";
import { fakeCredentials, isoSeconds, type FakeCredentials } from "../support/recording-server.ts";
import { expectError, expectGetAnswer, expectNoSecrets, REQUEST, stopAfterTest } from "./helpers.ts";

const SESSION = "arn:aws:iam::123456789012:user/alice";
const CONFIG = `[profile console]\nlogin_session = ${SESSION}\nregion = us-east-1\n`;
const FILE_NAME = `${createHash("sha256").update(SESSION).digest("hex")}.json`;
const ID_TOKEN = `eyJhbGciOiJFUzI1NiJ9.${randomBytes(24).toString("base64url")}`;

interface Login {
  key: LoginKey;
  refreshToken: string;
}

/** A sign-in as `aws login` leaves it: a key, and a refresh token bound to it (by the fake, when there is one). */
function newLogin(signin?: FakeSignin): Login {
  const key = newLoginKey();
  return { key, refreshToken: signin ? signin.grant(key) : `loginRefresh.${randomBytes(24).toString("base64url")}` };
}

const cacheDir = (home: string) => join(home, ".aws", "login", "cache");

/** A cache entry as `aws login` writes it. */
function writeLoginCache(dir: string, creds: FakeCredentials, login: Login, omit: string[] = []) {
  mkdirSync(dir, { recursive: true });
  const entry: Record<string, unknown> = {
    accessToken: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      accountId: "123456789012",
      expiresAt: isoSeconds(creds.expiration),
    },
    tokenType: "aws_sigv4",
    refreshToken: login.refreshToken,
    idToken: ID_TOKEN,
    clientId: LOGIN_CLIENT_ID,
    dpopKey: login.key.pem,
  };
  for (const k of omit) delete entry[k];
  writeFileSync(join(dir, FILE_NAME), JSON.stringify(entry));
}

const readCache = (home: string) => JSON.parse(readFileSync(join(cacheDir(home), FILE_NAME), "utf8"));

const secrets = (c: FakeCredentials, login: Login, signin?: FakeSignin) => [
  c.secretAccessKey,
  c.sessionToken,
  login.refreshToken,
  login.key.pem.split("\n")[1]!,
  ...(signin?.refreshes.flatMap((r) => [r.credentials.secretAccessKey, r.refreshToken]) ?? []),
];
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);
/** Whole seconds, as the cache keeps them. */
const inWholeMinutes = (m: number) => new Date(Math.floor(inMinutes(m).getTime() / 1000) * 1000);

function signinEnv(home: string, signin: FakeSignin): Record<string, string> {
  return { ...baseEnv(home), AWS_ENDPOINT_URL_SIGNIN: signin.url };
}

describe.each(RUNNERS)("login_session (%s)", (_kind, runCli) => {
  test("a valid entry in ~/.aws/login/cache is used", async () => {
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(50));
    const login = newLogin();
    writeLoginCache(cacheDir(home), creds, login);
    const r = await runCli(["--profile", "console", "--debug", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectGetAnswer(r, creds);
    expectNoSecrets(r, secrets(creds, login));
  });

  test("AWS_LOGIN_CACHE_DIRECTORY is honoured, with ~ and $VARS expanded", async () => {
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(50));
    writeLoginCache(join(home, "elsewhere", "login"), creds, newLogin());
    writeLoginCache(cacheDir(home), fakeCredentials("ASIANOTTHISONE", inMinutes(50)), newLogin());
    for (const dir of [join(home, "elsewhere", "login"), "~/elsewhere/login", "$HOME/elsewhere/login"]) {
      const r = await runCli(["--profile", "console", "get"], { env: { ...baseEnv(home), AWS_LOGIN_CACHE_DIRECTORY: dir }, stdin: REQUEST });
      expectGetAnswer(r, creds);
    }
  });

  test("more than 5 minutes left: used as they are, no refresh and no warning", async () => {
    const signin = stopAfterTest(startFakeSignin());
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(6));
    writeLoginCache(cacheDir(home), creds, newLogin(signin));
    const r = await runCli(["--profile", "console", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
    expectGetAnswer(r, creds);
    expect(r.stderr).toBe("");
    expect(signin.requests).toEqual([]);
  });

  test("less than 5 minutes left: refreshed with a DPoP proof and written back in botocore's format", async () => {
    const signin = stopAfterTest(startFakeSignin());
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(4));
    const login = newLogin(signin);
    writeLoginCache(cacheDir(home), creds, login);
    const before = readCache(home);
    const started = inWholeMinutes(0);
    const r = await runCli(["--profile", "console", "--debug", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
    expect(signin.rejections).toEqual([]);
    expect(signin.refreshes.length).toBe(1);
    const fresh = signin.refreshes[0]!;
    expectGetAnswer(r, fresh.credentials);
    expectNoSecrets(r, secrets(creds, login, signin));
    expect(signin.requests[0]!.headers["content-type"]).toBe("application/json");

    const after = readCache(home);
    const expiresAt = Date.parse(after.accessToken.expiresAt);
    expect(expiresAt - started.getTime()).toBeGreaterThanOrEqual(900_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(900_000);
    expect(after).toEqual({
      ...before,
      accessToken: {
        accessKeyId: fresh.credentials.accessKeyId,
        secretAccessKey: fresh.credentials.secretAccessKey,
        sessionToken: fresh.credentials.sessionToken,
        accountId: "123456789012",
        expiresAt: isoSeconds(new Date(expiresAt)),
      },
      refreshToken: fresh.refreshToken,
    });
    expect(statSync(join(cacheDir(home), FILE_NAME)).mode & 0o777).toBe(0o600);

    // The refreshed entry lasts: the next request makes no call.
    const again = await runCli(["--profile", "console", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
    expectGetAnswer(again, { ...fresh.credentials, expiration: new Date(expiresAt) });
    expect(signin.requests.length).toBe(1);
  });

  test("keeps working past the 15-minute credentials: each refresh spends the last refresh token", async () => {
    const signin = stopAfterTest(startFakeSignin());
    const home = tempHome({ config: CONFIG });
    const login = newLogin(signin);
    // 25 minutes after `aws login`: the first credentials ran out 10 minutes ago.
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(-10)), login);
    for (let round = 1; round <= 3; round++) {
      const r = await runCli(["--profile", "console", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
      expect(signin.rejections).toEqual([]);
      expect(signin.refreshes.length).toBe(round);
      expectGetAnswer(r, { ...signin.refreshes.at(-1)!.credentials, expiration: new Date(Date.parse(readCache(home).accessToken.expiresAt)) });
      expect(r.stderr).toBe("");
      // Another 12 minutes pass: the credentials now have 3 left.
      const entry = readCache(home);
      entry.accessToken.expiresAt = isoSeconds(inMinutes(3));
      writeFileSync(join(cacheDir(home), FILE_NAME), JSON.stringify(entry));
    }
  });

  test("concurrent requests refresh once: the others wait and use what it wrote", async () => {
    const signin = stopAfterTest(startFakeSignin());
    const home = tempHome({ config: CONFIG });
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(2)), newLogin(signin));
    const results = await Promise.all([1, 2, 3].map(() => runCli(["--profile", "console", "get"], { env: signinEnv(home, signin), stdin: REQUEST })));
    expect(signin.refreshes.length).toBe(1);
    const expiration = new Date(Date.parse(readCache(home).accessToken.expiresAt));
    for (const r of results) expectGetAnswer(r, { ...signin.refreshes[0]!.credentials, expiration });
  });

  test.each(["TOKEN_EXPIRED", "USER_CREDENTIALS_CHANGED"])("refused with %s: reauthenticate with aws login", async (reason) => {
    const signin = stopAfterTest(startFakeSignin({ deny: reason }));
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(-1));
    const login = newLogin(signin);
    writeLoginCache(cacheDir(home), creds, login);
    const before = readFileSync(join(cacheDir(home), FILE_NAME), "utf8");
    const r = await runCli(["--profile", "console", "--debug", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
    expect(r.stdout).toBe("");
    expect(r.code).toBe(1);
    expect(r.stderr).toEndWith(
      "git-credential-codecommit: Your session has expired or credentials have changed. Please reauthenticate using 'aws login'. Run: aws login --profile console\n",
    );
    expect(signin.rejections).toEqual([reason]);
    expect(readFileSync(join(cacheDir(home), FILE_NAME), "utf8")).toBe(before);
    expectNoSecrets(r, secrets(creds, login));
  });

  test("INSUFFICIENT_PERMISSIONS: botocore's text naming the missing action", async () => {
    const signin = stopAfterTest(startFakeSignin({ deny: "INSUFFICIENT_PERMISSIONS" }));
    const home = tempHome({ config: CONFIG });
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(1)), newLogin(signin));
    const r = await runCli(["--profile", "console", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
    expectError(
      r,
      "Unable to create or refresh login credentials due to insufficient permissions. You may be missing permission for the 'signin:CreateOAuth2Token' action.",
    );
  });

  test("a proof made with another key is refused by the service, and the error says which call failed", async () => {
    const signin = stopAfterTest(startFakeSignin());
    const home = tempHome({ config: CONFIG });
    const login = { key: newLoginKey(), refreshToken: signin.grant(newLoginKey()) };
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(1)), login);
    const r = await runCli(["--profile", "console", "get"], { env: signinEnv(home, signin), stdin: REQUEST });
    expect(signin.rejections).toEqual(["DPoP key is not the one the refresh token is bound to"]);
    expectError(
      r,
      "An error occurred (ValidationException) when calling the CreateOAuth2Token operation: DPoP key is not the one the refresh token is bound to",
    );
  });

  test("an entry that can't be refreshed says what it lacks", async () => {
    const home = tempHome({ config: CONFIG });
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(1)), newLogin(), ["dpopKey", "clientId"]);
    const r = await runCli(["--profile", "console", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectError(
      r,
      "Error loading login session token: Failed to load access token from token cache, missing required fields: dpopKey, clientId. Run: aws login --profile console",
    );
  });

  test("a dpopKey that is not an EC key: the CLI's text", async () => {
    const home = tempHome({ config: CONFIG });
    const login = { key: { pem: "-----BEGIN EC PRIVATE KEY-----\nnot a key\n-----END EC PRIVATE KEY-----\n", thumbprint: "" }, refreshToken: "loginRefresh.x" };
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(1)), login);
    const r = await runCli(["--profile", "console", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectError(r, "Error loading login session token: Unable to load private key from cached token. Run: aws login --profile console");
  });

  describe("missing or unusable entries", () => {
    const refreshToken = `loginRefresh.${randomBytes(24).toString("base64url")}`;
    const cases: Array<[string, (home: string) => void, string]> = [
      ["no file", () => {}, "does not exist or is not JSON"],
      [
        "not JSON",
        (home) => {
          mkdirSync(cacheDir(home), { recursive: true });
          writeFileSync(join(cacheDir(home), FILE_NAME), "{");
        },
        "does not exist or is not JSON",
      ],
      [
        "no accessToken",
        (home) => {
          mkdirSync(cacheDir(home), { recursive: true });
          writeFileSync(join(cacheDir(home), FILE_NAME), JSON.stringify({ refreshToken }));
        },
        "has no credentials",
      ],
    ];
    test.each(cases)("%s", async (_name, prepare, problem) => {
      const home = tempHome({ config: CONFIG });
      prepare(home);
      const r = await runCli(["--profile", "console", "get"], { env: baseEnv(home), stdin: REQUEST });
      expectError(r, `Error loading login session token: ${join(cacheDir(home), FILE_NAME)} ${problem}. Run: aws login --profile console`);
      expectNoSecrets(r, [refreshToken]);
    });
  });
});

test("the signin endpoint follows botocore's rule set", async () => {
  const { signinEndpoint } = await import("../../src/aws/endpoints.ts");
  const { openSession } = await import("../../src/aws/session.ts");
  const { testContext } = await import("../support/cli.ts");
  const home = tempHome({ config: "[default]\n[profile fips]\nuse_fips_endpoint = true\n" });
  const sessions = { default: await openSession(testContext(baseEnv(home)), { profile: "default" }), fips: await openSession(testContext(baseEnv(home)), { profile: "fips" }) };
  const s = (profile: keyof typeof sessions = "default") => sessions[profile];
  expect(signinEndpoint(s(), "us-east-1")).toBe("https://us-east-1.signin.aws.amazon.com");
  expect(signinEndpoint(s(), "cn-north-1")).toBe("https://cn-north-1.signin.amazonaws.cn");
  expect(signinEndpoint(s(), "us-gov-west-1")).toBe("https://us-gov-west-1.signin.amazonaws-us-gov.com");
  expect(signinEndpoint(s(), "us-iso-east-1")).toBe("https://signin.us-iso-east-1.c2s.ic.gov");
  expect(signinEndpoint(s("fips"), "us-east-1")).toBe("https://signin-fips.us-east-1.amazonaws.com");
  expect(() => signinEndpoint(s(), undefined)).toThrow("You must specify a region.");
});

// botocore refreshes login sessions only with botocore[crt] (awscrt >= 0.28.4), which can't be installed everywhere.
const PYTHON = Bun.which("python3");
const HAS_CRT = PYTHON !== null && Bun.spawnSync([PYTHON, "-c", "import awscrt, botocore.credentials as c; assert c.EC is not None"]).exitCode === 0;
if (!HAS_CRT) console.warn("skipping the botocore login_session refresh interop test: botocore[crt] (awscrt >= 0.28.4) is not installed");

describe.each(RUNNERS)("login_session shared with botocore (%s)", (_kind, runCli) => {
  test.skipIf(!HAS_CRT)("botocore refreshes (its DPoP proof passes the fake), then we use what it wrote; we refresh, and botocore uses ours", async () => {
    const signin = stopAfterTest(startFakeSignin());
    const home = tempHome({ config: CONFIG });
    writeLoginCache(cacheDir(home), fakeCredentials("ASIALOGIN", inMinutes(3)), newLogin(signin));
    const env = signinEnv(home, signin);
    const script = "import botocore.session, json\n" +
      "c = botocore.session.Session(profile='console').get_credentials().get_frozen_credentials()\n" +
      "print(json.dumps([c.access_key, c.token]))";
    const botocore = () => {
      const p = Bun.spawnSync([PYTHON!, "-c", script], { env, stdout: "pipe", stderr: "pipe" });
      expect(p.stderr.toString()).toBe("");
      return JSON.parse(p.stdout.toString()) as [string, string];
    };
    expect(botocore()).toEqual([signin.refreshes[0]!.credentials.accessKeyId, signin.refreshes[0]!.credentials.sessionToken]);
    expect(signin.rejections).toEqual([]);
    const r = await runCli(["--profile", "console", "get"], { env, stdin: REQUEST });
    expectGetAnswer(r, { ...signin.refreshes[0]!.credentials, expiration: new Date(Date.parse(readCache(home).accessToken.expiresAt)) });
    expect(signin.refreshes.length).toBe(1);

    const entry = readCache(home);
    entry.accessToken.expiresAt = isoSeconds(inMinutes(2));
    writeFileSync(join(cacheDir(home), FILE_NAME), JSON.stringify(entry));
    expect((await runCli(["--profile", "console", "get"], { env, stdin: REQUEST })).code).toBe(0);
    expect(signin.refreshes.length).toBe(2);
    expect(botocore()).toEqual([signin.refreshes[1]!.credentials.accessKeyId, signin.refreshes[1]!.credentials.sessionToken]);
    expect(signin.refreshes.length).toBe(2);
  });
});
