// ssoSessionStatus(): what doctor shows about the selected profile's IAM
// Identity Center sign-in, read from the files only.
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSession } from "../../src/aws/session.ts";
import { ssoSessionStatus } from "../../src/aws/sso-oidc.ts";
import { baseEnv, testContext } from "../support/cli.ts";
import { tempHome } from "../support/home.ts";

const SESSION_URL = "https://corp.awsapps.com/start";
const LEGACY_URL = "https://legacy.awsapps.com/start";
const CONFIG =
  `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n` +
  `[sso-session corp]\nsso_start_url = ${SESSION_URL}\nsso_region = eu-west-1\n\n` +
  `[profile legacy]\nsso_start_url = ${LEGACY_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n` +
  `[profile keys]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s\n`;
const CORP_TOKEN = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"; // sha1("corp")
const LEGACY_TOKEN = "79e435d7a515078e81c9dffc35f38d5687ebd3a7.json"; // sha1(LEGACY_URL)
const NOW = new Date("2026-11-27T12:00:00Z");
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString().replace(/\.000Z$/, "Z");

async function status(home: string, profile: string) {
  return ssoSessionStatus(await openSession(testContext(baseEnv(home), { now: () => NOW }), { profile }));
}

function token(home: string, file: string, fields: Record<string, unknown>) {
  const dir = join(home, ".aws", "sso", "cache");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), JSON.stringify({ startUrl: SESSION_URL, region: "eu-west-1", accessToken: "aoaSecret", ...fields }));
}

const REFRESHABLE = { clientId: "c", clientSecret: "s", refreshToken: "r", registrationExpiresAt: at(60 * 24 * 30) };

describe("ssoSessionStatus", () => {
  test("a profile that doesn't use IAM Identity Center: undefined", async () => {
    expect(await status(tempHome({ config: CONFIG }), "keys")).toBeUndefined();
  });

  test("an sso-session with a valid, refreshable token", async () => {
    const home = tempHome({ config: CONFIG });
    token(home, CORP_TOKEN, { expiresAt: at(90), ...REFRESHABLE });
    expect(await status(home, "dev")).toEqual({
      session: "corp",
      startUrl: SESSION_URL,
      tokenFile: join(home, ".aws", "sso", "cache", CORP_TOKEN),
      valid: true,
      expiresAt: new Date(at(90)),
      canRefresh: true,
      login: "git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)",
    });
  });

  test("expired, and refreshable only while the registration lasts", async () => {
    const home = tempHome({ config: CONFIG });
    token(home, CORP_TOKEN, { expiresAt: at(-5), ...REFRESHABLE });
    expect(await status(home, "dev")).toMatchObject({ valid: false, expiresAt: new Date(at(-5)), canRefresh: true });
    token(home, CORP_TOKEN, { expiresAt: at(-5), ...REFRESHABLE, registrationExpiresAt: at(-1) });
    expect(await status(home, "dev")).toMatchObject({ valid: false, canRefresh: false });
    token(home, CORP_TOKEN, { expiresAt: at(30) });
    expect(await status(home, "dev")).toMatchObject({ valid: true, canRefresh: false });
  });

  test("no token yet, or one that isn't a token", async () => {
    const home = tempHome({ config: CONFIG });
    expect(await status(home, "dev")).toMatchObject({ session: "corp", valid: false, expiresAt: undefined, canRefresh: false });
    token(home, CORP_TOKEN, { accessToken: undefined, expiresAt: at(30) });
    expect(await status(home, "dev")).toMatchObject({ valid: false, expiresAt: undefined });
  });

  test("a legacy profile is named by its start URL and never refreshes", async () => {
    const home = tempHome({ config: CONFIG });
    token(home, LEGACY_TOKEN, { startUrl: LEGACY_URL, region: "us-east-1", expiresAt: at(30), ...REFRESHABLE });
    expect(await status(home, "legacy")).toEqual({
      session: LEGACY_URL,
      startUrl: LEGACY_URL,
      tokenFile: join(home, ".aws", "sso", "cache", LEGACY_TOKEN),
      valid: true,
      expiresAt: new Date(at(30)),
      canRefresh: false,
      login: "git-credential-codecommit login --profile legacy (or: aws sso login --profile legacy)",
    });
  });
});
