// Container credentials (ECS, EKS Pod Identity, CodeBuild) against a fake on
// 127.0.0.1 reached through AWS_CONTAINER_CREDENTIALS_FULL_URI: the request,
// the authorization token's sources, botocore's host rules and messages, and
// failure being fatal. The relative-URI form and link-local hosts are checked at
// the URL level only.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, RUNNERS, type Runner } from "../support/cli.ts";
import type { FakeContainer } from "../support/fake-container.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { startRecordingProxy } from "../support/recording-proxy.ts";
import { fakeCredentials, metadataDocument } from "../support/recording-server.ts";
import { containerUrl } from "../../src/aws/providers/container.ts";
import { expectError, expectGetAnswer, expectNoSecrets, expectSigned, fakeSts, REQUEST, ROLE_ARN, stopAfterTest } from "./helpers.ts";
import { fakeContainer, fakeImds, imdsEnv } from "./metadata-helpers.ts";

const PATH = "/v2/credentials/5ea1a4a1-5b0e-4b27-8b84-0c5e3e8b2d3f";
const AUTH_TOKEN = "containerAuthToken/EXAMPLE+RZ3Ns8xaq";
const ALLOWED = "169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost";

function containerEnv(home: string, container: FakeContainer, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseEnv(home), AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}${PATH}`, ...extra };
}

function containerSecrets(container: FakeContainer): string[] {
  return [AUTH_TOKEN, ...container.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken])];
}

/** The one-line error, without and with --debug. */
async function expectFailure(runCli: Runner, env: Record<string, string>, message: string, secrets: string[]) {
  const plain = await runCli(["get"], { env, stdin: REQUEST });
  expectError(plain, message);
  const debug = await runCli(["--debug", "get"], { env, stdin: REQUEST });
  expect(debug.stderr).toEndWith(`\ngit-credential-codecommit: ${message}\n`);
  expectNoSecrets(debug, secrets);
}

describe.each(RUNNERS)("container credentials (%s)", (_kind, runCli) => {
  test("GET the full URI with Accept and the env token as Authorization", async () => {
    const container = fakeContainer();
    const home = tempHome();
    const r = await runCli(["--debug", "get"], { env: containerEnv(home, container, { AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH_TOKEN }), stdin: REQUEST });
    expect(container.requests.length).toBe(1);
    const rec = container.requests[0]!;
    expect([rec.method, rec.path, rec.headers.accept, rec.headers.authorization]).toEqual(["GET", PATH, "application/json", AUTH_TOKEN]);
    expectGetAnswer(r, container.issued[0]!);
    expectNoSecrets(r, containerSecrets(container));
  });

  test("no token configured: no Authorization header", async () => {
    const container = fakeContainer();
    const home = tempHome();
    const r = await runCli(["get"], { env: containerEnv(home, container), stdin: REQUEST });
    expect(container.requests[0]!.headers.authorization).toBeUndefined();
    expectGetAnswer(r, container.issued[0]!);
  });

  test("the token file beats the env token, and is read again for every run", async () => {
    const container = fakeContainer();
    const home = tempHome();
    const file = join(tempDir(), "eks-pod-identity-token");
    const env = containerEnv(home, container, { AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file });
    writeFileSync(file, "podIdentityToken.first.EXAMPLE");
    const first = await runCli(["get"], { env, stdin: REQUEST });
    writeFileSync(file, "podIdentityToken.second.EXAMPLE");
    const second = await runCli(["get"], { env, stdin: REQUEST });
    expect(container.requests.map((q) => q.headers.authorization)).toEqual(["podIdentityToken.first.EXAMPLE", "podIdentityToken.second.EXAMPLE"]);
    expectGetAnswer(first, container.issued[0]!);
    expectGetAnswer(second, container.issued[1]!);
    expectNoSecrets(second, [...containerSecrets(container), "podIdentityToken.second.EXAMPLE"]);
  });

  describe("a token with a line break is not a legal header value: refused before any request", () => {
    test("in the env", async () => {
      const container = fakeContainer();
      const home = tempHome();
      const env = containerEnv(home, container, { AWS_CONTAINER_AUTHORIZATION_TOKEN: `${AUTH_TOKEN}\n` });
      await expectFailure(runCli, env, "Error when retrieving credentials from container-role: Auth token value is not a legal header value", [AUTH_TOKEN]);
      expect(container.requests).toEqual([]);
    });

    test("in the token file (a trailing newline, as botocore also refuses)", async () => {
      const container = fakeContainer();
      const home = tempHome();
      const file = join(tempDir(), "token");
      writeFileSync(file, `${AUTH_TOKEN}\n`);
      const env = containerEnv(home, container, { AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file });
      await expectFailure(runCli, env, "Error when retrieving credentials from container-role: Auth token value is not a legal header value", [AUTH_TOKEN]);
      expect(container.requests).toEqual([]);
    });
  });

  test("a plain-http host that is neither loopback nor an agent address: botocore's message, no request", async () => {
    const home = tempHome();
    const env = { ...baseEnv(home), AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://metadata.invalid/creds" };
    await expectFailure(
      runCli,
      env,
      `Error when retrieving credentials from container-role: Unsupported host 'metadata.invalid'.  Can only retrieve metadata from a loopback address or one of these hosts: ${ALLOWED}`,
      [],
    );
  });

  describe("a failing endpoint is fatal", () => {
    test("non-200: the status and body, once for a 4xx", async () => {
      const container = fakeContainer({ status: 403, body: '{"message":"Unauthorized: the token is for another task"}' });
      const home = tempHome();
      const env = containerEnv(home, container, { AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH_TOKEN });
      await expectFailure(
        runCli,
        env,
        'Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response 403 from container metadata: {"message":"Unauthorized: the token is for another task"}',
        [AUTH_TOKEN],
      );
      expect(container.requests.length).toBe(2); // one per run
    });

    test("5xx: three attempts, then the message", async () => {
      const container = fakeContainer({ status: 500, body: "agent restarting" });
      const home = tempHome();
      const r = await runCli(["get"], { env: containerEnv(home, container), stdin: REQUEST });
      expectError(r, "Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response 500 from container metadata: agent restarting");
      expect(container.requests.length).toBe(3);
    });

    test.each(["<html>proxy login</html>", "null"])("a body that is not a JSON object (%s)", async (body) => {
      const container = fakeContainer({ body });
      const home = tempHome();
      await expectFailure(
        runCli,
        containerEnv(home, container),
        "Error when retrieving credentials from container-role: Error retrieving metadata: Unable to parse JSON returned from container metadata services",
        [],
      );
    });

    test("JSON without keys", async () => {
      const container = fakeContainer({ body: '{"Code": "Success"}' });
      const home = tempHome();
      const r = await runCli(["get"], { env: containerEnv(home, container), stdin: REQUEST });
      expectError(r, "Error when retrieving credentials from container-role: the container endpoint's answer has no AccessKeyId and SecretAccessKey");
    });

    test("no fall-through to IMDS even when it is configured and would answer", async () => {
      const container = fakeContainer({ status: 404, body: "no such task" });
      const imds = fakeImds();
      const home = tempHome();
      const env = imdsEnv(home, imds, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}${PATH}` });
      const r = await runCli(["get"], { env, stdin: REQUEST });
      expectError(r, "Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response 404 from container metadata: no such task");
      expect(container.requests.length).toBe(1);
      expect(imds.requests).toEqual([]);
    });
  });

  test("container beats IMDS", async () => {
    const container = fakeContainer();
    const imds = fakeImds();
    const home = tempHome();
    const r = await runCli(["get"], { env: imdsEnv(home, imds, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}${PATH}` }), stdin: REQUEST });
    expectGetAnswer(r, container.issued[0]!);
    expect(imds.requests).toEqual([]);
  });

  test("credential_source = EcsContainer: the task role signs the AssumeRole", async () => {
    const task = fakeCredentials("ASIATASKROLE", new Date(Date.now() + 3600_000));
    const container = fakeContainer({ body: JSON.stringify(metadataDocument(task)) });
    const sts = await fakeSts({ identities: { [task.accessKeyId]: { secretAccessKey: task.secretAccessKey, sessionToken: task.sessionToken } } });
    const home = tempHome({ config: `[profile ecs]\nrole_arn = ${ROLE_ARN}\ncredential_source = EcsContainer\nregion = eu-west-2\n` });
    const env = containerEnv(home, container, { AWS_ENDPOINT_URL_STS: sts.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH_TOKEN });
    const r = await runCli(["--profile", "ecs", "get"], { env, stdin: REQUEST });
    expect(container.requests.map((q) => [q.path, q.headers.authorization])).toEqual([[PATH, AUTH_TOKEN]]);
    expect(sts.requests.length).toBe(1);
    expectSigned(sts.requests[0]!, task.accessKeyId, "eu-west-2", task.sessionToken);
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, [AUTH_TOKEN, task.secretAccessKey, task.sessionToken, sts.requests[0]!.issued!.secretAccessKey]);
  });

  test("HTTP_PROXY and HTTPS_PROXY with an empty NO_PROXY: the container and IMDS requests still go direct", async () => {
    const proxy = stopAfterTest(await startRecordingProxy());
    const proxies = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, http_proxy: proxy.url, NO_PROXY: "", no_proxy: "" };
    const home = tempHome();

    const container = fakeContainer();
    const viaContainer = await runCli(["get"], { env: containerEnv(home, container, proxies), stdin: REQUEST });
    expectGetAnswer(viaContainer, container.issued[0]!);

    const imds = fakeImds();
    const viaImds = await runCli(["get"], { env: imdsEnv(home, imds, proxies), stdin: REQUEST });
    expectGetAnswer(viaImds, imds.issued[0]!);
    expect(imds.requests.length).toBe(3);

    expect(proxy.requests).toEqual([]);
  });
});

describe("containerUrl: which URL, and which hosts are allowed (no request is sent)", () => {
  test("the relative URI goes to the ECS agent, and beats the full URI", () => {
    expect(containerUrl({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/abc" })).toBe("http://169.254.170.2/v2/credentials/abc");
    expect(
      containerUrl({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/abc", AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:8080/creds" }),
    ).toBe("http://169.254.170.2/v2/credentials/abc");
  });

  const allowed = [
    "https://metadata.invalid/creds",
    "https://10.1.2.3/creds",
    "http://127.0.0.1:51679/creds",
    "http://127.5.6.7/creds",
    "http://[::1]:8080/creds",
    "http://localhost/creds",
    "http://169.254.170.2/v1/credentials",
    "http://169.254.170.23/v1/credentials",
    "http://[fd00:ec2::23]/v1/credentials",
  ];
  test.each(allowed)("%s is allowed", (url) => {
    expect(containerUrl({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url })).toBe(url);
  });

  const refused: Array<[string, string]> = [
    ["http://metadata.invalid/x", "metadata.invalid"],
    ["http://10.1.2.3/creds", "10.1.2.3"],
    ["http://169.254.169.254/latest", "169.254.169.254"],
    ["http://localhost.invalid/creds", "localhost.invalid"],
  ];
  test.each(refused)("%s is refused", (url, host) => {
    expect(() => containerUrl({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url })).toThrow(
      `Error when retrieving credentials from container-role: Unsupported host '${host}'.  Can only retrieve metadata from a loopback address or one of these hosts: ${ALLOWED}`,
    );
  });
});
