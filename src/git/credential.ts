// git's credential protocol (git-credential(1)), as a helper sees it.
import { UserError } from "../errors.ts";
import { LINE_BREAK_OR_NUL } from "../util/encoding.ts";

/** Larger input is not git talking to us. */
export const MAX_INPUT_BYTES = 64 * 1024;

/** Attributes git sent: `key=value` lines; `key[]` attributes keep every value. */
export type CredentialRequest = Record<string, string | string[]>;

// Python's str.strip() set for ASCII (\t \n \v \f \r, \x1c-\x1f and space), which is what
// the AWS CLI applies to each line. A loop: `get` would compile a regex for it on every run.
const isLineEdge = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);

function stripLine(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isLineEdge(line.charCodeAt(start))) start++;
  while (end > start && isLineEdge(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

/**
 * Reads the whole of stdin as the AWS CLI does (to EOF, not only to the first
 * blank line, because some tools send one), so both see the same attributes.
 */
export function parseCredentialRequest(input: string): CredentialRequest {
  if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
    throw new UserError(`credential input is larger than ${MAX_INPUT_BYTES / 1024} KiB; git never sends that much`);
  }
  if (input.includes("\0")) throw new UserError("credential input contains a NUL byte; git never sends one");
  const request: CredentialRequest = Object.create(null);
  let lineNumber = 0;
  for (const raw of input.split("\n")) {
    lineNumber++;
    const line = stripLine(raw);
    if (line === "") continue;
    const eq = line.indexOf("=");
    if (eq === -1) {
      throw new UserError(`credential input line ${lineNumber} is not key=value; this helper must be run by git`);
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key.endsWith("[]")) {
      const list = request[key];
      if (Array.isArray(list)) list.push(value);
      else request[key] = [value];
    } else {
      request[key] = value; // repeated keys: the last one wins, as in the CLI
    }
  }
  return request;
}

/** The single value of `key`, or undefined. */
export function attribute(request: CredentialRequest, key: string): string | undefined {
  const v = request[key];
  return typeof v === "string" ? v : undefined;
}

/**
 * The one way anything reaches git: `key=value\n` each, LF only on every
 * platform. A value holding LF, CR or NUL would let whoever supplied it add
 * lines of their own (`host=`, `password=`; git ≤ 2.48 takes CR as a break
 * too, and NUL cuts a value), so it is refused, naming the field, never the value.
 */
export function formatCredentialResponse(attributes: ReadonlyArray<readonly [string, string]>): string {
  for (const [key, value] of attributes) {
    if (LINE_BREAK_OR_NUL.test(value)) throw new UserError(`refusing to give git a ${key} that contains a line break or NUL byte`);
  }
  let text = "";
  for (const [k, v] of attributes) text += `${k}=${v}\n`;
  return text;
}
