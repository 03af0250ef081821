// node:querystring as aws4 uses it, in the compiled binary (see build/options.ts):
// loaded only if called. aws4 needs it only for a query string in the path it
// canonicalises itself; src/codecommit/sign.ts supplies the canonical request.
import type * as QueryString from "node:querystring";

const real = () => require("node:querystring") as typeof QueryString;

export function parse(text: string): QueryString.ParsedUrlQuery {
  return real().parse(text);
}

export function stringify(query: QueryString.ParsedUrlQueryInput): string {
  return real().stringify(query);
}
