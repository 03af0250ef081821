// Python's shlex.split(s) (POSIX mode, no comments), which botocore uses to
// name `[profile "x y"]` sections and to split `credential_process` commands.
// This is Python's tokenizer, not a shell: inside double quotes a backslash only
// escapes `\` and `"` (`"\$"` stays two characters), and nothing is expanded.

const WHITESPACE = " \t\r\n";

/** Throws `No closing quotation` / `No escaped character`, as Python does. */
export function shlexSplit(s: string): string[] {
  const tokens: string[] = [];
  let token = "";
  // Whether the current token contains quotes: `''` is an empty argument, not nothing.
  let inToken = false;
  // A quote character while inside quotes, "\\" right after a backslash.
  let state: "" | "'" | '"' | "\\" = "";
  // The state a backslash returns to once its character is read.
  let afterEscape: "" | '"' = "";

  for (const c of s) {
    if (state === "\\") {
      // Inside double quotes, `\x` keeps its backslash unless x is `\` or `"`.
      if (afterEscape === '"' && c !== "\\" && c !== '"') token += "\\";
      token += c;
      state = afterEscape;
    } else if (state === "'") {
      if (c === "'") state = "";
      else token += c;
    } else if (state === '"') {
      if (c === '"') state = "";
      else if (c === "\\") {
        afterEscape = '"';
        state = "\\";
      } else token += c;
    } else if (WHITESPACE.includes(c)) {
      if (inToken) tokens.push(token);
      token = "";
      inToken = false;
    } else {
      inToken = true;
      if (c === "'" || c === '"') state = c;
      else if (c === "\\") {
        afterEscape = "";
        state = "\\";
      } else token += c;
    }
  }
  if (state === "\\") throw new Error("No escaped character");
  if (state !== "") throw new Error("No closing quotation");
  if (inToken) tokens.push(token);
  return tokens;
}

/**
 * botocore's compat._windows_shell_split, which splits `credential_process` on
 * Windows the way the C runtime parses a command line: only space and tab
 * separate, only double quotes quote, and backslashes are literal except in a
 * run that ends at a double quote, where each pair is one backslash and an odd
 * one out makes the quote literal.
 */
export function windowsShellSplit(s: string): string[] {
  const components: string[] = [];
  let buff = "";
  // Whether the component has begun: `""` is an empty argument, not nothing.
  let started = false;
  let quoted = false;
  let backslashes = 0;
  for (const c of s) {
    if (c === "\\") {
      backslashes++;
      continue;
    }
    started ||= (c !== " " && c !== "\t") || quoted || backslashes > 0;
    if (c === '"') {
      buff += "\\".repeat(Math.floor(backslashes / 2));
      const escaped = backslashes % 2 === 1;
      backslashes = 0;
      if (escaped) buff += '"';
      else quoted = !quoted;
      continue;
    }
    buff += "\\".repeat(backslashes);
    backslashes = 0;
    if ((c === " " || c === "\t") && !quoted) {
      if (started) components.push(buff);
      buff = "";
      started = false;
    } else buff += c;
  }
  if (quoted) throw new Error("No closing quotation");
  buff += "\\".repeat(backslashes);
  if (started || backslashes > 0) components.push(buff);
  return components;
}

/** How botocore splits `credential_process` on this platform (compat_shell_split). */
export function splitCommand(command: string, platform: NodeJS.Platform): string[] {
  return platform === "win32" ? windowsShellSplit(command) : shlexSplit(command);
}
