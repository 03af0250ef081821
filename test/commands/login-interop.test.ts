// `login` and the real clients share ~/.aws/sso/cache:
// - botocore 1.43 (pip) resolves role credentials from a token our `login`
//   wrote, through the fake portal (AWS_ENDPOINT_URL_SSO);
// - Debian's AWS CLI v2 2.9.19 (`apt-get install awscli`; it knows only the
//   device flow) signs in through the fakes (test/support/aws-v2-wrapper.py),
//   and our `get` uses its token and our `login` its registration; it uses a
//   token we wrote. Skipped, with the reason, where that CLI isn't installed.
import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { startFakeSso, type FakeSso } from "../support/fake-sso.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { expectGetAnswer, REQUEST, stopAfterTest } from "../aws/helpers.ts";

const SESSION_URL = "https://corp.awsapps.com/start";
const LEGACY_URL = "https://legacy.awsapps.com/start";
const CONFIG =
  `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-west-2\n\n` +
  `[sso-session corp]\nsso_start_url = ${SESSION_URL}\nsso_region = eu-west-1\n\n` +
  `[profile legacy]\nsso_start_url = ${LEGACY_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n`;

const PYTHON = Bun.which("python3")!;
const SUPPORT = join(import.meta.dir, "..", "support");
const BROWSER = `${PYTHON} ${join(SUPPORT, "browser.py")}`;
const CORP_TOKEN = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"; // sha1("corp")
const LEGACY_TOKEN = "79e435d7a515078e81c9dffc35f38d5687ebd3a7.json"; // sha1(LEGACY_URL)

const AWS_V2 = "/usr/bin/aws";
const v2Version = Bun.spawnSync(["/usr/bin/python3", AWS_V2, "--version"], { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin" } });
const HAS_V2 = v2Version.exitCode === 0 && v2Version.stdout.toString().startsWith("aws-cli/2.");
if (!HAS_V2) console.warn("skipping the AWS CLI v2 interop tests: /usr/bin/aws is not AWS CLI v2 (apt-get install awscli)");

function setup() {
  const sso = stopAfterTest(startFakeSso());
  const home = tempHome({ config: CONFIG });
  const env = { ...baseEnv(home), AWS_ENDPOINT_URL_SSO: sso.portalUrl, AWS_ENDPOINT_URL_SSO_OIDC: sso.oidcUrl, BROWSER };
  return { sso, home, env };
}

async function runPython(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn(args, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 30_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

/** botocore 1.43's credential chain for `profile`, as JSON. */
async function botocoreCredentials(profile: string, env: Record<string, string>) {
  const script = "import botocore.session, json, sys\n" +
    "c = botocore.session.Session(profile=sys.argv[1]).get_credentials().get_frozen_credentials()\n" +
    "print(json.dumps({'accessKeyId': c.access_key, 'sessionToken': c.token}))";
  const r = await runPython([PYTHON, "-c", script, profile], env);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(r.stdout) as { accessKeyId: string; sessionToken: string };
}

/** The AWS CLI v2 through the wrapper, with a browser it can run (webbrowser takes a $BROWSER entry as one program). */
async function awsV2(args: string[], env: Record<string, string>, sso: FakeSso) {
  const browser = join(tempDir(), "browser");
  writeFileSync(browser, `#!/bin/sh\nexec ${BROWSER} "$@"\n`);
  chmodSync(browser, 0o755);
  return runPython(["/usr/bin/python3", join(SUPPORT, "aws-v2-wrapper.py"), ...args], {
    ...env,
    PATH: "/usr/bin:/bin",
    BROWSER: browser,
    FAKE_SSO_OIDC_URL: sso.oidcUrl,
    FAKE_SSO_URL: sso.portalUrl,
  });
}

describe.each(RUNNERS)("login interop (%s)", (_kind, runCli) => {
  test.each([
    ["dev", []],
    ["legacy", []],
    ["dev", ["--use-device-code"]],
  ])("botocore 1.43 resolves role credentials from the token our login wrote (--profile %s %p)", async (profile, flags) => {
    const { sso, env } = setup();
    expect((await runCli(["login", "--profile", profile, ...flags], { env })).code).toBe(0);
    const oidcCalls = sso.oidcRequests.length;
    const creds = await botocoreCredentials(profile, env);
    expect(sso.oidcRequests.length).toBe(oidcCalls);
    expect(sso.portalRequests.map((q) => q.headers["x-amz-sso_bearer_token"])).toEqual([sso.signIns[0]!.accessToken]);
    expect(creds).toEqual({ accessKeyId: sso.issued[0]!.accessKeyId, sessionToken: sso.issued[0]!.sessionToken });
  });

  test.skipIf(!HAS_V2).each([
    ["dev", CORP_TOKEN],
    ["legacy", LEGACY_TOKEN],
  ])("AWS CLI v2 2.9.19 signs in (device flow); our get uses its token, our login its registration (--profile %s)", async (profile, tokenFile) => {
    const { sso, home, env } = setup();
    const cli = await awsV2(["sso", "login", "--profile", profile], env, sso);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`Successfully logged into Start URL: ${profile === "dev" ? SESSION_URL : LEGACY_URL}`);
    const written = JSON.parse(readFileSync(join(home, ".aws", "sso", "cache", tokenFile), "utf8"));
    expect(written.accessToken).toBe(sso.signIns[0]!.accessToken);

    const oidcCalls = sso.oidcRequests.length;
    const got = await runCli(["--profile", profile, "get"], { env, stdin: REQUEST });
    expectGetAnswer(got, sso.issued[0]!);
    expect(sso.oidcRequests.length).toBe(oidcCalls);

    // The CLI's device-flow registration is found under the same name and reused: no second RegisterClient.
    expect((await runCli(["login", "--profile", profile, "--use-device-code"], { env })).code).toBe(0);
    expect(sso.registered.length).toBe(1);
    expect(sso.signIns.map((t) => t.clientId)).toEqual([sso.registered[0]!.clientId, sso.registered[0]!.clientId]);
  }, 60_000);

  test.skipIf(!HAS_V2)("AWS CLI v2 2.9.19 uses the token our login wrote", async () => {
    const { sso, env } = setup();
    expect((await runCli(["login", "--profile", "dev"], { env })).code).toBe(0);
    const cli = await awsV2(["configure", "export-credentials", "--profile", "dev"], env, sso);
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(cli.stdout).AccessKeyId).toBe(sso.issued[0]!.accessKeyId);
    expect(sso.portalRequests.map((q) => q.headers["x-amz-sso_bearer_token"])).toEqual([sso.signIns[0]!.accessToken]);
  }, 60_000);
});
