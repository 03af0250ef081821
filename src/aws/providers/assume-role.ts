// Profiles with role_arn: AssumeRole with credentials from source_profile or
// credential_source, cached in ~/.aws/cli/cache exactly as the AWS CLI caches them.
import { UserError, retrievalError } from "../../errors.ts";
import { cliCacheFile, lockOptions, withFileLock } from "../cache.ts";
import type { Credentials } from "../credentials.ts";
import { isAssumeRoleProfile, setting, type Session } from "../session.ts";
import type { Profile } from "../config-files.ts";
import { promptTerminal } from "../prompt.ts";
import { assumeAndCache, cachedCredentials, defaultSessionName } from "../sts.ts";

export type SourceResolver = (session: Session, profileName: string) => Promise<Credentials | undefined>;

/**
 * How long a helper waits for another to finish the same role: that one may be
 * waiting for an MFA code, or resolving a source profile's credential_process.
 */
const LOCK_WAIT_MS = 10 * 60_000;

const CREDENTIAL_SOURCES = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];

/** botocore's `has_static`: either key present makes a source profile use its own keys. */
function hasStaticKeys(profile: Profile): boolean {
  return setting(profile, "aws_access_key_id") !== undefined || setting(profile, "aws_secret_access_key") !== undefined;
}

/** Python's int() of a setting (`3_600` yes, `1e3` or `3600s` no), or undefined, which botocore then ignores. */
function pythonInt(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^[+-]?\d+(?:_\d+)*$/.test(t) ? Number(t.replace(/_/g, "")) : undefined;
}

/**
 * Credentials for `profileName` by assuming its role, or undefined when it has
 * no role_arn. `resolveSource` gives a source profile's own credentials (the
 * profile providers, without env); `namedSource` a credential_source's.
 */
export async function fromAssumeRole(
  session: Session,
  profileName: string,
  refresh: boolean,
  resolveSource: SourceResolver,
  namedSource: (session: Session, source: string) => Promise<Credentials | undefined>,
  visited: string[] = [profileName],
): Promise<Credentials | undefined> {
  const profile = session.files.profiles[profileName];
  if (!isAssumeRoleProfile(profile)) return undefined;
  const p = profile!;
  const sourceProfile = setting(p, "source_profile");
  const credentialSource = setting(p, "credential_source");
  if (sourceProfile === undefined && credentialSource === undefined) {
    throw new UserError("Partial credentials found in assume-role, missing: source_profile or credential_source");
  }
  if (sourceProfile !== undefined && credentialSource !== undefined) {
    throw new UserError(`The profile "${profileName}" contains both source_profile and credential_source.`);
  }
  if (credentialSource !== undefined && !CREDENTIAL_SOURCES.includes(credentialSource)) {
    throw new UserError(`The credential source "${credentialSource}" referenced in profile "${profileName}" is not valid.`);
  }
  if (sourceProfile !== undefined) {
    const source = session.files.profiles[sourceProfile];
    if (!source) {
      throw new UserError(`The source_profile "${sourceProfile}" referenced in the profile "${profileName}" does not exist.`);
    }
    // A profile may name itself as source only to mean "my own static keys".
    if (visited.includes(sourceProfile) && !(sourceProfile === profileName && hasStaticKeys(source))) {
      throw new UserError(
        `Infinite loop in credential configuration detected. Attempting to load from profile ${sourceProfile} ` +
          `which has already been visited. Visited profiles: [${visited.map((v) => `'${v}'`).join(", ")}]`,
      );
    }
  }

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

  const fromCache = () => (refresh ? undefined : cachedCredentials(cacheFile, session, "assume-role"));
  const hit = fromCache();
  if (hit) return hit;

  // One STS call (and one MFA prompt) among concurrent helpers: the others wait, then hit the cache.
  return withFileLock(cacheFile, async () => {
    const again = fromCache();
    if (again) return again;
    const sourceCreds =
      credentialSource !== undefined
        ? await namedSource(session, credentialSource)
        : hasStaticKeys(session.files.profiles[sourceProfile!]!) || !isAssumeRoleProfile(session.files.profiles[sourceProfile!])
          ? await resolveSource(session, sourceProfile!)
          : // Only this role's credentials were short: the hop's cache entry still serves.
            await fromAssumeRole(session, sourceProfile!, false, resolveSource, namedSource, [...visited, sourceProfile!]);
    if (!sourceCreds) {
      throw credentialSource !== undefined
        ? retrievalError(credentialSource, `No credentials found in credential_source referenced in profile ${profileName}`)
        : new UserError(`The source profile "${sourceProfile}" must have credentials.`);
    }
    const call: Record<string, string> = { ...params, RoleSessionName: params.RoleSessionName ?? defaultSessionName(session) };
    if (mfaSerial !== undefined) {
      call.TokenCode = await promptTerminal(
        session.ctx.env,
        `Enter MFA code for ${mfaSerial}: `,
        `profile "${profileName}" needs an MFA code`,
        `run "aws sts get-caller-identity --profile ${profileName}" in a terminal once; the session it caches is shared with this helper`,
      );
    }
    return assumeAndCache(session, "AssumeRole", call, cacheFile, "assume-role", sourceCreds);
  }, lockOptions(session.ctx, session.debug, `assuming ${params.RoleArn}`, LOCK_WAIT_MS));
}
