// AssumeRoleWithWebIdentity (GitHub/GitLab OIDC, EKS IRSA) against a fake STS:
// env variables or profile keys, the token file read on every call and sent
// verbatim in an unsigned request, and the CLI's errors.
import { describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNNERS } from "../support/cli.ts";
import { tempDir, tempHome } from "../support/home.ts";
import {
  BASE,
  BASE_CREDENTIALS,
  expectDefaultSessionName,
  expectError,
  expectGetAnswer,
  expectNoSecrets,
  expectUnsigned,
  fakeSts,
  issuedSecrets,
  REQUEST,
  stsEnv,
} from "./helpers.ts";

const WI_ROLE = "arn:aws:iam::123456789012:role/wi";
const WI_KEY = "358ef18c54f6f4b723f0383e48a49f5cec693ec3";
// Shaped like a real OIDC JWT: three base64url parts.
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvZGVtbyJ9.c2lnbmF0dXJlLW9uZQ";
const TOKEN2 = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvdHdvIn0.c2lnbmF0dXJlLXR3bw";

function tokenFile(content = TOKEN): string {
  const file = join(tempDir(), "token");
  writeFileSync(file, content);
  return file;
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe.each(RUNNERS)("web identity (%s)", (_kind, runCli) => {
  test("from env variables: one unsigned call with the token verbatim, the default session name, the session region", async () => {
    const sts = await fakeSts();
    const file = tokenFile();
    const home = tempHome();
    const env = stsEnv(home, sts, { AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: WI_ROLE, AWS_REGION: "eu-north-1" });
    const started = Date.now();
    const r = await runCli(["--debug", "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    const rec = sts.requests[0]!;
    expectUnsigned(rec);
    const name = rec.params.RoleSessionName;
    expectDefaultSessionName(name, started);
    expect(rec.body).toBe(
      `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encode(WI_ROLE)}&RoleSessionName=${name}&WebIdentityToken=${TOKEN}`,
    );
    expect(r.stderr).toContain(`[debug] sts: AssumeRoleWithWebIdentity at ${sts.url} (signing region eu-north-1)`);
    expectGetAnswer(r, rec.issued!);
    expectNoSecrets(r, [TOKEN, ...issuedSecrets(sts)]);
  });

  test("the token file is read again on each call, and a trailing newline is sent as %0A", async () => {
    const sts = await fakeSts();
    const file = tokenFile();
    const home = tempHome();
    const env = stsEnv(home, sts, { AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: WI_ROLE, AWS_ROLE_SESSION_NAME: "ci-run-42", AWS_REGION: "us-east-1" });
    const cache = join(home, ".aws", "cli", "cache");
    await runCli(["get"], { env, stdin: REQUEST });
    rmSync(cache, { recursive: true });
    writeFileSync(file, `${TOKEN2}\n`);
    const r = await runCli(["--debug", "get"], { env, stdin: REQUEST });
    expect(sts.requests.map((q) => q.params.WebIdentityToken)).toEqual([TOKEN, `${TOKEN2}\n`]);
    expect(sts.requests[1]!.body).toBe(
      `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encode(WI_ROLE)}&RoleSessionName=ci-run-42&WebIdentityToken=${TOKEN2}%0A`,
    );
    expectGetAnswer(r, sts.requests[1]!.issued!);
    expectNoSecrets(r, [TOKEN, TOKEN2, ...issuedSecrets(sts)]);
  });

  test("from profile keys, cached under the CLI's name", async () => {
    const sts = await fakeSts();
    const file = tokenFile();
    const home = tempHome({
      config: `[profile ci]\nrole_arn = ${WI_ROLE}\nweb_identity_token_file = ${file}\nrole_session_name = from-profile\nregion = us-east-2\n`,
    });
    const r = await runCli(["--profile", "ci", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    const rec = sts.requests[0]!;
    expectUnsigned(rec);
    expect(rec.params).toEqual({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: WI_ROLE,
      RoleSessionName: "from-profile",
      WebIdentityToken: TOKEN,
    });
    expectGetAnswer(r, rec.issued!);
    // The session name is configured, so it is part of the key; a default one is not.
    const again = await runCli(["--profile", "ci", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    expectGetAnswer(again, rec.issued!);
  });

  test("--profile ignores the env variables; AWS_PROFILE does not", async () => {
    const sts = await fakeSts();
    const envFile = tokenFile(TOKEN);
    const profileFile = tokenFile(TOKEN2);
    const home = tempHome({
      config:
        `[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/profile\nweb_identity_token_file = ${profileFile}\nregion = us-east-1\n` +
        `[profile keys]\nregion = us-east-1\n`,
      credentials: `[keys]\naws_access_key_id = ${BASE.accessKeyId}\naws_secret_access_key = ${BASE.secretAccessKey}\n`,
    });
    const env = stsEnv(home, sts, { AWS_WEB_IDENTITY_TOKEN_FILE: envFile, AWS_ROLE_ARN: WI_ROLE, AWS_ROLE_SESSION_NAME: "from-env" });

    const flag = await runCli(["--profile", "ci", "get"], { env, stdin: REQUEST });
    expect(sts.requests[0]!.params.RoleArn).toBe("arn:aws:iam::123456789012:role/profile");
    expect(sts.requests[0]!.params.WebIdentityToken).toBe(TOKEN2);
    expectDefaultSessionName(sts.requests[0]!.params.RoleSessionName, 0);
    expectGetAnswer(flag, sts.requests[0]!.issued!);

    // Each setting comes from its env variable first when the profile was not chosen by flag.
    const variable = await runCli(["get"], { env: { ...env, AWS_PROFILE: "ci" }, stdin: REQUEST });
    expect(sts.requests[1]!.params).toEqual({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: WI_ROLE,
      RoleSessionName: "from-env",
      WebIdentityToken: TOKEN,
    });
    expectGetAnswer(variable, sts.requests[1]!.issued!);

    // A profile with keys under --profile: the env's web identity is not even considered.
    const keys = await runCli(["--profile", "keys", "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(2);
    expectGetAnswer(keys, BASE);
  });

  test("env web identity beats a profile's static keys, but not a role_arn profile", async () => {
    const sts = await fakeSts();
    const file = tokenFile();
    const home = tempHome({
      config: `[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n`,
      credentials: `[default]\naws_access_key_id = AKIDDEFAULTEXAMPLE\naws_secret_access_key = defaultSecret/EXAMPLE\n${BASE_CREDENTIALS}`,
    });
    const env = stsEnv(home, sts, { AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: WI_ROLE, AWS_REGION: "us-east-1" });
    const viaDefault = await runCli(["get"], { env, stdin: REQUEST });
    expect(sts.requests.map((q) => q.action)).toEqual(["AssumeRoleWithWebIdentity"]);
    expectGetAnswer(viaDefault, sts.requests[0]!.issued!);

    const viaRole = await runCli(["get"], { env: { ...env, AWS_PROFILE: "role" }, stdin: REQUEST });
    expect(sts.requests.map((q) => q.action)).toEqual(["AssumeRoleWithWebIdentity", "AssumeRole"]);
    expectGetAnswer(viaRole, sts.requests[1]!.issued!);
  });

  test("a token file without a role ARN: the CLI's message, sic", async () => {
    const sts = await fakeSts();
    const env = stsEnv(tempHome(), sts, { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile(), AWS_REGION: "us-east-1" });
    const r = await runCli(["get"], { env, stdin: REQUEST });
    expectError(
      r,
      "The provided profile or the current environment is configured to assume role with web identity but has no role ARN " +
        "configured. Ensure that the profile has the role_arnconfiguration set or the AWS_ROLE_ARN env var is set.",
    );
    expect(sts.requests).toEqual([]);
  });

  test("a missing token file names the file", async () => {
    const sts = await fakeSts();
    const missing = join(tempDir(), "no-such-token");
    const env = stsEnv(tempHome(), sts, { AWS_WEB_IDENTITY_TOKEN_FILE: missing, AWS_ROLE_ARN: WI_ROLE, AWS_REGION: "us-east-1" });
    const r = await runCli(["get"], { env, stdin: REQUEST });
    expectError(r, `Error when retrieving credentials from assume-role-with-web-identity: ENOENT: no such file or directory, open '${missing}'`);
    expect(sts.requests).toEqual([]);
  });

  test("a rejected token: the CLI's message, and the token is not repeated", async () => {
    const sts = await fakeSts({ behaviour: { error: { status: 400, code: "InvalidIdentityToken", message: "Couldn't retrieve verification key from your identity provider" } } });
    const env = stsEnv(tempHome(), sts, { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile(), AWS_ROLE_ARN: WI_ROLE, AWS_REGION: "us-east-1" });
    const r = await runCli(["get"], { env, stdin: REQUEST });
    expectError(
      r,
      "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Couldn't retrieve verification key from your identity provider",
    );
    const debug = await runCli(["--debug", "get"], { env, stdin: REQUEST });
    expect(debug.code).toBe(1);
    expectNoSecrets(debug, [TOKEN]);
  });

  test("the cache key ignores the token: a different token still hits the entry", async () => {
    const sts = await fakeSts();
    const file = tokenFile();
    const home = tempHome();
    const env = stsEnv(home, sts, { AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: WI_ROLE, AWS_REGION: "us-east-1" });
    await runCli(["get"], { env, stdin: REQUEST });
    writeFileSync(file, TOKEN2);
    const r = await runCli(["get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expect(Bun.file(join(home, ".aws", "cli", "cache", `${WI_KEY}.json`)).size).toBeGreaterThan(0);
  });
});
