// The credential chain, in botocore's order. Each provider returns credentials,
// says "not mine" (undefined), or throws: a configured provider that fails stops
// the chain with its own error, as in the AWS CLI. Providers that talk to the
// network are imported only when a profile needs them, to keep `get` fast.
import { UserError } from "../errors.ts";
import { REFRESH_WINDOW_MS, remainingMs, STILL_EXPIRED, type Credentials } from "./credentials.ts";
import { setting, type Session } from "./session.ts";
import { fromEnv } from "./providers/env.ts";
import { fromStaticKeys } from "./providers/static-keys.ts";

/** `refresh`: the last answer had less than 15 minutes left; bypass caches and fetch anew. */
type Provider = (session: Session, refresh: boolean) => Credentials | undefined | Promise<Credentials | undefined>;

const SSO_KEYS = ["sso_account_id", "sso_role_name"];

/**
 * botocore's profile providers for one profile: web identity, SSO, the
 * credentials file, credential_process, the config file. `useEnv` lets web
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
      (s) => {
        if (!SSO_KEYS.some((k) => setting(s.files.profiles[profileName], k) !== undefined)) return undefined;
        throw new UserError(
          `profile "${profileName}" uses IAM Identity Center (SSO), which this version does not support yet; ` +
            `use a profile with keys, a role or credential_process`,
        );
      },
    ],
    ["shared-credentials-file", (s) => fromStaticKeys(s.files.credentialsProfiles[profileName], "shared-credentials-file")],
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

async function credentialSource(session: Session, source: string): Promise<Credentials | undefined> {
  if (source === "Environment") return fromEnv(session.ctx.env, "Environment");
  throw new UserError(
    `credential_source = ${source} (in profile "${session.profileName}") is not supported by this version yet; ` +
      `use source_profile or credential_source = Environment`,
  );
}

function chain(session: Session): Array<readonly [string, Provider]> {
  const top = session.profileName;
  return [
    // --profile (not AWS_PROFILE) takes env keys out of the chain.
    ["env", (s) => (s.profileFromFlag ? undefined : fromEnv(s.ctx.env))],
    [
      "assume-role",
      async (s, refresh) => {
        const { fromAssumeRole, isAssumeRoleProfile } = await import("./providers/assume-role.ts");
        if (!isAssumeRoleProfile(s.files.profiles[top])) return undefined;
        return fromAssumeRole(s, top, refresh, sourceProfileCredentials, credentialSource);
      },
    ],
    ...profileProviders(top, !session.profileFromFlag),
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
  creds = (await provider(session, true)) ?? creds;
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
  ].filter(Boolean);
  return (
    `Unable to locate credentials (looked in ${looked.join(", ")}). ` +
    `Configure them with "aws configure"${s.profileFromFlag ? "" : ", or choose a profile with --profile"}.`
  );
}
