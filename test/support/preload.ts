// Loaded by bun test (bunfig.toml). The suite spawns the compiled helper, so make
// sure one exists; `npm test` always rebuilds it first.
import { existsSync } from "node:fs";
import { setDefaultTimeout } from "bun:test";
import { BINARY } from "./binary.ts";
import { compile } from "../../build/options.ts";

setDefaultTimeout(30_000);
if (!existsSync(BINARY)) await compile({ outfile: BINARY });
