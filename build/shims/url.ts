// node:url as aws4 uses it, in the compiled binary (see build/options.ts):
// loaded only if called. aws4 parses a URL only when handed a string, which
// src/codecommit/sign.ts never does, so `get` never pays for node:url.
import type * as Url from "node:url";

export function parse(url: string): Url.UrlWithStringQuery {
  return (require("node:url") as typeof Url).parse(url);
}
