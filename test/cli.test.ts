// The command line itself: operations, options in any position, usage errors.
import { describe, expect, test } from "bun:test";
import { baseEnv, RUNNERS } from "./support/cli.ts";
import { tempHome } from "./support/home.ts";
import pkg from "../package.json";

const USAGE_FIRST_LINE =
  "usage: git-credential-codecommit [--profile NAME] [--region REGION] [--ignore-host-check] [--debug] <get|store|erase>";

describe.each(RUNNERS)("command line (%s)", (kind, runCli) => {
  const env = () => ({ ...baseEnv(tempHome()), AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" });

  test("--version prints the package version and the commit it was built from", async () => {
    const r = await runCli(["--version"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    if (kind === "binary") expect(r.stdout).toMatch(new RegExp(`^git-credential-codecommit ${pkg.version} \\((unknown|[0-9a-f]{12})\\)\\n$`));
    else expect(r.stdout).toBe("git-credential-codecommit 0.0.0-dev (source)\n");
  });

  test("--help and -h print the usage and the setup commands", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await runCli([flag], { env: env() });
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith(`${USAGE_FIRST_LINE}\n`);
      expect(r.stdout).toContain("git config --global credential.https://git-codecommit.us-east-1.amazonaws.com.useHttpPath true");
    }
  });

  test("store and erase read their input and print nothing", async () => {
    for (const op of ["store", "erase"]) {
      const r = await runCli([op], { env: env(), stdin: "protocol=https\nhost=x\npassword=p\n" });
      expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    }
  });

  test("an unknown operation is read and ignored, as gitcredentials(7) asks", async () => {
    const r = await runCli(["future-op"], { env: env(), stdin: "protocol=https\n" });
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("an operation named like an object property is just an unknown operation", async () => {
    const r = await runCli(["--debug", "toString"], { env: env(), stdin: "" });
    expect(r).toEqual({
      code: 0,
      stdout: "",
      stderr: `[debug] not answering: "toString" is not an operation this helper knows (get, store, erase), so git's request was read and ignored\n`,
    });
  });

  test("doctor --url that isn't a URL is a usage error", async () => {
    const r = await runCli(["doctor", "--url", "git-codecommit.us-east-1.amazonaws.com/v1/repos/x"], { env: env() });
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "git-credential-codecommit: --url must be a repository URL such as https://git-codecommit.us-east-1.amazonaws.com/v1/repos/NAME, " +
        "not git-codecommit.us-east-1.amazonaws.com/v1/repos/x\n",
    });
  });

  test("no operation is a usage error with exit 2", async () => {
    const r = await runCli([], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith(`git-credential-codecommit: no operation given\n${USAGE_FIRST_LINE}\n`);
  });

  test("an unknown option is a usage error with exit 2, before or after the operation", async () => {
    for (const args of [["--bogus", "get"], ["get", "--bogus"], ["get", "-x"]]) {
      const r = await runCli(args, { env: env(), stdin: "" });
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(`git-credential-codecommit: unknown option ${args.find((a) => a.startsWith("-"))}\n`);
    }
  });

  test("an option of another command, or one without its value, is a usage error", async () => {
    let r = await runCli(["get", "--network"], { env: env(), stdin: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("git-credential-codecommit: --network does not apply to get\n");
    r = await runCli(["get", "--profile"], { env: env(), stdin: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("git-credential-codecommit: --profile needs a value\n");
    r = await runCli(["setup", "--global", "--local"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("git-credential-codecommit: choose one of --global, --system, --local, --file\n");
  });

  test("login's --no-browser is its own option: --browser is unknown, and other commands refuse it", async () => {
    for (const [args, message] of [
      [["login", "--browser"], "unknown option --browser"],
      [["logout", "--no-browser"], "--no-browser does not apply to logout"],
      [["logout", "--use-device-code"], "--use-device-code does not apply to logout"],
      [["get", "--sso-session", "corp"], "--sso-session does not apply to get"],
    ] as const) {
      const r = await runCli([...args], { env: env(), stdin: "" });
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(`git-credential-codecommit: ${message}\n`);
    }
  });

  test("a repeated option keeps its last value", async () => {
    const home = tempHome({
      credentials: "[a]\naws_access_key_id = AKIDA\naws_secret_access_key = s\n[b]\naws_access_key_id = AKIDB\naws_secret_access_key = s\n",
    });
    const r = await runCli(["--profile", "a", "get", "--profile", "b"], {
      env: baseEnv(home),
      stdin: "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/x\n",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("username=AKIDB\n");
  });
});
