// The credential chain, in botocore's order. Each provider returns credentials,
// says "not mine" (undefined), or throws: a configured provider that fails stops
// the chain with its own error, as in the AWS CLI. A provider that talks to the
// network is imported only once the profile or environment is seen to need it,
// to keep `get` fast.
import { UserError } from "../errors.ts";
import { MANDATORY_REFRESH_MS, REFRESH_WINDOW_MS, remainingMs, STILL_EXPIRED, type Credentials } from "./credentials.ts";
import { isAssumeRoleProfile, isSsoProfile, setting, type Session } from "./session.ts";
import { fromEnv } from "./providers/env.ts";
import { fromStaticKeys } from "./providers/static-keys.ts";

/** `refresh`: the last answer had less than 15 minutes left; bypass caches and fetch anew. */
type Provider = (session: Session, refresh: boolean) => Credentials | undefined | Promise<Credentials | undefined>;

/**
 * botocore's profile providers for one profile: web identity, SSO, the
 * credentials file, login_session, credential_process, the config file. `useEnv` lets web
 * identity read its env variables (not under --profile, not for a source profile).
 */
function profileProviders(profileName: string, useEnv: boolean): Array<readonly [string, Provider]> {
  return [
    [
      "assume-role-with-web-identity",
      async (s, refresh) => {
        const profile = s.files.profiles[profileName];
        if (!(useEnv && s.ctx.env.AWS_WEB_IDENTITY_TOKEN_FILE) && setting(profile, "web_identity_token_file") === undefined) {
          return undefined;
        }
        const { fromWebIdentity } = await import("./providers/web-identity.ts");
        return fromWebIdentity(s, profileName, useEnv, refresh);
      },
    ],
    [
      "sso",
      async (s, refresh) => {
        if (!isSsoProfile(s.files.profiles[profileName])) return undefined;
        const { fromSso } = await import("./providers/sso.ts");
        return fromSso(s, profileName, refresh);
      },
    ],
    ["shared-credentials-file", (s) => fromStaticKeys(s.files.credentialsProfiles[profileName], "shared-credentials-file")],
    [
      "login",
      async (s) => {
        if (setting(s.files.profiles[profileName], "login_session") === undefined) return undefined;
        const { fromLogin } = await import("./providers/login.ts");
        return fromLogin(s, profileName);
      },
    ],
    [
      "custom-process",
      async (s) => {
        if (setting(s.files.profiles[profileName], "credential_process") === undefined) return undefined;
        const { fromProcess } = await import("./providers/process.ts");
        return fromProcess(s, profileName);
      },
    ],
    ["config-file", (s) => fromStaticKeys(s.files.configProfiles[profileName], "config-file")],
  ];
}

/** A source profile's own credentials (env variables never count here). */
async function sourceProfileCredentials(session: Session, profileName: string): Promise<Credentials | undefined> {
  for (const [, provider] of profileProviders(profileName, false)) {
    const creds = await provider(session, false);
    if (creds) return creds;
  }
  return undefined;
}

/** credential_source: where a role profile's source credentials come from instead of a profile. */
async function credentialSource(session: Session, source: string): Promise<Credentials | undefined> {
  if (source === "Environment") return fromEnv(session.ctx.env, "Environment");
  if (source === "EcsContainer") {
    const { fromContainer } = await import("./providers/container.ts");
    return fromContainer(session);
  }
  const { fromInstanceMetadata } = await import("./providers/imds.ts");
  return fromInstanceMetadata(session);
}

function chain(session: Session): Array<readonly [string, Provider]> {
  const top = session.profileName;
  return [
    // --profile (not AWS_PROFILE) takes env keys out of the chain.
    ["env", (s) => (s.profileFromFlag ? undefined : fromEnv(s.ctx.env))],
    [
      "assume-role",
      async (s, refresh) => {
        if (!isAssumeRoleProfile(s.files.profiles[top])) return undefined;
        const { fromAssumeRole } = await import("./providers/assume-role.ts");
        return fromAssumeRole(s, top, refresh, sourceProfileCredentials, credentialSource);
      },
    ],
    ...profileProviders(top, !session.profileFromFlag),
    [
      "container-role",
      async (s) => {
        const { fromContainer, isContainerConfigured } = await import("./providers/container.ts");
        return isContainerConfigured(s.ctx.env) ? fromContainer(s) : undefined;
      },
    ],
    [
      "iam-role",
      async (s) => {
        const { fromInstanceMetadata, imdsFor } = await import("./providers/imds.ts");
        return imdsFor(s) ? fromInstanceMetadata(s) : undefined;
      },
    ],
  ];
}

export async function resolveCredentials(session: Session): Promise<Credentials> {
  for (const [name, provider] of chain(session)) {
    const creds = await usable(session, provider);
    if (creds) return creds;
    session.debug(`credentials: ${name}: not configured`);
  }
  throw new UserError(noCredentialsMessage(session));
}

/**
 * The expiry policy (botocore's 15-minute window, applied once because we live
 * for one request): fetch again when less than 15 minutes remain; use fresh
 * credentials that still have less with a warning; refuse expired ones.
 */
async function usable(session: Session, provider: Provider): Promise<Credentials | undefined> {
  const now = session.ctx.now();
  let creds = await provider(session, false);
  if (!creds || remainingMs(creds, now) >= REFRESH_WINDOW_MS) return creds;
  try {
    creds = (await provider(session, true)) ?? creds;
  } catch (e) {
    // botocore: a failed refresh is only fatal once less than 10 minutes remain.
    if (remainingMs(creds, now) < MANDATORY_REFRESH_MS) throw e;
    session.debug(`credentials: refreshing failed (${(e as Error).message}); using the ones that still have time`);
  }
  const left = remainingMs(creds, now);
  if (left <= 0) throw new UserError(STILL_EXPIRED);
  if (left < REFRESH_WINDOW_MS) {
    session.ctx.err(
      `git-credential-codecommit: warning: the credentials from ${creds.source} expire in ` +
        `${Math.ceil(left / 60_000)} minutes (${creds.expiration!.toISOString()}); renew them soon`,
    );
  }
  return creds;
}

function noCredentialsMessage(s: Session): string {
  const looked = [
    s.profileFromFlag ? undefined : "AWS_ACCESS_KEY_ID",
    `profile "${s.profileName}" in ${s.files.credentialsPath} and ${s.files.configPath}`,
    s.ctx.env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true" ? undefined : "EC2 instance metadata",
  ].filter(Boolean);
  return (
    `Unable to locate credentials (looked in ${looked.join(", ")}). ` +
    `Configure them with "aws configure"${s.profileFromFlag ? "" : ", or choose a profile with --profile"}.`
  );
}
