// Encodings shared by the signing and AWS layers.

/** What no value given to git may hold: its protocol is one `key=value` per line, and NUL cuts a value. */
export const LINE_BREAK_OR_NUL = /[\n\r\0]/;

/** Everything but letters, digits and `-._~` percent-encoded (Python's quote(s, safe="")). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYYMMDDTHHMMSS` in UTC, with no trailing Z: the timestamp SigV4 signs. */
export function timestamp(date: Date): string {
  // Cut from `YYYY-MM-DDTHH:MM:SS.sssZ`; a regex would be compiled on every run.
  const iso = date.toISOString();
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 13) + iso.slice(14, 16) + iso.slice(17, 19);
}

export function sha1Hex(text: string): string {
  return new Bun.CryptoHasher("sha1").update(text).digest("hex");
}
