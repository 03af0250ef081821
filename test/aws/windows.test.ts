// The AWS CLI's Windows rules (home, ntpath expansion, credential_process
// splitting), checked on any OS against Python's ntpath and botocore's
// _windows_shell_split: see the header of test/fixtures/windows-oracle.py.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, win32 } from "node:path";
import { run } from "../../src/cli.ts";
import { configPaths } from "../../src/aws/config-files.ts";
import { loginCacheDir } from "../../src/aws/providers/login.ts";
import { isMsysPtyName } from "../../src/aws/win-console.ts";
import { homeFromEnv } from "../../src/util/home.ts";
import { ntExpandUser, ntExpandVars } from "../../src/util/ntpath.ts";
import { shlexSplit, splitCommand, windowsShellSplit } from "../../src/util/shlex.ts";
import { baseEnv, testContext } from "../support/cli.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { REQUEST } from "./helpers.ts";

type Env = Record<string, string>;
const oracle = JSON.parse(readFileSync(new URL("../fixtures/windows-oracle.json", import.meta.url), "utf8")) as {
  home: { name: string; env: Env; home: string }[];
  expanduser: { env: Env; path: string; result: string }[];
  expandvarsEnv: Env;
  expandvars: { path: string; result: string }[];
  configPaths: { name: string; env: Env; config: string; credentials: string }[];
  loginCache: { name: string; env: Env; dir: string }[];
  split: { input: string; argv?: string[]; error?: string }[];
};

describe("the home directory, as ntpath.expanduser('~') finds it on Windows", () => {
  for (const c of oracle.home) {
    test(c.name, () => {
      // Python leaves `~` as written when the environment names no home; the binary asks the OS.
      expect(homeFromEnv(c.env, "win32") ?? "~").toBe(c.home);
    });
  }

  test("elsewhere it is HOME, and USERPROFILE is ignored", () => {
    expect(homeFromEnv({ HOME: "/home/me", USERPROFILE: "C:\\Users\\me" }, "darwin")).toBe("/home/me");
    expect(homeFromEnv({ USERPROFILE: "C:\\Users\\me" }, "linux")).toBeUndefined();
    expect(homeFromEnv({ HOME: "" }, "linux")).toBeUndefined();
  });
});

describe("ntExpandUser matches ntpath.expanduser", () => {
  for (const c of oracle.expanduser) {
    test(`${JSON.stringify(c.path)} with ${JSON.stringify(c.env)}`, () => {
      expect(ntExpandUser(c.path, c.env)).toBe(c.result);
    });
  }
});

describe("ntExpandVars matches ntpath.expandvars with a case-insensitive environment", () => {
  for (const c of oracle.expandvars) {
    test(JSON.stringify(c.path), () => {
      expect(ntExpandVars(c.path, oracle.expandvarsEnv)).toBe(c.result);
    });
  }
});

describe("on win32, paths from the environment are expanded as botocore does there", () => {
  for (const c of oracle.configPaths) {
    test(`AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE: ${c.name}`, () => {
      // Names are case-insensitive on Windows, where the process environment finds them in any case.
      const env = processEnv(c.env);
      const home = homeFromEnv(env, "win32") ?? "unused";
      expect(configPaths(env, home, "win32")).toEqual({ config: c.config, credentials: c.credentials });
    });
  }
  for (const c of oracle.loginCache) {
    test(`AWS_LOGIN_CACHE_DIRECTORY: ${c.name}`, () => {
      const env = processEnv(c.env);
      const ctx = testContext(env, { platform: "win32", home: homeFromEnv(env, "win32")! });
      // The default is joined from parts, with this OS's separator when the test runs elsewhere.
      expect(win32.normalize(loginCacheDir(ctx))).toBe(c.dir);
    });
  }
});

/** What a Windows process sees: the variables botocore reads, under their canonical names. */
function processEnv(env: Env): Env {
  const out: Env = { ...env };
  for (const name of ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_LOGIN_CACHE_DIRECTORY"]) {
    const key = Object.keys(env).find((k) => k.toUpperCase() === name);
    if (key !== undefined) out[name] = env[key]!;
  }
  return out;
}

