// The AWS config/credentials file dialect: what botocore gets from Python's
// configparser.RawConfigParser (defaults) plus its own indented sub-sections.
// The AWS CLI refuses files this rejects and reads the rest the same way, so
// every quirk below is deliberate; test/fixtures/ini-oracle.json is botocore's
// own output for each of them.

export type IniValue = string | Record<string, string>;
export type IniSection = Record<string, IniValue>;

/** A line the AWS CLI would refuse; `line` is 1-based. */
export class IniError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "IniError";
  }
}

// Python's str.isspace(), which both str.strip() and the `\s` of configparser's
// regexes use. It differs from JavaScript's trim(): U+001C..U+001F and U+0085
// are whitespace, and U+FEFF (a byte-order mark) is not.
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function firstNonSpace(s: string): number {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

function rstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(0, end);
}

function strip(s: string): string {
  return rstrip(s.slice(firstNonSpace(s)));
}

// str.splitlines(), which botocore uses on a sub-section, splits on more.
const SPLITLINES_BREAK = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

const DEFAULT_SECTION = "DEFAULT";

/** A value as configparser holds it before joining: one entry per physical line. */
type RawValue = { text: string; line: number }[];

type RawSection = Map<string, RawValue>;

/**
 * Parses a config or credentials file as botocore's `raw_config_parse` does:
 * sections in file order, `[DEFAULT]` keys copied into each of them, and an
 * indented block under an empty key (`s3 =`) turned into a nested record.
 */
export function parseIni(text: string): Map<string, IniSection> {
  // Python reads the file with universal newlines: CRLF, CR and LF end a line.
  // Every `get` runs this: string methods and plain loops, no regex or array
  // callback, each of which costs a run its first compile (README, Speed).
  const lines = text.replaceAll("\r\n", "\n").replaceAll("\r", "\n").split("\n");
  // A final line break does not start another line.
  if (lines[lines.length - 1] === "") lines.pop();

  const sections = new Map<string, RawSection>();
  const defaults: RawSection = new Map();
  let cursect: RawSection | undefined;
  let sectname = "";
  // configparser tests this for truthiness, so an empty key name ends a value too.
  let optname = "";
  let indentLevel = 0;
  // configparser reports lines without a delimiter only after reading the whole
  // file, so an error found later (a duplicate, say) is the one it raises.
  let deferred: IniError | undefined;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const lineno = index + 1;
    const stripped = strip(line);
    const isComment = stripped.startsWith("#") || stripped.startsWith(";");
    if (stripped === "" || isComment) {
      // A blank line belongs to a value that may continue below; a comment line
      // belongs to nothing and leaves the indentation rules untouched.
      if (!isComment && cursect && optname) cursect.get(optname)!.push({ text: "", line: lineno });
      continue;
    }
    const indent = firstNonSpace(line);
    // Checked before anything else, so an indented "[x]" or "k = v" is more text.
    if (cursect && optname && indent > indentLevel) {
      cursect.get(optname)!.push({ text: stripped, line: lineno });
      continue;
    }
    indentLevel = indent;

    // `^\[(.+)\]` with a greedy `.+`: everything up to the last "]".
    const close = stripped.lastIndexOf("]");
    if (stripped.startsWith("[") && close > 1) {
      sectname = stripped.slice(1, close);
      optname = "";
      if (sectname === DEFAULT_SECTION) {
        // Not recorded as seen: configparser allows [DEFAULT] more than once.
        cursect = defaults;
        continue;
      }
      if (sections.has(sectname)) throw new IniError(`duplicate section "${sectname}"`, lineno);
      cursect = new Map();
      sections.set(sectname, cursect);
      continue;
    }
    if (!cursect) {
      const reason = stripped.startsWith("\ufeff")
        ? "the file starts with a byte-order mark (save it as UTF-8 without BOM)"
        : "line is not inside a [section]";
      throw new IniError(reason, lineno);
    }

    // `(.*?)\s*[=:]\s*(.*)$`: the first "=" or ":" splits the line.
    const eq = stripped.indexOf("=");
    const colon = stripped.indexOf(":");
    const delim = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    if (delim < 0) {
      deferred ??= new IniError('line has no "=" or ":"', lineno);
      continue;
    }
    optname = rstrip(stripped.slice(0, delim)).toLowerCase();
    if (optname === "") deferred ??= new IniError("empty key name", lineno);
    // Sections never repeat (only [DEFAULT] does, and shares one map), so a key
    // already in the map is configparser's "same key twice in a section".
    if (cursect.has(optname)) throw new IniError(`duplicate key "${optname}" in section "${sectname}"`, lineno);
    cursect.set(optname, [{ text: strip(stripped.slice(delim + 1)), line: lineno }]);
  }
  if (deferred) throw deferred;

  const result = new Map<string, IniSection>();
  for (const [name, options] of sections) {
    const section: IniSection = Object.create(null);
    for (const [key, raw] of options) section[key] = finishValue(key, raw);
    for (const [key, raw] of defaults) if (!options.has(key)) section[key] = finishValue(key, raw);
    result.set(name, section);
  }
  return result;
}

/**
 * configparser's `'\n'.join(parts).rstrip()`, then botocore's `_parse_nested`
 * when that starts with a line break (the key's own line was empty). A nested
 * record is built afresh each time because [DEFAULT] values land in many sections.
 */
function finishValue(key: string, raw: RawValue): IniValue {
  let joined = raw[0]!.text;
  for (let i = 1; i < raw.length; i++) joined += `\n${raw[i]!.text}`;
  joined = rstrip(joined);
  if (!joined.startsWith("\n")) return joined;
  const nested: Record<string, string> = Object.create(null);
  // The parts are stripped, so splitting each one is the same as splitting the
  // joined text, and it tells us which line a bad entry is on.
  for (const { text, line } of raw) {
    for (const piece of text.split(SPLITLINES_BREAK)) {
      const entry = strip(piece);
      if (entry === "") continue;
      const eq = entry.indexOf("=");
      if (eq < 0) throw new IniError(`line in the indented block under "${key}" has no "="`, line);
      nested[strip(entry.slice(0, eq))] = strip(entry.slice(eq + 1));
    }
  }
  return nested;
}
