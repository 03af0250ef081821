// Runs the helper while a test watches its stderr line by line and acts on it
// (follows a printed URL, sends Ctrl-C), in this process or as the compiled
// binary: what `login` needs, where a person reads the terminal mid-run.
//
// Plain module (no bun:test imports).
import { run } from "../../src/cli.ts";
import { BINARY, testContext, type RunResult } from "./cli.ts";

export interface Interactive {
  /** Resolves with the first stderr line matching `pattern` (rejects after `timeoutMs`). */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  result: Promise<RunResult>;
  /** The binary's process id (undefined in-process). */
  pid?: number;
}

export type InteractiveKind = "source" | "binary";

function watcher() {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve(line: string): void }> = [];
  return {
    lines,
    push(line: string) {
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(line)) w.resolve(line);
        else waiters.push(w);
      }
    },
    line(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no stderr line matched ${pattern} within ${timeoutMs} ms:\n${lines.join("\n")}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

export function startInteractive(kind: InteractiveKind, args: string[], env: Record<string, string>): Interactive {
  const w = watcher();
  if (kind === "source") {
    let stdout = "";
    const ctx = testContext(env, { out: (t) => (stdout += t), err: (l) => w.push(l) });
    const result = run(args, ctx).then((code) => ({ code, stdout, stderr: w.lines.map((l) => `${l}\n`).join("") }));
    return { line: w.line, result };
  }
  const proc = Bun.spawn([BINARY, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 60_000);
  const stderr = (async () => {
    let text = "";
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      const piece = decoder.decode(chunk, { stream: true });
      text += piece;
      pending += piece;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const l of parts) w.push(l);
    }
    return text;
  })();
  const result = Promise.all([new Response(proc.stdout).text(), stderr, proc.exited]).then(([stdout, err, code]) => {
    clearTimeout(timer);
    return { code, stdout, stderr: err };
  });
  return { line: w.line, result, pid: proc.pid };
}
