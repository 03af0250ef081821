// The session region, as AWS CLI v2 finds it, with the EC2 instance's own region
// as the last fallback.
import { UserError } from "../errors.ts";
import { setting } from "./config-files.ts";
import type { Session } from "./session.ts";

export interface Region {
  name: string;
  source: string;
}

export const REGION_SOURCES = "--region, AWS_REGION, AWS_DEFAULT_REGION or the profile's region";

/**
 * The session region, in AWS CLI v2's order: --region, AWS_REGION,
 * AWS_DEFAULT_REGION, then the profile's `region`. The first one set wins; an
 * empty one is an error rather than a signature for region "".
 */
export function sessionRegion(session: Session): Region | undefined {
  const { env } = session.ctx;
  const candidates: Array<[string | undefined, string]> = [
    [session.regionFlag, "--region"],
    [env.AWS_REGION, "AWS_REGION"],
    [env.AWS_DEFAULT_REGION, "AWS_DEFAULT_REGION"],
    [setting(session.profile, "region"), `the region of profile "${session.profileName}"`],
  ];
  for (const [name, source] of candidates) {
    if (name === undefined) continue;
    if (name.trim() === "") throw new UserError(`${source} is set but empty; set it to a region such as us-east-1`);
    return { name: checkRegion(name), source };
  }
  return undefined;
}

const REGION_FORMAT = /^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/;

/**
 * botocore's check before a region goes into a host name: `us-east-1 # note`
 * (config values keep inline comments) or `x@evil.example#` must not become a URL.
 */
export function checkRegion(name: string): string {
  if (!REGION_FORMAT.test(name)) throw new UserError(`Provided region_name '${name}' doesn't match a supported format.`);
  return name;
}

/** The session region, falling back to the EC2 instance's own region as the CLI does. */
export async function sessionRegionOrInstance(session: Session): Promise<Region | undefined> {
  const configured = sessionRegion(session);
  if (configured) return configured;
  // The metadata client talks to the network: imported only when no region is configured.
  const { regionFromInstanceMetadata } = await import("./imds.ts");
  const name = await regionFromInstanceMetadata(session);
  return name ? { name: checkRegion(name), source: "EC2 instance metadata" } : undefined;
}
