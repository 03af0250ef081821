// What every provider returns, and the rules for how long credentials stay usable.

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
  let t = text.trim().replace(/\s*UTC$/, "Z");
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
