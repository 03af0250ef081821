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
