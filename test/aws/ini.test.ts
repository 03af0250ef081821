import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { IniError, parseIni, type IniSection } from "../../src/aws/ini.ts";

// Produced by botocore itself: see the header of test/fixtures/ini-oracle.py.
interface OracleIniCase {
  name: string;
  text: string;
  sections?: [string, IniSection][];
  error?: { type: string; line?: number };
}
const oracle = JSON.parse(readFileSync(new URL("../fixtures/ini-oracle.json", import.meta.url), "utf8")) as {
  ini: OracleIniCase[];
};

/** Which of our messages stands for which exception botocore wraps in ConfigParseError. */
const REASON_FOR: Record<string, RegExp> = {
  DuplicateSectionError: /^duplicate section "/,
  DuplicateOptionError: /^duplicate key "/,
  MissingSectionHeaderError: /^line is not inside a \[section\]$|byte-order mark/,
  ParsingError: /^line has no "=" or ":"$|^empty key name$/,
  ValueError: /^line in the indented block under "[^"]*" has no "="$/,
};

function parseError(text: string): IniError {
  try {
    parseIni(text);
  } catch (e) {
    if (e instanceof IniError) return e;
    throw e;
  }
  throw new Error("expected an IniError");
}

describe("parseIni matches botocore 1.43 raw_config_parse", () => {
  for (const c of oracle.ini) {
    test(c.name, () => {
      if (c.error) {
        const err = parseError(c.text);
        expect(err.message).toMatch(REASON_FOR[c.error.type]!);
        // Python gives no line for a bad sub-section entry; ours is checked below.
        if (c.error.line !== undefined) expect(err.line).toBe(c.error.line);
      } else {
        expect([...parseIni(c.text)]).toEqual(c.sections!);
      }
    });
  }
});

describe("parseIni error lines", () => {
  test.each([
    ["duplicate section", "[a]\nk = 1\n\n[a]\n", 4, 'duplicate section "a"'],
    ["duplicate key, case-insensitively", "[a]\r\nk = 1\r\nK: 2\r\n", 3, 'duplicate key "k" in section "a"'],
    ["key before any section", "\n\nregion = x\n", 3, "line is not inside a [section]"],
    ["byte-order mark", "\ufeff[default]\n", 1, "the file starts with a byte-order mark (save it as UTF-8 without BOM)"],
    ["no delimiter", "[a]\nk = v\n\nregion\n", 4, 'line has no "=" or ":"'],
    ["empty key", "[a]\n  = v\n", 2, "empty key name"],
    // configparser collects bad lines to the end, so a later duplicate wins.
    ["bad line, then a duplicate", "[a]\nregion\n[b]\n[a]\n", 4, 'duplicate section "a"'],
    ["bad sub-section entry", "[default]\ns3 =\n  a = 1\n\n  oops\n", 5, 'line in the indented block under "s3" has no "="'],
    ["bad sub-section entry after a form feed", "[default]\ns3 =\n  a = 1\fb\n", 3, 'line in the indented block under "s3" has no "="'],
    ["bad [DEFAULT] sub-section, reported in a section", "[DEFAULT]\ns3 =\n  x\n[a]\n", 3, 'line in the indented block under "s3" has no "="'],
    ["CR line endings count as lines", "[a]\rk = 1\rk = 2\r", 3, 'duplicate key "k" in section "a"'],
  ])("%s", (_name, text, line, message) => {
    const err = parseError(text);
    expect(err.line).toBe(line);
    expect(err.message).toBe(message);
  });
});

describe("parseIni results", () => {
  test("objects have no prototype, so __proto__ is an ordinary key", () => {
    const section = parseIni("[a]\n__proto__ = x\ns3 =\n  constructor = y\n").get("a")!;
    expect(Object.getPrototypeOf(section)).toBeNull();
    expect(section["__proto__"]).toBe("x");
    const nested = section.s3 as Record<string, string>;
    expect(Object.getPrototypeOf(nested)).toBeNull();
    expect(Object.entries(nested)).toEqual([["constructor", "y"]]);
  });

  test("a [DEFAULT] sub-section is a separate object in each section", () => {
    const parsed = parseIni("[DEFAULT]\ns3 =\n  a = 1\n[x]\n[y]\n");
    expect(parsed.get("x")!.s3).toEqual({ a: "1" });
    expect(parsed.get("x")!.s3).not.toBe(parsed.get("y")!.s3);
  });

  test("sections keep file order", () => {
    expect([...parseIni("[b]\n[a]\n[10]\n[2]\n").keys()]).toEqual(["b", "a", "10", "2"]);
  });
});
