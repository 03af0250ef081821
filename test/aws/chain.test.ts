// The order of the credential chain where STS is involved: env keys first
// (unless --profile), role_arn over the profile's own keys, and a source
// profile's own credentials (keys, web identity) before its role_arn.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNNERS } from "../support/cli.ts";
import { tempDir, tempHome } from "../support/home.ts";
import {
  BASE,
  BASE_CREDENTIALS,
  expectError,
  expectGetAnswer,
  expectNoSecrets,
  expectSigned,
  expectUnsigned,
  fakeSts,
  issuedSecrets,
  REQUEST,
  ROLE_ARN,
  stsEnv,
} from "./helpers.ts";

const ENV_KEYS = { AWS_ACCESS_KEY_ID: "AKIDENVEXAMPLE", AWS_SECRET_ACCESS_KEY: "envSecretKey/EXAMPLEKEYEXAMPLEKEY" };
const ENV_CREDS = { accessKeyId: ENV_KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: ENV_KEYS.AWS_SECRET_ACCESS_KEY };

describe.each(RUNNERS)("credential chain with roles (%s)", (_kind, runCli) => {
  test("env keys come before a role profile chosen by AWS_PROFILE; --profile takes them out", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\n`, credentials: BASE_CREDENTIALS });
    const env = stsEnv(home, sts, ENV_KEYS);
    const byVariable = await runCli(["get"], { env: { ...env, AWS_PROFILE: "role" }, stdin: REQUEST });
    expect(sts.requests).toEqual([]);
    expectGetAnswer(byVariable, ENV_CREDS);

    const byFlag = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(byFlag, sts.requests[0]!.issued!);
    expectNoSecrets(byFlag, [ENV_KEYS.AWS_SECRET_ACCESS_KEY, BASE.secretAccessKey, ...issuedSecrets(sts)]);
  });

  test("role_arn beats static keys in the same profile", async () => {
    const sts = await fakeSts();
    const home = tempHome({
      config: `[profile both]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\n`,
      credentials: `${BASE_CREDENTIALS}[both]\naws_access_key_id = AKIDOWNKEYSEXAMPLE\naws_secret_access_key = ownSecret/EXAMPLE\n`,
    });
    const r = await runCli(["--profile", "both", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("in a source profile, static keys beat its role_arn: the chain stops there", async () => {
    const sts = await fakeSts();
    const home = tempHome({
      config:
        `[profile top]\nrole_arn = ${ROLE_ARN}\nsource_profile = mid\nregion = us-west-2\n` +
        `[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/never\nsource_profile = base\n`,
      credentials: `${BASE_CREDENTIALS}[mid]\naws_access_key_id = AKIDMIDEXAMPLE\naws_secret_access_key = midSecret/EXAMPLEKEY\n`,
    });
    sts.identities.set("AKIDMIDEXAMPLE", { secretAccessKey: "midSecret/EXAMPLEKEY" });
    const r = await runCli(["--profile", "top", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    expect(sts.requests.map((q) => q.params.RoleArn)).toEqual([ROLE_ARN]);
    expectSigned(sts.requests[0]!, "AKIDMIDEXAMPLE", "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("a web identity source profile: unsigned AssumeRoleWithWebIdentity, then AssumeRole signed with its result", async () => {
    const sts = await fakeSts();
    const token = join(tempDir(), "token");
    writeFileSync(token, "oidc.token.for.source.profile");
    const home = tempHome({
      config:
        `[profile top]\nrole_arn = ${ROLE_ARN}\nsource_profile = oidc\nregion = eu-west-1\n` +
        `[profile oidc]\nrole_arn = arn:aws:iam::123456789012:role/wi\nweb_identity_token_file = ${token}\n`,
    });
    // The env's web identity never applies to a source profile.
    const env = stsEnv(home, sts, { AWS_WEB_IDENTITY_TOKEN_FILE: "/nonexistent", AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/env" });
    const r = await runCli(["--profile", "top", "--debug", "get"], { env, stdin: REQUEST });
    expect(sts.requests.map((q) => [q.action, q.params.RoleArn])).toEqual([
      ["AssumeRoleWithWebIdentity", "arn:aws:iam::123456789012:role/wi"],
      ["AssumeRole", ROLE_ARN],
    ]);
    expectUnsigned(sts.requests[0]!);
    expect(sts.requests[0]!.params.WebIdentityToken).toBe("oidc.token.for.source.profile");
    const first = sts.requests[0]!.issued!;
    expectSigned(sts.requests[1]!, first.accessKeyId, "eu-west-1", first.sessionToken);
    expectGetAnswer(r, sts.requests[1]!.issued!);
    expectNoSecrets(r, ["oidc.token.for.source.profile", ...issuedSecrets(sts)]);
  });

  test("credential_source = Environment with half the env keys: the env provider's message", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: `[profile fromenv]\nrole_arn = ${ROLE_ARN}\ncredential_source = Environment\nregion = us-east-1\n` });
    const r = await runCli(["--profile", "fromenv", "get"], { env: stsEnv(home, sts, { AWS_ACCESS_KEY_ID: "AKIDENVEXAMPLE" }), stdin: REQUEST });
    expectError(r, "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY");
    expect(sts.requests).toEqual([]);
  });
});
