// Where the credential providers' AWS services live: configured endpoint URLs
// first (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, [services], endpoint_url),
// then the partition rules botocore 1.43 resolves.
import { UserError } from "../errors.ts";
import { setting } from "./config-files.ts";
import type { Session } from "./session.ts";

export type ServiceId = "sts" | "sso" | "sso_oidc" | "signin";

const ENV_SUFFIX: Record<ServiceId, string> = { sts: "STS", sso: "SSO", sso_oidc: "SSO_OIDC", signin: "SIGNIN" };

function isTrue(v: string | undefined): boolean {
  return v?.toLowerCase() === "true";
}

/** A configured endpoint URL for `service`, in botocore's lookup order, or undefined. */
export function configuredEndpoint(session: Session, service: ServiceId): string | undefined {
  const { env } = session.ctx;
  const profile = session.profile;
  if (isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? setting(profile, "ignore_configured_endpoint_urls"))) {
    return undefined;
  }
  const fromEnv = env[`AWS_ENDPOINT_URL_${ENV_SUFFIX[service]}`] || env.AWS_ENDPOINT_URL;
  if (fromEnv) return fromEnv;
  const servicesName = setting(profile, "services");
  if (servicesName !== undefined) {
    const section = session.files.services[servicesName];
    if (!section) {
      throw new UserError(
        `The profile is configured to use the services section but the "${servicesName}" services configuration does not exist.`,
      );
    }
    const nested = section[service];
    const url = typeof nested === "object" ? nested.endpoint_url : undefined;
    if (url) return url;
  }
  return setting(profile, "endpoint_url") || undefined;
}

interface Partition {
  pattern: RegExp;
  dnsSuffix: string;
}

// partitions.json, in botocore 1.43's order of matching.
const PARTITIONS: Partition[] = [
  { pattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: "amazonaws.com" },
  { pattern: /^cn-\w+-\d+$/, dnsSuffix: "amazonaws.com.cn" },
  { pattern: /^us-gov-\w+-\d+$/, dnsSuffix: "amazonaws.com" },
  { pattern: /^us-iso-\w+-\d+$/, dnsSuffix: "c2s.ic.gov" },
  { pattern: /^us-isob-\w+-\d+$/, dnsSuffix: "sc2s.sgov.gov" },
  { pattern: /^eu-isoe-\w+-\d+$/, dnsSuffix: "cloud.adc-e.uk" },
  { pattern: /^us-isof-\w+-\d+$/, dnsSuffix: "csp.hci.ic.gov" },
  { pattern: /^eusc-(de)-\w+-\d+$/, dnsSuffix: "amazonaws.eu" },
];

export function dnsSuffix(region: string): string {
  return PARTITIONS.find((p) => p.pattern.test(region))?.dnsSuffix ?? "amazonaws.com";
}

/** Regions that `sts_regional_endpoints = legacy` sends to the global endpoint. */
const LEGACY_GLOBAL = new Set([
  "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
  "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
]);

export function useFips(session: Session): boolean {
  return isTrue(session.ctx.env.AWS_USE_FIPS_ENDPOINT ?? setting(session.profile, "use_fips_endpoint"));
}

export interface Endpoint {
  url: string;
  signingRegion: string;
}

/** The STS endpoint for the session region (undefined: no region set anywhere). */
export function stsEndpoint(session: Session, region: string | undefined): Endpoint {
  const configured = configuredEndpoint(session, "sts");
  if (configured) {
    if (region === undefined) throw new UserError("You must specify a region.");
    return { url: configured, signingRegion: region };
  }
  const global = { url: "https://sts.amazonaws.com", signingRegion: "us-east-1" };
  if (region === undefined || region === "aws-global") return global;
  const fips = useFips(session);
  if (isTrue(session.ctx.env.AWS_USE_DUALSTACK_ENDPOINT ?? setting(session.profile, "use_dualstack_endpoint"))) {
    const suffix = dnsSuffix(region) === "amazonaws.com.cn" ? "api.amazonwebservices.com.cn" : "api.aws";
    return { url: `https://${fips ? "sts-fips" : "sts"}.${region}.${suffix}`, signingRegion: region };
  }
  const regional = (
    session.ctx.env.AWS_STS_REGIONAL_ENDPOINTS ?? setting(session.profile, "sts_regional_endpoints")
  )?.toLowerCase();
  if (!fips && regional === "legacy" && LEGACY_GLOBAL.has(region)) return global;
  const suffix = dnsSuffix(region);
  const name = fips && !region.startsWith("us-gov-") ? "sts-fips" : "sts";
  return { url: `https://${name}.${region}.${suffix}`, signingRegion: region };
}

/**
 * The AWS Sign-In service (`aws login` sessions' token endpoint), from botocore
 * 1.43's signin rule set: its own host names in the aws, aws-cn and
 * aws-us-gov partitions, signin.<region>.<suffix> elsewhere and for FIPS.
 */
export function signinEndpoint(session: Session, region: string | undefined): string {
  const configured = configuredEndpoint(session, "signin");
  if (configured) return configured.replace(/\/+$/, "");
  if (region === undefined) throw new UserError("You must specify a region.");
  const suffix = dnsSuffix(region);
  if (useFips(session)) return `https://signin-fips.${region}.${suffix}`;
  if (region.startsWith("us-gov-")) return `https://${region}.signin.amazonaws-us-gov.com`;
  if (suffix === "amazonaws.com.cn") return `https://${region}.signin.amazonaws.cn`;
  if (suffix === "amazonaws.com") return `https://${region}.signin.aws.amazon.com`;
  return `https://signin.${region}.${suffix}`;
}
