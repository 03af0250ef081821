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
    this.name = "UserError";
  }
}

/** The CLI's "configured but failed" provider error: `Error when retrieving credentials from X: msg`. */
export function retrievalError(provider: string, detail: string): UserError {
  return new UserError(`Error when retrieving credentials from ${provider}: ${detail}`);
}

/** The AWS CLI's text for an error an AWS service answered with. */
export function serviceError(code: string, operation: string, message: string): UserError {
  return new UserError(`An error occurred (${code}) when calling the ${operation} operation: ${message}`);
}

/**
 * One line of someone else's output (a process's stderr, an error body) fit
 * for an error message: the last non-empty line, capped, so a multi-line dump
 * (a traced script, an HTML page) can't flood stderr or carry much with it.
 */
export function lastLine(text: string, max = 300): string {
  const line = text.trim().split(/\r?\n/).filter((l) => l.trim() !== "").at(-1)?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
