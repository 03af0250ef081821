/**
 * Golden vectors from the real AWS CLI v2, the oracle our helper must match byte for byte.
 *
 * Regenerate (needs Debian's awscli 2.9.19 at /usr/bin/aws and `faketime`; no network is used):
 *
 *     cd /work/main && ./node_modules/.bin/bun test/golden/generate.ts           # rewrite the fixture
 *     cd /work/main && ./node_modules/.bin/bun test/golden/generate.ts --check   # exit 1 if it would change
 *
 * Output: test/fixtures/cli-v2-vectors.json. The script refuses to run unless `/usr/bin/aws --version`
 * starts with `aws-cli/2.9.19`: the `aws` first on PATH may be pip's v1, which resolves profiles and
 * regions differently (AWS_DEFAULT_PROFILE before AWS_PROFILE, ignores AWS_REGION), so its answers
 * would be wrong for a v2 replacement.
 *
 * How each case is run (a replaying test must do the same):
 *  - a fresh temporary HOME; `files` keys are paths relative to `${HOME}/.aws/` ("config",
 *    "credentials", or e.g. "../elsewhere/config" for a file under HOME but outside ~/.aws), parent
 *    directories created as needed;
 *  - `env -i` with only PATH=/usr/bin:/bin, HOME, TZ=UTC, LANG=C.UTF-8, AWS_EC2_METADATA_DISABLED=true,
 *    AWS_CONFIG_FILE=${HOME}/.aws/config, AWS_SHARED_CREDENTIALS_FILE=${HOME}/.aws/credentials, then the
 *    case's own `env` on top (so a case may override the two file variables). This machine sets
 *    AWS_CA_BUNDLE and friends, and a developer's AWS_PROFILE/AWS_REGION would change the answers;
 *    a clean env is what makes the vectors reproducible anywhere;
 *  - PLACEHOLDER: the literal text `${HOME}` in a case's env values stands for the temporary HOME and
 *    must be replaced by the replaying test before use (it is not left for the program to expand);
 *  - argv: `aws [--profile P] [--region R] codecommit credential-helper get [--ignore-host-check]`,
 *    our helper gets the same flags;
 *  - the clock is frozen at `time` (UTC) with
 *    `TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f '2026-01-02 03:04:05'`.
 *
 * Only static credentials are used (env or static keys in profile files): a role_arn, web-identity or
 * SSO profile would make CLI 2.9.19 call the real STS/SSO endpoints. Error cases are not golden (their
 * text is the CLI's, not a contract); only successes and silent declines (stdout "", exit 0) are kept.
 *
 * Every case also states what it is meant to demonstrate (`expect`: which key pair, token, region, host
 * and canonical path). The script recomputes the password from that independently and fails if the CLI
 * disagrees, so a case cannot silently stop testing what its name claims. `expect` is not written to
 * the fixture.
 */
import { createHash, createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const AWS = "/usr/bin/aws";
const EXPECTED_VERSION = "aws-cli/2.9.19";
const FAKE_TIME = "2026-01-02 03:04:05";
const AMZ_DATE = "20260102T030405";
const OUT = resolve(import.meta.dir, "../fixtures/cli-v2-vectors.json");

interface Args {
  profile?: string;
  region?: string;
  ignoreHostCheck?: boolean;
}

interface Keys {
  id: string;
  secret: string;
}

interface Signed {
  keys: Keys;
  token?: string;
  region: string;
  /** host as signed, i.e. without port */
  host: string;
  /** canonical URI exactly as the CLI signs it */
  path: string;
}

interface CaseDef {
  name: string;
  args?: Args;
  env?: Record<string, string>;
  files?: Record<string, string>;
  stdin: string;
  expect: Signed | "decline";
}

// Distinct key pairs per source so the username in each vector shows which source won.
// Secrets contain "/" and "+" like real ones.
const ENV: Keys = { id: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const CREDS_DEFAULT: Keys = { id: "AKIACREDSFILEDEFAULT", secret: "credsDefault/Secret+0000000000000000000000" };
const CONFIG_DEFAULT: Keys = { id: "AKIACONFIGFILEDEFAUL", secret: "configDefault/Secret+000000000000000000000" };
const DEV_CREDS: Keys = { id: "AKIADEVCREDENTIALS01", secret: "devCreds/Secret+00000000000000000000000000" };
const DEV_CONFIG: Keys = { id: "AKIADEVCONFIGFILE001", secret: "devConfig/Secret+0000000000000000000000000" };
const OTHER: Keys = { id: "AKIAOTHERPROFILE0001", secret: "otherProfile/Secret+0000000000000000000000" };
const DECOY: Keys = { id: "AKIADECOYSHOULDNTWIN", secret: "decoy/Secret+00000000000000000000000000000" };
// The upstream aws-cli integration test keys.
const FOO: Keys = { id: "foo", secret: "bar" };

const TOKEN = "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQD/token+with/slash+plus==";
const LEGACY_TOKEN = "legacySecurityToken/+=";

const envKeys = (k: Keys = ENV): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: k.id,
  AWS_SECRET_ACCESS_KEY: k.secret,
});

