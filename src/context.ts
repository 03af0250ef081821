/**
 * Everything a command needs from the outside world. The binary builds one from
 * the real process (src/cli.ts); tests build one with their own environment,
 * clock and captured output, so the same code runs in-process and compiled.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Context {
  env: Env;
  /** Standard input, read once: to its end, or until past what git could send (MAX_INPUT_BYTES), where reading stops. */
  stdin(): Promise<string>;
  /**
   * Whether standard input is a terminal (a person typed the command) rather
   * than git's pipe. A function, so only the paths that ask pay for the check.
   */
  stdinIsTerminal(): Promise<boolean>;
  /** Exact bytes for standard output (no newline is added). */
  out(text: string): void;
  /** One line for standard error (a newline is added). */
  err(line: string): void;
  now(): Date;
  /** The user's home directory, as botocore finds it (src/util/home.ts, else the OS's answer). */
  home: string;
  /** The working directory (git runs helpers in the repository). */
  cwd: string;
  /** The path of the running executable, for `setup`, the remote helper and self-invocation. */
  execPath: string;
  platform: NodeJS.Platform;
  /** The name the binary was invoked as (git-credential-codecommit or git-remote-codecommit): what its messages start with. */
  name: string;
}

/**
 * One line for the person at the terminal (a warning, a wait, a decline),
 * under the name the binary was invoked as. Every layer reports through this,
 * never straight to stderr.
 */
export function notice(ctx: Context, line: string): void {
  ctx.err(`${ctx.name}: ${line}`);
}

/** The --debug trace: `[debug] line` on stderr when on, nothing otherwise. */
export function debugTrace(ctx: Context, on: boolean | undefined): (line: string) => void {
  return on ? (line) => ctx.err(`[debug] ${line}`) : () => {};
}
