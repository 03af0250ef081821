// The URL patterns under which git is told to use this helper: every CodeCommit
// git endpoint git's wildcard matching can express (see ./host.ts for the names).
export const CODECOMMIT_URL_PATTERNS = [
  "https://git-codecommit.*.amazonaws.com",
  "https://git-codecommit-fips.*.amazonaws.com",
  "https://git-codecommit.*.amazonaws.com.cn",
  "https://*.git-codecommit.*.vpce.amazonaws.com",
  "https://*.git-codecommit-fips.*.vpce.amazonaws.com",
  "https://*.git-codecommit.*.vpce.amazonaws.com.cn",
];

/** A repository URL of the region's endpoint: what doctor checks by default, and what setup asks "does it run for CodeCommit" of. */
export const exampleUrl = (region = "us-east-1") => `https://git-codecommit.${region}.amazonaws.com/v1/repos/example`;

/** Helper commands written by the AWS CLI's instructions, which `setup --replace` retires. */
export const AWS_CLI_HELPER = /^!\s*aws\b.*\bcodecommit\s+credential-helper\b/;
