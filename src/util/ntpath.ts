// Python's ntpath (CPython 3.11), which is os.path for the AWS CLI on Windows:
// the home directory, expanduser and expandvars, with Windows' case-insensitive
// environment. Pure functions of the text and the environment, so they are
// checked on Linux against Python's own ntpath (test/fixtures/windows-oracle.py).

type Env = Readonly<Record<string, string | undefined>>;

const SEPS = "\\/";

/** os.environ[name] on Windows, where `%userprofile%` and `%USERPROFILE%` are one variable. */
function windowsEnv(env: Env, name: string): string | undefined {
  const upper = name.toUpperCase();
  for (const key of Object.keys(env)) {
    if (key.toUpperCase() === upper && env[key] !== undefined) return env[key];
  }
  return undefined;
}

/** `C:` or `\\server\share`, and the rest. */
function splitDrive(p: string): [string, string] {
  if (p.length >= 2) {
    const norm = p.replaceAll("/", "\\");
    if (norm.startsWith("\\\\")) {
      const start = norm.slice(0, 8).toUpperCase() === "\\\\?\\UNC\\" ? 8 : 2;
      const index = norm.indexOf("\\", start);
      if (index === -1) return [p, ""];
      const index2 = norm.indexOf("\\", index + 1);
      if (index2 === -1) return [p, ""];
      return [p.slice(0, index2), p.slice(index2)];
    }
    if (norm[1] === ":") return [p.slice(0, 2), p.slice(2)];
  }
  return ["", p];
}

function ntJoin(path: string, ...paths: string[]): string {
  let [drive, rest] = splitDrive(path);
  for (const p of paths) {
    const [pDrive, pPath] = splitDrive(p);
    if (pPath && SEPS.includes(pPath[0]!)) {
      if (pDrive || !drive) drive = pDrive;
      rest = pPath;
      continue;
    }
    if (pDrive && pDrive !== drive) {
      if (pDrive.toLowerCase() !== drive.toLowerCase()) {
        drive = pDrive;
        rest = pPath;
        continue;
      }
      drive = pDrive;
    }
    if (rest && !SEPS.includes(rest.at(-1)!)) rest += "\\";
    rest += pPath;
  }
  // A UNC share and a relative path need a separator between them.
  if (rest && !SEPS.includes(rest[0]!) && drive && !drive.endsWith(":")) return `${drive}\\${rest}`;
  return drive + rest;
}

/** ntpath.split: [dirname, basename]. */
function split(p: string): [string, string] {
  const [drive, rest] = splitDrive(p);
  let i = rest.length;
  while (i && !SEPS.includes(rest[i - 1]!)) i--;
  const head = rest.slice(0, i);
  const trimmed = head.replace(/[\\/]+$/, "");
  return [drive + (trimmed || head), rest.slice(i)];
}

/**
 * The home expanduser finds: USERPROFILE, else HOMEDRIVE joined with HOMEPATH.
 * HOME, which git for Windows sets, is not looked at.
 */
export function ntHome(env: Env): string | undefined {
  const profile = windowsEnv(env, "USERPROFILE");
  if (profile !== undefined) return profile;
  const homePath = windowsEnv(env, "HOMEPATH");
  return homePath === undefined ? undefined : ntJoin(windowsEnv(env, "HOMEDRIVE") ?? "", homePath);
}

/** ntpath.expanduser: `~`, `~\x`, `~/x`, and `~user` guessed as a sibling of the current user's profile. */
export function ntExpandUser(path: string, env: Env): string {
  if (!path.startsWith("~")) return path;
  let i = 1;
  while (i < path.length && !SEPS.includes(path[i]!)) i++;
  let home = ntHome(env);
  if (home === undefined) return path;
  if (i !== 1) {
    const target = path.slice(1, i);
    const current = windowsEnv(env, "USERNAME");
    if (target !== current) {
      // Only a profile folder named after its user says where other users' are.
      const [parent, base] = split(home);
      if (current !== base) return path;
      home = ntJoin(parent, target);
    }
  }
  return home + path.slice(i);
}

const VARCHARS = /[A-Za-z0-9_-]/;

/**
 * ntpath.expandvars: `%NAME%`, `$NAME`, `${NAME}`; `%%` and `$$` are kept as one
 * character; text in single quotes is not expanded; unknown names stay as written.
 */
export function ntExpandVars(path: string, env: Env): string {
  if (!path.includes("$") && !path.includes("%")) return path;
  let out = "";
  let i = 0;
  // Up to and past the next `close` at or after `from`, or to the end: [inner text, closed].
  const until = (from: number, close: string): [string, boolean] => {
    const end = path.indexOf(close, from);
    if (end === -1) {
      i = path.length;
      return [path.slice(from), false];
    }
    i = end + 1;
    return [path.slice(from, end), true];
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === "'") {
      const [text, closed] = until(i + 1, "'");
      out += `'${text}${closed ? "'" : ""}`;
    } else if (c === "%") {
      if (path[i + 1] === "%") {
        out += "%";
        i += 2;
        continue;
      }
      const [name, closed] = until(i + 1, "%");
      out += closed ? (windowsEnv(env, name) ?? `%${name}%`) : `%${name}`;
    } else if (c === "$") {
      if (path[i + 1] === "$") {
        out += "$";
        i += 2;
      } else if (path[i + 1] === "{") {
        const [name, closed] = until(i + 2, "}");
        out += closed ? (windowsEnv(env, name) ?? `\${${name}}`) : `\${${name}`;
      } else {
        let end = i + 1;
        while (end < path.length && VARCHARS.test(path[end]!)) end++;
        const name = path.slice(i + 1, end);
        out += windowsEnv(env, name) ?? `$${name}`;
        i = end;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
