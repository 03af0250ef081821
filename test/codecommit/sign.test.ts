import { expect, test } from "bun:test";
import { canonicalPath, signGitRequest } from "../../src/codecommit/sign.ts";
import { timestamp } from "../../src/util/encoding.ts";

// Upstream vectors: aws-cli tests/integration/customizations/test_codecommit.py (keys foo/bar,
// 2010-10-08, git path with a leading slash, so the CLI signs //v1/repos/myrepo), and
// git-remote-codecommit's test/git_url_test.py. See ../shared/reference/aws-cli-codecommit-and-peers.md §1.6.
const FOO_BAR = { accessKeyId: "foo", secretAccessKey: "bar" };
const OCT_2010 = new Date("2010-10-08T00:00:00Z");

test.each([
  ["git-codecommit.us-east-1.amazonaws.com", "7dc259e2d505af354a1219b9bcd784bd384dc706efa0d9aefc571f214be4c89c"],
  ["git-codecommit-fips.us-east-1.amazonaws.com", "500037cb3514b3fe01ebcda7c80973f5b4c0d8199a7a6563b85fd6edf272d460"],
  [
    "vpce-0b47ea360adebf88a-jkl88hez.git-codecommit.us-east-1.vpce.amazonaws.com",
    "9ed987cc6336c3de2d9f06b9236c7a9fd76b660b080db15983290e636dbfbd6b",
  ],
])("aws-cli upstream vector for %s (leading slash)", (host, hex) => {
  const sig = signGitRequest({ host, path: "/v1/repos/myrepo", region: "us-east-1", credentials: FOO_BAR, date: OCT_2010 });
  expect(sig.password).toBe(`20101008T000000Z${hex}`);
  expect(sig.canonicalRequest).toBe(`GIT\n//v1/repos/myrepo\n\nhost:${host}\n\nhost\n`);
});

test("the realistic path git sends signs a single slash", () => {
  const sig = signGitRequest({
    host: "git-codecommit.us-east-1.amazonaws.com:443",
    path: "v1/repos/myrepo",
    region: "us-east-1",
    credentials: FOO_BAR,
    date: OCT_2010,
  });
  expect(sig.password).toBe("20101008T000000Zfe1db4a13b1db96501a6b235126e3dd60cc42fadfc2b7a00088f106ed89381d0");
  expect(sig.stringToSign).toBe(
    "AWS4-HMAC-SHA256\n20101008T000000\n20101008/us-east-1/codecommit/aws4_request\n" +
      new Bun.CryptoHasher("sha256").update(sig.canonicalRequest).digest("hex"),
  );
});

test("git-remote-codecommit's upstream vector", () => {
  const sig = signGitRequest({
    host: "git-codecommit.us-west-2.amazonaws.com",
    path: "v1/repos/test_repo",
    region: "us-west-2",
    credentials: { accessKeyId: "access", secretAccessKey: "secret" },
    date: new Date("2017-12-24T11:53:20Z"),
  });
  expect(sig.password).toBe("20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a");
});

test.each([
  ["v1/repos/x", "/v1/repos/x"],
  ["/v1/repos/x", "//v1/repos/x"],
  ["v1/repos/../x", "/v1/repos/../x"],
  ["v1/repos/./x", "/v1/repos/./x"],
  ["v1//repos/x/", "/v1//repos/x/"],
  ["v1/repos/my repo", "/v1/repos/my repo"],
  ["v1/repos/café", "/v1/repos/café"],
  ["v1/repos/x?y=1#z", "/v1/repos/x"],
  ["v1/repos/x#a?b", "/v1/repos/x"],
  ["v1/re\tpos/x", "/v1/repos/x"],
  ["", "/"],
])("canonicalPath(%p) is %p, as Python's urlsplit", (input, expected) => {
  expect(canonicalPath(input)).toBe(expected);
});

test("timestamp has no trailing Z", () => {
  expect(timestamp(new Date("2026-01-02T03:04:05.678Z"))).toBe("20260102T030405");
});
