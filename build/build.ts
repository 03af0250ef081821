// `npm run build`: the helper for this machine, at dist/git-credential-codecommit,
// and its manual page beside it (what install.sh --from installs).
import pkg from "../package.json";
import { MAN_PAGE, manPage } from "./man.ts";
import { compile } from "./options.ts";

const outfile = `dist/git-credential-codecommit${process.platform === "win32" ? ".exe" : ""}`;
await compile({ outfile });
console.log(`built ${outfile}`);
await Bun.write(`dist/${MAN_PAGE}`, await manPage(pkg.version));
console.log(`wrote dist/${MAN_PAGE}`);