describe("windowsShellSplit matches botocore's compat._windows_shell_split", () => {
  test("the fixture has at least 30 command lines", () => {
    expect(oracle.split.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of oracle.split) {
    test(JSON.stringify(c.input), () => {
      if (c.error !== undefined) {
        // botocore appends the whole command; ours is quoted once by the caller.
        expect(c.error).toStartWith("No closing quotation");
        expect(() => windowsShellSplit(c.input)).toThrow(new Error("No closing quotation"));
      } else expect(windowsShellSplit(c.input)).toEqual(c.argv!);
    });
  }

  test("splitCommand picks the rules by platform", () => {
    const line = "C:\\tools\\creds.exe --profile x";
    expect(splitCommand(line, "win32")).toEqual(["C:\\tools\\creds.exe", "--profile", "x"]);
    expect(splitCommand(line, "linux")).toEqual(shlexSplit(line));
    expect(splitCommand(line, "darwin")).toEqual(["C:toolscreds.exe", "--profile", "x"]);
  });
});

describe("get with platform win32 (in-process)", () => {
  /** Runs `get` as the binary would on Windows with this environment. */
  async function getOnWindows(env: Env): Promise<{ code: number; stdout: string; stderr: string[] }> {
    let stdout = "";
    const stderr: string[] = [];
    const ctx = testContext(env, {
      platform: "win32",
      home: homeFromEnv(env, "win32")!,
      stdin: async () => REQUEST,
      out: (t) => {
        stdout += t;
      },
      err: (l) => stderr.push(l),
    });
    const code = await run(["get"], ctx);
    return { code, stdout, stderr };
  }

  const keys = (id: string) => `[default]\naws_access_key_id = ${id}\naws_secret_access_key = secret${id}\n`;

  test("reads ~/.aws from USERPROFILE, not from git for Windows' HOME", async () => {
    const profile = tempHome({ credentials: keys("AKIDUSERPROFILE") });
    const gitHome = tempHome({ credentials: keys("AKIDGITHOME") });
    const env: Env = { ...baseEnv(gitHome), userprofile: profile };
    delete env.AWS_CONFIG_FILE;
    delete env.AWS_SHARED_CREDENTIALS_FILE;
    const got = await getOnWindows(env);
    expect(got.stderr).toEqual([]);
    expect(got.code).toBe(0);
    expect(got.stdout).toStartWith("username=AKIDUSERPROFILE\npassword=");
  });

  test("expands %VAR% in AWS_SHARED_CREDENTIALS_FILE, in any case", async () => {
    const dir = tempHome({ credentials: keys("AKIDPERCENT") });
    const env: Env = { ...baseEnv(tempHome()), USERPROFILE: tempHome(), Creds_Dir: dir };
    env.AWS_SHARED_CREDENTIALS_FILE = "%CREDS_DIR%/.aws/credentials";
    const got = await getOnWindows(env);
    expect(got.stdout).toStartWith("username=AKIDPERCENT\npassword=");
  });

  test("splits credential_process with Windows rules: a quoted program path with spaces, backslashes kept", async () => {
    const dir = join(tempDir(), "dir with spaces");
    mkdirSync(dir);
    const program = join(dir, "creds.js");
    const argsFile = join(dir, "args.json");
    writeFileSync(
      program,
      `require("fs").writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(process.argv.slice(2)));\n` +
        `console.log(JSON.stringify({ Version: 1, AccessKeyId: "AKIDWINPROCESS", SecretAccessKey: "s" }));\n`,
    );
    const home = tempHome({ config: `[default]\ncredential_process = "${process.execPath}" "${program}" C:\\tools\\x "a \\"b\\""\n` });
    const env: Env = { ...baseEnv(home), USERPROFILE: home };
    const got = await getOnWindows(env);
    expect(got.stderr).toEqual([]);
    expect(got.stdout).toStartWith("username=AKIDWINPROCESS\npassword=");
    expect(JSON.parse(readFileSync(argsFile, "utf8"))).toEqual(["C:\\tools\\x", 'a "b"']);
  });
});

describe("mintty is told apart from a console by its pty pipe's name", () => {
  test.each([
    ["\\msys-dd50a72ab4668b33-pty0-to-master", true],
    ["\\msys-dd50a72ab4668b33-pty12-from-master", true],
    ["\\cygwin-e022582115c10879-pty3-to-master", true],
    // Other pipes: an IDE's, git's own, a pty's control pipe.
    ["\\vscode-git-askpass-pipe", false],
    ["\\msys-dd50a72ab4668b33-pty0-echoloop", false],
    ["\\winansi1234", false],
  ])("%s: %p", (name, mintty) => {
    expect(isMsysPtyName(name)).toBe(mintty);
  });
});
