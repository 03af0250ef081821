// AWS_ACCESS_KEY_ID and friends, as botocore's EnvProvider reads them.
import { UserError } from "../../errors.ts";
import { checkedCredentials, parseExpiration, type Credentials } from "../credentials.ts";
import type { Env } from "../../context.ts";

/** The env keys (AWS_ACCESS_KEY_ID is set and not empty). */
export function fromEnv(env: Env, source = "env"): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID!;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!secretAccessKey) throw new UserError("Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY");
  // botocore takes the first non-empty of the legacy name and the current one.
  const sessionToken = env.AWS_SECURITY_TOKEN || env.AWS_SESSION_TOKEN || undefined;
  const creds = checkedCredentials<Credentials>({ accessKeyId, secretAccessKey, sessionToken, source }, (field) =>
    field === "AccessKeyId" ? "AWS_ACCESS_KEY_ID"
      : field === "SecretAccessKey" ? "AWS_SECRET_ACCESS_KEY"
        : env.AWS_SECURITY_TOKEN ? "AWS_SECURITY_TOKEN" : "AWS_SESSION_TOKEN");
  const expiry = env.AWS_CREDENTIAL_EXPIRATION;
  if (expiry) {
    creds.expiration = parseExpiration(expiry);
    if (!creds.expiration) {
      throw new UserError(`AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: ${JSON.stringify(expiry)}`);
    }
  }
  return creds;
}
