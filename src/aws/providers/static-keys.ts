// Long-lived keys written in a profile of the credentials or the config file.
import { UserError } from "../../errors.ts";
import type { Credentials } from "../credentials.ts";
import type { Profile } from "../config-files.ts";
import { setting } from "../session.ts";

/**
 * The keys of one profile section, or undefined when it has no
 * aws_access_key_id. `provider` is botocore's name for the file, used in its
 * "Partial credentials" message.
 */
export function fromStaticKeys(
  profile: Profile | undefined,
  provider: "shared-credentials-file" | "config-file",
): Credentials | undefined {
  const accessKeyId = setting(profile, "aws_access_key_id");
  if (accessKeyId === undefined) return undefined;
  const secretAccessKey = setting(profile, "aws_secret_access_key");
  if (secretAccessKey === undefined) {
    throw new UserError(`Partial credentials found in ${provider}, missing: aws_secret_access_key`);
  }
  // Presence, not emptiness, decides here (botocore), and the legacy name comes first.
  const sessionToken = setting(profile, "aws_security_token") ?? setting(profile, "aws_session_token");
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined, source: provider };
}
