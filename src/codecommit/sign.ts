// The CodeCommit git password: a SigV4 signature of the repository URL.
import { RequestSigner } from "aws4";
import { hostWithoutPort } from "./host.ts";
import { timestamp } from "../util/encoding.ts";

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Signature {
  /** `<YYYYMMDDTHHMMSS>Z<64 hex>`: the password git sends. */
  password: string;
  canonicalRequest: string;
  stringToSign: string;
}

/**
 * The path Python's urlsplit gives for `https://<host>/<gitPath>`: what the AWS
 * CLI signs. Nothing is normalised or encoded; a leading slash from git gives `//`.
 */
export function canonicalPath(gitPath: string): string {
  // urlsplit first removes tabs and newlines, then drops the fragment and the query.
  const url = `/${gitPath}`.replaceAll("\t", "").replaceAll("\r", "").replaceAll("\n", "");
  return url.split("#", 1)[0]!.split("?", 1)[0]!;
}

/** The username CodeCommit expects: the access key id, with `%<session token>` when there is one. */
export function gitUsername(credentials: SigningCredentials): string {
  return credentials.sessionToken ? `${credentials.accessKeyId}%${credentials.sessionToken}` : credentials.accessKeyId;
}

/**
 * Signs as `aws codecommit credential-helper` does. aws4 computes the string to
 * sign, the key and the signature; the canonical request is the CLI's literal
 * string, because aws4's own canonicalString() normalises the path (collapses
 * `//`, resolves `..`, encodes spaces) and would sign a different request.
 */
export function signGitRequest(opts: {
  host: string;
  path: string;
  region: string;
  credentials: SigningCredentials;
  date: Date;
}): Signature {
  const hostname = hostWithoutPort(opts.host);
  const canonicalRequest = `GIT\n${canonicalPath(opts.path)}\n\nhost:${hostname}\n\nhost\n`;
  const signer = new RequestSigner(
    { service: "codecommit", region: opts.region, method: "GIT", host: hostname, path: "/" },
    {
      accessKeyId: opts.credentials.accessKeyId,
      secretAccessKey: opts.credentials.secretAccessKey,
    },
  );
  const ts = timestamp(opts.date);
  signer.datetime = ts;
  signer.canonicalString = () => canonicalRequest;
  return {
    password: `${ts}Z${signer.signature()}`,
    canonicalRequest,
    // Only --debug reads it: not worth a second hash on every run.
    get stringToSign() {
      return signer.stringToSign();
    },
  };
}
