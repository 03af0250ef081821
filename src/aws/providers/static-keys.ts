// Long-lived keys written in a profile of the credentials or the config file.
import { UserError } from "../../errors.ts";
import { checkedCredentials, type Credentials } from "../credentials.ts";
import { setting, type Profile } from "../config-files.ts";

/**
 * The keys of one profile section that has an aws_access_key_id. `provider`
 * is botocore's name for the file, used in its "Partial credentials" message.
 */
export function fromStaticKeys(
  profile: Profile,
  provider: "shared-credentials-file" | "config-file",
  where: { profileName: string; path: string },
): Credentials {
  const accessKeyId = setting(profile, "aws_access_key_id")!;
  const secretAccessKey = setting(profile, "aws_secret_access_key");
  if (secretAccessKey === undefined) {
    throw new UserError(`Partial credentials found in ${provider}, missing: aws_secret_access_key`);
  }
  // Presence, not emptiness, decides here (botocore), and the legacy name comes first.
  const tokenKey = setting(profile, "aws_security_token") !== undefined ? "aws_security_token" : "aws_session_token";
  const sessionToken = setting(profile, tokenKey);
  const key = { AccessKeyId: "aws_access_key_id", SecretAccessKey: "aws_secret_access_key", SessionToken: tokenKey };
  return checkedCredentials(
    { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined, source: provider },
    (field) => `${key[field]} of profile "${where.profileName}" in ${where.path}`,
  );
}
