// `npm run build`: the helper for this machine, at dist/git-credential-codecommit.
import { compile } from "./options.ts";

const outfile = `dist/git-credential-codecommit${process.platform === "win32" ? ".exe" : ""}`;
await compile({ outfile });
console.log(`built ${outfile}`);
