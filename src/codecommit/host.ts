// Which hosts are CodeCommit git endpoints, and the region in their names.

/**
 * The real git endpoints, optionally with a port: public and FIPS names in the
 * aws, aws-us-gov and aws-cn partitions, and VPC endpoint names (zonal ones too).
 * Anchored at both ends: the AWS CLI only looks for "amazonaws.com" anywhere in
 * the host and so signs for x.amazonaws.com.attacker.net; we deliberately don't.
 */
const CODECOMMIT_HOST =
  /^(?:git-codecommit(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|vpce-[a-z0-9-]+\.git-codecommit(?:-fips)?\.([a-z0-9-]+)\.vpce\.amazonaws\.com(?:\.cn)?)(?::\d{1,5})?$/;

/** The AWS CLI's own region pattern, anchored at the start only (Python's re.match). */
const CLI_REGION = /^(vpce-.+\.)?git-codecommit(-fips)?\.([^.]+)\.(vpce\.)?amazonaws\.com/;

export function isCodeCommitHost(host: string): boolean {
  return CODECOMMIT_HOST.test(host);
}

/** The region named by the host, exactly as `aws codecommit credential-helper` extracts it. */
export function regionFromHost(host: string): string | undefined {
  return CLI_REGION.exec(host)?.[3];
}

/**
 * The host without its port: what the CLI signs. A bracketed IPv6 literal
 * (only reachable with --ignore-host-check) keeps its colons: it is split on
 * its last `]:`, where the CLI's split at the first colon would sign `[`.
 */
export function hostWithoutPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.lastIndexOf("]:");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  return host.split(":")[0]!;
}
