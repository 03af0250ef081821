/**
 * An error whose message is meant for a person: printed as one line on stderr,
 * with no stack trace. Messages never contain secrets.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** The CLI's "configured but failed" provider error: `Error when retrieving credentials from X: msg`. */
export function retrievalError(provider: string, detail: string): UserError {
  return new UserError(`Error when retrieving credentials from ${provider}: ${detail}`);
}
