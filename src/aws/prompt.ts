// Asking the person at the keyboard, on the controlling terminal: stdin is git's.
import { closeSync, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import type { Env } from "../context.ts";
import { UserError } from "../errors.ts";
import { withCleanup } from "./cleanup.ts";

/**
 * Prompts on /dev/tty (CONIN$/CONOUT$ on Windows) and returns the line typed,
 * without echo, as the CLI's getpass does. Refuses when git was told not to
 * prompt, or when there is no terminal (an IDE, a CI job): `why` says what the
 * answer is for, `fix` how to do without.
 */
export async function promptTerminal(env: Env, question: string, why: string, fix: string): Promise<string> {
  if (env.GIT_TERMINAL_PROMPT === "0") {
    throw new UserError(`${why}, but GIT_TERMINAL_PROMPT=0 forbids prompting; ${fix}`);
  }
  const windows = process.platform === "win32";
  const win32 = windows ? await import("./win-console.ts") : undefined;
  if (win32?.isMinttyPty()) {
    throw new UserError(`${why}, but Git Bash's mintty has no Windows console to ask on; run git as "winpty git ..." or ${fix}`);
  }
  let output: number;
  let input;
  try {
    output = openSync(windows ? "CONOUT$" : "/dev/tty", "w");
    // Read asynchronously, so Ctrl-C is handled (and the echo restored) mid-prompt.
    input = await open(windows ? "CONIN$" : "/dev/tty", "r");
  } catch {
    throw new UserError(`${why}, but there is no terminal to ask on; ${fix}`);
  }
  const tty = input.fd;
  /** Echo off; returns the undo, or undefined if it could not be turned off (the code then shows). */
  const hideEcho = (): (() => void) | undefined => {
    if (win32) return win32.consoleEchoOff();
    const stty = (arg: string) => Bun.spawnSync(["stty", arg], { stdin: tty, stdout: "ignore", stderr: "ignore" }).success;
    return stty("-echo") ? () => void stty("echo") : undefined;
  };
  let showEcho: (() => void) | undefined;
  const restore = () => {
    const undo = showEcho;
    if (!undo) return;
    showEcho = undefined;
    undo();
    writeSync(output, "\n"); // the Enter that wasn't echoed
  };
  try {
    return await withCleanup(restore, async () => {
      showEcho = hideEcho(); // before the question: a fast typist (or a test) answers at once
      writeSync(output, question);
      const buf = Buffer.alloc(1);
      let line = "";
      while ((await input.read(buf, 0, 1, null)).bytesRead === 1 && buf[0] !== 0x0a) line += String.fromCharCode(buf[0]!);
      return line.replace(/\r$/, "").trim();
    });
  } finally {
    await input.close();
    closeSync(output);
  }
}
