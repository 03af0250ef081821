// urlMatches and effectiveHelpers, checked twice: against tables written from
// git's documentation, and against git itself. For the second, every helper is
// a tiny script that logs its name; `git credential fill` then shows which
// helpers git really runs for a URL, and in what order.
import { describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "../../src/context.ts";
import { testContext } from "../support/cli.ts";
import { configEntries, effectiveHelpers, urlMatches } from "../../src/git/config.ts";
import { git, gitEnv, gitOk } from "../support/git-env.ts";
import { tempDir, tempHome } from "../support/home.ts";

const CC = "git-codecommit.us-east-1.amazonaws.com";

// [pattern, url, matches]
const URL_CASES: Array<[string, string, boolean]> = [
  // ports: a pattern without one means the scheme's default
  [`https://${CC}`, `https://${CC}/v1/repos/demo`, true],
  [`https://${CC}`, `https://${CC}:443/v1/repos/demo`, true],
  [`https://${CC}:443`, `https://${CC}/v1/repos/demo`, true],
  [`https://${CC}`, `https://${CC}:4443/v1/repos/demo`, false],
  [`https://${CC}:4443`, `https://${CC}:4443/v1/repos/demo`, true],
  [`https://${CC}:4443`, `https://${CC}/v1/repos/demo`, false],
  // wildcards: one whole label each
  ["https://git-codecommit.*.amazonaws.com", `https://${CC}/v1/repos/demo`, true],
  ["https://git-codecommit.*.amazonaws.com", "https://git-codecommit.amazonaws.com/v1/repos/demo", false],
  ["https://git-codecommit.*.amazonaws.com", "https://git-codecommit.a.b.amazonaws.com/v1/repos/demo", false],
  ["https://git-codecommit.*.amazonaws.com", "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/demo", false],
  ["https://*.git-codecommit.*.vpce.amazonaws.com", "https://vpce-0a1b-c2d3.git-codecommit.us-east-1.vpce.amazonaws.com/v1/repos/demo", true],
  ["https://*.git-codecommit.*.vpce.amazonaws.com", `https://${CC}/v1/repos/demo`, false],
  ["https://*.amazonaws.com", `https://${CC}/v1/repos/demo`, false],
  ["https://git-*.us-east-1.amazonaws.com", `https://${CC}/v1/repos/demo`, false],
  // case: scheme and host are compared without it
  ["HTTPS://Git-CodeCommit.US-EAST-1.amazonaws.com", `https://${CC}/v1/repos/demo`, true],
  // paths: a prefix on a / boundary
  [`https://${CC}/v1/repos/demo`, `https://${CC}/v1/repos/demo`, true],
  [`https://${CC}/v1/repos`, `https://${CC}/v1/repos/demo`, true],
  [`https://${CC}/v1/repos/`, `https://${CC}/v1/repos/demo`, true],
  [`https://${CC}/v1/repos/demo`, `https://${CC}/v1/repos/demo2`, false],
  [`https://${CC}/v1/repos/demo`, `https://${CC}/v1/repos`, false],
  [`https://${CC}/`, `https://${CC}/v1/repos/demo`, true],
  // scheme
  [`http://${CC}`, `https://${CC}/v1/repos/demo`, false],
  [`https://${CC}`, `http://${CC}/v1/repos/demo`, false],
  // user: a pattern's user must be the URL's; a pattern without one takes any
  [`https://bob@${CC}`, `https://${CC}/v1/repos/demo`, false],
  [`https://bob@${CC}`, `https://bob@${CC}/v1/repos/demo`, true],
  [`https://alice@${CC}`, `https://bob@${CC}/v1/repos/demo`, false],
  [`https://${CC}`, `https://bob@${CC}/v1/repos/demo`, true],
  // not a whole URL: git's fallback compares the fields the pattern has, literally
  [CC, `https://${CC}/v1/repos/demo`, true],
  [CC, `http://${CC}/v1/repos/demo`, true],
  [CC, `https://${CC}:443/v1/repos/demo`, false],
  [`${CC}:4443`, `https://${CC}:4443/v1/repos/demo`, true],
  [`${CC}/v1/repos/demo`, `https://${CC}/v1/repos/demo`, true],
  [`${CC}/v1/repos`, `https://${CC}/v1/repos/demo`, false],
  ["*.us-east-1.amazonaws.com", `https://${CC}/v1/repos/demo`, false],
  [`bob@${CC}`, `https://bob@${CC}/v1/repos/demo`, true],
  [`bob@${CC}`, `https://${CC}/v1/repos/demo`, false],
  ["https://", `https://${CC}:4443/v1/repos/demo`, true],
  ["https://", `http://${CC}/v1/repos/demo`, false],
];

/** A directory with `log.sh`, a helper that appends its first argument to $HELPER_LOG and answers nothing. */
function loggingHelper(): { helper: (name: string) => string; log: string } {
  const dir = tempDir();
  const script = join(dir, "log.sh");
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> "$HELPER_LOG"\n`, { mode: 0o755 });
  return { helper: (name) => `!'${script}' ${name}`, log: join(dir, "helpers.log") };
}

/** A git config file: `[credential "<url>"]` sections (or `[credential]` for undefined) with the given helper values. */
function configText(sections: Array<[string | undefined, string[]]>): string {
  return sections
    .map(([url, helpers]) => {
      const header = url === undefined ? "[credential]" : `[credential "${url}"]`;
      return [header, ...helpers.map((h) => `\thelper = "${h.replace(/["\\]/g, "\\$&")}"`)].join("\n");
    })
    .join("\n")
    .concat("\n");
}

