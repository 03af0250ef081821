// JSON as the AWS CLI reads and hashes it.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * `text` as a JSON object, or undefined (not JSON, null, an array…). Parse
 * errors are swallowed on purpose: their messages quote the input, which may be a token.
 */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Python's `json.dumps(value, sort_keys=True)` with its default separators
 * (", " and ": ") or compact ones, and ensure_ascii: the text botocore hashes
 * into cache file names. Unsorted, it is the text the CLI writes into them.
 * Loops rather than map() and a regex: a cache hit runs this, and each of
 * those costs `get` a tenth of a millisecond the first time (README, Speed).
 */
export function pythonJsonDumps(value: Json, compact = false, sortKeys = true): string {
  const item = compact ? "," : ", ";
  const kv = compact ? ":" : ": ";
  const dump = (v: Json): string => {
    if (typeof v === "string") return asciiJson(v);
    if (typeof v === "number" || typeof v === "boolean" || v === null) return JSON.stringify(v);
    const parts: string[] = [];
    if (Array.isArray(v)) {
      for (const x of v) parts.push(dump(x));
      return `[${parts.join(item)}]`;
    }
    const keys = Object.keys(v);
    if (sortKeys) keys.sort();
    for (const k of keys) parts.push(`${asciiJson(k)}${kv}${dump(v[k]!)}`);
    return `{${parts.join(item)}}`;
  };
  return dump(value);
}

/** JSON.stringify with ensure_ascii: each UTF-16 unit past ASCII as `\uXXXX`, as Python writes it. */
function asciiJson(s: string): string {
  const json = JSON.stringify(s);
  let out = "";
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x80) continue;
    out += `${json.slice(from, i)}\\u${c.toString(16).padStart(4, "0")}`;
    from = i + 1;
  }
  return out + json.slice(from);
}
