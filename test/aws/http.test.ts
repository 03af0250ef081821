// The credential providers' HTTP: an HTTPS STS behind a private CA (trusted
// only through AWS_CA_BUNDLE or ca_bundle), proxies from the context's
// environment (HTTPS_PROXY / HTTP_PROXY / NO_PROXY), and proxyFor on its own.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { proxyFor } from "../../src/aws/http.ts";
import { baseEnv, RUNNERS } from "../support/cli.ts";
import { startRecordingProxy } from "../support/recording-proxy.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { BASE, BASE_CREDENTIALS, expectError, expectGetAnswer, expectNoSecrets, expectSigned, fakeSts, issuedSecrets, REQUEST, ROLE_ARN, stopAfterTest } from "./helpers.ts";

const ROLE_PROFILE = `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\n`;

describe("proxyFor", () => {
  const https = new URL("https://sts.us-west-2.amazonaws.com/");
  const http = new URL("http://127.0.0.1:8080/");
  const cases: Array<[string, URL, Record<string, string>, string | undefined]> = [
    ["HTTPS_PROXY for https", https, { HTTPS_PROXY: "http://proxy:3128" }, "http://proxy:3128"],
    ["https_proxy", https, { https_proxy: "http://lower:3128" }, "http://lower:3128"],
    ["HTTP_PROXY is not for https", https, { HTTP_PROXY: "http://proxy:3128" }, undefined],
    ["HTTP_PROXY for http", http, { HTTP_PROXY: "http://proxy:3128", HTTPS_PROXY: "http://other:3128" }, "http://proxy:3128"],
    ["no proxy set", https, {}, undefined],
    ["NO_PROXY names the host", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "sts.us-west-2.amazonaws.com" }, undefined],
    ["NO_PROXY names a parent domain", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "example.com, amazonaws.com" }, undefined],
    ["NO_PROXY with a leading dot", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: ".amazonaws.com" }, undefined],
    ["NO_PROXY with *.", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "*.amazonaws.com" }, undefined],
    ["NO_PROXY=*", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "*" }, undefined],
    ["no_proxy", https, { HTTPS_PROXY: "http://p:1", no_proxy: "AMAZONAWS.COM" }, undefined],
    ["NO_PROXY is not a substring match", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "zonaws.com" }, "http://p:1"],
    ["NO_PROXY for another port", http, { HTTP_PROXY: "http://p:1", NO_PROXY: "127.0.0.1:9090" }, "http://p:1"],
    ["NO_PROXY for this port", http, { HTTP_PROXY: "http://p:1", NO_PROXY: "127.0.0.1:8080" }, undefined],
    ["NO_PROXY with the default port", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "sts.us-west-2.amazonaws.com:443" }, undefined],
    ["an IPv6 literal", new URL("http://[::1]:8080/"), { HTTP_PROXY: "http://p:1", NO_PROXY: "::1" }, undefined],
    ["a bracketed IPv6 literal with its port", new URL("http://[::1]:8080/"), { HTTP_PROXY: "http://p:1", NO_PROXY: "[::1]:8080" }, undefined],
    ["a bracketed IPv6 literal with another port", new URL("http://[::1]:8080/"), { HTTP_PROXY: "http://p:1", NO_PROXY: "[::1]:9090" }, "http://p:1"],
    ["an empty NO_PROXY", https, { HTTPS_PROXY: "http://p:1", NO_PROXY: "" }, "http://p:1"],
    // Python's urllib: the lower-case name wins, and an empty value counts as unset.
    ["https_proxy beats HTTPS_PROXY", https, { HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:1" }, "http://lower:1"],
    ["an empty https_proxy leaves HTTPS_PROXY", https, { HTTPS_PROXY: "http://upper:1", https_proxy: "" }, "http://upper:1"],
  ];
  test.each(cases)("%s", (_name, url, env, expected) => {
    expect(proxyFor(url, env)).toBe(expected);
  });
});

