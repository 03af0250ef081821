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
 */
export function pythonJsonDumps(value: Json, compact = false, sortKeys = true): string {
  const [item, kv] = compact ? [",", ":"] : [", ", ": "];
  const str = (s: string) =>
    JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const dump = (v: Json): string => {
    if (typeof v === "string") return str(v);
    if (typeof v === "number" || typeof v === "boolean" || v === null) return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(dump).join(item)}]`;
    const keys = Object.keys(v);
    return `{${(sortKeys ? keys.sort() : keys)
      .map((k) => `${str(k)}${kv}${dump(v[k]!)}`)
      .join(item)}}`;
  };
  return dump(value);
}
