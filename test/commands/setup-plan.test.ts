// setup's plan, table-driven: a scope's credential entries in, `git config`
// arguments out. The end-to-end tests in setup.test.ts run such plans on real git.
import { describe, expect, test } from "bun:test";
import { configAfter, MARKER, planSetup, type SetupState } from "../../src/commands/setup.ts";
import { helperRuns, type ConfigEntry } from "../../src/git/config.ts";

const P = "https://git-codecommit.*.amazonaws.com";
const S = `credential.${P}`;
const HELPER = "!'/opt/bin/git-credential-codecommit'";
const OLD = "!'/usr/local/bin/git-credential-codecommit' --profile 'old'";
const AWS = "!aws codecommit credential-helper $@";
const FILE = "file:/home/u/.gitconfig";

/** Entries of the one section, in file order: [name, value]. */
function section(...pairs: Array<[string, string]>): ConfigEntry[] {
  return pairs.map(([name, value]) => ({ origin: FILE, key: `${S}.${name}`, value }));
}

function plan(entries: ConfigEntry[], over: Partial<SetupState> = {}) {
  return planSetup({ entries, patterns: [P], helper: HELPER, remove: false, submodules: false, retire: [], ...over });
}

const FULL: Array<[string, string]> = [["helper", ""], ["helper", HELPER], ["usehttppath", "true"], [MARKER.toLowerCase(), "helper reset useHttpPath"]];

test.each<[string, ConfigEntry[], string[][]]>([
  ["nothing there: the reset, us, useHttpPath and the record", [], [
    ["--add", `${S}.helper`, ""], ["--add", `${S}.helper`, HELPER], [`${S}.useHttpPath`, "true"], [`${S}.${MARKER}`, "helper reset useHttpPath"],
  ]],
  ["already set up: nothing", section(...FULL), []],
  ["set up by a setup from before the record: only the record", section(["helper", ""], ["helper", HELPER], ["usehttppath", "true"]), [
    [`${S}.${MARKER}`, "helper reset useHttpPath"],
  ]],
  ["our old line (another path and profile) is replaced; the reset before it serves", section(["helper", ""], ["helper", OLD], ["usehttppath", "true"], [MARKER, "helper reset useHttpPath"]), [
    ["--unset-all", `${S}.helper`, "^!'/usr/local/bin/git-credential-codecommit' --profile 'old'$"], ["--add", `${S}.helper`, HELPER],
  ]],
  ["the user's own reset last and useHttpPath on: only our line is added", section(["usehttppath", "yes"], ["helper", ""]), [
    ["--add", `${S}.helper`, HELPER], [`${S}.useHttpPath`, "true"], [`${S}.${MARKER}`, "helper useHttpPath"],
  ]],
  ["the user's reset, then a storing helper: a reset of ours after it", section(["helper", ""], ["helper", "store"], ["usehttppath", "true"]), [
    ["--add", `${S}.helper`, ""], ["--add", `${S}.helper`, HELPER], [`${S}.${MARKER}`, "helper reset"],
  ]],
  ["the AWS CLI's helper in the section: overridden by a reset after it", section(["helper", AWS]), [
    ["--add", `${S}.helper`, ""], ["--add", `${S}.helper`, HELPER], [`${S}.useHttpPath`, "true"], [`${S}.${MARKER}`, "helper reset useHttpPath"],
  ]],
  ["us, but not last: moved after the user's helper", section(["helper", ""], ["helper", HELPER], ["helper", "store"], ["usehttppath", "true"], [MARKER, "helper reset useHttpPath"]), [
    ["--unset-all", `${S}.helper`, "^!'/opt/bin/git-credential-codecommit'$"], ["--add", `${S}.helper`, ""], ["--add", `${S}.helper`, HELPER],
  ]],
])("setup: %s", (_name, entries, commands) => {
  expect(plan(entries)).toEqual({ commands, notes: [] });
});

