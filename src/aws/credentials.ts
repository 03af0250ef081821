// What every provider returns, and the rules for how long credentials stay usable.
import { UserError } from "../errors.ts";
import { LINE_BREAK_OR_NUL } from "../util/encoding.ts";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** Where they came from, for --debug and doctor (never a secret). */
  source: string;
  /**
   * The source renews these itself once less than this remains (login
   * sessions: 5 minutes, as botocore), so the chain's 15-minute rule and its
   * warning start only below it.
   */
  refreshWindowMs?: number;
}

/** Credentials with less than this left are fetched again (botocore's advisory window, the CLI cache rule). */
export const REFRESH_WINDOW_MS = 15 * 60 * 1000;

/** Below this, failing to refresh is an error rather than a reason to use what we have (botocore's mandatory window). */
export const MANDATORY_REFRESH_MS = 10 * 60 * 1000;

export const STILL_EXPIRED = "Credentials were refreshed, but the refreshed credentials are still expired.";

/**
 * Parses the ISO 8601 / RFC 3339 forms the CLI and SDKs write (`Z`, `+00:00`, a
 * `UTC` suffix); a time with no zone at all is UTC, not this machine's local time.
 */
export function parseExpiration(text: string): Date | undefined {
  let t = text.trim();
  if (t.endsWith("UTC")) t = `${t.slice(0, -3).trimEnd()}Z`;
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) t += "Z";
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `%Y-%m-%dT%H:%M:%SZ`, the time format the CLI writes into its cache files. */
export function cliTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function remainingMs(creds: Credentials, now: Date): number {
  return creds.expiration ? creds.expiration.getTime() - now.getTime() : Infinity;
}

/** Masks an access key id for display: `AKIA…WXYZ`. */
export function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : "…";
}

/** The fields a source supplies, by the names the AWS files and answers use. */
export type CredentialField = "AccessKeyId" | "SecretAccessKey" | "SessionToken";

/**
 * The first field holding a line break or NUL, or undefined. Every source runs
 * this as it builds its Credentials, so such a value is refused (or, from a
 * cache file, a miss) where it came from, and never reaches git or a cache.
 */
export function unsafeField(creds: Pick<Credentials, "accessKeyId" | "secretAccessKey" | "sessionToken">): CredentialField | undefined {
  if (LINE_BREAK_OR_NUL.test(creds.accessKeyId)) return "AccessKeyId";
  if (LINE_BREAK_OR_NUL.test(creds.secretAccessKey)) return "SecretAccessKey";
  if (creds.sessionToken !== undefined && LINE_BREAK_OR_NUL.test(creds.sessionToken)) return "SessionToken";
  return undefined;
}

/**
 * `creds`, or an error naming where the bad value came from: `name` turns the
 * field into what the person can fix ("AWS_SESSION_TOKEN", "the SessionToken
 * in sso's answer"). The value itself is never shown.
 */
export function checkedCredentials<T extends Credentials>(creds: T, name: (field: CredentialField) => string): T {
  const field = unsafeField(creds);
  if (field !== undefined) throw new UserError(`${name(field)} contains a line break or NUL byte, which no AWS credential holds`);
  return creds;
}
