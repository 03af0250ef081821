// EC2 instance metadata against a fake on 127.0.0.1 (AWS_EC2_METADATA_SERVICE_ENDPOINT):
// the IMDSv2 token and the v1 fallback, the region from the availability zone,
// the switches that turn it off, the time bound when nothing answers, and the
// 15-minute expiry policy. Link-local addresses appear only in URL-level checks.
import { describe, expect, test } from "bun:test";
import { baseEnv, RUNNERS, testContext, type RunResult } from "../support/cli.ts";
import { AZ_PATH, ROLES_PATH, TOKEN_PATH, type FakeImds } from "../support/fake-imds.ts";
import { tempHome } from "../support/home.ts";
import { fakeCredentials, metadataDocument } from "../support/recording-server.ts";
import { openSession } from "../../src/aws/session.ts";
import { imdsFor } from "../../src/aws/imds.ts";
import { expectError, expectGetAnswer, expectNoSecrets, expectSigned, fakeSts, REQUEST, ROLE_ARN } from "./helpers.ts";
import { expectPlainHostAnswer, fakeImds, imdsEnv, noCredentials, PLAIN_HOST, PLAIN_REQUEST } from "./metadata-helpers.ts";

const ROLE_CREDS_PATH = `${ROLES_PATH}codecommit-role`;
const V1_DISABLED = "Error retrieving metadata: Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled";

function imdsSecrets(imds: FakeImds): string[] {
  return [...imds.tokens, ...imds.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken])];
}

