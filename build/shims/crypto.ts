// node:crypto as aws4 uses it, in the compiled binary (see build/options.ts).
// Bun.CryptoHasher already has the shape aws4 calls (update(text, "utf8"),
// digest() to a Buffer, digest("hex")) and loading it costs nothing, where
// node:crypto costs more than half a compiled no-op's start-up.
// test/build/start-up.test.ts checks it against node:crypto.
//
// The shims are CommonJS, as aws4 is, so Bun bundles them into aws4's own
// chunk; an ES module would be a chunk of its own that aws4 loads through
// import.meta.require, and those three loads cost `get` about a millisecond.
module.exports = {
  createHmac: (algorithm: "sha256", key: string | NodeJS.TypedArray) => new Bun.CryptoHasher(algorithm, key),
  createHash: (algorithm: "sha256") => new Bun.CryptoHasher(algorithm),
};
