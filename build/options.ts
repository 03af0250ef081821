// The one place that says how the helper is compiled, shared by the host build,
// the release build and the benchmark's no-op, so all three use the same flags.
import { resolve, sep } from "node:path";
import pkg from "../package.json";

export const ENTRY = "src/cli.ts";

/** aws4's requires of node built-ins that build/shims/ replaces (see the files there for why). */
export const AWS4_SHIMS = ["crypto", "url", "querystring"] as const;

/**
 * Points aws4's `require('crypto')`, `require('url')` and `require('querystring')`
 * at build/shims/. Bun hands built-in module names to no onResolve hook, so
 * the require calls are rewritten as aws4.js is loaded; a pinned aws4 that no
 * longer has one of them fails the build instead of silently loading node's.
 */
export const aws4Shims: Bun.BunPlugin = {
  name: "aws4-shims",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]aws4[\\/]aws4\.js$/ }, async (args) => {
      let text = await Bun.file(args.path).text();
      for (const name of AWS4_SHIMS) {
        const call = `require('${name}')`;
        if (!text.includes(call)) throw new Error(`aws4.js no longer contains ${call}: update build/options.ts`);
        text = text.replace(call, `require(${JSON.stringify(`${import.meta.dir}/shims/${name}.ts`)})`);
      }
      return { contents: text, loader: "js" };
    });
  },
};

/**
 * Loads the node built-ins that src/ imports by name only when one of those
 * functions is first called. Bun's ESM output evaluates every `import … from
 * "node:fs"` when its chunk loads, and node:fs alone costs a third of a no-op's
 * start-up; `get` from a cache hit shares chunks with the code that writes
 * caches and takes locks, which needs node:fs, node:os and node:path, and
 * should not pay for them. Each `import { a, b } from "node:x"` in src/ is
 * pointed at a module of forwarders, `a(...args)` calling node:x's `a`; only
 * functions are imported that way in src/ (the build fails otherwise).
 */
export const lazyBuiltins: Bun.BunPlugin = {
  name: "lazy-node-builtins",
  setup(build) {
    const IMPORT = /^import \{([^}]*)\} from "node:([a-z/_]+)";$/gm;
    const src = resolve(import.meta.dir, "..", "src") + sep;
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src)) return undefined;
      const text = await Bun.file(args.path).text();
      const lazy = text.replace(IMPORT, (_all, list: string, module: string) => {
        const names = list.split(",").map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean);
        return `import {${list}} from "lazy-node:${module}?${[...new Set(names)].sort().join(",")}";`;
      });
      return { contents: lazy, loader: "ts" };
    });
    build.onResolve({ filter: /^lazy-node:/ }, (args) => ({ path: args.path.slice("lazy-node:".length), namespace: "lazy-node" }));
    build.onLoad({ filter: /.*/, namespace: "lazy-node" }, (args) => {
      const [module, list] = args.path.split("?") as [string, string];
      const real = require(`node:${module}`) as Record<string, unknown>;
      const lines = [`let loaded;`, `const load = () => (loaded ??= require("node:${module}"));`];
      for (const name of list.split(",")) {
        if (typeof real[name] !== "function") throw new Error(`node:${module}'s ${name} is not a function: import it another way`);
        lines.push(`export function ${name}(...args) { return load().${name}(...args); }`);
      }
      return { contents: lines.join("\n"), loader: "js" };
    });
  },
};

/**
 * The bundling options shared by the executable and by tests that inspect the
 * bundle. Splitting keeps each command's modules, and the node built-ins they
 * import, out of the others' start-up: without it Bun hoists every built-in
 * import of the whole program to the top of one module, so `get` and
 * `--version` would load node:fs, node:path and node:os they never use.
 */
export function bundleOptions(opts: { entry?: string; version?: string; commit?: string }) {
  return {
    entrypoints: [opts.entry ?? ENTRY],
    target: "bun",
    minify: true,
    splitting: true,
    format: "esm",
    plugins: [aws4Shims, lazyBuiltins],
    define: {
      "process.env.NODE_ENV": JSON.stringify("production"),
      BUILD_VERSION: JSON.stringify(opts.version ?? pkg.version),
      BUILD_COMMIT: JSON.stringify(opts.commit ?? gitCommit()),
    },
  } satisfies Bun.BuildConfig;
}

/** The git commit baked into `--version`; "unknown" outside a git checkout. */
export function gitCommit(): string {
  const r = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "unknown";
}

/**
 * JavaScriptCore's tier-up thresholds, multiplied (compile.jitPolicy). Every
 * command lives a few milliseconds, and at the normal thresholds the config
 * file parser's loops were compiled by two JIT threads that cost `get` more
 * than they ever saved (`npm run bench`: ~0.1× of a no-op). 4, 16, 64 and 1000
 * measured alike; 16 still lets a long loop (a config of thousands of lines) be compiled.
 */
export const JIT_POLICY = 16;

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
    ...bundleOptions(opts),
    compile: {
      outfile: opts.outfile,
      ...(opts.target ? { target: opts.target } : {}),
      autoloadDotenv: false,
      autoloadBunfig: false,
      jitPolicy: JIT_POLICY,
    },
    bytecode: true,
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`compiling ${opts.entry ?? ENTRY} failed`);
  }
}
