// The credential chain, in botocore's order, as one table: each source has its
// botocore method name (what --debug and doctor show), one "is it configured
// for this profile" predicate, and a loader. A loader that talks to the
// network is imported only once its predicate holds, to keep `get` fast. A
// configured source that fails stops the chain with its own error, as in the AWS CLI.
import { CredentialsNotFound, RetrievalError, UserError } from "../errors.ts";
import { setting, type Profile } from "./config-files.ts";
import { MANDATORY_REFRESH_MS, REFRESH_WINDOW_MS, remainingMs, STILL_EXPIRED, type Credentials } from "./credentials.ts";
import { metadataDisabled, type Session } from "./session.ts";
import { fromEnv } from "./providers/env.ts";
import { fromStaticKeys } from "./providers/static-keys.ts";
import type { CredentialSourceName, RoleSource } from "./providers/assume-role.ts";

/**
 * Whose credentials are being looked for: the selected profile, or a role's
 * source profile. `useEnv`: env keys and env web identity count (not under
 * --profile, and never for a source profile).
 */
interface Scope {
  profileName: string;
  useEnv: boolean;
}

interface CredentialSource {
  /** botocore's METHOD string. */
  method: string;
  configured(session: Session, scope: Scope): boolean;
  /** Only called when configured. `refresh`: the last answer had less than 15 minutes left; bypass caches. */
  load(session: Session, scope: Scope, refresh: boolean): Promise<Credentials | undefined> | Credentials | undefined;
}

const profileOf = (s: Session, scope: Scope): Profile | undefined => s.files.profiles[scope.profileName];
const has = (profile: Profile | undefined, key: string) => setting(profile, key) !== undefined;

/** The web identity token file: from the environment first (when it counts), then the profile. */
export function webIdentityTokenFile(s: Session, scope: Scope): string | undefined {
  return (scope.useEnv && s.ctx.env.AWS_WEB_IDENTITY_TOKEN_FILE) || setting(profileOf(s, scope), "web_identity_token_file") || undefined;
}

const ENV: CredentialSource = {
  method: "env",
  configured: (s, scope) => scope.useEnv && Boolean(s.ctx.env.AWS_ACCESS_KEY_ID),
  load: (s) => fromEnv(s.ctx.env),
};

const ASSUME_ROLE: CredentialSource = {
  method: "assume-role",
  configured: (s, scope) => isRoleProfile(profileOf(s, scope)),
  load: async (s, scope, refresh) => {
    const { fromAssumeRole } = await import("./providers/assume-role.ts");
    return fromAssumeRole(s, scope.profileName, refresh, sourceCredentials);
  },
};

/** botocore's profile providers, in order, for one profile. */
const PROFILE_SOURCES: CredentialSource[] = [
  {
    method: "assume-role-with-web-identity",
    configured: (s, scope) => webIdentityTokenFile(s, scope) !== undefined,
    load: async (s, scope, refresh) => {
      const { fromWebIdentity } = await import("./providers/web-identity.ts");
      return fromWebIdentity(s, scope.profileName, webIdentityTokenFile(s, scope)!, scope.useEnv, refresh);
    },
  },
  {
    method: "sso",
    configured: (s, scope) => has(profileOf(s, scope), "sso_account_id") || has(profileOf(s, scope), "sso_role_name"),
    load: async (s, scope, refresh) => {
      const { fromSso } = await import("./providers/sso.ts");
      return fromSso(s, scope.profileName, refresh);
    },
  },
  {
    method: "shared-credentials-file",
    configured: (s, scope) => has(s.files.credentialsProfiles[scope.profileName], "aws_access_key_id"),
    load: (s, scope) =>
      fromStaticKeys(s.files.credentialsProfiles[scope.profileName]!, "shared-credentials-file", {
        profileName: scope.profileName,
        path: s.files.credentialsPath,
      }),
  },
  {
    method: "login",
    configured: (s, scope) => has(profileOf(s, scope), "login_session"),
    load: async (s, scope) => {
      const { fromLogin } = await import("./providers/login.ts");
      return fromLogin(s, scope.profileName);
    },
  },
  {
    method: "custom-process",
    configured: (s, scope) => has(profileOf(s, scope), "credential_process"),
    load: async (s, scope) => {
      const { fromProcess } = await import("./providers/process.ts");
      return fromProcess(s, scope.profileName);
    },
  },
  {
    method: "config-file",
    configured: (s, scope) => has(s.files.configProfiles[scope.profileName], "aws_access_key_id"),
    load: (s, scope) =>
      fromStaticKeys(s.files.configProfiles[scope.profileName]!, "config-file", { profileName: scope.profileName, path: s.files.configPath }),
  },
];

const CONTAINER_ROLE: CredentialSource = {
  method: "container-role",
  configured: (s) =>
    s.ctx.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI !== undefined || s.ctx.env.AWS_CONTAINER_CREDENTIALS_FULL_URI !== undefined,
  load: async (s) => {
    const { fromContainer } = await import("./providers/container.ts");
    return fromContainer(s);
  },
};

