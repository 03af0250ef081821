// Errors meant for a person, and the kinds other code branches on (doctor, the
// remote helper): a class each, so nothing matches on message text. Every
// message is exactly the text the AWS CLI (or our own rule) prints.

/**
 * An error whose message is meant for a person: printed as one line on stderr,
 * with no stack trace. Messages must not carry secrets: text from elsewhere
 * (a process's stderr, a response body) goes through lastLine().
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A profile chosen by name (--profile, AWS_PROFILE…) that no config file defines. */
export class ProfileNotFound extends UserError {
  constructor(readonly profile: string) {
    super(`The config profile (${profile}) could not be found`);
  }
}

/** No source in the credential chain is configured for the profile. */
export class CredentialsNotFound extends UserError {}

/** An AWS service answered with an error: the AWS CLI's text for it. */
export class ServiceError extends UserError {
  constructor(
    readonly code: string,
    readonly operation: string,
    message: string,
  ) {
    super(`An error occurred (${code}) when calling the ${operation} operation: ${message}`);
  }
}

/** The CLI's "configured but failed" provider error: `Error when retrieving credentials from X: msg`. */
export class RetrievalError extends UserError {
  constructor(
    readonly provider: string,
    detail: string,
  ) {
    super(`Error when retrieving credentials from ${provider}: ${detail}`);
  }
}

/** A config or credentials file botocore could not parse: the CLI's message, plus where and why. */
export class ConfigParseError extends UserError {
  constructor(
    readonly path: string,
    readonly line: number,
    reason: string,
  ) {
    super(`Unable to parse config file: ${path} (line ${line}: ${reason})`);
  }
}

/**
 * How a request went unanswered, as far as the fetch error tells: the name
 * did not resolve, the connection was refused or timed out, the certificate
 * was not trusted, the proxy refused the tunnel, or something else.
 */
export type ConnectionFailure = "dns" | "refused" | "timeout" | "tls" | "proxy" | "other";

/** An endpoint could not be reached: no answer at all, as opposed to an AWS error answer. */
export class ConnectionError extends UserError {
  constructor(
    readonly url: string,
    readonly failure: ConnectionFailure,
    readonly detail: string,
    /** The proxy the request went through (HTTPS_PROXY…), if any. */
    readonly proxy?: string,
  ) {
    super(failure === "timeout" ? `Connect timeout on endpoint URL: "${url}"` : `Could not connect to the endpoint URL: "${url}" (${detail})`);
  }
}

/** Thrown instead of a network call when the session is offline (doctor without --network). */
export class NetworkNeeded extends UserError {}

/**
 * One line of someone else's output (a process's stderr, an error body) fit
 * for an error message: the last non-empty line, capped, so a multi-line dump
 * (a traced script, an HTML page) can't flood stderr or carry much with it.
 */
export function lastLine(text: string, max = 300): string {
  const line = text.trim().split(/\r?\n/).filter((l) => l.trim() !== "").at(-1)?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
