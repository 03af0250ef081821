// Which STS endpoint, signed for which region: src/aws/endpoints.ts against the
// URLs botocore 1.43 resolves (the reference's Appendix A), the configured
// endpoint lookup order, and the same choices observed end to end.
import { describe, expect, test } from "bun:test";
import { configuredEndpoint, stsEndpoint } from "../../src/aws/endpoints.ts";
import { openSession, type SessionOptions } from "../../src/aws/session.ts";
import { baseEnv, RUNNERS, testContext } from "../support/cli.ts";
import { tempHome } from "../support/home.ts";
import { BASE, BASE_CREDENTIALS, expectError, expectGetAnswer, expectSigned, fakeSts, REQUEST, ROLE_ARN } from "./helpers.ts";

function session(env: Record<string, string> = {}, config = "", opts: SessionOptions = {}) {
  const home = tempHome({ config });
  return openSession(testContext({ ...baseEnv(home), ...env }), opts);
}

describe("stsEndpoint", () => {
  const GLOBAL = { url: "https://sts.amazonaws.com", signingRegion: "us-east-1" };
  const cases: Array<[string, string | undefined, Record<string, string>, string, { url: string; signingRegion: string }]> = [
    ["no region: the global endpoint, signed for us-east-1", undefined, {}, "", GLOBAL],
    ["aws-global", "aws-global", {}, "", GLOBAL],
    ["us-west-2", "us-west-2", {}, "", { url: "https://sts.us-west-2.amazonaws.com", signingRegion: "us-west-2" }],
    ["us-east-1 is regional by default", "us-east-1", {}, "", { url: "https://sts.us-east-1.amazonaws.com", signingRegion: "us-east-1" }],
    ["cn-north-1", "cn-north-1", {}, "", { url: "https://sts.cn-north-1.amazonaws.com.cn", signingRegion: "cn-north-1" }],
    ["us-gov-west-1", "us-gov-west-1", {}, "", { url: "https://sts.us-gov-west-1.amazonaws.com", signingRegion: "us-gov-west-1" }],
    ["us-iso-east-1", "us-iso-east-1", {}, "", { url: "https://sts.us-iso-east-1.c2s.ic.gov", signingRegion: "us-iso-east-1" }],
    ["eusc-de-east-1", "eusc-de-east-1", {}, "", { url: "https://sts.eusc-de-east-1.amazonaws.eu", signingRegion: "eusc-de-east-1" }],
    ["legacy + eu-west-1: global", "eu-west-1", { AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, "", GLOBAL],
    ["legacy + af-south-1: regional", "af-south-1", { AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, "", { url: "https://sts.af-south-1.amazonaws.com", signingRegion: "af-south-1" }],
    ["legacy from the profile", "us-east-1", {}, "[default]\nsts_regional_endpoints = legacy\n", GLOBAL],
    ["AWS_STS_REGIONAL_ENDPOINTS beats the profile", "us-east-1", { AWS_STS_REGIONAL_ENDPOINTS: "regional" }, "[default]\nsts_regional_endpoints = legacy\n", { url: "https://sts.us-east-1.amazonaws.com", signingRegion: "us-east-1" }],
    ["FIPS", "us-east-1", { AWS_USE_FIPS_ENDPOINT: "true" }, "", { url: "https://sts-fips.us-east-1.amazonaws.com", signingRegion: "us-east-1" }],
    ["FIPS from the profile", "us-west-2", {}, "[default]\nuse_fips_endpoint = true\n", { url: "https://sts-fips.us-west-2.amazonaws.com", signingRegion: "us-west-2" }],
    ["FIPS beats legacy", "us-east-1", { AWS_USE_FIPS_ENDPOINT: "TRUE", AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, "", { url: "https://sts-fips.us-east-1.amazonaws.com", signingRegion: "us-east-1" }],
    ["GovCloud FIPS is the plain regional name", "us-gov-west-1", { AWS_USE_FIPS_ENDPOINT: "true" }, "", { url: "https://sts.us-gov-west-1.amazonaws.com", signingRegion: "us-gov-west-1" }],
    // Dual-stack, as botocore 1.43 resolves it (legacy doesn't apply; GovCloud FIPS keeps -fips here).
    ["dual-stack", "us-east-1", { AWS_USE_DUALSTACK_ENDPOINT: "true", AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, "", { url: "https://sts.us-east-1.api.aws", signingRegion: "us-east-1" }],
    ["dual-stack FIPS from the profile", "us-gov-west-1", { AWS_USE_FIPS_ENDPOINT: "true" }, "[default]\nuse_dualstack_endpoint = true\n", { url: "https://sts-fips.us-gov-west-1.api.aws", signingRegion: "us-gov-west-1" }],
    ["dual-stack in China", "cn-north-1", { AWS_USE_DUALSTACK_ENDPOINT: "true" }, "", { url: "https://sts.cn-north-1.api.amazonwebservices.com.cn", signingRegion: "cn-north-1" }],
    ["configured: verbatim, signed for the region", "eu-west-3", { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:4566" }, "", { url: "http://127.0.0.1:4566", signingRegion: "eu-west-3" }],
  ];
  test.each(cases)("%s", async (_name, region, env, config, expected) => {
    expect(stsEndpoint(await session(env, config), region)).toEqual(expected);
  });

  test("a configured endpoint needs a region", async () => {
    const s = await session({ AWS_ENDPOINT_URL: "http://127.0.0.1:4566" });
    expect(() => stsEndpoint(s, undefined)).toThrow("You must specify a region.");
  });
});

describe("configuredEndpoint", () => {
  const SERVICES = "[services local]\nsts =\n  endpoint_url = http://services-sts\nsso =\n  endpoint_url = http://services-sso\n";
  const PROFILE = `[default]\nservices = local\nendpoint_url = http://profile-endpoint\n${SERVICES}`;
  const ALL_ENV = { AWS_ENDPOINT_URL_STS: "http://env-sts", AWS_ENDPOINT_URL: "http://env-all" };
  const cases: Array<[string, Record<string, string>, string, "sts" | "sso" | "sso_oidc", string | undefined]> = [
    ["AWS_ENDPOINT_URL_STS first", ALL_ENV, PROFILE, "sts", "http://env-sts"],
    ["then AWS_ENDPOINT_URL", { AWS_ENDPOINT_URL: "http://env-all" }, PROFILE, "sts", "http://env-all"],
    ["an empty AWS_ENDPOINT_URL_STS is skipped", { AWS_ENDPOINT_URL_STS: "", AWS_ENDPOINT_URL: "http://env-all" }, PROFILE, "sts", "http://env-all"],
    ["then the [services] section", {}, PROFILE, "sts", "http://services-sts"],
    ["per service", {}, PROFILE, "sso", "http://services-sso"],
    ["AWS_ENDPOINT_URL_SSO_OIDC", { AWS_ENDPOINT_URL_SSO_OIDC: "http://env-oidc", AWS_ENDPOINT_URL_STS: "http://env-sts" }, "", "sso_oidc", "http://env-oidc"],
    ["then the profile's endpoint_url", {}, PROFILE, "sso_oidc", "http://profile-endpoint"],
    ["the profile's endpoint_url alone", {}, "[default]\nendpoint_url = http://profile-endpoint\n", "sts", "http://profile-endpoint"],
    ["nothing configured", {}, "", "sts", undefined],
    ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them all", { ...ALL_ENV, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "TRUE" }, PROFILE, "sts", undefined],
    ["ignore_configured_endpoint_urls in the profile", ALL_ENV, `${PROFILE.replace("[default]\n", "[default]\nignore_configured_endpoint_urls = true\n")}`, "sts", undefined],
    ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false beats the profile's true", { ...ALL_ENV, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "false" }, "[default]\nignore_configured_endpoint_urls = true\n", "sts", "http://env-sts"],
  ];
  test.each(cases)("%s", async (_name, env, config, service, expected) => {
    expect(configuredEndpoint(await session(env, config), service)).toBe(expected);
  });

  test("the selected profile's settings count, not another's", async () => {
    const config = `[default]\nendpoint_url = http://default-endpoint\n[profile dev]\nendpoint_url = http://dev-endpoint\n`;
    expect(configuredEndpoint(await session({}, config, { profile: "dev" }), "sts")).toBe("http://dev-endpoint");
    expect(configuredEndpoint(await session({ AWS_PROFILE: "dev" }, config), "sts")).toBe("http://dev-endpoint");
  });

  test("a services section that does not exist: the CLI's message", async () => {
    const s = await session({}, "[default]\nservices = nope\n");
    expect(() => configuredEndpoint(s, "sts")).toThrow(
      'The profile is configured to use the services section but the "nope" services configuration does not exist.',
    );
  });
});

describe.each(RUNNERS)("the STS endpoint end to end (%s)", (_kind, runCli) => {
  const role = (extra = "") => `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\n${extra}`;

  const routes: Array<[string, (url: string) => { env: Record<string, string>; config: string }]> = [
    ["AWS_ENDPOINT_URL", (url) => ({ env: { AWS_ENDPOINT_URL: url }, config: role() })],
    ["a [services] section", (url) => ({ env: {}, config: role("services = fake\n") + `[services fake]\nsts =\n  endpoint_url = ${url}\n` })],
    ["the profile's endpoint_url", (url) => ({ env: {}, config: role(`endpoint_url = ${url}\n`) })],
    ["AWS_ENDPOINT_URL_STS over a broken AWS_ENDPOINT_URL", (url) => ({ env: { AWS_ENDPOINT_URL_STS: url, AWS_ENDPOINT_URL: "http://127.0.0.1:9" }, config: role() })],
  ];
  test.each(routes)("reached through %s", async (_name, route) => {
    const sts = await fakeSts();
    const { env, config } = route(sts.url);
    const home = tempHome({ config, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], { env: { ...baseEnv(home), ...env }, stdin: REQUEST });
    expect(sts.requests.length).toBe(1);
    expectSigned(sts.requests[0]!, BASE.accessKeyId, "us-west-2");
    expectGetAnswer(r, sts.requests[0]!.issued!);
  });

  // Without an override the request goes for the real endpoint, and baseEnv's
  // closed proxy makes it fail at once; the message shows which endpoint it was.
  const escapes: Array<[string, Record<string, string>, string, string]> = [
    ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true", AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" }, role(), "https://sts.us-west-2.amazonaws.com/"],
    ["no region at all: the global endpoint", {}, role().replace("region = us-west-2\n", ""), "https://sts.amazonaws.com/"],
    ["legacy", { AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, role(), "https://sts.amazonaws.com/"],
  ];
  test.each(escapes)("%s", async (_name, env, config, url) => {
    const home = tempHome({ config, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], { env: { ...baseEnv(home), ...env }, stdin: REQUEST });
    expectError(r, `Could not connect to the endpoint URL: "${url}" (ECONNREFUSED: Unable to connect. Is the computer able to access the url?)`);
  });

  test("a configured endpoint with no region: You must specify a region.", async () => {
    const sts = await fakeSts();
    const home = tempHome({ config: `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\n`, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], { env: { ...baseEnv(home), AWS_ENDPOINT_URL_STS: sts.url }, stdin: REQUEST });
    expectError(r, "You must specify a region.");
    expect(sts.requests).toEqual([]);
  });

  test("a services section that does not exist stops get with the CLI's message", async () => {
    const home = tempHome({ config: `[profile role]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = us-west-2\nservices = nope\n`, credentials: BASE_CREDENTIALS });
    const r = await runCli(["--profile", "role", "get"], { env: baseEnv(home), stdin: REQUEST });
    expectError(r, 'The profile is configured to use the services section but the "nope" services configuration does not exist.');
  });
});
