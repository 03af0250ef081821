// AssumeRoleWithWebIdentity from a token file: GitHub Actions / GitLab OIDC, EKS IRSA.
import { RetrievalError, UserError } from "../../errors.ts";
import type { Credentials } from "../credentials.ts";
import { setting } from "../config-files.ts";
import type { Session } from "../session.ts";
import { cliCacheFile, TOKEN_FILE_MAX_BYTES } from "../cache.ts";
import { readRegularText } from "../../util/files.ts";
import { assumeAndCache, cachedCredentials, defaultSessionName } from "../sts.ts";

const ENV_NAMES = {
  role_arn: "AWS_ROLE_ARN",
  role_session_name: "AWS_ROLE_SESSION_NAME",
} as const;

/**
 * Each setting comes from its env variable first (unless `useEnv` is false:
 * under --profile, and for source profiles), then from the profile.
 */
export async function fromWebIdentity(
  session: Session,
  profileName: string,
  tokenFile: string,
  useEnv: boolean,
  refresh: boolean,
): Promise<Credentials> {
  const profile = session.files.profiles[profileName];
  const get = (key: keyof typeof ENV_NAMES) => (useEnv && session.ctx.env[ENV_NAMES[key]]) || setting(profile, key);
  const roleArn = get("role_arn");
  if (!roleArn) {
    throw new UserError(
      "The provided profile or the current environment is configured to assume role with web identity but has no " +
        "role ARN configured. Ensure that the profile has the role_arnconfiguration set or the AWS_ROLE_ARN env var is set.",
    );
  }
  const sessionName = get("role_session_name");
  const keyArgs: Record<string, string> = { RoleArn: roleArn };
  if (sessionName) keyArgs.RoleSessionName = sessionName;
  const cacheFile = cliCacheFile(session.ctx.home, keyArgs);
  const hit = refresh ? undefined : await cachedCredentials(cacheFile, session, "assume-role-with-web-identity");
  if (hit) return hit;

  // Re-read on every call: the platform rotates the token file underneath us. Sent verbatim, as botocore does.
  let token: string;
  try {
    token = readRegularText(tokenFile, TOKEN_FILE_MAX_BYTES);
  } catch (e) {
    throw new RetrievalError("assume-role-with-web-identity", (e as Error).message);
  }
  const params = {
    RoleArn: roleArn,
    RoleSessionName: sessionName || defaultSessionName(session),
    WebIdentityToken: token,
  };
  return assumeAndCache(session, "AssumeRoleWithWebIdentity", params, cacheFile, "assume-role-with-web-identity");
}
