import { ntHome } from "./ntpath.ts";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The home directory the AWS CLI's os.path.expanduser finds, from the
 * environment alone: HOME on POSIX; USERPROFILE, else HOMEDRIVE+HOMEPATH, on
 * Windows, where HOME (which git for Windows sets, and which differs on
 * machines with redirected or roaming profiles) is ignored. Undefined when the
 * environment names none (or an empty one): the caller asks the OS.
 */
export function homeFromEnv(env: Env, platform: NodeJS.Platform): string | undefined {
  return (platform === "win32" ? ntHome(env) : env.HOME) || undefined;
}