/** Method, path and token header of each request, in order. */
function flow(imds: FakeImds): Array<[string, string, string | undefined]> {
  return imds.requests.map((q) => [q.method, q.path, q.headers["x-aws-ec2-metadata-token"]]);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

describe.each(RUNNERS)("imds (%s)", (_kind, runCli) => {
  test("IMDSv2: one token, then the role and its credentials with it; no region lookup when the host names one", async () => {
    const imds = fakeImds();
    const home = tempHome();
    const r = await runCli(["--debug", "get"], { env: imdsEnv(home, imds), stdin: REQUEST });
    const token = imds.tokens[0]!;
    expect(flow(imds)).toEqual([
      ["PUT", TOKEN_PATH, undefined],
      ["GET", ROLES_PATH, token],
      ["GET", ROLE_CREDS_PATH, token],
    ]);
    expect(imds.requests[0]!.headers["x-aws-ec2-metadata-token-ttl-seconds"]).toBe("21600");
    expect(imds.calls("GET", AZ_PATH)).toEqual([]);
    expectGetAnswer(r, imds.issued[0]!);
    expectNoSecrets(r, imdsSecrets(imds));
  });

  test.each([403, 404, 405] as const)("token answered %d: IMDSv1, no token header afterwards", async (status) => {
    const imds = fakeImds({ tokenStatus: status });
    const home = tempHome();
    const r = await runCli(["--debug", "get"], { env: imdsEnv(home, imds), stdin: REQUEST });
    expect(flow(imds)).toEqual([
      ["PUT", TOKEN_PATH, undefined],
      ["GET", ROLES_PATH, undefined],
      ["GET", ROLE_CREDS_PATH, undefined],
    ]);
    expectGetAnswer(r, imds.issued[0]!);
    expectNoSecrets(r, imdsSecrets(imds));
  });

  test("a metadata service without the token API (v1 only)", async () => {
    const imds = fakeImds({ v1Only: true });
    const home = tempHome();
    const r = await runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST });
    expect(flow(imds)).toEqual([
      ["PUT", TOKEN_PATH, undefined],
      ["GET", ROLES_PATH, undefined],
      ["GET", ROLE_CREDS_PATH, undefined],
    ]);
    expectGetAnswer(r, imds.issued[0]!);
  });

  test("token answered 400: no credentials from IMDS, and no further request", async () => {
    const imds = fakeImds({ tokenStatus: 400 });
    const home = tempHome();
    const r = await runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST });
    expectError(r, noCredentials(home, true));
    expect(flow(imds)).toEqual([["PUT", TOKEN_PATH, undefined]]);
  });

  test("an instance with no role: no credentials", async () => {
    const imds = fakeImds({ roleName: undefined });
    const home = tempHome();
    const r = await runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST });
    expectError(r, noCredentials(home, true));
    expect(flow(imds).map(([m, p]) => [m, p])).toEqual([["PUT", TOKEN_PATH], ["GET", ROLES_PATH]]);
  });

  const unusable: Array<[string, Record<string, unknown> | string]> = [
    ["an error document", { Code: "AssumeRoleUnauthorizedAccess", Message: "EC2 cannot assume the role", LastUpdated: "2026-01-01T00:00:00Z" }],
    ["an Expiration that is not a time", { ...metadataDocument(fakeCredentials("ASIAIMDS", new Date())), Expiration: "soon" }],
    ["JSON null", "null"],
    ["not JSON", "<html>captive portal</html>"],
  ];
  test.each(unusable)("%s instead of credentials: no credentials", async (_name, document) => {
    const imds = fakeImds({ document });
    const home = tempHome();
    const r = await runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST });
    expectError(r, noCredentials(home, true));
    expect(imds.calls("GET", ROLE_CREDS_PATH).length).toBe(1);
  });

  describe("IMDSv1 disabled and no token: the CLI's error", () => {
    const cases: Array<[string, string | undefined, Record<string, string>]> = [
      ["AWS_EC2_METADATA_V1_DISABLED=true", undefined, { AWS_EC2_METADATA_V1_DISABLED: "true" }],
      ["ec2_metadata_v1_disabled = true", "[default]\nec2_metadata_v1_disabled = true\n", {}],
    ];
    test.each(cases)("%s", async (_name, config, extra) => {
      const imds = fakeImds({ tokenStatus: 403 });
      const home = tempHome({ config });
      const r = await runCli(["get"], { env: imdsEnv(home, imds, extra), stdin: REQUEST });
      expectError(r, V1_DISABLED);
      expect(flow(imds)).toEqual([["PUT", TOKEN_PATH, undefined]]);

      // With a token, v1 being off changes nothing.
      imds.behaviour.tokenStatus = 200;
      const ok = await runCli(["get"], { env: imdsEnv(home, imds, extra), stdin: REQUEST });
      expectGetAnswer(ok, imds.issued[0]!);
    });
  });

  test("AWS_EC2_METADATA_DISABLED=true (any case): not one request", async () => {
    const imds = fakeImds();
    const home = tempHome();
    for (const value of ["true", "TRUE"]) {
      const r = await runCli(["get"], { env: imdsEnv(home, imds, { AWS_EC2_METADATA_DISABLED: value }), stdin: REQUEST });
      expectError(r, noCredentials(home, false));
    }
    expect(imds.requests).toEqual([]);
  });

  describe("region", () => {
    test("from the availability zone when nothing else names one, sharing the credentials' token", async () => {
      const imds = fakeImds({ availabilityZone: "ap-southeast-2b" });
      const home = tempHome();
      const r = await runCli(["--ignore-host-check", "--debug", "get"], { env: imdsEnv(home, imds), stdin: PLAIN_REQUEST });
      const token = imds.tokens[0]!;
      expect(imds.tokens.length).toBe(1);
      expect(flow(imds)).toEqual([
        ["PUT", TOKEN_PATH, undefined],
        ["GET", AZ_PATH, token],
        ["GET", ROLES_PATH, token],
        ["GET", ROLE_CREDS_PATH, token],
      ]);
      expect(r.stderr).toContain("[debug] region: ap-southeast-2 (from EC2 instance metadata)\n");
      expectPlainHostAnswer(r, imds.issued[0]!, "ap-southeast-2");
      expectNoSecrets(r, imdsSecrets(imds));
    });

    test("a configured region wins: no availability zone lookup", async () => {
      const imds = fakeImds();
      const home = tempHome({ config: "[default]\nregion = eu-north-1\n" });
      const r = await runCli(["--ignore-host-check", "get"], { env: imdsEnv(home, imds), stdin: PLAIN_REQUEST });
      expect(imds.calls("GET", AZ_PATH)).toEqual([]);
      expectPlainHostAnswer(r, imds.issued[0]!, "eu-north-1");
    });
  });

  test("credential_source = Ec2InstanceMetadata: the instance role signs the AssumeRole", async () => {
    const instance = fakeCredentials("ASIAIMDSSOURCE", new Date(Date.now() + 6 * 3600_000));
    const imds = fakeImds({ document: { Code: "Success", Type: "AWS-HMAC", ...metadataDocument(instance) } });
    const sts = await fakeSts({
      identities: { [instance.accessKeyId]: { secretAccessKey: instance.secretAccessKey, sessionToken: instance.sessionToken } },
    });
    const home = tempHome({ config: `[profile ec2]\nrole_arn = ${ROLE_ARN}\ncredential_source = Ec2InstanceMetadata\nregion = eu-west-2\n` });
    const r = await runCli(["--profile", "ec2", "get"], { env: imdsEnv(home, imds, { AWS_ENDPOINT_URL_STS: sts.url }), stdin: REQUEST });
    expect(flow(imds).map(([m, p]) => [m, p])).toEqual([["PUT", TOKEN_PATH], ["GET", ROLES_PATH], ["GET", ROLE_CREDS_PATH]]);
    expect(sts.requests.length).toBe(1);
    expectSigned(sts.requests[0]!, instance.accessKeyId, "eu-west-2", instance.sessionToken);
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, [instance.secretAccessKey, instance.sessionToken, sts.requests[0]!.issued!.secretAccessKey]);
  });

  describe("a metadata endpoint that accepts connections and never answers", () => {
    test("credentials only: 'Unable to locate credentials' within the time bound", async () => {
      const imds = fakeImds({ hang: true });
      const home = tempHome();
      const [r, ms] = await timed(() => runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST }));
      expectError(r, noCredentials(home, true));
      expect(ms).toBeLessThan(3000);
      expect(imds.calls("GET", AZ_PATH)).toEqual([]);
    });

    test("longer timeouts and more attempts in the settings don't stretch the bound", async () => {
      const imds = fakeImds({ hang: true });
      const home = tempHome();
      const env = imdsEnv(home, imds, { AWS_METADATA_SERVICE_TIMEOUT: "5", AWS_METADATA_SERVICE_NUM_ATTEMPTS: "3" });
      const [r, ms] = await timed(() => runCli(["get"], { env, stdin: REQUEST }));
      expectError(r, noCredentials(home, true));
      expect(ms).toBeLessThan(3000);
    });

    test("region and credentials both from IMDS, only the zone answering: still within the bound", async () => {
      const imds = fakeImds({ hang: (path) => path !== AZ_PATH });
      const home = tempHome();
      const [r, ms] = await timed(() => runCli(["--ignore-host-check", "get"], { env: imdsEnv(home, imds), stdin: PLAIN_REQUEST }));
      expectError(r, noCredentials(home, true));
      expect(ms).toBeLessThan(3000);
      // The token timed out, so the zone was read with IMDSv1; then the role lookup ran into the deadline.
      expect(flow(imds).slice(0, 2)).toEqual([
        ["PUT", TOKEN_PATH, undefined],
        ["GET", AZ_PATH, undefined],
      ]);
    });

    test("region and credentials both needed, nothing answering: the region error, within the bound", async () => {
      const imds = fakeImds({ hang: true });
      const home = tempHome();
      const [r, ms] = await timed(() => runCli(["--ignore-host-check", "get"], { env: imdsEnv(home, imds), stdin: PLAIN_REQUEST }));
      expectError(
        r,
        `No region: the host ${PLAIN_HOST} does not name one; set --region, AWS_REGION, AWS_DEFAULT_REGION or the profile's region`,
      );
      expect(ms).toBeLessThan(3000);
    });
  });

  describe("the 15-minute expiry policy", () => {
    test("less than 15 minutes left: fetched once more, then used with a warning; the password expires with them", async () => {
      const expiration = new Date(Math.floor((Date.now() + 10 * 60_000 - 30_000) / 1000) * 1000);
      const imds = fakeImds({ expiration });
      const home = tempHome();
      const r: RunResult = await runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST });
      expect(imds.calls("GET", ROLE_CREDS_PATH).length).toBe(2);
      expect(imds.tokens.length).toBe(1);
      const used = imds.issued[1]!;
      expectGetAnswer(r, used);
      expect(r.stdout).toContain(`\npassword_expiry_utc=${expiration.getTime() / 1000}\n`);
      expect(r.stderr).toBe(
        `git-credential-codecommit: warning: the credentials from iam-role (codecommit-role) expire in 10 minutes ` +
          `(${expiration.toISOString()}); renew them soon\n`,
      );
      expectNoSecrets(r, imdsSecrets(imds));
    });

    test("still expired after the second fetch: the CLI's error", async () => {
      const imds = fakeImds({ expiration: new Date(Date.now() - 60_000) });
      const home = tempHome();
      const r = await runCli(["get"], { env: imdsEnv(home, imds), stdin: REQUEST });
      expectError(r, "Credentials were refreshed, but the refreshed credentials are still expired.");
      expect(imds.calls("GET", ROLE_CREDS_PATH).length).toBe(2);
      expectNoSecrets(r, imdsSecrets(imds));
    });
  });

  describe("endpoint settings", () => {
    test("an invalid endpoint mode: the CLI's message, and no request", async () => {
      const imds = fakeImds();
      const home = tempHome();
      const r = await runCli(["get"], { env: imdsEnv(home, imds, { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "ipv5" }), stdin: REQUEST });
      expectError(r, "Invalid EC2 Instance Metadata endpoint mode: ipv5 Valid endpoint modes (case-insensitive): ('ipv4', 'ipv6').");
      expect(imds.requests).toEqual([]);
    });

    test("an endpoint that is not a URL: the CLI's message", async () => {
      const home = tempHome();
      const env = { ...baseEnv(home), AWS_EC2_METADATA_SERVICE_ENDPOINT: "metadata.invalid" };
      delete (env as Record<string, string | undefined>).AWS_EC2_METADATA_DISABLED;
      const r = await runCli(["get"], { env, stdin: REQUEST });
      expectError(r, "Invalid endpoint EC2 Instance Metadata endpoint: metadata.invalid");
    });
  });
});

