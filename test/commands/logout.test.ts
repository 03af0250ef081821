// `logout`: `aws sso logout`'s sweep (Logout at the portal, then delete every
// SSO token and every SSO role-credential file, keep registrations), and our
// --profile / --sso-session extension that signs out of one session only.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { startFakeSso, type FakeSso } from "../support/fake-sso.ts";
import { tempHome } from "../support/home.ts";
import { stopAfterTest } from "../aws/helpers.ts";

const SESSION_URL = "https://corp.awsapps.com/start";
const LEGACY_URL = "https://legacy.awsapps.com/start";
const CONFIG =
  `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n` +
  `[profile dev-ro]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\n` +
  `[sso-session corp]\nsso_start_url = ${SESSION_URL}\nsso_region = eu-west-1\n\n` +
  `[profile legacy]\nsso_start_url = ${LEGACY_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n`;

// Names as the CLI computes them, written out: sha1("corp"), sha1(LEGACY_URL), and the role caches
// sha1('{"accountId":"123456789012","roleName":…,"sessionName":"corp"}') / (…,"startUrl":LEGACY_URL).
const CORP_TOKEN = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
const LEGACY_TOKEN = "79e435d7a515078e81c9dffc35f38d5687ebd3a7.json";
const DEV_ROLE = "8457bc68cf9d4aa8d629a61563948e8bd3159d49.json";
const LEGACY_ROLE = "4b6ae814e6977af5e6951f29c843e3ec1789ce84.json";

interface Files {
  home: string;
  sso: FakeSso;
  devRo: string;
  tokens: Record<string, string>;
}

function writeJson(dir: string, name: string, value: unknown) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), JSON.stringify(value));
}

/** Two signed-in sessions, a registration, SSO role caches for three profiles and one assumed-role cache entry. */
async function signedIn(): Promise<Files> {
  const sso = stopAfterTest(startFakeSso());
  const home = tempHome({ config: CONFIG });
  const ssoDir = join(home, ".aws", "sso", "cache");
  const cliDir = join(home, ".aws", "cli", "cache");
  const tokens: Record<string, string> = {};
  for (const [name, url, region] of [[CORP_TOKEN, SESSION_URL, "eu-west-1"], [LEGACY_TOKEN, LEGACY_URL, "us-east-1"]] as const) {
    tokens[name] = `aoa${name.slice(0, 8)}secretToken`;
    sso.accessTokens.add(tokens[name]);
    writeJson(ssoDir, name, { startUrl: url, region, accessToken: tokens[name], expiresAt: "2099-01-01T00:00:00Z" });
  }
  writeJson(ssoDir, "registration.json", { clientId: "c", clientSecret: "s", expiresAt: "2099-01-01T00:00:00Z" });
  writeFileSync(join(ssoDir, "notes.txt"), "not JSON");
  const sso_ = (k: string) => ({ ProviderType: "sso", Credentials: { AccessKeyId: k, SecretAccessKey: "x", SessionToken: "y", Expiration: "2099-01-01T00:00:00Z" } });
  // dev-ro's name computed by python, so this file isn't named by the code under test.
  const devRo = Bun.spawnSync([
    "python3", "-c",
    "import hashlib,json;print(hashlib.sha1(json.dumps({'accountId':'123456789012','roleName':'ReadOnly','sessionName':'corp'},sort_keys=True,separators=(',',':')).encode()).hexdigest()+'.json',end='')",
  ]).stdout.toString();
  writeJson(cliDir, DEV_ROLE, sso_("ASIADEV"));
  writeJson(cliDir, devRo, sso_("ASIADEVRO"));
  writeJson(cliDir, LEGACY_ROLE, sso_("ASIALEGACY"));
  writeJson(cliDir, "assumed.json", { Credentials: { AccessKeyId: "ASIAROLE" } });
  return { home, sso, devRo, tokens };
}

const env = (f: Files) => ({ ...baseEnv(f.home), AWS_ENDPOINT_URL_SSO: f.sso.portalUrl, AWS_ENDPOINT_URL_SSO_OIDC: f.sso.oidcUrl });
const list = (f: Files, ...dir: string[]) => readdirSync(join(f.home, ".aws", ...dir)).sort();

describe.each(RUNNERS)("logout (%s)", (_kind, runCli) => {
  test("no options: Logout for every token, then every token and SSO role cache goes; registrations and other caches stay", async () => {
    const f = await signedIn();
    const r = await runCli(["logout", "--debug"], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Signed out: removed 2 SSO token(s) and 3 cached credential file(s)\n");
    for (const t of Object.values(f.tokens)) expect(r.stderr).not.toContain(t);
    expect(f.sso.loggedOut.sort()).toEqual(Object.values(f.tokens).sort());
    expect(f.sso.portalRequests.map((q) => [q.method, q.path])).toEqual([["POST", "/logout"], ["POST", "/logout"]]);
    expect(list(f, "sso", "cache")).toEqual(["notes.txt", "registration.json"]);
    expect(list(f, "cli", "cache")).toEqual(["assumed.json"]);
  });

  test("--sso-session: only that session's token and the role caches of the profiles that use it", async () => {
    const f = await signedIn();
    const r = await runCli(["logout", "--sso-session", "corp"], { env: env(f) });
    expect(r.stdout).toBe("Signed out of corp: removed 1 SSO token(s) and 2 cached credential file(s)\n");
    expect(f.sso.loggedOut).toEqual([f.tokens[CORP_TOKEN]!]);
    expect(list(f, "sso", "cache")).toEqual([LEGACY_TOKEN, "notes.txt", "registration.json"].sort());
    expect(list(f, "cli", "cache")).toEqual([LEGACY_ROLE, "assumed.json"].sort());
  });

  test("--profile of a legacy profile: its start URL's token and role cache", async () => {
    const f = await signedIn();
    const r = await runCli(["logout", "--profile", "legacy"], { env: env(f) });
    expect(r.stdout).toBe(`Signed out of ${LEGACY_URL}: removed 1 SSO token(s) and 1 cached credential file(s)\n`);
    expect(list(f, "sso", "cache")).toEqual([CORP_TOKEN, "notes.txt", "registration.json"].sort());
    expect(list(f, "cli", "cache")).toEqual([DEV_ROLE, f.devRo, "assumed.json"].sort());
  });

  test("a portal that refuses or can't be reached doesn't stop the sign-out", async () => {
    const f = await signedIn();
    f.sso.accessTokens.clear(); // already revoked: Logout answers 401
    const r = await runCli(["logout"], { env: env(f) });
    expect(r.code).toBe(0);
    expect(existsSync(join(f.home, ".aws", "sso", "cache", CORP_TOKEN))).toBe(false);
    const g = await signedIn();
    const unreachable = await runCli(["logout"], { env: { ...env(g), AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9" } });
    expect(unreachable.stdout).toBe("Signed out: removed 2 SSO token(s) and 3 cached credential file(s)\n");
  });

  test("nothing to sign out of: still success", async () => {
    const home = tempHome({ config: CONFIG });
    const r = await runCli(["logout"], { env: baseEnv(home) });
    expect(r).toEqual({ code: 0, stdout: "Signed out: removed 0 SSO token(s) and 0 cached credential file(s)\n", stderr: "" });
  });
});
