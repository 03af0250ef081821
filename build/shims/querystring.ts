// node:querystring as aws4 uses it, in the compiled binary (see build/options.ts):
// loaded only if called. aws4 needs it only for a query string in the path it
// canonicalises itself; src/codecommit/sign.ts supplies the canonical request.
// CommonJS for the reason given in crypto.ts.
module.exports = {
  parse: (text: string) => (require("node:querystring") as typeof import("node:querystring")).parse(text),
  stringify: (query: Record<string, string | string[]>) => (require("node:querystring") as typeof import("node:querystring")).stringify(query),
};