const IAM_ROLE: CredentialSource = {
  method: "iam-role",
  configured: (s) => !metadataDisabled(s.ctx.env),
  load: async (s) => {
    const { fromIamRole } = await import("./providers/iam-role.ts");
    return fromIamRole(s);
  },
};

/** The whole chain for the selected profile. */
const CHAIN: CredentialSource[] = [ENV, ASSUME_ROLE, ...PROFILE_SOURCES, CONTAINER_ROLE, IAM_ROLE];

/** credential_source values, and the source each names (Environment ignores --profile: it is asked for by name). */
const CREDENTIAL_SOURCES: Record<CredentialSourceName, CredentialSource> = {
  Environment: { ...ENV, configured: (s) => Boolean(s.ctx.env.AWS_ACCESS_KEY_ID), load: (s) => fromEnv(s.ctx.env, "Environment") },
  EcsContainer: CONTAINER_ROLE,
  Ec2InstanceMetadata: IAM_ROLE,
};

/** botocore's role profile: role_arn without web_identity_token_file. */
function isRoleProfile(profile: Profile | undefined): boolean {
  return has(profile, "role_arn") && !has(profile, "web_identity_token_file");
}

/** botocore's `has_static`: either key present makes a source profile use its own keys. */
function hasStaticKeys(profile: Profile | undefined): boolean {
  return has(profile, "aws_access_key_id") || has(profile, "aws_secret_access_key");
}

async function load(session: Session, source: CredentialSource, scope: Scope, refresh: boolean) {
  return source.configured(session, scope) ? source.load(session, scope, refresh) : undefined;
}

/**
 * The credentials a role is assumed with: its credential_source's; the source
 * profile's own role when that profile is a role without static keys (a hop,
 * whose cache entry still serves); else the source profile's own credentials
 * (the profile providers, without env).
 */
async function sourceCredentials(session: Session, source: RoleSource): Promise<Credentials> {
  if ("credentialSource" in source) {
    const creds = await load(session, CREDENTIAL_SOURCES[source.credentialSource], { profileName: "", useEnv: true }, false);
    if (!creds) {
      throw new RetrievalError(
        source.credentialSource,
        `No credentials found in credential_source referenced in profile ${source.forProfile}`,
      );
    }
    return creds;
  }
  const scope = { profileName: source.profileName, useEnv: false };
  const profile = profileOf(session, scope);
  if (isRoleProfile(profile) && !hasStaticKeys(profile)) {
    const { fromAssumeRole } = await import("./providers/assume-role.ts");
    return (await fromAssumeRole(session, source.profileName, false, sourceCredentials, source.visited))!;
  }
  for (const provider of PROFILE_SOURCES) {
    const creds = await load(session, provider, scope, false);
    if (creds) return creds;
  }
  throw new UserError(`The source profile "${source.profileName}" must have credentials.`);
}

export async function resolveCredentials(session: Session): Promise<Credentials> {
  const scope = { profileName: session.profileName, useEnv: !session.profileFromFlag };
  for (const source of CHAIN) {
    const creds = await usable(session, (refresh) => load(session, source, scope, refresh));
    if (creds) return creds;
    session.debug(`credentials: ${source.method}: not configured`);
  }
  throw new CredentialsNotFound(noCredentialsMessage(session));
}

/**
 * The expiry policy (botocore's 15-minute window, applied once because we live
 * for one request): fetch again when less than 15 minutes remain; use fresh
 * credentials that still have less with a warning; refuse expired ones.
 */
async function usable(
  session: Session,
  fetch: (refresh: boolean) => Promise<Credentials | undefined> | Credentials | undefined,
): Promise<Credentials | undefined> {
  const now = session.ctx.now();
  let creds = await fetch(false);
  if (!creds || remainingMs(creds, now) >= (creds.refreshWindowMs ?? REFRESH_WINDOW_MS)) return creds;
  try {
    creds = (await fetch(true)) ?? creds;
  } catch (e) {
    // botocore: a failed refresh is only fatal once less than 10 minutes remain.
    if (remainingMs(creds, now) < MANDATORY_REFRESH_MS) throw e;
    session.debug(`credentials: refreshing failed (${(e as Error).message}); using the ones that still have time`);
  }
  const left = remainingMs(creds, now);
  if (left <= 0) throw new UserError(STILL_EXPIRED);
  if (left < (creds.refreshWindowMs ?? REFRESH_WINDOW_MS)) {
    session.notice(
      `warning: the credentials from ${creds.source} expire in ` +
        `${Math.ceil(left / 60_000)} minutes (${creds.expiration!.toISOString()}); renew them soon`,
    );
  }
  return creds;
}

function noCredentialsMessage(s: Session): string {
  const looked = [
    s.profileFromFlag ? undefined : "AWS_ACCESS_KEY_ID",
    `profile "${s.profileName}" in ${s.files.credentialsPath} and ${s.files.configPath}`,
    metadataDisabled(s.ctx.env) ? undefined : "EC2 instance metadata",
  ].filter(Boolean);
  return (
    `Unable to locate credentials (looked in ${looked.join(", ")}). ` +
    `Configure them with "aws configure"${s.profileFromFlag ? "" : ", or choose a profile with --profile"}.`
  );
}
