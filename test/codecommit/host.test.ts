import { expect, test } from "bun:test";
import { hostWithoutPort, isCodeCommitHost, regionFromHost } from "../../src/codecommit/host.ts";

const ACCEPTED: Array<[host: string, region: string]> = [
  ["git-codecommit.us-east-1.amazonaws.com", "us-east-1"],
  ["git-codecommit.us-east-1.amazonaws.com:443", "us-east-1"],
  ["git-codecommit.eu-west-2.amazonaws.com:8443", "eu-west-2"],
  ["git-codecommit-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
  ["git-codecommit.cn-north-1.amazonaws.com.cn", "cn-north-1"],
  ["git-codecommit-fips.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"],
  ["vpce-0b47ea360adebf88a-jkl88hez.git-codecommit.us-east-1.vpce.amazonaws.com", "us-east-1"],
  ["vpce-0b47ea360adebf88a-jkl88hez-us-east-1a.git-codecommit.us-east-1.vpce.amazonaws.com", "us-east-1"],
  ["vpce-0b47ea360adebf88a-jkl88hez.git-codecommit-fips.us-west-2.vpce.amazonaws.com:443", "us-west-2"],
  ["vpce-0123-abcd.git-codecommit.cn-north-1.vpce.amazonaws.com.cn", "cn-north-1"],
];

const DECLINED = [
  "github.com",
  "x.amazonaws.com.attacker.net",
  "git-codecommit.us-east-1.amazonaws.com.attacker.net",
  "evil-amazon.com.example.org",
  "codecommit.us-east-1.amazonaws.com",
  "git-codecommit.amazonaws.com",
  "git-codecommit.us-east-1.api.aws",
  "vpce-1.git-codecommit.us-east-1.amazonaws.com",
  "git-codecommit.us-east-1.vpce.amazonaws.com",
  "git-codecommit.us-east-1.amazonaws.com:",
  "git-codecommit.us-east-1.amazonaws.com:443x",
  "GIT-CODECOMMIT.US-EAST-1.AMAZONAWS.COM",
  "user@git-codecommit.us-east-1.amazonaws.com",
  "",
];

test.each(ACCEPTED)("%s is a CodeCommit host in %s", (host, region) => {
  expect(isCodeCommitHost(host)).toBe(true);
  expect(regionFromHost(host)).toBe(region);
});

test.each(DECLINED)("%p is not a CodeCommit host", (host) => {
  expect(isCodeCommitHost(host)).toBe(false);
});

test("the CLI's region pattern matches at the start only, as Python's re.match", () => {
  expect(regionFromHost("git-codecommit.us-east-1.amazonaws.com.evil.example")).toBe("us-east-1");
  expect(regionFromHost("git-codecommit.us-east-1.api.aws")).toBeUndefined();
  expect(regionFromHost("x.git-codecommit.us-east-1.amazonaws.com")).toBeUndefined();
});

test("hostWithoutPort", () => {
  expect(hostWithoutPort("h.example:8443")).toBe("h.example");
  expect(hostWithoutPort("h.example")).toBe("h.example");
  // A bracketed IPv6 literal is split on its last "]:", never inside the brackets.
  expect(hostWithoutPort("[::1]:8443")).toBe("[::1]");
  expect(hostWithoutPort("[::1]")).toBe("[::1]");
  expect(hostWithoutPort("[fd00:ec2::23]:443")).toBe("[fd00:ec2::23]");
});
