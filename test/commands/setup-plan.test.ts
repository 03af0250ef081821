// setup's plan, table-driven: a scope's credential entries in, `git config`
// arguments out. The end-to-end tests in setup.test.ts run such plans on real git.
import { expect, test } from "bun:test";
import { MARKER, planSetup, type SetupState } from "../../src/commands/setup.ts";
import type { ConfigEntry } from "../../src/git/config.ts";

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
