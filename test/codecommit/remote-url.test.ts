// codecommit:// URL resolution on its own: the endpoint each form and setting leads to.
import { expect, test } from "bun:test";
import { resolveRemoteUrl } from "../../src/codecommit/remote-url.ts";
import { baseEnv, testContext } from "../support/cli.ts";
import { tempHome } from "../support/home.ts";

const home = tempHome({
  config: "[profile dev]\nregion = eu-west-1\n[profile gov]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n",
  credentials: "[dev]\naws_access_key_id = a\naws_secret_access_key = b\n[gov]\naws_access_key_id = a\naws_secret_access_key = b\n",
});

test.each([
  ["us-east-1://repo", {}, "git-codecommit.us-east-1.amazonaws.com", "us-east-1", undefined],
  ["codecommit://dev@repo", {}, "git-codecommit.eu-west-1.amazonaws.com", "eu-west-1", "dev"],
  ["codecommit://repo", { AWS_REGION: "ap-southeast-2" }, "git-codecommit.ap-southeast-2.amazonaws.com", "ap-southeast-2", undefined],
  ["cn-north-1://repo", {}, "git-codecommit.cn-north-1.amazonaws.com.cn", "cn-north-1", undefined],
  ["us-west-2://repo", { AWS_USE_FIPS_ENDPOINT: "true" }, "git-codecommit-fips.us-west-2.amazonaws.com", "us-west-2", undefined],
  ["codecommit://gov@repo", {}, "git-codecommit-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1", "gov"],
  [
    "us-east-1://repo",
    { CODE_COMMIT_ENDPOINT: "vpce-0123-abcd.git-codecommit.us-east-1.vpce.amazonaws.com" },
    "vpce-0123-abcd.git-codecommit.us-east-1.vpce.amazonaws.com",
    "us-east-1",
    undefined,
  ],
] as const)("%s with %j → %s", async (url, env, host, region, profile) => {
  const target = await resolveRemoteUrl(testContext({ ...baseEnv(home), ...env }), url);
  expect({ host: target.host, region: target.region, profile: target.profile, repository: target.repository }).toEqual({
    host,
    region,
    profile,
    repository: "repo",
  });
});

test("the profile is split at the first @, as git-remote-codecommit splits it", async () => {
  await expect(resolveRemoteUrl(testContext(baseEnv(home)), "us-east-1://dev@re@po")).resolves.toMatchObject({ profile: "dev", repository: "re@po" });
});
