// login_session profiles (`aws login`): the credentials the CLI keeps in
// ~/.aws/login/cache/<sha256(session)>.json or AWS_LOGIN_CACHE_DIRECTORY, used
// while valid, and the CLI's texts when they are missing or expired.
import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { tempHome } from "../support/home.ts";
import { fakeCredentials, isoSeconds, type FakeCredentials } from "../support/recording-server.ts";
import { expectError, expectGetAnswer, expectNoSecrets, REQUEST } from "./helpers.ts";

const SESSION = "arn:aws:iam::123456789012:user/alice";
const CONFIG = `[profile console]\nlogin_session = ${SESSION}\nregion = us-east-1\n`;
const FILE_NAME = `${createHash("sha256").update(SESSION).digest("hex")}.json`;
const REFRESH_TOKEN = `loginRefresh.${randomBytes(24).toString("base64url")}`;
const DPOP_KEY = `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI${randomBytes(24).toString("base64")}\n-----END EC PRIVATE KEY-----\n`;

/** A cache entry as `aws login` writes it. */
function writeLoginCache(dir: string, creds: FakeCredentials) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, FILE_NAME),
    JSON.stringify({
      accessToken: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        accountId: "123456789012",
        expiresAt: isoSeconds(creds.expiration),
      },
      tokenType: "aws_sigv4",
      refreshToken: REFRESH_TOKEN,
      idToken: `eyJhbGciOiJFUzI1NiJ9.${randomBytes(24).toString("base64url")}`,
      clientId: "arn:aws:signin:::devtools/same-device",
      dpopKey: DPOP_KEY,
    }),
  );
}

const secrets = (c: FakeCredentials) => [c.secretAccessKey, c.sessionToken, REFRESH_TOKEN, DPOP_KEY.split("\n")[1]!];
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

describe.each(RUNNERS)("login_session (%s)", (_kind, runCli) => {
  test("a valid entry in ~/.aws/login/cache is used", async () => {
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(50));
    writeLoginCache(join(home, ".aws", "login", "cache"), creds);
    const r = await runCli(["--profile", "console", "--debug", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectGetAnswer(r, creds);
    expectNoSecrets(r, secrets(creds));
  });

  test("AWS_LOGIN_CACHE_DIRECTORY is honoured, with ~ and $VARS expanded", async () => {
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(50));
    writeLoginCache(join(home, "elsewhere", "login"), creds);
    writeLoginCache(join(home, ".aws", "login", "cache"), fakeCredentials("ASIANOTTHISONE", inMinutes(50)));
    for (const dir of [join(home, "elsewhere", "login"), "~/elsewhere/login", "$HOME/elsewhere/login"]) {
      const r = await runCli(["--profile", "console", "get"], { env: { ...baseEnv(home), AWS_LOGIN_CACHE_DIRECTORY: dir }, stdin: REQUEST });
      expectGetAnswer(r, creds);
    }
  });

  test("expired: reauthenticate with aws login", async () => {
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", inMinutes(-1));
    writeLoginCache(join(home, ".aws", "login", "cache"), creds);
    const r = await runCli(["--profile", "console", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectError(
      r,
      "Your session has expired or credentials have changed. Please reauthenticate using 'aws login'. Run: aws login --profile console",
    );
    expectNoSecrets(r, secrets(creds));
  });

  test("less than 15 minutes left: used, with the warning", async () => {
    const home = tempHome({ config: CONFIG });
    const creds = fakeCredentials("ASIALOGIN", new Date(Math.floor(inMinutes(5).getTime() / 1000) * 1000 - 30_000));
    writeLoginCache(join(home, ".aws", "login", "cache"), creds);
    const r = await runCli(["--profile", "console", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectGetAnswer(r, creds);
    expect(r.stderr).toBe(
      `git-credential-codecommit: warning: the credentials from login expire in 5 minutes (${creds.expiration.toISOString()}); renew them soon\n`,
    );
  });

  describe("missing or unusable entries", () => {
    const cases: Array<[string, (home: string) => void, string]> = [
      ["no file", () => {}, "does not exist or is not JSON"],
      [
        "not JSON",
        (home) => {
          mkdirSync(join(home, ".aws", "login", "cache"), { recursive: true });
          writeFileSync(join(home, ".aws", "login", "cache", FILE_NAME), "{");
        },
        "does not exist or is not JSON",
      ],
      [
        "no accessToken",
        (home) => {
          mkdirSync(join(home, ".aws", "login", "cache"), { recursive: true });
          writeFileSync(join(home, ".aws", "login", "cache", FILE_NAME), JSON.stringify({ refreshToken: REFRESH_TOKEN }));
        },
        "has no credentials",
      ],
    ];
    test.each(cases)("%s", async (_name, prepare, problem) => {
      const home = tempHome({ config: CONFIG });
      prepare(home);
      const r = await runCli(["--profile", "console", "get"], { env: baseEnv(home), stdin: REQUEST });
      expectError(r, `Error loading login session token: ${join(home, ".aws", "login", "cache", FILE_NAME)} ${problem}. Run: aws login --profile console`);
      expectNoSecrets(r, [REFRESH_TOKEN]);
    });
  });
});
