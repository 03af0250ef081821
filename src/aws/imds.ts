// The EC2 instance metadata client (IMDSv2 with the v1 fallback botocore
// allows), for the iam-role credential provider and the last region fallback.
import { UserError } from "../errors.ts";
import { setting } from "./config-files.ts";
import { httpRequest, type HttpResponse } from "./http.ts";
import { metadataDisabled, type Session } from "./session.ts";

/** However the settings read, metadata lookups end within this much of the first one. */
const PROCESS_DEADLINE_MS = 2_000;

export interface Imds {
  base: string;
  timeoutMs: number;
  attempts: number;
  v1Disabled: boolean;
  deadline?: number;
  /** undefined: not asked yet; null: no token, use IMDSv1. */
  token?: string | null;
  /** The token request was refused outright (400): botocore stops asking the metadata service. */
  refused?: boolean;
}

// One client per session, so the credential and region lookups share a token and a deadline.
const clients = new WeakMap<Session, Imds | null>();

function config(session: Session, envName: string, key: string): string | undefined {
  return session.ctx.env[envName] ?? setting(session.profile, key);
}

/** The session's IMDS client, or null when IMDS is disabled. */
export function imdsFor(session: Session): Imds | null {
  const known = clients.get(session);
  if (known !== undefined) return known;
  let client: Imds | null = null;
  if (!metadataDisabled(session.ctx.env)) {
    const mode = config(session, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode");
    const ipv6 = mode !== undefined ? mode.toLowerCase() === "ipv6" : config(session, "AWS_IMDS_USE_IPV6", "imds_use_ipv6")?.toLowerCase() === "true";
    if (mode !== undefined && !["ipv4", "ipv6"].includes(mode.toLowerCase())) {
      throw new UserError(
        `Invalid EC2 Instance Metadata endpoint mode: ${mode} Valid endpoint modes (case-insensitive): ('ipv4', 'ipv6').`,
      );
    }
    let base = config(session, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint")
      ?? (ipv6 ? "http://[fd00:ec2::254]/" : "http://169.254.169.254/");
    if (!/^https?:\/\/[^/]+/.test(base)) throw new UserError(`Invalid endpoint EC2 Instance Metadata endpoint: ${base}`);
    if (!base.endsWith("/")) base += "/";
    const timeout = Number(config(session, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout") ?? 1);
    const attempts = Number.parseInt(config(session, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts") ?? "1", 10);
    client = {
      base,
      timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 1) * 1000,
      attempts: attempts > 0 ? attempts : 1,
      v1Disabled: config(session, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")?.toLowerCase() === "true",
    };
  }
  clients.set(session, client);
  return client;
}

/** One request within the process deadline; undefined on a timeout or connection failure. */
async function call(session: Session, imds: Imds, method: string, path: string, headers: Record<string, string>): Promise<HttpResponse | undefined> {
  imds.deadline ??= Date.now() + PROCESS_DEADLINE_MS;
  const left = imds.deadline - Date.now();
  if (left <= 0) return undefined;
  try {
    // Never through a proxy: the metadata service is link-local.
    return await httpRequest(`${imds.base}${path}`, {
      method,
      headers,
      env: session.ctx.env,
      useProxy: false,
      attempts: 1,
      timeoutMs: Math.min(imds.timeoutMs, left),
    });
  } catch {
    return undefined;
  }
}

async function token(session: Session, imds: Imds): Promise<string | null> {
  if (imds.token !== undefined) return imds.token;
  if (imds.refused) throw new ImdsUnavailable();
  let result: string | null | "give-up" = null;
  for (let i = 0; i < imds.attempts; i++) {
    const res = await call(session, imds, "PUT", "latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "21600" });
    if (!res) continue; // connection trouble or timeout: retried, then IMDSv1
    if (res.status === 200) result = res.body;
    else if (res.status === 400) result = "give-up";
    break; // 403/404/405: IMDSv1
  }
  if (result === "give-up") {
    imds.refused = true;
    throw new ImdsUnavailable();
  }
  if (result === null && imds.v1Disabled) {
    throw new UserError(
      "Error retrieving metadata: Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled",
    );
  }
  session.debug(`imds: ${result ? "IMDSv2 token" : "no token, IMDSv1"}`);
  imds.token = result;
  return result;
}

class ImdsUnavailable extends Error {}

/**
 * A metadata document, retried on non-200 or an empty body; undefined when
 * there is none or the metadata service refused us a token.
 */
export async function metadata(session: Session, imds: Imds, path: string): Promise<string | undefined> {
  try {
    const t = await token(session, imds);
    for (let i = 0; i < imds.attempts; i++) {
      const res = await call(session, imds, "GET", path, t ? { "x-aws-ec2-metadata-token": t } : {});
      if (res?.status === 200 && res.body !== "") return res.body;
    }
    return undefined;
  } catch (e) {
    if (e instanceof ImdsUnavailable) return undefined;
    throw e;
  }
}

/** The instance's region (its availability zone minus the letter), or undefined. */
export async function regionFromInstanceMetadata(session: Session): Promise<string | undefined> {
  const imds = imdsFor(session);
  if (!imds || session.offline) return undefined;
  const az = (await metadata(session, imds, "latest/meta-data/placement/availability-zone/"))?.trim();
  return az ? az.slice(0, -1) : undefined;
}
