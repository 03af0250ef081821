// Undoing what a step changed outside the process (a lock file, the terminal's
// echo) however the process ends: normally, on an error, or on Ctrl-C/SIGTERM.

function exitOnSignal(signal: NodeJS.Signals): void {
  // process.exit runs the "exit" listeners, so every pending undo happens.
  process.exit(signal === "SIGINT" ? 130 : 143);
}

export async function withCleanup<T>(undo: () => void, fn: () => Promise<T>): Promise<T> {
  process.on("exit", undo);
  process.on("SIGINT", exitOnSignal);
  process.on("SIGTERM", exitOnSignal);
  try {
    return await fn();
  } finally {
    process.off("exit", undo);
    process.off("SIGINT", exitOnSignal);
    process.off("SIGTERM", exitOnSignal);
    undo();
  }
}