describe("imdsFor: the endpoint chosen from the settings (no request is sent)", () => {
  function session(env: Record<string, string>, config?: string) {
    const home = tempHome({ config });
    const ctx = testContext({ HOME: home, AWS_CONFIG_FILE: `${home}/.aws/config`, AWS_SHARED_CREDENTIALS_FILE: `${home}/.aws/credentials`, ...env });
    return openSession(ctx, {});
  }

  const cases: Array<[string, Record<string, string>, string | undefined, string | null]> = [
    ["the default", {}, undefined, "http://169.254.169.254/"],
    ["endpoint mode IPv6 (any case)", { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" }, undefined, "http://[fd00:ec2::254]/"],
    ["ec2_metadata_service_endpoint_mode = ipv6", {}, "[default]\nec2_metadata_service_endpoint_mode = ipv6\n", "http://[fd00:ec2::254]/"],
    ["the legacy AWS_IMDS_USE_IPV6", { AWS_IMDS_USE_IPV6: "true" }, undefined, "http://[fd00:ec2::254]/"],
    ["mode ipv4 over the legacy flag", { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "ipv4", AWS_IMDS_USE_IPV6: "true" }, undefined, "http://169.254.169.254/"],
    [
      "an explicit endpoint over the mode, with a slash added",
      { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "ipv6", AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://metadata.invalid:8080" },
      undefined,
      "http://metadata.invalid:8080/",
    ],
    ["ec2_metadata_service_endpoint", {}, "[default]\nec2_metadata_service_endpoint = http://metadata.invalid/\n", "http://metadata.invalid/"],
    ["disabled", { AWS_EC2_METADATA_DISABLED: "true", AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "ipv6" }, undefined, null],
  ];
  test.each(cases)("%s", async (_name, env, config, base) => {
    const client = imdsFor(await session(env, config));
    expect(client === null ? null : client.base).toBe(base);
  });

  test("timeout and attempts from the settings, with the defaults for nonsense", async () => {
    const tuned = imdsFor(await session({ AWS_METADATA_SERVICE_TIMEOUT: "2", AWS_METADATA_SERVICE_NUM_ATTEMPTS: "3" }))!;
    expect([tuned.timeoutMs, tuned.attempts]).toEqual([2000, 3]);
    const fromConfig = imdsFor(await session({}, "[default]\nmetadata_service_timeout = 0.5\nmetadata_service_num_attempts = 2\n"))!;
    expect([fromConfig.timeoutMs, fromConfig.attempts]).toEqual([500, 2]);
    const nonsense = imdsFor(await session({ AWS_METADATA_SERVICE_TIMEOUT: "soon", AWS_METADATA_SERVICE_NUM_ATTEMPTS: "-1" }))!;
    expect([nonsense.timeoutMs, nonsense.attempts]).toEqual([1000, 1]);
  });
});