/** The helpers git runs for `url`, by the names they logged. It then fails to prompt, which is expected. */
async function helpersGitRuns(env: Record<string, string>, log: string, url: string, cwd?: string): Promise<string[]> {
  rmSync(log, { force: true });
  const r = await git(["credential", "fill"], { env: { ...env, HELPER_LOG: log }, cwd, stdin: `url=${url}\n\n` });
  expect(r.stderr).toContain("terminal prompts disabled");
  try {
    return readFileSync(log, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function context(env: Record<string, string>, cwd: string): Context {
  return testContext(env, { cwd });
}

describe("urlMatches", () => {
  test.each(URL_CASES)("%s vs %s: %p", (pattern, url, matches) => {
    expect(urlMatches(pattern, url)).toBe(matches);
  });

  test("agrees with git on every pattern against every URL", async () => {
    const { helper, log } = loggingHelper();
    const patterns = [...new Set(URL_CASES.map(([p]) => p))];
    const urls = [...new Set(URL_CASES.map(([, u]) => u))];
    const home = tempHome();
    writeFileSync(join(home, ".gitconfig"), configText(patterns.map((p, i) => [p, [helper(String(i))]])));
    const env = gitEnv(home);
    const disagreements: string[] = [];
    for (const url of urls) {
      const ran = new Set(await helpersGitRuns(env, log, url));
      patterns.forEach((p, i) => {
        if (ran.has(String(i)) !== urlMatches(p, url)) disagreements.push(`${p} vs ${url}: git ${ran.has(String(i))}`);
      });
    }
    expect(disagreements).toEqual([]);
  });
});

describe("effectiveHelpers", () => {
  const URL = `https://${CC}/v1/repos/demo`;
  const OURS = "https://git-codecommit.*.amazonaws.com";

  interface Scenario {
    name: string;
    global: Array<[string | undefined, string[]]>;
    local?: Array<[string | undefined, string[]]>;
    /** GIT_CONFIG_COUNT entries: the command line's place in config order. */
    commandLine?: Array<[string, string]>;
    expected: string[];
  }

  const scenarios: Scenario[] = [
    {
      name: "a reset in our section clears a generic helper before it",
      global: [[undefined, ["A"]], [OURS, ["", "B"]]],
      expected: ["B"],
    },
    {
      name: "a generic helper after our section still runs",
      global: [[OURS, ["", "B"]], [undefined, ["A"]]],
      expected: ["B", "A"],
    },
    {
      name: "a generic helper in repository config comes after the global sections",
      global: [[undefined, ["A"]], [OURS, ["", "B"]]],
      local: [[undefined, ["C"]]],
      expected: ["B", "C"],
    },
    {
      name: "a generic reset clears URL-scoped helpers before it too",
      global: [[OURS, ["B"]]],
      local: [[undefined, ["", "D"]]],
      expected: ["D"],
    },
    {
      name: "a reset in a section for another host changes nothing",
      global: [[undefined, ["A"]], ["https://example.com", [""]], [OURS, ["B"]]],
      expected: ["A", "B"],
    },
    {
      name: "every matching section counts, in config order",
      global: [[`https://${CC}/v1/repos/demo`, ["E"]], [OURS, ["B"]], [`https://${CC}/v1/repos/other`, ["F"]]],
      expected: ["E", "B"],
    },
    {
      name: "command-line config comes last",
      global: [[OURS, ["", "B"]]],
      commandLine: [["credential.helper", ""], [`credential.${OURS}.helper`, "G"]],
      expected: ["G"],
    },
  ];

  test.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_name, s) => {
    const { helper, log } = loggingHelper();
    const named = (sections: Array<[string | undefined, string[]]>) =>
      sections.map(([url, names]): [string | undefined, string[]] => [url, names.map((n) => (n === "" ? "" : helper(n)))]);
    const home = tempHome();
    writeFileSync(join(home, ".gitconfig"), configText(named(s.global)));
    const env: Record<string, string> = { ...gitEnv(home) };
    const repo = tempDir();
    await gitOk(["init", "-q", repo], { env });
    if (s.local) writeFileSync(join(repo, ".git", "config"), readFileSync(join(repo, ".git", "config"), "utf8") + configText(named(s.local)));
    (s.commandLine ?? []).forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value === "" ? "" : helper(value);
    });
    if (s.commandLine) env.GIT_CONFIG_COUNT = String(s.commandLine.length);

    const predicted = effectiveHelpers(await configEntries(context(env, repo), "^credential\\."), URL);
    const names = predicted.map((h) => /' (\w+)$/.exec(h.value)![1]!);
    expect(names).toEqual(s.expected);
    expect(await helpersGitRuns(env, log, URL, repo)).toEqual(s.expected);
  });

  test("origins and URL patterns are reported with each helper", async () => {
    const home = tempHome();
    writeFileSync(join(home, ".gitconfig"), configText([[OURS, ["", "!ours"]], [undefined, ["store"]]]));
    const env = gitEnv(home);
    const helpers = effectiveHelpers(await configEntries(context(env, home), "^credential\\."), URL);
    const file = `file:${join(home, ".gitconfig")}`;
    expect(helpers).toEqual([
      { origin: file, key: `credential.${OURS}.helper`, value: "!ours", url: OURS },
      { origin: file, key: "credential.helper", value: "store", url: undefined },
    ]);
  });
});
