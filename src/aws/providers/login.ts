// `login_session` profiles (`aws login`, AWS CLI 2.32 and later): the credentials
// the CLI keeps in its login cache. Refreshing them needs the CLI's DPoP key
// exchange, which stays `aws login`'s job; we use them while they are valid.
import { join } from "node:path";
import { UserError } from "../../errors.ts";
import { readJsonFile } from "../cache.ts";
import { expandUser, expandVars, setting } from "../config-files.ts";
import { parseExpiration, type Credentials } from "../credentials.ts";
import type { Session } from "../session.ts";

const REAUTHENTICATE = "Your session has expired or credentials have changed. Please reauthenticate using 'aws login'.";

export async function fromLogin(session: Session, profileName: string): Promise<Credentials> {
  const name = setting(session.files.profiles[profileName], "login_session")!;
  const { env, home } = session.ctx;
  const dir = env.AWS_LOGIN_CACHE_DIRECTORY
    ? expandUser(expandVars(env.AWS_LOGIN_CACHE_DIRECTORY, env), home)
    : join(home, ".aws", "login", "cache");
  const file = join(dir, `${new Bun.CryptoHasher("sha256").update(name).digest("hex")}.json`);
  const entry = await readJsonFile(file);
  if (!entry) {
    throw new UserError(`Error loading login session token: ${file} does not exist or is not JSON. Run: aws login --profile ${profileName}`);
  }
  const t = entry.accessToken as Record<string, unknown> | undefined;
  const expiration = typeof t?.expiresAt === "string" ? parseExpiration(t.expiresAt) : undefined;
  if (!t || typeof t.accessKeyId !== "string" || typeof t.secretAccessKey !== "string" || !expiration) {
    throw new UserError(`Error loading login session token: ${file} has no credentials. Run: aws login --profile ${profileName}`);
  }
  if (expiration <= session.ctx.now()) throw new UserError(`${REAUTHENTICATE} Run: aws login --profile ${profileName}`);
  return {
    accessKeyId: t.accessKeyId,
    secretAccessKey: t.secretAccessKey,
    sessionToken: typeof t.sessionToken === "string" ? t.sessionToken : undefined,
    expiration,
    source: "login",
  };
}
