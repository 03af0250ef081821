// git-remote-codecommit's URLs: codecommit://[profile@]repo and
// codecommit::<region>://[profile@]repo (git strips "codecommit::" from the
// latter), resolved to a profile, a region and an HTTPS endpoint exactly as
// AWS's Python git-remote-codecommit (GRC) resolves them, plus FIPS.
import { ProfileNotFound, UserError } from "../errors.ts";
import type { Context } from "../context.ts";
import { openSession, type Session } from "../aws/session.ts";
import { sessionRegionOrInstance } from "../aws/region.ts";
import { dnsSuffix, useFips } from "../aws/endpoints.ts";
import { regionFromHost } from "./host.ts";

/** Regions with CodeCommit (botocore's endpoints.json), which GRC checks a URL against. */
export const CODECOMMIT_REGIONS = new Set([
  "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "sa-east-1",
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "cn-north-1", "cn-northwest-1",
  "us-gov-east-1", "us-gov-west-1",
]);

const FORMATS = "codecommit://<profile>@<repository> or codecommit::<region>://<profile>@<repository>";

export interface RemoteTarget {
  session: Session;
  /** The profile named in the URL, which acts like --profile. */
  profile?: string;
  region: string;
  repository: string;
  /** host[:port] to talk to: the region's endpoint, or CODE_COMMIT_ENDPOINT. */
  host: string;
}

function notAvailable(region: string): UserError {
  return new UserError(
    `The following AWS Region is not available for use with AWS CodeCommit: ${region}. For more information about ` +
      `CodeCommit's availability in AWS Regions, see the AWS CodeCommit User Guide. If an AWS Region is listed as ` +
      `supported but you receive this error, try updating your version of the AWS CLI or the AWS SDKs.`,
  );
}

/** `fallbackProfile`: used when the URL names none (the `url` command's --profile). */
export async function resolveRemoteUrl(ctx: Context, remoteUrl: string, fallbackProfile?: string): Promise<RemoteTarget> {
  // Python's urlparse: a scheme, "://", then the netloc up to the next / ? or #.
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(remoteUrl);
  const scheme = m?.[1]?.toLowerCase();
  const netloc = m?.[2] ?? "";
  if (!scheme || !netloc) {
    throw new UserError(`The following URL is malformed: ${remoteUrl}. A URL must be in one of the two following formats: ${FORMATS}`);
  }
  let profile = fallbackProfile;
  let repository = netloc;
  const at = netloc.indexOf("@");
  if (at !== -1) {
    profile = netloc.slice(0, at);
    repository = netloc.slice(at + 1);
  }
  const session = await openSessionFor(ctx, profile);

  let region: string;
  if (scheme === "codecommit") {
    const found = (await sessionRegionOrInstance(session))?.name;
    if (!found) {
      throw new UserError(
        `The following profile does not have an AWS Region: ${profile ?? session.profileName}. You must set an AWS Region ` +
          `for this profile. For more information, see Configure An AWS CLI Profile in the AWS CLI User Guide.`,
      );
    }
    region = found;
  } else if (/^[a-z]{2}-\w*.*-\d/.test(scheme)) {
    region = scheme;
  } else {
    throw new UserError(`The following URL is malformed: ${remoteUrl}. A URL must be in one of the two following formats: ${FORMATS}`);
  }
  if (!CODECOMMIT_REGIONS.has(region)) throw notAvailable(region);

  const override = ctx.env.CODE_COMMIT_ENDPOINT;
  const overrideRegion = override ? regionFromHost(override) : undefined;
  if (overrideRegion !== undefined && overrideRegion !== region) {
    throw new UserError(`CODE_COMMIT_ENDPOINT (${override}) is in ${overrideRegion}, but the URL ${remoteUrl} is for ${region}`);
  }
  const fips = useFips(session);
  const host = override || `git-codecommit${fips ? "-fips" : ""}.${region}.${dnsSuffix(region)}`;
  return { session, profile, region, repository, host };
}

/** A profile named in the URL must exist; GRC lists the ones that do. */
async function openSessionFor(ctx: Context, profile: string | undefined): Promise<Session> {
  if (profile === undefined) return openSession(ctx, {});
  try {
    return await openSession(ctx, { profile });
  } catch (e) {
    if (!(e instanceof ProfileNotFound)) throw e;
    const available = Object.keys((await openSession(ctx, {})).files.profiles);
    throw new UserError(
      `The following profile was not found: ${profile}. Available profiles are: ${available.join(", ")}. Either use one ` +
        `of the available profiles, or create an AWS CLI profile to use and then try again. For more information, see ` +
        `Configure an AWS CLI Profile in the AWS CLI User Guide.`,
    );
  }
}
