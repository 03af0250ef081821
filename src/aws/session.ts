// The selected profile, its files and the region: what the AWS CLI calls a session.
import type { Context } from "../context.ts";
import { UserError } from "../errors.ts";
import { loadConfigFiles, type ConfigFiles, type Profile } from "./config-files.ts";

export interface SessionOptions {
  profile?: string;
  region?: string;
  debug?: boolean;
  /** doctor without --network: providers may read files and caches but not call AWS. */
  offline?: boolean;
}

export interface Session {
  ctx: Context;
  profileName: string;
  /** `--profile` was given: only then does the CLI drop env credentials and env web identity. */
  profileFromFlag: boolean;
  files: ConfigFiles;
  /** The selected profile, credentials-file keys over config-file keys (empty if it doesn't exist). */
  profile: Profile;
  regionFlag?: string;
  offline: boolean;
  debug(line: string): void;
}

/** Thrown instead of a network call when the session is offline. */
export class NetworkNeeded extends UserError {}

/** A profile setting as a string; nested sub-sections are not settings. */
export function setting(profile: Profile | undefined, key: string): string | undefined {
  const v = profile?.[key];
  return typeof v === "string" ? v : undefined;
}

// What kind of profile this is, decided here so the chain can skip a provider
// without importing it (the providers talk to the network and cost start-up time).

/** role_arn without web_identity_token_file: botocore's assume-role provider. */
export function isAssumeRoleProfile(profile: Profile | undefined): boolean {
  return setting(profile, "role_arn") !== undefined && setting(profile, "web_identity_token_file") === undefined;
}

export function isSsoProfile(profile: Profile | undefined): boolean {
  return setting(profile, "sso_account_id") !== undefined || setting(profile, "sso_role_name") !== undefined;
}

/**
 * Selects the profile as AWS CLI v2 does: --profile, AWS_PROFILE,
 * AWS_DEFAULT_PROFILE, then "default". An empty variable counts as set, and a
 * profile chosen by name must exist even when env credentials would be used.
 */
export function openSession(ctx: Context, opts: SessionOptions): Session {
  const env = ctx.env;
  const named = opts.profile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE;
  const profileName = named ?? "default";
  const files = loadConfigFiles(env, ctx.home);
  const profile = files.profiles[profileName];
  if (named !== undefined && !profile) {
    throw new UserError(`The config profile (${profileName}) could not be found`);
  }
  return {
    ctx,
    profileName,
    profileFromFlag: opts.profile !== undefined,
    files,
    profile: profile ?? Object.create(null),
    regionFlag: opts.region,
    offline: Boolean(opts.offline),
    debug: opts.debug ? (line) => ctx.err(`[debug] ${line}`) : () => {},
  };
}

export interface Region {
  name: string;
  source: string;
}

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
  const { regionFromInstanceMetadata } = await import("./providers/imds.ts");
  const name = await regionFromInstanceMetadata(session);
  return name ? { name: checkRegion(name), source: "EC2 instance metadata" } : undefined;
}

export const REGION_SOURCES = "--region, AWS_REGION, AWS_DEFAULT_REGION or the profile's region";
