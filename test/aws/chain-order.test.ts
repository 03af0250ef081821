// botocore's credential chain order with every source configured at once, each
// backed by its own fake: take away the winner and the next one wins, down to
// nothing at all. Every fake's requests are counted, so a source below the
// winner is never even asked.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { startFakeSso } from "../support/fake-sso.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { fakeCredentials, isoSeconds } from "../support/recording-server.ts";
import { BASE, BASE_CREDENTIALS, expectError, expectGetAnswer, expectNoSecrets, fakeSts, REQUEST, ROLE_ARN, stopAfterTest } from "./helpers.ts";
import { fakeContainer, fakeImds, imdsEnv, noCredentials } from "./metadata-helpers.ts";
import { lacks } from "../support/platform.ts";

const LAYERS = [
  "env", "assume-role", "web-identity", "sso", "credentials-file", "login", "process", "config-file", "container", "imds",
] as const;
type Layer = (typeof LAYERS)[number];

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

function keys(name: string): Keys {
  return { accessKeyId: `AKID${name.toUpperCase().replace(/[^A-Z]/g, "")}CHAIN`, secretAccessKey: `${name}Secret/${randomBytes(18).toString("base64")}` };
}

describe.each(RUNNERS)("credential chain order (%s)", (_kind, runCli) => {
  test.skipIf(lacks("sh"))("env > assume-role > web identity > sso > credentials file > login > credential_process > config file > container > IMDS", async () => {
    const sts = await fakeSts();
    const sso = stopAfterTest(startFakeSso());
    const container = fakeContainer();
    const imds = fakeImds();
    const home = tempHome();
    const dir = tempDir();

    const envKeys = keys("env");
    const credsFileKeys = keys("credentials-file");
    const processKeys = keys("process");
    const configKeys = keys("config-file");

    const webToken = join(dir, "web-identity-token");
    writeFileSync(webToken, "eyJraWQiOiJ3ZWIuaWRlbnRpdHkifQ.chain-order");
    const script = join(dir, "credential-process");
    writeFileSync(
      script,
      `#!/bin/sh\necho '${JSON.stringify({ Version: 1, AccessKeyId: processKeys.accessKeyId, SecretAccessKey: processKeys.secretAccessKey })}'\n`,
    );
    chmodSync(script, 0o755);

    const accessToken = `aoa${randomBytes(32).toString("base64url")}`;
    sso.accessTokens.add(accessToken);
    mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
    writeFileSync(
      join(home, ".aws", "sso", "cache", "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
      JSON.stringify({ startUrl: "https://corp.awsapps.com/start", region: "eu-west-1", accessToken, expiresAt: isoSeconds(new Date(Date.now() + 8 * 3600_000)) }),
    );

    const loginSession = "arn:aws:iam::123456789012:user/chain";
    const login = fakeCredentials("ASIALOGINCHAIN", new Date(Date.now() + 3600_000));
    mkdirSync(join(home, ".aws", "login", "cache"), { recursive: true });
    writeFileSync(
      join(home, ".aws", "login", "cache", `${createHash("sha256").update(loginSession).digest("hex")}.json`),
      JSON.stringify({
        accessToken: {
          accessKeyId: login.accessKeyId,
          secretAccessKey: login.secretAccessKey,
          sessionToken: login.sessionToken,
          accountId: "123456789012",
          expiresAt: isoSeconds(login.expiration),
        },
      }),
    );

    /** Writes the files and builds the env for the layers still configured. */
    function configure(on: Set<Layer>): Record<string, string> {
      const profile = ["[profile all]", "region = us-west-2"];
      if (on.has("assume-role")) profile.push(`role_arn = ${ROLE_ARN}`, "source_profile = base");
      if (on.has("sso")) profile.push("sso_session = corp", "sso_account_id = 123456789012", "sso_role_name = Admin");
      if (on.has("login")) profile.push(`login_session = ${loginSession}`);
      if (on.has("process")) profile.push(`credential_process = ${script}`);
      if (on.has("config-file")) profile.push(`aws_access_key_id = ${configKeys.accessKeyId}`, `aws_secret_access_key = ${configKeys.secretAccessKey}`);
      writeFileSync(
        join(home, ".aws", "config"),
        `${profile.join("\n")}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n`,
      );
      writeFileSync(
        join(home, ".aws", "credentials"),
        BASE_CREDENTIALS +
          (on.has("credentials-file")
            ? `[all]\naws_access_key_id = ${credsFileKeys.accessKeyId}\naws_secret_access_key = ${credsFileKeys.secretAccessKey}\n`
            : ""),
      );
      const env: Record<string, string> = {
        ...(on.has("imds") ? imdsEnv(home, imds) : baseEnv(home)),
        AWS_PROFILE: "all",
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_SSO: sso.portalUrl,
        AWS_ENDPOINT_URL_SSO_OIDC: sso.oidcUrl,
      };
      if (on.has("env")) Object.assign(env, { AWS_ACCESS_KEY_ID: envKeys.accessKeyId, AWS_SECRET_ACCESS_KEY: envKeys.secretAccessKey });
      if (on.has("web-identity")) Object.assign(env, { AWS_WEB_IDENTITY_TOKEN_FILE: webToken, AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/wi" });
      if (on.has("container")) env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${container.url}/v2/credentials/chain`;
      return env;
    }

    const counts = () => ({
      sts: sts.requests.length,
      sso: sso.portalRequests.length + sso.oidcRequests.length,
      container: container.requests.length,
      imds: imds.requests.length,
    });
    /** The fake a layer talks to, and how many requests it makes there. */
    const traffic: Partial<Record<Layer, Partial<ReturnType<typeof counts>>>> = {
      "assume-role": { sts: 1 },
      "web-identity": { sts: 1 },
      sso: { sso: 1 },
      container: { container: 1 },
      imds: { imds: 3 },
    };
    const winners: Record<Layer, () => Keys & { sessionToken?: string; expiration?: Date }> = {
      env: () => envKeys,
      "assume-role": () => sts.requests.at(-1)!.issued!,
      "web-identity": () => sts.requests.at(-1)!.issued!,
      sso: () => sso.issued.at(-1)!,
      "credentials-file": () => credsFileKeys,
      login: () => login,
      process: () => processKeys,
      "config-file": () => configKeys,
      container: () => container.issued.at(-1)!,
      imds: () => imds.issued.at(-1)!,
    };

    const on = new Set<Layer>(LAYERS);
    for (const layer of LAYERS) {
      const before = counts();
      const r = await runCli(["get"], { env: configure(on), stdin: REQUEST });
      const after = counts();
      expect({ layer, traffic: { sts: after.sts - before.sts, sso: after.sso - before.sso, container: after.container - before.container, imds: after.imds - before.imds } }).toEqual({
        layer,
        traffic: { sts: 0, sso: 0, container: 0, imds: 0, ...traffic[layer] },
      });
      if (layer === "assume-role") expect(sts.requests.at(-1)!.action).toBe("AssumeRole");
      if (layer === "web-identity") expect(sts.requests.at(-1)!.action).toBe("AssumeRoleWithWebIdentity");
      expectGetAnswer(r, winners[layer]());
      on.delete(layer);
    }

    // Nothing left, IMDS off.
    const none = await runCli(["get"], { env: configure(on), stdin: REQUEST });
    expect(none.code).toBe(1);
    expect(none.stderr).toStartWith("git-credential-codecommit: Unable to locate credentials");
    expectNoSecrets(none, [BASE.secretAccessKey, envKeys.secretAccessKey, login.secretAccessKey, accessToken]);
  });

  test("nothing configured and IMDS disabled: 'Unable to locate credentials', fast", async () => {
    const home = tempHome();
    const started = performance.now();
    const r = await runCli(["get"], { env: baseEnv(home), stdin: REQUEST });
    const ms = performance.now() - started;
    expectError(r, noCredentials(home, false));
    expect(ms).toBeLessThan(1000);
  });
});
