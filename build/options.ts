// The one place that says how the helper is compiled, shared by the host build,
// the release build and the benchmark's no-op, so all three use the same flags.
import pkg from "../package.json";

export const ENTRY = "src/cli.ts";

/** The git commit baked into `--version`; "unknown" outside a git checkout. */
export function gitCommit(): string {
  const r = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "unknown";
}

/**
 * Compiles `entry` into a standalone executable. Autoloading of `.env` and
 * `bunfig.toml` is off: with it on, a bunfig.toml `preload` in the directory
 * where git runs us would execute code inside the helper. The typed API is used
 * because `bun build` ignores misspelt flags silently.
 */
export async function compile(opts: {
  entry?: string;
  outfile: string;
  target?: Bun.Build.CompileTarget;
  version?: string;
  commit?: string;
}): Promise<void> {
  const result = await Bun.build({
    entrypoints: [opts.entry ?? ENTRY],
    compile: {
      outfile: opts.outfile,
      ...(opts.target ? { target: opts.target } : {}),
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    minify: true,
    bytecode: true,
    format: "esm",
    define: {
      "process.env.NODE_ENV": JSON.stringify("production"),
      BUILD_VERSION: JSON.stringify(opts.version ?? pkg.version),
      BUILD_COMMIT: JSON.stringify(opts.commit ?? gitCommit()),
    },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`compiling ${opts.entry ?? ENTRY} failed`);
  }
}