const section = (header: string, k: Keys, extra: Record<string, string> = {}): string =>
  `[${header}]\naws_access_key_id = ${k.id}\naws_secret_access_key = ${k.secret}\n` +
  Object.entries(extra)
    .map(([key, v]) => `${key} = ${v}\n`)
    .join("");

const US_EAST_1 = "git-codecommit.us-east-1.amazonaws.com";
const REPO = "v1/repos/myrepo";

/** git's usual shape: attributes, then the blank line that ends a credential description. */
const req = (host: string, path: string = REPO, protocol = "https"): string =>
  `protocol=${protocol}\nhost=${host}\npath=${path}\n\n`;

const signed = (s: Partial<Signed> & { region: string }): Signed => ({
  keys: ENV,
  host: US_EAST_1,
  path: `/${REPO}`,
  ...s,
});

const cases: CaseDef[] = [];
const add = (c: CaseDef): void => {
  cases.push(c);
};

// ---- Host forms: the region comes from the host, via the CLI's start-anchored regex.
for (const [host, region] of [
  ["git-codecommit.us-east-1.amazonaws.com", "us-east-1"],
  ["git-codecommit.eu-west-2.amazonaws.com", "eu-west-2"],
  ["git-codecommit-fips.us-east-1.amazonaws.com", "us-east-1"],
  ["git-codecommit-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
  ["git-codecommit.us-gov-east-1.amazonaws.com", "us-gov-east-1"],
  ["git-codecommit.cn-north-1.amazonaws.com.cn", "cn-north-1"],
  ["git-codecommit.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"],
  ["vpce-0b47ea360adebf88a-jkl88hez.git-codecommit.us-east-1.vpce.amazonaws.com", "us-east-1"],
  ["vpce-0b47ea360adebf88a-jkl88hez-us-east-1a.git-codecommit.us-east-1.vpce.amazonaws.com", "us-east-1"],
  ["vpce-0b47ea360adebf88a-jkl88hez.git-codecommit-fips.us-west-2.vpce.amazonaws.com", "us-west-2"],
  ["vpce-0b47ea360adebf88a-jkl88hez.git-codecommit.cn-north-1.vpce.amazonaws.com.cn", "cn-north-1"],
] as const) {
  add({
    name: `host ${host}`,
    env: envKeys(),
    stdin: req(host),
    expect: signed({ host, region }),
  });
}

// ---- Ports: the CLI signs the host without its port.
for (const port of ["443", "8443"]) {
  add({
    name: `host with port :${port} is signed without the port`,
    env: envKeys(),
    stdin: req(`git-codecommit.eu-west-2.amazonaws.com:${port}`),
    expect: signed({ host: "git-codecommit.eu-west-2.amazonaws.com", region: "eu-west-2" }),
  });
}

// ---- Paths: the CLI signs urlsplit("https://host/" + path).path, unnormalised and unencoded.
add({
  name: "upstream vector: keys foo/bar, leading slash in path signs //v1/repos/myrepo",
  env: envKeys(FOO),
  stdin: req(US_EAST_1, "/v1/repos/myrepo"),
  expect: signed({ keys: FOO, region: "us-east-1", path: "//v1/repos/myrepo" }),
});
for (const [label, path, canonical] of [
  ["dot-dot segment kept", "v1/repos/../repos/x", "/v1/repos/../repos/x"],
  ["dot segment kept", "v1/repos/./x", "/v1/repos/./x"],
  ["double slash inside kept", "v1//repos/myrepo", "/v1//repos/myrepo"],
  ["trailing slash kept", "v1/repos/myrepo/", "/v1/repos/myrepo/"],
  ["query dropped", "v1/repos/x?y=1&z=2", "/v1/repos/x"],
  ["fragment dropped", "v1/repos/x#frag", "/v1/repos/x"],
  ["fragment before ? drops both", "v1/repos/x#f?g", "/v1/repos/x"],
  ["space signed raw", "v1/repos/my repo", "/v1/repos/my repo"],
  ["non-ASCII signed as UTF-8", "v1/repos/café", "/v1/repos/café"],
  ["percent-escape signed literally", "v1/repos/my%20repo", "/v1/repos/my%20repo"],
  ["tab removed by urlsplit", "v1/repos/a\tb", "/v1/repos/ab"],
  ["= inside value (split at first =)", "v1/repos/a=b", "/v1/repos/a=b"],
  ["empty path signs /", "", "/"],
] as const) {
  add({
    name: `path: ${label}`,
    env: envKeys(),
    stdin: req(US_EAST_1, path),
    expect: signed({ region: "us-east-1", path: canonical }),
  });
}

// ---- Input shape: the CLI reads to EOF, strips each line, skips blank ones, last key wins.
const usEast = signed({ region: "us-east-1" });
for (const [label, stdin] of [
  ["CRLF line endings", `protocol=https\r\nhost=${US_EAST_1}\r\npath=${REPO}\r\n\r\n`],
  ["blank lines before the attributes", `\n\nprotocol=https\nhost=${US_EAST_1}\npath=${REPO}\n\n`],
  ["blank lines between attributes (read past them to EOF)", `protocol=https\n\nhost=${US_EAST_1}\n\n\npath=${REPO}\n\n`],
  ["several blank lines after", `protocol=https\nhost=${US_EAST_1}\npath=${REPO}\n\n\n\n`],
  ["no terminating blank line and no final newline", `protocol=https\nhost=${US_EAST_1}\npath=${REPO}`],
  ["attributes in another order", `path=${REPO}\nhost=${US_EAST_1}\nprotocol=https\n\n`],
  [
    "extra attributes from newer git and unknown keys are ignored",
    `capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=${US_EAST_1}\npath=${REPO}\n` +
      `username=\npassword=stale\npassword_expiry_utc=1700000000\nwwwauth[]=Basic realm="x"\n` +
      `wwwauth[]=Negotiate\nstate[]=x\nunknown-key=whatever\nx=\n\n`,
  ],
  [
    "repeated host and path: last wins",
    `protocol=https\nhost=example.com\npath=v1/repos/first\nhost=${US_EAST_1}\npath=${REPO}\n\n`,
  ],
  [
    "spaces and tabs around lines, whitespace-only lines",
    `  protocol=https  \n\t host=${US_EAST_1} \t\n   \n path=${REPO} \n \t \n`,
  ],
] as const) {
  add({ name: `input: ${label}`, env: envKeys(), stdin, expect: usEast });
}
add({
  name: "input: protocol=http",
  env: envKeys(),
  stdin: req(US_EAST_1, REPO, "http"),
  expect: usEast,
});

// ---- Credentials.
const credsCase = (c: Omit<CaseDef, "stdin" | "expect"> & { keys: Keys; token?: string }): void => {
  const { keys, token, ...rest } = c;
  add({
    ...rest,
    stdin: req(US_EAST_1),
    expect: signed({ keys, region: "us-east-1", ...(token === undefined ? {} : { token }) }),
  });
};
credsCase({ name: "creds: env keys, no token", env: envKeys(), keys: ENV });
credsCase({
  name: "creds: env AWS_SESSION_TOKEN (token with / + =, not URL-encoded)",
  env: { ...envKeys(), AWS_SESSION_TOKEN: TOKEN },
  keys: ENV,
  token: TOKEN,
});
credsCase({
  name: "creds: env AWS_SECURITY_TOKEN alone",
  env: { ...envKeys(), AWS_SECURITY_TOKEN: LEGACY_TOKEN },
  keys: ENV,
  token: LEGACY_TOKEN,
});
credsCase({
  name: "creds: env AWS_SECURITY_TOKEN beats AWS_SESSION_TOKEN",
  env: { ...envKeys(), AWS_SESSION_TOKEN: TOKEN, AWS_SECURITY_TOKEN: LEGACY_TOKEN },
  keys: ENV,
  token: LEGACY_TOKEN,
});
credsCase({
  name: "creds: empty env AWS_SECURITY_TOKEN is skipped for AWS_SESSION_TOKEN",
  env: { ...envKeys(), AWS_SECURITY_TOKEN: "", AWS_SESSION_TOKEN: TOKEN },
  keys: ENV,
  token: TOKEN,
});
credsCase({
  name: "creds: empty env AWS_SESSION_TOKEN means no token",
  env: { ...envKeys(), AWS_SESSION_TOKEN: "" },
  keys: ENV,
});
credsCase({
  name: "creds: env keys beat the default profile's static keys",
  env: envKeys(),
  files: { credentials: section("default", CREDS_DEFAULT), config: section("default", CONFIG_DEFAULT) },
  keys: ENV,
});
credsCase({
  name: "creds: [default] in credentials file",
  files: { credentials: section("default", CREDS_DEFAULT) },
  keys: CREDS_DEFAULT,
});
credsCase({
  name: "creds: [default] in config file",
  files: { config: section("default", CONFIG_DEFAULT) },
  keys: CONFIG_DEFAULT,
});
credsCase({
  name: "creds: credentials file beats config file for [default]",
  files: { credentials: section("default", CREDS_DEFAULT), config: section("default", CONFIG_DEFAULT) },
  keys: CREDS_DEFAULT,
});
credsCase({
  name: "creds: aws_session_token in credentials file",
  files: { credentials: section("default", CREDS_DEFAULT, { aws_session_token: TOKEN }) },
  keys: CREDS_DEFAULT,
  token: TOKEN,
});
credsCase({
  name: "creds: aws_session_token in config file",
  files: { config: section("default", CONFIG_DEFAULT, { aws_session_token: TOKEN }) },
  keys: CONFIG_DEFAULT,
  token: TOKEN,
});
credsCase({
  name: "creds: profile aws_security_token beats aws_session_token",
  files: {
    credentials: section("default", CREDS_DEFAULT, { aws_session_token: TOKEN, aws_security_token: LEGACY_TOKEN }),
  },
  keys: CREDS_DEFAULT,
  token: LEGACY_TOKEN,
});
credsCase({
  name: "creds: --profile dev from credentials file [dev]",
  args: { profile: "dev" },
  files: { credentials: section("default", CREDS_DEFAULT) + section("dev", DEV_CREDS) },
  keys: DEV_CREDS,
});
credsCase({
  name: "creds: --profile dev from config file [profile dev]",
  args: { profile: "dev" },
  files: { config: section("default", CONFIG_DEFAULT) + section("profile dev", DEV_CONFIG) },
  keys: DEV_CONFIG,
});
credsCase({
  name: "creds: --profile dev, credentials file [dev] beats config [profile dev]",
  args: { profile: "dev" },
  files: { credentials: section("dev", DEV_CREDS), config: section("profile dev", DEV_CONFIG) },
  keys: DEV_CREDS,
});
credsCase({
  name: "creds: --profile disables env keys",
  args: { profile: "dev" },
  env: { ...envKeys(), AWS_SESSION_TOKEN: TOKEN },
  files: { credentials: section("dev", DEV_CREDS) },
  keys: DEV_CREDS,
});
credsCase({
  name: "creds: AWS_PROFILE does not disable env keys",
  env: { ...envKeys(), AWS_PROFILE: "dev" },
  files: { credentials: section("dev", DEV_CREDS) },
  keys: ENV,
});
credsCase({
  name: "creds: AWS_PROFILE selects [profile dev] in config",
  env: { AWS_PROFILE: "dev" },
  files: { config: section("default", CONFIG_DEFAULT) + section("profile dev", DEV_CONFIG) },
  keys: DEV_CONFIG,
});
credsCase({
  name: "creds: AWS_PROFILE beats AWS_DEFAULT_PROFILE",
  env: { AWS_PROFILE: "dev", AWS_DEFAULT_PROFILE: "other" },
  files: { credentials: section("default", CREDS_DEFAULT) + section("dev", DEV_CREDS) + section("other", OTHER) },
  keys: DEV_CREDS,
});
credsCase({
  name: "creds: AWS_DEFAULT_PROFILE alone",
  env: { AWS_DEFAULT_PROFILE: "other" },
  files: { credentials: section("default", CREDS_DEFAULT) + section("other", OTHER) },
  keys: OTHER,
});
credsCase({
  name: "creds: --profile beats AWS_PROFILE and AWS_DEFAULT_PROFILE",
  args: { profile: "dev" },
  env: { AWS_PROFILE: "other", AWS_DEFAULT_PROFILE: "other" },
  files: { credentials: section("dev", DEV_CREDS) + section("other", OTHER) },
  keys: DEV_CREDS,
});
credsCase({
  name: "creds: AWS_CONFIG_FILE outside ~/.aws",
  env: { AWS_CONFIG_FILE: "${HOME}/elsewhere/config" },
  files: { config: section("default", DECOY), "../elsewhere/config": section("default", CONFIG_DEFAULT) },
  keys: CONFIG_DEFAULT,
});
credsCase({
  name: "creds: AWS_SHARED_CREDENTIALS_FILE outside ~/.aws",
  env: { AWS_SHARED_CREDENTIALS_FILE: "${HOME}/elsewhere/credentials" },
  files: { credentials: section("default", DECOY), "../elsewhere/credentials": section("default", CREDS_DEFAULT) },
  keys: CREDS_DEFAULT,
});
credsCase({
  name: "creds: both file variables outside ~/.aws with --profile dev",
  args: { profile: "dev" },
  env: { AWS_CONFIG_FILE: "${HOME}/elsewhere/config", AWS_SHARED_CREDENTIALS_FILE: "${HOME}/elsewhere/credentials" },
  files: {
    credentials: section("dev", DECOY),
    config: section("profile dev", DECOY),
    "../elsewhere/credentials": section("other", OTHER),
    "../elsewhere/config": section("profile dev", DEV_CONFIG),
  },
  keys: DEV_CONFIG,
});
credsCase({
  // botocore runs expanduser on the variable, so a literal "~/" works (no ${HOME} placeholder here).
  name: "creds: AWS_SHARED_CREDENTIALS_FILE with a literal ~/ is expanded",
  env: { AWS_SHARED_CREDENTIALS_FILE: "~/elsewhere/credentials" },
  files: { credentials: section("default", DECOY), "../elsewhere/credentials": section("default", CREDS_DEFAULT) },
  keys: CREDS_DEFAULT,
});

// ---- Region sources: only consulted when the host regex does not match, which needs
// --ignore-host-check for hosts that also fail the amazon substring check.
const API_AWS = "git-codecommit.us-east-1.api.aws";
const regionCase = (
  c: Omit<CaseDef, "stdin" | "expect"> & { host?: string; region: string; keys?: Keys },
): void => {
  const { host = API_AWS, region, keys = ENV, ...rest } = c;
  add({
    ...rest,
    args: { ignoreHostCheck: true, ...rest.args },
    stdin: req(host),
    expect: signed({ keys, host: host.split(":")[0]!, region }),
  });
};
regionCase({ name: "region: --region (api.aws host)", args: { region: "eu-west-1" }, env: envKeys(), region: "eu-west-1" });
regionCase({ name: "region: AWS_REGION", env: { ...envKeys(), AWS_REGION: "eu-central-1" }, region: "eu-central-1" });
regionCase({
  name: "region: AWS_DEFAULT_REGION",
  env: { ...envKeys(), AWS_DEFAULT_REGION: "ap-southeast-2" },
  region: "ap-southeast-2",
});
regionCase({
  name: "region: AWS_REGION beats AWS_DEFAULT_REGION",
  env: { ...envKeys(), AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "ap-southeast-2" },
  region: "eu-central-1",
});
regionCase({
  name: "region: --region beats AWS_REGION and AWS_DEFAULT_REGION",
  args: { region: "sa-east-1" },
  env: { ...envKeys(), AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "ap-southeast-2" },
  region: "sa-east-1",
});
regionCase({
  name: "region: [default] region from config file",
  env: envKeys(),
  files: { config: "[default]\nregion = ca-central-1\n" },
  region: "ca-central-1",
});
regionCase({
  name: "region: AWS_DEFAULT_REGION beats profile region",
  env: { ...envKeys(), AWS_DEFAULT_REGION: "ap-southeast-2" },
  files: { config: "[default]\nregion = ca-central-1\n" },
  region: "ap-southeast-2",
});
regionCase({
  name: "region: credentials-file region overrides config-file region",
  files: {
    config: "[default]\nregion = ca-central-1\n",
    credentials: section("default", CREDS_DEFAULT, { region: "eu-north-1" }),
  },
  keys: CREDS_DEFAULT,
  region: "eu-north-1",
});
regionCase({
  name: "region: --profile dev uses its own region, not [default]'s",
  args: { profile: "dev" },
  files: {
    config: "[default]\nregion = ca-central-1\n\n[profile dev]\nregion = ap-northeast-1\n",
    credentials: section("dev", DEV_CREDS),
  },
  keys: DEV_CREDS,
  region: "ap-northeast-1",
});
regionCase({
  name: "region: AWS_PROFILE region with env keys",
  env: { ...envKeys(), AWS_PROFILE: "dev" },
  files: { config: "[default]\nregion = ca-central-1\n\n[profile dev]\nregion = ap-northeast-1\n" },
  region: "ap-northeast-1",
});
regionCase({
  name: "region: --region beats --profile's region",
  args: { profile: "dev", region: "us-west-1" },
  files: { config: section("profile dev", DEV_CONFIG, { region: "ap-northeast-1" }) },
  keys: DEV_CONFIG,
  region: "us-west-1",
});
regionCase({
  name: "region: example.com with --ignore-host-check and --region",
  host: "example.com",
  args: { region: "eu-west-1" },
  env: envKeys(),
  region: "eu-west-1",
});
regionCase({
  name: "region: localhost:8443 with --ignore-host-check signs host localhost",
  host: "localhost:8443",
  env: { ...envKeys(), AWS_REGION: "us-east-2" },
  region: "us-east-2",
});
regionCase({
  name: "region: host regex matches by prefix only (…amazonaws.com.evil.example)",
  host: "git-codecommit.us-east-1.amazonaws.com.evil.example",
  args: { region: "eu-west-1" },
  env: envKeys(),
  region: "us-east-1",
});
add({
  name: "region: host region beats --region, AWS_REGION and profile region",
  args: { region: "eu-west-1" },
  env: { ...envKeys(), AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "ap-southeast-2" },
  files: { config: "[default]\nregion = ca-central-1\n" },
  stdin: req("git-codecommit.eu-west-2.amazonaws.com"),
  expect: signed({ host: "git-codecommit.eu-west-2.amazonaws.com", region: "eu-west-2" }),
});
add({
  name: "--ignore-host-check has no effect on an Amazon host",
  args: { ignoreHostCheck: true },
  env: envKeys(),
  stdin: req("git-codecommit.eu-west-2.amazonaws.com"),
  expect: signed({ host: "git-codecommit.eu-west-2.amazonaws.com", region: "eu-west-2" }),
});

// ---- Declines: non-Amazon host without --ignore-host-check prints nothing and exits 0.
add({ name: "decline: example.com", env: envKeys(), stdin: req("example.com"), expect: "decline" });
add({
  name: "decline: api.aws host does not contain amazonaws.com",
  env: { ...envKeys(), AWS_REGION: "us-east-1" },
  stdin: req(API_AWS),
  expect: "decline",
});
add({
  name: "decline: localhost:8443 even with --region",
  args: { region: "us-east-1" },
  env: envKeys(),
  stdin: req("localhost:8443"),
  expect: "decline",
});
add({
  // The host check runs before credentials are looked up, so no credentials is not an error here.
  name: "decline: no credentials anywhere is not an error for a foreign host",
  stdin: req("github.com"),
  expect: "decline",
});

// ---------------------------------------------------------------------------------------------

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

function expectedStdout(e: CaseDef["expect"]): string {
  if (e === "decline") return "";
  const date = AMZ_DATE.slice(0, 8);
  const canonical = `GIT\n${e.path}\n\nhost:${e.host}\n\nhost\n`;
  const sts = [
    "AWS4-HMAC-SHA256",
    AMZ_DATE,
    `${date}/${e.region}/codecommit/aws4_request`,
    createHash("sha256").update(canonical, "utf8").digest("hex"),
  ].join("\n");
  let k = hmac(`AWS4${e.keys.secret}`, date);
  for (const part of [e.region, "codecommit", "aws4_request"]) k = hmac(k, part);
  const sig = createHmac("sha256", k).update(sts, "utf8").digest("hex");
  const user = e.token === undefined ? e.keys.id : `${e.keys.id}%${e.token}`;
  return `username=${user}\npassword=${AMZ_DATE}Z${sig}\n`;
}

function argv(a: Args): string[] {
  return [
    ...(a.profile !== undefined ? ["--profile", a.profile] : []),
    ...(a.region !== undefined ? ["--region", a.region] : []),
    "codecommit",
    "credential-helper",
    "get",
    ...(a.ignoreHostCheck ? ["--ignore-host-check"] : []),
  ];
}

interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function runCli(c: CaseDef): Promise<Result> {
  const home = mkdtempSync(join(tmpdir(), "cc-golden-"));
  try {
    const aws = join(home, ".aws");
    mkdirSync(aws, { recursive: true });
    for (const [rel, text] of Object.entries(c.files ?? {})) {
      const p = resolve(aws, rel);
      if (!p.startsWith(home + "/")) throw new Error(`${c.name}: file ${rel} escapes HOME`);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    const env: Record<string, string> = {
      PATH: "/usr/bin:/bin",
      HOME: home,
      TZ: "UTC",
      LANG: "C.UTF-8",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: join(aws, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(aws, "credentials"),
    };
    for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v.replaceAll("${HOME}", home);
    // `env -i` as well as an empty spawn environment: belt and braces against anything inherited.
    const cmd = [
      "/usr/bin/env",
      "-i",
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      "FAKETIME_DONT_FAKE_MONOTONIC=1",
      "/usr/bin/faketime",
      "-f",
      FAKE_TIME,
      AWS,
      ...argv(c.args ?? {}),
    ];
    const proc = Bun.spawn({
      cmd,
      cwd: home,
      env: {},
      stdin: new TextEncoder().encode(c.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, exitCode };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function cliVersion(): Promise<string> {
  const proc = Bun.spawn({ cmd: [AWS, "--version"], env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return (out || err).trim();
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const version = await cliVersion();
  if (!version.startsWith(EXPECTED_VERSION)) {
    console.error(`refusing: ${AWS} --version is "${version}", expected ${EXPECTED_VERSION}…`);
    process.exit(2);
  }
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name: ${c.name}`);
    names.add(c.name);
  }

  // The CLI takes ~0.5 s per run; a small pool keeps regeneration quick without swamping the machine.
  const results: Result[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < cases.length) {
        const i = next++;
        results[i] = await runCli(cases[i]!);
      }
    }),
  );

  const failures: string[] = [];
  const out = cases.map((c, i) => {
    const r = results[i]!;
    const want = expectedStdout(c.expect);
    if (r.exitCode !== 0 || r.stderr !== "" || r.stdout !== want) {
      failures.push(
        `${c.name}: exit ${r.exitCode}\n  stdout ${JSON.stringify(r.stdout)}\n  expected ${JSON.stringify(want)}\n  stderr ${JSON.stringify(r.stderr.slice(-400))}`,
      );
    }
    return {
      name: c.name,
      args: c.args ?? {},
      env: c.env ?? {},
      ...(c.files ? { files: c.files } : {}),
      stdin: c.stdin,
      stdout: r.stdout,
      exitCode: r.exitCode,
    };
  });
  if (failures.length > 0) {
    console.error(`${failures.length} case(s) did not behave as declared:\n${failures.join("\n")}`);
    process.exit(1);
  }

  const json =
    JSON.stringify({ generator: "bun test/golden/generate.ts", cli: version, time: FAKE_TIME, cases: out }, null, 2) + "\n";
  if (check) {
    let old = "";
    try {
      old = readFileSync(OUT, "utf8");
    } catch {}
    if (old !== json) {
      console.error(`${OUT} is out of date; rerun without --check`);
      process.exit(1);
    }
    console.log(`${OUT} is up to date (${out.length} cases)`);
    return;
  }
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, json);
  console.log(`wrote ${out.length} cases to ${OUT}`);
}

await main();
