// What a person at a terminal sees: help for each command, answers for typos
// and for the credential operations, and --debug's reason for every decline.
import { describe, expect, test } from "bun:test";
import { COMMANDS, usage } from "../src/cli.ts";

const USAGE = usage();
import { baseEnv, RUNNERS } from "./support/cli.ts";
import { tempHome } from "./support/home.ts";

const NAME = "git-credential-codecommit";
const REQUEST = "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/x\n";

describe.each(RUNNERS)("help and declines (%s)", (_kind, runCli) => {
  const env = () => ({ ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" });

  test("--help alone and `help` print the overview: every command and how to get its own help", async () => {
    for (const args of [["--help"], ["-h"], ["help"], ["help", "help"]]) {
      const r = await runCli(args, { env: env() });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout).toStartWith(`${USAGE}\n`);
      for (const c of COMMANDS) expect(r.stdout).toContain(`\n  ${c.names.join(", ").padEnd(19)} ${c.summary}\n`);
      expect(r.stdout).toContain(`Run \`${NAME} help COMMAND\` for a command's options and an example`);
    }
  });

  test("setup's usage line names every option it takes, --submodules included", () => {
    expect(USAGE.split("\n")[1]).toBe(
      `       ${NAME} setup [--global|--system|--local|--file FILE] [--profile NAME] [--region REGION] [--url PATTERN]... [--dry-run] [--remove] [--replace] [--submodules]`,
    );
  });

  test("each option's names are the ones its flags show, and each is in its command's usage line", () => {
    for (const c of COMMANDS) {
      for (const o of c.options) {
        expect({ flags: o.flags, names: o.names }).toEqual({ flags: o.flags, names: [...o.flags.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!) });
        for (const name of o.names) expect({ usage: c.usage, has: c.usage.includes(`--${name}`) }).toEqual({ usage: c.usage, has: true });
      }
    }
  });

  for (const c of COMMANDS.filter((c) => c.names[0] !== "help")) {
    test(`${c.names.join("/")}: help NAME, NAME --help and NAME -h print its usage, options and example`, async () => {
      for (const name of c.names) {
        const outputs = new Set<string>();
        for (const args of [["help", name], [name, "--help"], [name, "-h"], ["--profile", "p", name, "--help"]]) {
          const r = await runCli(args, { env: env() });
          expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
          outputs.add(r.stdout);
        }
        expect(outputs.size).toBe(1);
        const [help] = [...outputs] as [string];
        expect(help).toStartWith(`usage: ${NAME} ${c.usage}\n\n`);
        for (const o of c.options) expect(help).toContain(`  ${o.flags}`);
        expect(help).toContain(`\nExample:\n  ${c.example}\n`);
        expect(help).not.toContain("Commands:");
      }
    });
  }

  test("doctor's help, in full", async () => {
    const r = await runCli(["doctor", "--help"], { env: env() });
    expect(r.stdout).toBe(
      `usage: ${NAME} doctor [--profile NAME] [--region REGION] [--url URL] [--network] [--json] [--debug]

Check git's configuration, credentials and region; say how to fix problems.

Options:
  --profile NAME      use this AWS profile (as aws --profile)
  --region REGION     region for hosts that don't name one
  --url URL           check for this repository URL (default: the region's endpoint)
  --network           also check the clock and the credentials with AWS
  --json              machine-readable output
  --debug             explain each step on stderr (never prints secrets)
  -h, --help          show this help

Example:
  ${NAME} doctor --network --url https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/my-repo
`,
    );
  });

  test("help for a command that doesn't exist is a usage error naming the closest one", async () => {
    const r = await runCli(["help", "docter"], { env: env() });
    expect(r).toEqual({ code: 2, stdout: "", stderr: `${NAME}: no command "docter"; did you mean "doctor"?\n${USAGE}\n` });
  });

  test("an unknown command at a terminal exits 2 at once, reading nothing, with the usage and the closest name", async () => {
    for (const [word, hint] of [["setpu", '; did you mean "setup"?'], ["Doctor", '; did you mean "doctor"?'], ["gt", '; did you mean "get"?'], ["frobnicate", ""]]) {
      // Nothing is typed and the terminal never ends: a command that read it would hang.
      const r = await runCli([word!], { env: env(), terminal: true });
      expect(r).toEqual({ code: 2, stdout: "", stderr: `${NAME}: unknown command "${word}"${hint}\n${USAGE}\n` });
    }
  });

  test("an unknown command with --help, even from git's pipe, is the same usage error", async () => {
    const r = await runCli(["setpu", "--help"], { env: env(), stdin: "" });
    expect(r).toEqual({ code: 2, stdout: "", stderr: `${NAME}: unknown command "setpu"; did you mean "setup"?\n${USAGE}\n` });
  });

  test("from git's pipe, an unknown operation is read and ignored; --debug says so in one line", async () => {
    expect(await runCli(["setpu"], { env: env(), stdin: REQUEST })).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await runCli(["--debug", "future-op"], { env: env(), stdin: REQUEST })).toEqual({
      code: 0,
      stdout: "",
      stderr: `[debug] not answering: "future-op" is not an operation this helper knows (get, store, erase), so git's request was read and ignored\n`,
    });
  });

  test("get, store and erase at a terminal say in one line that git supplies the input, then read what is typed", async () => {
    const hint = (op: string) =>
      `${NAME}: ${op} reads its request on standard input, which git supplies when it runs this helper; to try it by hand, type the request and end it with Ctrl-D\n`;
    for (const op of ["get", "store", "erase"]) {
      expect(await runCli([op], { env: env(), terminal: true, stdin: "" })).toEqual({ code: 0, stdout: "", stderr: hint(op) });
    }
    const typed = await runCli(["get"], { env: env(), terminal: true, stdin: REQUEST });
    expect({ code: typed.code, stderr: typed.stderr }).toEqual({ code: 0, stderr: hint("get") });
    expect(typed.stdout).toMatch(/^username=AKID\npassword=\d{8}T\d{6}Z[0-9a-f]{64}\npassword_expiry_utc=\d+\n$/);
  });

  test("from git's pipe, get says nothing extra", async () => {
    const r = await runCli(["get"], { env: env(), stdin: REQUEST });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  });

  const HOSTS = "accepted: git-codecommit[-fips].<region>.amazonaws.com[.cn] and vpce-….git-codecommit[-fips].<region>.vpce.amazonaws.com[.cn], with an optional port";
  const declines: Array<[string, string, string]> = [
    ["github.com", "protocol=https\nhost=github.com\npath=o/r.git\n", `[debug] not signing for github.com: not a CodeCommit endpoint (${HOSTS}); --ignore-host-check signs anyway\n`],
    [
      "a look-alike host",
      "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com.attacker.net\npath=v1/repos/x\n",
      `[debug] not signing for git-codecommit.us-east-1.amazonaws.com.attacker.net: not a CodeCommit endpoint (${HOSTS}); --ignore-host-check signs anyway\n`,
    ],
    ["no host", "protocol=https\n", "[debug] not signing: git's request has no host= line\n"],
  ];
  for (const [what, request, line] of declines) {
    test(`a request it declines (${what}): silent, except one line under --debug`, async () => {
      expect(await runCli(["get"], { env: env(), stdin: request })).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await runCli(["--debug", "get"], { env: env(), stdin: request })).toEqual({ code: 0, stdout: "", stderr: line });
    });
  }

  test("plain http is refused in one line that names the fix, with or without --debug", async () => {
    const line = `${NAME}: not signing for http://git-codecommit.us-east-1.amazonaws.com: git would send the password in clear text; use an https:// URL\n`;
    const request = REQUEST.replace("https", "http");
    for (const args of [["get"], ["--debug", "get"]]) expect(await runCli(args, { env: env(), stdin: request })).toEqual({ code: 0, stdout: "", stderr: line });
  });
});

test("the binary with /dev/null as stdin (not a terminal) reads and ignores an unknown operation", async () => {
  const { BINARY } = await import("./support/cli.ts");
  const proc = Bun.spawn([BINARY, "setpu"], { env: baseEnv(tempHome()), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
});
