// node:crypto as aws4 uses it, in the compiled binary (see build/options.ts).
// Bun.CryptoHasher already has the shape aws4 calls (update(text, "utf8"),
// digest() to a Buffer, digest("hex")) and loading it costs nothing, where
// node:crypto costs more than half a compiled no-op's start-up.
// test/build/start-up.test.ts checks it against node:crypto.
type Key = string | NodeJS.TypedArray;

export function createHmac(algorithm: "sha256", key: Key): Bun.CryptoHasher {
  return new Bun.CryptoHasher(algorithm, key);
}

export function createHash(algorithm: "sha256"): Bun.CryptoHasher {
  return new Bun.CryptoHasher(algorithm);
}
