// The `credential.helper` line that runs this binary: written by setup and the
// remote helper, recognised by setup and doctor.
import type { Context } from "../context.ts";
import { shlexSplit } from "../util/shlex.ts";
import { shellQuote } from "./config.ts";

/** The helper line: `!'<binary>' [--profile '<p>'] [--region '<r>']`, quoted for the sh git runs it with. */
export function helperCommand(ctx: Context, profile?: string, region?: string): string {
  // git for Windows runs helpers with its bundled sh, which wants forward slashes.
  const binary = ctx.platform === "win32" ? ctx.execPath.replace(/\\/g, "/") : ctx.execPath;
  let cmd = `!${shellQuote(binary)}`;
  if (profile !== undefined) cmd += ` --profile ${shellQuote(profile)}`;
  if (region !== undefined) cmd += ` --region ${shellQuote(region)}`;
  return cmd;
}

/** The binary and arguments of a helper line that runs a git-credential-codecommit binary, or undefined. */
export function ourHelper(value: string): { binary: string; args: string[] } | undefined {
  if (!value.startsWith("!")) return undefined;
  let words: string[];
  try {
    words = shlexSplit(value.slice(1));
  } catch {
    return undefined;
  }
  const binary = words[0];
  return binary && /git-credential-codecommit[^/\\]*$/.test(binary) ? { binary, args: words.slice(1) } : undefined;
}