describe.each(RUNNERS)("HTTPS STS with a private CA (%s)", (_kind, runCli) => {
  test("refused without AWS_CA_BUNDLE, in one line", async () => {
    const sts = await fakeSts({ https: true });
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "--debug", "get"], { env: { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url }, stdin: REQUEST });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toEndWith(
      `\ngit-credential-codecommit: Could not connect to the endpoint URL: "${sts.url}/" (unable to verify the first certificate)\n`,
    );
    expectNoSecrets(r, [BASE.secretAccessKey]);
    expect(sts.requests).toEqual([]);
  });

  test("trusted through AWS_CA_BUNDLE", async () => {
    const sts = await fakeSts({ https: true });
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], {
      env: { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, AWS_CA_BUNDLE: sts.caFile! },
      stdin: REQUEST,
    });
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("trusted through the profile's ca_bundle", async () => {
    const sts = await fakeSts({ https: true });
    const home = tempHome({ config: `${ROLE_PROFILE}ca_bundle = ${sts.caFile}\n`, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], { env: { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url }, stdin: REQUEST });
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("a CA bundle that cannot be read is named", async () => {
    const sts = await fakeSts({ https: true });
    const missing = join(tempDir(), "missing.pem");
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], {
      env: { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, AWS_CA_BUNDLE: missing },
      stdin: REQUEST,
    });
    expectError(r, `cannot read the CA bundle ${missing} (AWS_CA_BUNDLE or ca_bundle): ENOENT: no such file or directory, open '${missing}'`);
  });
});

describe.each(RUNNERS)("proxies for STS (%s)", (_kind, runCli) => {
  test("HTTPS_PROXY: the STS call tunnels through it (CONNECT)", async () => {
    const sts = await fakeSts({ https: true });
    const proxy = stopAfterTest(await startRecordingProxy());
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, AWS_CA_BUNDLE: sts.caFile!, HTTPS_PROXY: proxy.url, NO_PROXY: "" };
    const r = await runCli(["--profile", "role", "--debug", "get"], { env, stdin: REQUEST });
    expect(proxy.requests).toEqual([{ method: "CONNECT", target: `127.0.0.1:${sts.port}` }]);
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
    expectNoSecrets(r, [BASE.secretAccessKey, ...issuedSecrets(sts)]);
  });

  test("https_proxy (lower case) too", async () => {
    const sts = await fakeSts({ https: true });
    const proxy = stopAfterTest(await startRecordingProxy());
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const env: Record<string, string> = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, AWS_CA_BUNDLE: sts.caFile!, https_proxy: proxy.url };
    delete env.HTTPS_PROXY;
    delete env.NO_PROXY;
    const r = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expect(proxy.requests).toEqual([{ method: "CONNECT", target: `127.0.0.1:${sts.port}` }]);
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("HTTP_PROXY for an http:// endpoint: an absolute-form request", async () => {
    const sts = await fakeSts();
    const proxy = stopAfterTest(await startRecordingProxy());
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, HTTP_PROXY: proxy.url, NO_PROXY: "" };
    const r = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expect(proxy.requests).toEqual([{ method: "POST", target: `${sts.url}/` }]);
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("NO_PROXY bypasses it", async () => {
    const sts = await fakeSts({ https: true });
    const proxy = stopAfterTest(await startRecordingProxy());
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    // A suffix form Bun's own proxy logic would not need to understand: ours decides.
    const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, AWS_CA_BUNDLE: sts.caFile!, HTTPS_PROXY: proxy.url, NO_PROXY: "example.com, .0.0.1" };
    const r = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expect(proxy.requests).toEqual([]);
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  test("a proxy that refuses connections: one clear line", async () => {
    const sts = await fakeSts({ https: true });
    const home = tempHome({ config: ROLE_PROFILE, credentials: BASE_CREDENTIALS });
    const env = { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url, AWS_CA_BUNDLE: sts.caFile!, NO_PROXY: "" };
    const r = await runCli(["--profile", "role", "get"], { env, stdin: REQUEST });
    expectError(r, `Could not connect to the endpoint URL: "${sts.url}/" (ECONNREFUSED: Unable to connect. Is the computer able to access the url?)`);
    expect(sts.requests).toEqual([]);
  });
});