test.each<[string, ConfigEntry[], string[][], string[]]>([
  ["nothing of ours: nothing", section(["helper", "store"], ["usehttppath", "true"]), [], []],
  ["a section holding only what setup wrote goes whole", section(...FULL), [["--remove-section", S]], []],
  ["the same, written by a setup from before the record", section(["helper", ""], ["helper", OLD], ["usehttppath", "true"]), [["--remove-section", S]], []],
  ["the user's reset, useHttpPath and username stay", section(["usehttppath", "true"], ["helper", ""], ["username", "bob"], ["helper", HELPER], [MARKER, "helper"]), [
    ["--unset-all", `${S}.helper`, "^!'/opt/bin/git-credential-codecommit'$"], ["--unset-all", `${S}.${MARKER}`],
  ], []],
  ["our reset and useHttpPath go, the user's username stays", section(["username", "bob"], ...FULL), [
    ["--unset-all", `${S}.helper`, "^!'/opt/bin/git-credential-codecommit'$"], ["--unset-all", `${S}.helper`, "^$"], ["--unset-all", `${S}.useHttpPath`], ["--unset-all", `${S}.${MARKER}`],
  ], []],
  ["two equal resets, one ours: both stay, and setup says why", section(["helper", ""], ["helper", "store"], ["helper", ""], ["helper", HELPER], [MARKER, "helper reset"]), [
    ["--unset-all", `${S}.helper`, "^!'/opt/bin/git-credential-codecommit'$"], ["--unset-all", `${S}.${MARKER}`],
  ], [`Left the empty ${S}.helper entries: setup added one of them, and git config can't remove one of several equal values.\n`]],
])("setup --remove: %s", (_name, entries, commands, notes) => {
  expect(plan(entries, { remove: true })).toEqual({ commands, notes });
});

test("--submodules sets protocol.codecommit.allow unless it is already always; --remove unsets it only if set", () => {
  const sub = (over: Partial<SetupState>) => plan(section(...FULL), { submodules: true, ...over }).commands;
  expect(sub({})).toEqual([["protocol.codecommit.allow", "always"]]);
  expect(sub({ protocolAllow: "user" })).toEqual([["protocol.codecommit.allow", "always"]]);
  expect(sub({ protocolAllow: "always" })).toEqual([]);
  expect(plan([], { submodules: true, remove: true }).commands).toEqual([]);
  expect(plan([], { submodules: true, remove: true, protocolAllow: "always" }).commands).toEqual([["--unset-all", "protocol.codecommit.allow"]]);
});

test("--replace retires AWS CLI helpers in the file that holds each", () => {
  const retire = [{ origin: "file:/etc/gitconfig", key: "credential.helper", value: AWS }];
  expect(plan(section(...FULL), { retire }).commands).toEqual([
    ["--file", "/etc/gitconfig", "--unset-all", "credential.helper", "^!aws codecommit credential-helper \\$@$"],
  ]);
  expect(plan(section(...FULL), { retire, remove: true }).commands).toEqual([["--remove-section", S]]);
});

describe("configAfter: the configuration as setup leaves it, judged by helperRuns", () => {
  const URL = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/x";
  const LOCAL = "file:/repo/.git/config";
  const awsIn = (origin: string, key = "credential.helper"): ConfigEntry => ({ origin, key, value: AWS });
  const after = (all: ConfigEntry[], scope: ConfigEntry[]) => {
    const state: SetupState = { entries: scope, patterns: [P], helper: HELPER, remove: false, submodules: false, retire: [] };
    return configAfter(all, state, planSetup(state));
  };

  test("the reset lands after the scope file's lines: an AWS helper earlier in that file stops running, one in a later file doesn't", () => {
    const mine = { origin: FILE, key: "user.name", value: "x" };
    const global = [awsIn(FILE), { ...mine, key: "credential.username" }];
    const all = [...global, awsIn(LOCAL)];
    const result = after(all, global);
    expect(result.map((e) => [e.origin, e.key, e.value])).toEqual([
      [FILE, "credential.helper", AWS],
      [FILE, "credential.username", "x"],
      [FILE, `${S}.helper`, ""],
      [FILE, `${S}.helper`, HELPER],
      [LOCAL, "credential.helper", AWS],
    ]);
    expect(helperRuns(result, all[0]!, URL)).toBe(false);
    expect(helperRuns(result, all[2]!, URL)).toBe(true);
  });

  test("into an existing section of the scope's file, at that section's end, even with other lines after it", () => {
    const existing = { origin: FILE, key: `${S}.usehttppath`, value: "true" };
    const later = awsIn(FILE, "credential.https://git-codecommit.us-east-1.amazonaws.com.helper");
    const scope = [existing, later];
    const result = after(scope, scope);
    expect(result.map((e) => e.value)).toEqual(["true", "", HELPER, AWS]);
    expect(helperRuns(result, later, URL)).toBe(true);
  });

  test("a scope without credential lines has no known place among the files: nothing is judged cleared", () => {
    const all = [awsIn("file:/etc/gitconfig")];
    expect(after(all, [])).toEqual(all);
    expect(helperRuns(all, all[0]!, URL)).toBe(true);
  });

  test("a helper in a wildcard section runs for the URLs that section applies to", () => {
    const eu = awsIn(FILE, "credential.https://*.git-codecommit.*.vpce.amazonaws.com.helper");
    expect(helperRuns([eu], eu, URL)).toBe(true);
  });
});
