// The manual page: it renders without a warning, covers every command and
// every option that help shows, and carries the commit's date, not today's.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS } from "../src/cli.ts";
import { manPage, sourceDate } from "../build/man.ts";
import { tempDir } from "./support/home.ts";
import { lacks } from "./support/platform.ts";

const GROFF = Bun.which("groff");
const MANDOC = Bun.which("mandoc");
if (!lacks("man") && !(GROFF && MANDOC)) throw new Error("groff and mandoc check the manual page (apt-get install groff-base mandoc man-db; .ci/run installs them)");

const PAGE = await manPage("1.2.3", "2001-02-03");

function spawn(cmd: string[], stdin: string, env: Record<string, string> = {}) {
  const r = Bun.spawnSync(cmd, { stdin: new TextEncoder().encode(stdin), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...env } });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The page as man shows it, as plain text. */
const RENDERED = lacks("man") ? "" : spawn([GROFF!, "-man", "-Tutf8", "-P", "-cbou", "-rLL=200n"], PAGE).stdout;

/** An entry under OPTIONS: the flags at the indent, then a line break or (short tags) the text on the same line. */
const entry = (flags: string) => new RegExp(`^ {7}${flags.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\n| )`, "m");

describe.skipIf(lacks("man"))("the manual page", () => {
  test("renders with every groff warning on and none printed", () => {
    const r = spawn([GROFF!, "-ww", "-man", "-Tutf8", "-z"], PAGE);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("passes mandoc -T lint", () => {
    const r = spawn([MANDOC!, "-T", "lint", "-W", "warning"], PAGE);
    expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: "" });
  });

  test("man -l renders the file", () => {
    const file = join(tempDir(), "git-credential-codecommit.1");
    writeFileSync(file, PAGE);
    const r = spawn(["man", "-l", file], "", { MANWIDTH: "100" });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toStartWith("GIT-CREDENTIAL-CODECOMMIT(1)");
  });

  test("names every command and every option of every command's help", () => {
    const missing: string[] = [];
    for (const c of COMMANDS) {
      for (const name of c.names) if (!new RegExp(`^ {7}(\\S+, )*${name}\\b`, "m").test(RENDERED)) missing.push(`command ${name}`);
      for (const o of c.options) {
        // Each option as its own entry under OPTIONS, its argument included (--url PATTERN, --url URL).
        if (!entry(o.flags).test(RENDERED)) missing.push(`${c.names[0]}: ${o.flags}`);
      }
    }
    for (const flag of ["-h, --help", "--version"]) if (!entry(flag).test(RENDERED)) missing.push(flag);
    expect(missing).toEqual([]);
  });

  test("has the sections a manual needs", () => {
    const sections = [...RENDERED.matchAll(/^([A-Z][A-Z ]+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "CREDENTIALS", "FILES", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]);
  });

  test("carries the version and date it is given, in the header and footer", () => {
    expect(PAGE).not.toMatch(/@(DATE|VERSION)@/);
    expect(RENDERED).toMatch(/^git-credential-codecommit 1\.2\.3 +2001-02-03 +GIT-CREDENTIAL-CODECOMMIT\(1\)$/m);
  });

  test("is dated by SOURCE_DATE_EPOCH, else by the commit, never by today", () => {
    expect(sourceDate({ SOURCE_DATE_EPOCH: "981158400" })).toBe("2001-02-03");
    const commit = Bun.spawnSync(["git", "log", "-1", "--format=%ct"], { cwd: join(import.meta.dir, "..") });
    const committed = new Date(Number(commit.stdout.toString().trim()) * 1000).toISOString().slice(0, 10);
    expect(sourceDate({})).toBe(committed);
    expect(() => sourceDate({ SOURCE_DATE_EPOCH: "yesterday" })).toThrow("SOURCE_DATE_EPOCH must be whole seconds since 1970, not yesterday");
  });
});
