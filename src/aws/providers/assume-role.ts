// Profiles with role_arn: AssumeRole with credentials from source_profile or
// credential_source, cached in ~/.aws/cli/cache exactly as the AWS CLI caches them.
import { UserError } from "../../errors.ts";
import { cliCacheFile, withFileLock } from "../cache.ts";
import { setting } from "../config-files.ts";
import type { Credentials } from "../credentials.ts";
import type { Session } from "../session.ts";
import { promptTerminal } from "../prompt.ts";
import { assumeAndCache, cachedCredentials, defaultSessionName } from "../sts.ts";

export type CredentialSourceName = "Environment" | "Ec2InstanceMetadata" | "EcsContainer";
const CREDENTIAL_SOURCES: readonly string[] = ["Environment", "Ec2InstanceMetadata", "EcsContainer"] satisfies CredentialSourceName[];

/** Where a role's source credentials come from; the chain (src/aws/chain.ts) fetches them. */
export type RoleSource =
  | { credentialSource: CredentialSourceName; forProfile: string }
  | { profileName: string; visited: string[] };

export type SourceResolver = (session: Session, source: RoleSource) => Promise<Credentials>;

/**
 * How long a helper waits for another to finish the same role: that one may be
 * waiting for an MFA code, or resolving a source profile's credential_process.
 */
const LOCK_WAIT_MS = 10 * 60_000;

/** Python's int() of a setting (`3_600` yes, `1e3` or `3600s` no), or undefined, which botocore then ignores. */
function pythonInt(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^[+-]?\d+(?:_\d+)*$/.test(t) ? Number(t.replace(/_/g, "")) : undefined;
}

/** The role profile's source, validated as botocore validates it. */
function roleSource(session: Session, profileName: string, visited: string[]): RoleSource {
  const p = session.files.profiles[profileName];
  const sourceProfile = setting(p, "source_profile");
  const credentialSource = setting(p, "credential_source");
  if (sourceProfile === undefined && credentialSource === undefined) {
    throw new UserError("Partial credentials found in assume-role, missing: source_profile or credential_source");
  }
  if (sourceProfile !== undefined && credentialSource !== undefined) {
    throw new UserError(`The profile "${profileName}" contains both source_profile and credential_source.`);
  }
  if (credentialSource !== undefined) {
    if (!CREDENTIAL_SOURCES.includes(credentialSource)) {
      throw new UserError(`The credential source "${credentialSource}" referenced in profile "${profileName}" is not valid.`);
    }
    return { credentialSource: credentialSource as CredentialSourceName, forProfile: profileName };
  }
  const source = session.files.profiles[sourceProfile!];
  if (!source) {
    throw new UserError(`The source_profile "${sourceProfile}" referenced in the profile "${profileName}" does not exist.`);
  }
  // A profile may name itself as source only to mean "my own static keys".
  const ownKeys = setting(source, "aws_access_key_id") !== undefined || setting(source, "aws_secret_access_key") !== undefined;
  if (visited.includes(sourceProfile!) && !(sourceProfile === profileName && ownKeys)) {
    throw new UserError(
      `Infinite loop in credential configuration detected. Attempting to load from profile ${sourceProfile} ` +
        `which has already been visited. Visited profiles: [${visited.map((v) => `'${v}'`).join(", ")}]`,
    );
  }
  return { profileName: sourceProfile!, visited: [...visited, sourceProfile!] };
}

/**
 * Credentials for the role profile `profileName` (the chain has checked it is
 * one). `sourceCredentials` fetches the source credentials the profile names.
 */
export async function fromAssumeRole(
  session: Session,
  profileName: string,
  refresh: boolean,
  sourceCredentials: SourceResolver,
  visited: string[] = [profileName],
): Promise<Credentials | undefined> {
  const p = session.files.profiles[profileName]!;
  const source = roleSource(session, profileName, visited);

  const params: Record<string, string> = { RoleArn: setting(p, "role_arn")! };
  const sessionName = setting(p, "role_session_name");
  const externalId = setting(p, "external_id");
  const mfaSerial = setting(p, "mfa_serial");
  const duration = pythonInt(setting(p, "duration_seconds"));
  if (sessionName !== undefined) params.RoleSessionName = sessionName;
  if (externalId !== undefined) params.ExternalId = externalId;
  if (mfaSerial !== undefined) params.SerialNumber = mfaSerial;
  const keyArgs: Record<string, string | number> = { ...params };
  if (duration !== undefined) {
    params.DurationSeconds = String(duration);
    keyArgs.DurationSeconds = duration;
  }
  const cacheFile = cliCacheFile(session.ctx.home, keyArgs);
  // Like botocore, never refresh with MFA: the short-lived answer just obtained is kept (with a
  // warning), rather than asking at once for a second code, which a TOTP device can't give anyway.
  if (refresh && mfaSerial !== undefined) return undefined;

  const fromCache = async () => (refresh ? undefined : cachedCredentials(cacheFile, session, "assume-role"));
  const hit = await fromCache();
  if (hit) return hit;

  // One STS call (and one MFA prompt) among concurrent helpers: the others wait, then hit the cache.
  return withFileLock(cacheFile, async (lock) => {
    const again = await fromCache();
    if (again) return again;
    const sourceCreds = await sourceCredentials(session, source);
    const call: Record<string, string> = { ...params, RoleSessionName: params.RoleSessionName ?? defaultSessionName(session) };
    if (mfaSerial !== undefined) {
      lock.asking(`asking for the MFA code for ${mfaSerial}`);
      call.TokenCode = await promptTerminal(
        session.ctx.env,
        `Enter MFA code for ${mfaSerial}: `,
        `profile "${profileName}" needs an MFA code`,
        `run "aws sts get-caller-identity --profile ${profileName}" in a terminal once; the session it caches is shared with this helper`,
      );
    }
    return assumeAndCache(session, "AssumeRole", call, cacheFile, "assume-role", sourceCreds);
  }, { waitMs: LOCK_WAIT_MS, what: `assuming ${params.RoleArn}`, notice: session.notice, debug: session.debug });
}
