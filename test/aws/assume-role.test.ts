// Profiles with role_arn, against a fake STS reached through AWS_ENDPOINT_URL_STS:
// who signs the AssumeRole call, for which region, with which parameters, what
// `get` prints with the role's credentials, and the CLI's exact configuration errors.
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS, type Runner } from "../support/cli.ts";
import { tempHome } from "../support/home.ts";
import {
  BASE,
  BASE_CREDENTIALS,
  expectDefaultSessionName,
  expectError,
  expectGetAnswer,
  expectNoSecrets,
  expectSigned,
  fakeSts,
  issuedSecrets,
  REQUEST,
  stopAfterTest,
  ROLE_ARN,
  stsEnv,
} from "./helpers.ts";

const ROLE_PROFILE = `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\n`;
const ENV_KEYS = { AWS_ACCESS_KEY_ID: "AKIDENVEXAMPLE", AWS_SECRET_ACCESS_KEY: "envSecretKey/EXAMPLEKEYEXAMPLEKEY" };

/** Fails the same way without and with --debug, and says nothing secret either way. */
async function expectFailure(
  runCli: Runner,
  args: string[],
  env: Record<string, string>,
  message: string,
  secrets: string[] = [BASE.secretAccessKey],
) {
  const plain = await runCli(args, { env, stdin: REQUEST });
  expectError(plain, message);
  const debug = await runCli(["--debug", ...args], { env, stdin: REQUEST });
  expect(debug.code).toBe(1);
  expect(debug.stdout).toBe("");
  expect(debug.stderr).toEndWith(`\ngit-credential-codecommit: ${message}\n`);
  expectNoSecrets(debug, secrets);
}

