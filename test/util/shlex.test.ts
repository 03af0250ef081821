import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { shlexSplit } from "../../src/util/shlex.ts";

// Python's own shlex.split output: see the header of test/fixtures/ini-oracle.py.
const oracle = JSON.parse(readFileSync(new URL("../fixtures/ini-oracle.json", import.meta.url), "utf8")) as {
  shlex: { input: string; tokens?: string[]; error?: string }[];
};

describe("shlexSplit matches Python's shlex.split", () => {
  for (const c of oracle.shlex) {
    test(JSON.stringify(c.input), () => {
      if (c.error !== undefined) expect(() => shlexSplit(c.input)).toThrow(new Error(c.error));
      else expect(shlexSplit(c.input)).toEqual(c.tokens!);
    });
  }
});

describe("shlexSplit", () => {
  test.each([
    ["profile 'my profile'", ["profile", "my profile"]],
    ["a ''", ["a", ""]],
    // Python's tokenizer, not sh: only \\ and \" are escapes inside double quotes.
    ['"a\\$b\\`c\\"d"', ["a\\$b\\`c\"d"]],
    ["a\\\nb", ["a\nb"]],
  ])("%j", (input, tokens) => {
    expect(shlexSplit(input)).toEqual(tokens);
  });

  test.each([
    ['profile "dev', "No closing quotation"],
    ["a\\", "No escaped character"],
    ['"a\\', "No escaped character"],
  ])("%j throws %s", (input, message) => {
    expect(() => shlexSplit(input)).toThrow(message);
  });
});
