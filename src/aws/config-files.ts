// ~/.aws/config and ~/.aws/credentials, found, read and combined the way
// botocore's Session.full_config does. This runs on every `git fetch`, so it
// reads through Bun.file: importing node:fs alone costs a third of a compiled
// no-op's start-up.
import { ConfigParseError, UserError } from "../errors.ts";
import { readSmallFile, sizeText, UnreadableFile } from "../util/files.ts";
import { IniError, parseIni, type IniSection, type IniValue } from "./ini.ts";
import { shlexSplit } from "../util/shlex.ts";
import { ntExpandUser, ntExpandVars } from "../util/ntpath.ts";

type Env = Readonly<Record<string, string | undefined>>;

export type Profile = Record<string, IniValue>;

/** A profile setting as a string; nested sub-sections are not settings. */
export function setting(profile: Profile | undefined, key: string): string | undefined {
  const v = profile?.[key];
  return typeof v === "string" ? v : undefined;
}

export interface ConfigFiles {
  configPath: string;
  credentialsPath: string;
  /** Both files, credentials-file keys winning: botocore's full_config profiles. */
  profiles: Record<string, Profile>;
  /** The config file only, for the config-file static-keys provider. */
  configProfiles: Record<string, Profile>;
  /** The credentials file only, for the shared-credentials-file provider. */
  credentialsProfiles: Record<string, Profile>;
  ssoSessions: Record<string, Profile>;
  services: Record<string, Profile>;
}

/**
 * botocore's expandvars-then-expanduser for a path from the environment
 * (os.path: ntpath on Windows, whose `~` is USERPROFILE and not `home`).
 */
export function expandPath(path: string, env: Env, home: string, platform: NodeJS.Platform): string {
  return platform === "win32" ? ntExpandUser(ntExpandVars(path, env), env) : expandUser(expandVars(path, env), home);
}

/** The two paths after botocore's expandvars-then-expanduser; "" means "no file". */
export function configPaths(env: Env, home: string, platform: NodeJS.Platform): { config: string; credentials: string } {
  return {
    config: expandPath(env.AWS_CONFIG_FILE ?? "~/.aws/config", env, home, platform),
    credentials: expandPath(env.AWS_SHARED_CREDENTIALS_FILE ?? "~/.aws/credentials", env, home, platform),
  };
}

export async function loadConfigFiles(env: Env, home: string, platform: NodeJS.Platform): Promise<ConfigFiles> {
  const paths = configPaths(env, home, platform);
  const [configBytes, credentialsBytes] = await Promise.all([readConfigFile(paths.config), readConfigFile(paths.credentials)]);
  // botocore parses the config file first, so its error is the one reported.
  const config = parseIniFile(paths.config, configBytes);
  const credentialsProfiles = dict<Profile>();
  for (const [name, section] of parseIniFile(paths.credentials, credentialsBytes)) credentialsProfiles[name] = section;

  const configProfiles = dict<Profile>();
  const ssoSessions = dict<Profile>();
  const services = dict<Profile>();
  for (const [name, section] of config) {
    // Plain prefix tests, as in botocore: `[profiles x]` is profile "x" too.
    const target = name.startsWith("profile")
      ? configProfiles
      : name.startsWith("sso-session")
        ? ssoSessions
        : name.startsWith("services")
          ? services
          : undefined;
    if (target) {
      const label = sectionLabel(name);
      if (label !== undefined) target[label] = section;
    } else if (name === "default") {
      // Whichever of [default] and [profile default] comes later wins outright.
      configProfiles.default = section;
    }
  }

  const profiles = dict<Profile>();
  for (const [name, section] of Object.entries(configProfiles)) profiles[name] = section;
  for (const [name, section] of Object.entries(credentialsProfiles)) {
    profiles[name] = Object.assign(dict<IniValue>(), profiles[name], section);
  }
  return {
    configPath: paths.config,
    credentialsPath: paths.credentials,
    profiles,
    configProfiles,
    credentialsProfiles,
    ssoSessions,
    services,
  };
}

/** Profile names like `__proto__` must stay ordinary keys. */
function dict<T>(): Record<string, T> {
  return Object.create(null);
}

/** `[profile "my dev"]` → `my dev`; anything but exactly two words (or bad quoting) names nothing. */
function sectionLabel(section: string): string | undefined {
  let words: string[];
  try {
    words = shlexSplit(section);
  } catch {
    return undefined;
  }
  return words.length === 2 ? words[1] : undefined;
}

// ignoreBOM keeps a byte-order mark in the text, as Python does (and then rejects it).
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Real ones are a few KiB; parsing 100 MB on every git request took a minute and gigabytes. */
export const CONFIG_FILE_MAX_BYTES = 16 << 20;

/**
 * A file botocore cannot see or open (or that is not a regular file, as
 * os.path.isfile says) reads as empty; one over the cap is fatal.
 */
async function readConfigFile(path: string): Promise<Uint8Array | undefined> {
  if (path === "") return undefined;
  try {
    return await readSmallFile(path, CONFIG_FILE_MAX_BYTES);
  } catch (e) {
    if (e instanceof UnreadableFile && e.kind === "too-big") {
      throw new UserError(`${path} is larger than ${sizeText(CONFIG_FILE_MAX_BYTES)}, too big to be an AWS config file; remove what doesn't belong in it`);
    }
    return undefined;
  }
}

/** One it cannot parse is fatal. */
function parseIniFile(path: string, bytes: Uint8Array | undefined): Map<string, IniSection> {
  if (bytes === undefined) return new Map();
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new ConfigParseError(path, invalidUtf8Line(bytes), "not valid UTF-8");
  }
  try {
    return parseIni(text);
  } catch (e) {
    if (e instanceof IniError) throw new ConfigParseError(path, e.line, e.message);
    throw e;
  }
}

/** The line holding the first byte that is not UTF-8, for the error message only. */
function invalidUtf8Line(bytes: Uint8Array): number {
  // The longest prefix that decodes (a sequence cut off at its end is allowed)
  // ends right before the bad byte. Every prefix of a prefix that decodes also
  // decodes, so its length can be found by bisection.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  const valid = new TextDecoder("utf-8").decode(bytes.subarray(0, lo), { stream: true });
  return valid.split(/\r\n|\r|\n/).length;
}

// Python's posixpath.expandvars: `$NAME` (ASCII word characters) or `${ANY}`;
// unknown names stay as written, and substituted text is not expanded again.
const VARIABLE = /\$(\w+|\{[^}]*\})/g;

function expandVars(path: string, env: Env): string {
  if (!path.includes("$")) return path;
  return path.replace(VARIABLE, (match, name: string) => {
    const key = name.startsWith("{") ? name.slice(1, -1) : name;
    const value = Object.hasOwn(env, key) ? env[key] : undefined;
    return value ?? match;
  });
}

// Python's posixpath.expanduser, given the home botocore would find. `~user`
// needs the passwd database, so it stays as written (Python would resolve it).
function expandUser(path: string, home: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  let end = home.length;
  while (end > 0 && home[end - 1] === "/") end--;
  return home.slice(0, end) + path.slice(1) || "/";
}