describe.each(RUNNERS)("assume-role (%s)", (_kind, runCli) => {
  describe("one AssumeRole, signed with the source profile's keys for the session region", () => {
    // The source profile's own region and the CodeCommit host's region never count.
    const cases: Array<[string, string[], Record<string, string>, string]> = [
      ["the selected profile's region", [], {}, "us-west-2"],
      ["AWS_DEFAULT_REGION", [], { AWS_DEFAULT_REGION: "ap-south-1" }, "ap-south-1"],
      ["AWS_REGION", [], { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "ap-south-1" }, "eu-west-1"],
      ["--region", ["--region", "ca-central-1"], { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "ap-south-1" }, "ca-central-1"],
    ];
    test.each(cases)("region from %s", async (_name, flags, extra, region) => {
      const sts = await fakeSts();
      const home = tempHome({ config: ROLE_PROFILE, credentials: `${BASE_CREDENTIALS}region = sa-east-1\n` });
      const started = Date.now();
      const r = await runCli(["--profile", "role", ...flags, "--debug", "get"], { env: stsEnv(home, sts, extra), stdin: REQUEST });
      expect(sts.requests.length).toBe(1);
      const rec = sts.requests[0]!;
      expectSigned(rec, BASE.accessKeyId, region);
      const name = rec.params.RoleSessionName;
      expectDefaultSessionName(name, started);
      expect(rec.body).toBe(`Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&RoleSessionName=${name}`);
      expectGetAnswer(r, rec.issued!);
      expect(r.stderr).toContain(`[debug] sts: AssumeRole at ${sts.url} (signing region ${region})`);
      expectNoSecrets(r, [BASE.secretAccessKey, ...issuedSecrets(sts)]);
    });
  });

  test("role_session_name, external_id and duration_seconds are sent, RFC 3986-encoded", async () => {
    const sts = await fakeSts();
    const home = tempHome({
      config:
        `[profile role2]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nrole_session_name = mysess\n` +
        `external_id = ext-123\nduration_seconds = 3600\n` +
        `[profile odd]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nexternal_id = a b+c/d=e~f\nduration_seconds = soon\n` +
        `[profile underscored]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nduration_seconds = 1_800\n` +
        `[profile exponent]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nduration_seconds = 1e3\n`,
      credentials: BASE_CREDENTIALS,
    });
    const env = stsEnv(home, sts, { AWS_REGION: "us-east-1" });
    const r = await runCli(["--profile", "role2", "get"], { env, stdin: REQUEST });
    expect(sts.requests[0]!.params).toEqual({
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: ROLE_ARN,
      RoleSessionName: "mysess",
      ExternalId: "ext-123",
      DurationSeconds: "3600",
    });
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-east-1");
    expectGetAnswer(r, sts.requests[0]!.issued!);

    // A duration that is not an integer is left out, as botocore ignores it.
    const odd = await runCli(["--profile", "odd", "get"], { env, stdin: REQUEST });
    const rec = sts.requests[1]!;
    expect(rec.body).toBe(
      `Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&ExternalId=a%20b%2Bc%2Fd%3De~f&RoleSessionName=${rec.params.RoleSessionName}`,
    );
    expectGetAnswer(odd, rec.issued!);
    expectNoSecrets(odd, [BASE.secretAccessKey, ...issuedSecrets(sts)]);

    // Read as Python's int() reads it: 1_800 is 1800; 1e3 is no integer at all.
    await runCli(["--profile", "underscored", "get"], { env, stdin: REQUEST });
    expect(sts.requests[2]!.params.DurationSeconds).toBe("1800");
    await runCli(["--profile", "exponent", "get"], { env, stdin: REQUEST });
    expect(sts.requests[3]!.params.DurationSeconds).toBeUndefined();
  });

  test("a source profile's session token is sent and signed as X-Amz-Security-Token", async () => {
    const token = "FwoGZXIvYXdzEBaaDBASETOKEN/+=EXAMPLE";
    const sts = await fakeSts({ identities: { AKIDTEMPBASE: { secretAccessKey: "tempBaseSecret/EXAMPLE", sessionToken: token } } });
    const home = tempHome({
      config: ROLE_PROFILE,
      credentials: `[base]\naws_access_key_id = AKIDTEMPBASE\naws_secret_access_key = tempBaseSecret/EXAMPLE\naws_session_token = ${token}\n`,
    });
    const r = await runCli(["--profile", "role", "--debug", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    expectSigned(sts.requests[0]!, "AKIDTEMPBASE", "us-west-2", token);
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, ["tempBaseSecret/EXAMPLE", token, ...issuedSecrets(sts)]);
  });

  test("chained source profiles A → B → C: each hop signed with the previous hop's credentials, each cached", async () => {
    const sts = await fakeSts();
    const home = tempHome({
      config:
        `[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\nregion = eu-central-1\n` +
        `[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = c\nregion = ap-northeast-1\n` +
        `[profile c]\nregion = sa-east-1\n`,
      credentials: `[c]\naws_access_key_id = ${BASE.accessKeyId}\naws_secret_access_key = ${BASE.secretAccessKey}\n`,
    });
    const env = stsEnv(home, sts);
    const r = await runCli(["--profile", "a", "--debug", "get"], { env, stdin: REQUEST });
    expect(sts.requests.map((q) => q.params.RoleArn)).toEqual(["arn:aws:iam::123456789012:role/b", "arn:aws:iam::123456789012:role/a"]);
    const [hopB, hopA] = sts.requests as [(typeof sts.requests)[0], (typeof sts.requests)[0]];
    expectSigned(hopB, BASE.accessKeyId, "eu-central-1");
    expectSigned(hopA, hopB.issued!.accessKeyId, "eu-central-1", hopB.issued!.sessionToken);
    expectGetAnswer(r, hopA.issued!);
    expectNoSecrets(r, [BASE.secretAccessKey, ...issuedSecrets(sts)]);

    const again = await runCli(["--profile", "a", "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(2);
    expectGetAnswer(again, hopA.issued!);
    // Profile b alone: its hop is already in the cache.
    const b = await runCli(["--profile", "b", "get"], { env, stdin: REQUEST });
    expect(sts.requests.length).toBe(2);
    expectGetAnswer(b, hopB.issued!);
  });

  test("a profile may name itself as source_profile to mean its own static keys", async () => {
    const sts = await fakeSts();
    const home = tempHome({
      config: `[profile self]\nrole_arn = ${ROLE_ARN}\nsource_profile = self\nregion = us-east-2\n`,
      credentials: `[self]\naws_access_key_id = ${BASE.accessKeyId}\naws_secret_access_key = ${BASE.secretAccessKey}\n`,
    });
    const r = await runCli(["--profile", "self", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-east-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  describe("configuration errors use the CLI's exact messages and never call STS", () => {
    const cases: Array<[string, string, string, string]> = [
      [
        "a cycle",
        `[profile cyc1]\nrole_arn = ${ROLE_ARN}\nsource_profile = cyc2\n[profile cyc2]\nrole_arn = ${ROLE_ARN}2\nsource_profile = cyc1\n`,
        "cyc1",
        "Infinite loop in credential configuration detected. Attempting to load from profile cyc1 which has already been visited. Visited profiles: ['cyc1', 'cyc2']",
      ],
      [
        "a profile naming itself without keys of its own",
        `[profile loop]\nrole_arn = ${ROLE_ARN}\nsource_profile = loop\n`,
        "loop",
        "Infinite loop in credential configuration detected. Attempting to load from profile loop which has already been visited. Visited profiles: ['loop']",
      ],
      [
        "both source_profile and credential_source",
        `[profile both]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\ncredential_source = Environment\n`,
        "both",
        'The profile "both" contains both source_profile and credential_source.',
      ],
      [
        "neither source_profile nor credential_source",
        `[profile neither]\nrole_arn = ${ROLE_ARN}\n`,
        "neither",
        "Partial credentials found in assume-role, missing: source_profile or credential_source",
      ],
      [
        "an unknown source profile",
        `[profile orphan]\nrole_arn = ${ROLE_ARN}\nsource_profile = ghost\n`,
        "orphan",
        'The source_profile "ghost" referenced in the profile "orphan" does not exist.',
      ],
      [
        "a bad credential_source",
        `[profile bad]\nrole_arn = ${ROLE_ARN}\ncredential_source = Ec2Metadata\n`,
        "bad",
        'The credential source "Ec2Metadata" referenced in profile "bad" is not valid.',
      ],
      [
        "a credential_source in the wrong case",
        `[profile lower]\nrole_arn = ${ROLE_ARN}\ncredential_source = environment\n`,
        "lower",
        'The credential source "environment" referenced in profile "lower" is not valid.',
      ],
      [
        "a source profile without credentials",
        `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = empty\n[profile empty]\nregion = us-east-1\n`,
        "role",
        'The source profile "empty" must have credentials.',
      ],
      [
        "credential_source = Environment with no env keys",
        `[profile fromenv]\nrole_arn = ${ROLE_ARN}\ncredential_source = Environment\n`,
        "fromenv",
        "Error when retrieving credentials from Environment: No credentials found in credential_source referenced in profile fromenv",
      ],
      [
        "credential_source = Ec2InstanceMetadata with IMDS disabled",
        `[profile ec2]\nrole_arn = ${ROLE_ARN}\ncredential_source = Ec2InstanceMetadata\n`,
        "ec2",
        "Error when retrieving credentials from Ec2InstanceMetadata: No credentials found in credential_source referenced in profile ec2",
      ],
      [
        "credential_source = EcsContainer outside a container, one hop down the chain",
        `[profile top]\nrole_arn = ${ROLE_ARN}\nsource_profile = ecs\n[profile ecs]\nrole_arn = ${ROLE_ARN}2\ncredential_source = EcsContainer\n`,
        "top",
        "Error when retrieving credentials from EcsContainer: No credentials found in credential_source referenced in profile ecs",
      ],
    ];
    test.each(cases)("%s", async (_name, config, profile, message) => {
      const sts = await fakeSts();
      const home = tempHome({ config, credentials: BASE_CREDENTIALS });
      await expectFailure(runCli, ["--profile", profile, "get"], stsEnv(home, sts, { AWS_REGION: "us-east-1" }), message);
      expect(sts.requests).toEqual([]);
    });
  });

  test("credential_source = Environment signs with the env keys, even under --profile", async () => {
    const sts = await fakeSts({
      identities: { [ENV_KEYS.AWS_ACCESS_KEY_ID]: { secretAccessKey: ENV_KEYS.AWS_SECRET_ACCESS_KEY, sessionToken: "envSessionToken/EXAMPLE+" } },
    });
    const home = tempHome({ config: `[profile fromenv]\nrole_arn = ${ROLE_ARN}\ncredential_source = Environment\nregion = eu-west-2\n` });
    const env = stsEnv(home, sts, { ...ENV_KEYS, AWS_SESSION_TOKEN: "envSessionToken/EXAMPLE+" });
    const r = await runCli(["--profile", "fromenv", "get"], { env, stdin: REQUEST });
    expectSigned(sts.requests[0]!, ENV_KEYS.AWS_ACCESS_KEY_ID, "eu-west-2", "envSessionToken/EXAMPLE+");
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, [ENV_KEYS.AWS_SECRET_ACCESS_KEY, "envSessionToken/EXAMPLE+", ...issuedSecrets(sts)]);
  });

  test("credential_source = EcsContainer signs with the container endpoint's credentials", async () => {
    const container = { AccessKeyId: "ASIACONTAINEREXAMPLE", SecretAccessKey: "containerSecret/EXAMPLE", Token: "containerToken/EXAMPLE+=", Expiration: new Date(Date.now() + 3600_000).toISOString() };
    const endpoint = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => (req.headers.get("authorization") === "container-auth" ? Response.json(container) : new Response("denied", { status: 401 })),
    });
    stopAfterTest({ stop: () => endpoint.stop(true) });
    const sts = await fakeSts({ identities: { [container.AccessKeyId]: { secretAccessKey: container.SecretAccessKey, sessionToken: container.Token } } });
    const home = tempHome({ config: `[profile ecs]\nrole_arn = ${ROLE_ARN}\ncredential_source = EcsContainer\nregion = us-east-2\n` });
    const env = stsEnv(home, sts, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${endpoint.port}/creds`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: "container-auth",
    });
    const r = await runCli(["--profile", "ecs", "--debug", "get"], { env, stdin: REQUEST });
    expectSigned(sts.requests[0]!, container.AccessKeyId, "us-east-2", container.Token);
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, [container.SecretAccessKey, container.Token, ...issuedSecrets(sts)]);
  });

  test("credential_source = Ec2InstanceMetadata signs with the instance role's credentials", async () => {
    const instance = { Code: "Success", Type: "AWS-HMAC", AccessKeyId: "ASIAINSTANCEEXAMPLE", SecretAccessKey: "instanceSecret/EXAMPLE", Token: "instanceToken/EXAMPLE+=", Expiration: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z") };
    const imds = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => {
        const path = new URL(req.url).pathname;
        if (req.method === "PUT" && path === "/latest/api/token") return new Response("imds-session-token");
        if (req.headers.get("x-aws-ec2-metadata-token") !== "imds-session-token") return new Response("", { status: 401 });
        if (path === "/latest/meta-data/iam/security-credentials/") return new Response("ec2-role");
        if (path === "/latest/meta-data/iam/security-credentials/ec2-role") return Response.json(instance);
        return new Response("", { status: 404 });
      },
    });
    stopAfterTest({ stop: () => imds.stop(true) });
    const sts = await fakeSts({ identities: { [instance.AccessKeyId]: { secretAccessKey: instance.SecretAccessKey, sessionToken: instance.Token } } });
    const home = tempHome({ config: `[profile ec2]\nrole_arn = ${ROLE_ARN}\ncredential_source = Ec2InstanceMetadata\nregion = eu-west-3\n` });
    const env = stsEnv(home, sts, { AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${imds.port}/` });
    const r = await runCli(["--profile", "ec2", "--debug", "get"], { env, stdin: REQUEST });
    expectSigned(sts.requests[0]!, instance.AccessKeyId, "eu-west-3", instance.Token);
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, [instance.SecretAccessKey, instance.Token, ...issuedSecrets(sts)]);
  });

  describe("answers with less than 15 minutes left", () => {
    test("fetched once more, then used with a warning; only the short role is fetched again, not its source hop", async () => {
      const short = new Date(Math.floor((Date.now() + 10 * 60_000) / 1000) * 1000);
      const sts = await fakeSts({ behaviour: { expiration: (params) => (params.RoleArn === ROLE_ARN ? short : undefined) } });
      const home = tempHome({
        config: `${ROLE_PROFILE}[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = role\nregion = us-west-2\n`,
        credentials: BASE_CREDENTIALS,
      });
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expect(sts.requests.length).toBe(2);
      expect(r.stderr).toBe(
        `git-credential-codecommit: warning: the credentials from assume-role expire in 10 minutes (${short.toISOString()}); renew them soon\n`,
      );
      expectGetAnswer({ ...r, stderr: "" }, { ...sts.requests[1]!.issued!, expiration: short });

      // A short-lived top role over an hour-long hop: the hop's entry serves both of the top's calls.
      sts.behaviour.expiration = (params) => (params.RoleArn!.endsWith("/top") ? short : undefined);
      rmSync(join(home, ".aws", "cli", "cache"), { recursive: true });
      const top = await runCli(["--profile", "top", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expect(sts.requests.slice(2).map((q) => q.params.RoleArn)).toEqual([ROLE_ARN, "arn:aws:iam::123456789012:role/top", "arn:aws:iam::123456789012:role/top"]);
      expect(top.code).toBe(0);
    });

    test("already expired, twice: the CLI's message", async () => {
      const sts = await fakeSts({ behaviour: { expiration: new Date(Date.now() - 60_000) } });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expectError(r, "Credentials were refreshed, but the refreshed credentials are still expired.");
      expect(sts.requests.length).toBe(2);
    });
  });

  describe("STS failures", () => {
    test("an error document is reported as the CLI reports it, once, without retrying a 4xx", async () => {
      const sts = await fakeSts({
        behaviour: {
          error: {
            status: 403,
            code: "AccessDenied",
            message: `User: arn:aws:iam::123456789012:user/base is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`,
          },
        },
      });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      await expectFailure(
        runCli,
        ["--profile", "role", "get"],
        stsEnv(home, sts),
        `An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/base ` +
          `is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`,
      );
      expect(sts.requests.length).toBe(2); // one per run
    });

    test("5xx twice, then 200: retried and succeeds", async () => {
      const sts = await fakeSts({ behaviour: { failures: 2 } });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expect(sts.requests.map((q) => q.status)).toEqual([500, 500, 200]);
      for (const q of sts.requests) expectSigned({ ...q, status: 200 }, BASE.accessKeyId, "us-west-2");
      expectGetAnswer(r, sts.requests[2]!.issued!);
      expect(r.stderr).toBe("");
    });

    test("throttling is retried too", async () => {
      const sts = await fakeSts({ behaviour: { failures: 1, failure: { status: 400, code: "Throttling", message: "Rate exceeded" } } });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expect(sts.requests.map((q) => q.status)).toEqual([400, 200]);
      expectGetAnswer(r, sts.requests[1]!.issued!);
    });

    test("5xx every time: the last error after three attempts", async () => {
      const sts = await fakeSts({ behaviour: { failures: 10 } });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expectError(r, "An error occurred (InternalError) when calling the AssumeRole operation: An internal error has occurred");
      expect(sts.requests.length).toBe(3);
    });

    test("connection refused: one clear line", async () => {
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" };
      await expectFailure(
        runCli,
        ["--profile", "role", "get"],
        env,
        'Could not connect to the endpoint URL: "http://127.0.0.1:9/" (ECONNREFUSED: Unable to connect. Is the computer able to access the url?)',
      );
    });

    test("a 200 whose Expiration is not a time is an error, not a crash", async () => {
      const sts = await fakeSts({ behaviour: { expirationText: "soon" } });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const r = await runCli(["--profile", "role", "get"], { env: stsEnv(home, sts), stdin: REQUEST });
      expectError(r, 'the AssumeRole response has an Expiration that is not a time: "soon"');
      expectNoSecrets(r, [BASE.secretAccessKey, ...issuedSecrets(sts)]);
    });

    test("a 200 that is not STS at all (a captive portal) is an error, not a crash", async () => {
      const portal = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("<html><body>Sign in to the Wi-Fi</body></html>") });
      stopAfterTest({ stop: () => portal.stop(true) });
      const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
      const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${portal.port}` };
      const r = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
      expectError(r, "the AssumeRole response has no Expiration");
    });
  });
});
