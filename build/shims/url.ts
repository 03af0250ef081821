// node:url as aws4 uses it, in the compiled binary (see build/options.ts):
// loaded only if called. aws4 parses a URL only when handed a string, which
// src/codecommit/sign.ts never does, so `get` never pays for node:url.
// CommonJS for the reason given in crypto.ts.
module.exports = {
  parse: (url: string) => (require("node:url") as typeof import("node:url")).parse(url),
};
