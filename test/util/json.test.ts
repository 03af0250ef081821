// pythonJsonDumps names the AWS CLI's cache files (sha1 of its text) and writes
// their contents, so it must be Python's json.dumps byte for byte. The oracle is
// Python itself, run once over every case.
import { expect, test } from "bun:test";
import { pythonJsonDumps, type Json } from "../../src/util/json.ts";

const VALUES: Json[] = [
  { RoleArn: "arn:aws:iam::123456789012:role/bench" },
  { RoleArn: "arn:aws:iam::123456789012:role/x", RoleSessionName: "s", DurationSeconds: 3600, SerialNumber: null },
  { roleName: "Bench", accountId: "123456789012", sessionName: "corp" },
  { b: [1, "two", true, null, { z: 1, a: [] }], a: {} },
  { "é": "naïve café", "Z": "日本語", "emoji": "😀 and \u{10FFFF}", "ctl": "tab\t, nl\n, quote\", backslash\\, \u0001" },
  { startUrl: "https://d-123.awsapps.com/start", region: "eu-west-1", scopes: ["sso:account:access"], session_name: null, tool: "botocore" },
  ["unsorted", { y: 1, x: 2 }],
  "plain",
  -1.5,
];

const ORACLE = `
import json, sys
values = json.load(sys.stdin)
print(json.dumps([[json.dumps(v, sort_keys=True), json.dumps(v, sort_keys=True, separators=(",", ":")), json.dumps(v)] for v in values]))
`;

test("matches Python's json.dumps: sorted, sorted compact, and unsorted, with ensure_ascii", () => {
  const python = Bun.spawnSync(["python3", "-c", ORACLE], { stdin: new TextEncoder().encode(JSON.stringify(VALUES)), env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  expect(python.stderr.toString()).toBe("");
  const expected = JSON.parse(python.stdout.toString()) as string[][];
  const actual = VALUES.map((v) => [pythonJsonDumps(v), pythonJsonDumps(v, true), pythonJsonDumps(v, false, false)]);
  expect(actual).toEqual(expected);
});
