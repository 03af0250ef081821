// The selected profile, its files and the options of one run: what the AWS CLI calls a session.
import { debugTrace, notice, type Context } from "../context.ts";
import { ProfileNotFound } from "../errors.ts";
import { loadConfigFiles, type ConfigFiles, type Profile } from "./config-files.ts";

export interface SessionOptions {
  profile?: string;
  region?: string;
  debug?: boolean;
  /** doctor without --network: providers may read files and caches but not call AWS. */
  offline?: boolean;
}

export interface Session {
  ctx: Context;
  profileName: string;
  /** `--profile` was given: only then does the CLI drop env credentials and env web identity. */
  profileFromFlag: boolean;
  files: ConfigFiles;
  /** The selected profile, credentials-file keys over config-file keys (empty if it doesn't exist). */
  profile: Profile;
  regionFlag?: string;
  offline: boolean;
  debug(line: string): void;
  /** A warning or a wait, for the person (see notice() in context.ts). */
  notice(line: string): void;
}

/**
 * Selects the profile as AWS CLI v2 does: --profile, AWS_PROFILE,
 * AWS_DEFAULT_PROFILE, then "default". An empty variable counts as set, and a
 * profile chosen by name must exist even when env credentials would be used.
 */
/** AWS_EC2_METADATA_DISABLED: no instance metadata, neither for credentials nor for the region. */
export function metadataDisabled(env: Context["env"]): boolean {
  return env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true";
}

export async function openSession(ctx: Context, opts: SessionOptions): Promise<Session> {
  const env = ctx.env;
  const named = opts.profile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE;
  const profileName = named ?? "default";
  const files = await loadConfigFiles(env, ctx.home, ctx.platform);
  const profile = files.profiles[profileName];
  if (named !== undefined && !profile) throw new ProfileNotFound(profileName);
  return {
    ctx,
    profileName,
    profileFromFlag: opts.profile !== undefined,
    files,
    profile: profile ?? Object.create(null),
    regionFlag: opts.region,
    offline: Boolean(opts.offline),
    debug: debugTrace(ctx, opts.debug),
    notice: (line) => notice(ctx, line),
  };
}
