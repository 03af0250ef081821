// Asking the person at the keyboard, on the controlling terminal: stdin is git's.
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import type { Env } from "../context.ts";
import { UserError } from "../errors.ts";

/**
 * Prompts on /dev/tty (CONIN$/CONOUT$ on Windows) and returns the line typed.
 * Refuses when git was told not to prompt, or when there is no terminal (an
 * IDE, a CI job): `why` says what the answer is for, `fix` how to do without.
 */
export function promptTerminal(env: Env, question: string, why: string, fix: string): string {
  if (env.GIT_TERMINAL_PROMPT === "0") {
    throw new UserError(`${why}, but GIT_TERMINAL_PROMPT=0 forbids prompting; ${fix}`);
  }
  const windows = process.platform === "win32";
  let input: number;
  let output: number;
  try {
    input = openSync(windows ? "CONIN$" : "/dev/tty", windows ? "r" : "r+");
    output = windows ? openSync("CONOUT$", "w") : input;
  } catch {
    throw new UserError(`${why}, but there is no terminal to ask on; ${fix}`);
  }
  // Typed without echo, as the CLI's getpass does; if stty is missing the code just shows.
  const echo = (on: boolean) =>
    !windows && Bun.spawnSync(["stty", on ? "echo" : "-echo"], { stdin: input, stdout: "ignore", stderr: "ignore" }).success;
  let hidden = false;
  try {
    hidden = echo(false); // before the question: a fast typist (or a test) answers at once
    writeSync(output, question);
    const buf = Buffer.alloc(1);
    let line = "";
    while (readSync(input, buf, 0, 1, null) === 1 && buf[0] !== 0x0a) line += String.fromCharCode(buf[0]!);
    return line.replace(/\r$/, "").trim();
  } finally {
    if (hidden) {
      echo(true);
      writeSync(output, "\n"); // the Enter that wasn't echoed
    }
    closeSync(input);
    if (output !== input) closeSync(output);
  }
}
