// Loaded by bun test (bunfig.toml). The suite spawns the compiled helper, so make
// sure one exists; `npm test` always rebuilds it first. The per-test timeout is
// `bun test --timeout 30000` on every path that runs tests: in bun 1.4.4 a
// preload's setDefaultTimeout reaches only the first file, and bunfig's is ignored.
import { existsSync } from "node:fs";
import { BINARY } from "./binary.ts";
import { compile } from "../../build/options.ts";

if (!existsSync(BINARY)) await compile({ outfile: BINARY });
