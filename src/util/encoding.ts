// Encodings shared by the signing and AWS layers.

/** Everything but letters, digits and `-._~` percent-encoded (Python's quote(s, safe="")). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYYMMDDTHHMMSS` in UTC, with no trailing Z: the timestamp SigV4 signs. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}Z$/g, "");
}

export function sha1Hex(text: string): string {
  return new Bun.CryptoHasher("sha1").update(text).digest("hex");
}
