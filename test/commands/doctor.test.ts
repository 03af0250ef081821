// `doctor` on real git configurations, in-process and compiled: a healthy
// setup, each way git's configuration goes wrong (with the fix it names), what
// it says about credentials without touching the network, and with --network
// the clock against the git server and GetCallerIdentity against a fake STS.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNNERS, type RunResult } from "../support/cli.ts";
import { ACCOUNT, startFakeSts, type FakeSts } from "../support/fake-sts.ts";
import { gitOk, gitWorld, type GitWorld } from "../support/git-env.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { tempDir, tempHome } from "../support/home.ts";

const KEYS = { AWS_ACCESS_KEY_ID: "AKIDDOCTOREXAMPLE001", AWS_SECRET_ACCESS_KEY: "doctor/Secret+Key/EXAMPLE" };
const MASKED = "AKID…E001";
const DEFAULT_URL = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/example";
const SECTION = "credential.https://git-codecommit.*.amazonaws.com";
const AWS_HELPER = "!aws codecommit credential-helper $@";

interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  message: string;
  fix?: string;
}

/** `[status] name: message` lines, with each `fix:` line attached to the check above it. */
function checks(stdout: string): Check[] {
  const out: Check[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^\[(ok|warn|fail)\] (\w+): (.*)$/.exec(line);
    if (m) out.push({ name: m[2]!, status: m[1] as Check["status"], message: m[3]! });
    const fix = /^ {7}fix: (.*)$/.exec(line);
    if (fix) out.at(-1)!.fix = fix[1]!;
  }
  return out;
}

/** Never the secret, whatever the output. */
function expectNoSecret(r: RunResult) {
  expect(r.stdout + r.stderr).not.toContain(KEYS.AWS_SECRET_ACCESS_KEY);
}

let server: GitServer;
let sts: FakeSts;
beforeAll(async () => {
  server = await startGitServer({ identities: [] });
  sts = await startFakeSts({ identities: { [KEYS.AWS_ACCESS_KEY_ID]: { secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } } });
});
afterAll(async () => {
  await Promise.all([server?.stop(), sts?.stop()]);
});

describe.each(RUNNERS)("doctor (%s)", (kind, runCli) => {
  const doctor = (w: GitWorld, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) =>
    runCli(["doctor", ...args], { env: opts.env ?? { ...w.env, ...KEYS }, cwd: opts.cwd ?? w.home });

  async function configured(setupArgs: string[] = []): Promise<GitWorld> {
    const w = await gitWorld(tempHome());
    const r = await runCli(["setup", ...setupArgs], { env: w.env, cwd: w.home });
    expect(r.code).toBe(0);
    return w;
  }

  // In-process, doctor is version 0.0.0-dev and the configured binary is the
  // compiled release build, so it rightly warns that they differ.
  const binaryStatus = kind === "binary" ? "ok" : "warn";

  test("a healthy setup: every check ok, exit 0", async () => {
    const w = await configured();
    const r = await doctor(w, []);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(checks(r.stdout).map((c) => [c.name, c.status])).toEqual([
      ["git", "ok"],
      ["helper", "ok"],
      ["useHttpPath", "ok"],
      ["binary", binaryStatus],
      ["region", "ok"],
      ["credentials", "ok"],
    ]);
    expect(r.stdout).toContain(`[ok] helper: git runs !'`);
    expect(r.stdout).toContain(`for ${DEFAULT_URL} (file:${w.globalConfig})`);
    expect(r.stdout).toContain("[ok] region: us-east-1 (from the host git-codecommit.us-east-1.amazonaws.com)\n");
    expect(r.stdout).toContain(`[ok] credentials: profile "default": env, access key ${MASKED}\n`);
    expect(r.stdout).toEndWith("No problems found.\n");
    expectNoSecret(r);
  });

  test("--json says the same as JSON", async () => {
    const w = await configured();
    const r = await doctor(w, ["--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { healthy: boolean; checks: Check[] };
    expect(report.healthy).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual(checks((await doctor(w, [])).stdout).map((c) => [c.name, c.status]));
    expect(report.checks.find((c) => c.name === "credentials")!.message).toBe(`profile "default": env, access key ${MASKED}`);
    expectNoSecret(r);
  });

  test("not set up: fail, fixed by setup", async () => {
    const w = await gitWorld(tempHome());
    const r = await doctor(w, []);
    expect(r.code).toBe(1);
    const found = checks(r.stdout);
    expect(found.find((c) => c.name === "helper")).toEqual({
      name: "helper",
      status: "fail",
      message: `git will not run git-credential-codecommit for ${DEFAULT_URL} (no credential helper applies)`,
      fix: "git-credential-codecommit setup",
    });
    expect(found.find((c) => c.name === "useHttpPath")).toMatchObject({ status: "fail", fix: "git-credential-codecommit setup" });
    expect(r.stdout).toEndWith("Problems found: run the fix commands above.\n");
  });

  describe("a generic helper after our sections still runs, and doctor names it", () => {
    test("in the repository's config, seen from a subdirectory; the fix works there", async () => {
      const w = await configured();
      const repo = realpathSync(tempDir());
      const sub = join(repo, "src", "deep");
      mkdirSync(sub, { recursive: true });
      await gitOk(["init", "-q", repo], { env: w.env });
      await gitOk(["config", "--local", "credential.helper", "store"], { env: w.env, cwd: repo });
      const r = await doctor(w, [], { cwd: sub });
      expect(r.code).toBe(1);
      const store = checks(r.stdout).filter((c) => c.status === "fail");
      expect(store).toHaveLength(1);
      // git itself says `file:.git/config`, which means nothing from src/deep.
      const config = join(repo, ".git", "config");
      expect(store[0]!.message).toStartWith(`git also runs helper "store" (file:${config}) for this URL: it will store the 15-minute password`);
      expect(store[0]!.fix).toBe(`git config --file '${config}' --unset-all 'credential.helper' '^store$', then git-credential-codecommit setup`);

      const unset = Bun.spawn(["sh", "-c", store[0]!.fix!.replace(/, then .*$/, "")], { env: w.env, cwd: sub, stderr: "pipe" });
      expect(await unset.exited).toBe(0);
      expect((await doctor(w, [], { cwd: sub })).code).toBe(0);
    });

    test("later in the same file", async () => {
      const w = await configured();
      appendFileSync(w.globalConfig, "[credential]\n\thelper = store\n");
      const r = await doctor(w, []);
      expect(r.code).toBe(1);
      expect(checks(r.stdout).filter((c) => c.status === "fail")).toEqual([
        {
          name: "helper",
          status: "fail",
          message: `git also runs helper "store" (file:${w.globalConfig}) for this URL: it will store the 15-minute password and hand it back after it expires`,
          fix: `git config --file '${w.globalConfig}' --unset-all 'credential.helper' '^store$', then git-credential-codecommit setup`,
        },
      ]);
    });

    test("but not when it comes before them: the reset line clears it", async () => {
      const w = await gitWorld(tempHome());
      writeFileSync(w.globalConfig, "[credential]\n\thelper = store\n");
      await runCli(["setup"], { env: w.env, cwd: w.home });
      expect((await doctor(w, [])).code).toBe(0);
    });
  });

  test("useHttpPath off: fail, fixed by setup", async () => {
    const w = await configured();
    await gitOk(["config", "--global", "--unset", `${SECTION}.useHttpPath`], { env: w.env });
    const r = await doctor(w, []);
    expect(r.code).toBe(1);
    expect(checks(r.stdout).filter((c) => c.status === "fail")).toEqual([
      {
        name: "useHttpPath",
        status: "fail",
        message: "credential.useHttpPath is off for this URL: git won't send the repository path to sign",
        fix: "git-credential-codecommit setup",
      },
    ]);
  });

  test("the configured binary is missing: fail", async () => {
    const w = await gitWorld(tempHome());
    const gone = join(tempDir(), "moved", "git-credential-codecommit");
    await gitOk(["config", "--global", `${SECTION}.helper`, ""], { env: w.env });
    await gitOk(["config", "--global", "--add", `${SECTION}.helper`, `!'${gone}'`], { env: w.env });
    await gitOk(["config", "--global", `${SECTION}.useHttpPath`, "true"], { env: w.env });
    const r = await doctor(w, []);
    expect(r.code).toBe(1);
    expect(checks(r.stdout).filter((c) => c.status === "fail")).toEqual([
      { name: "binary", status: "fail", message: `the configured helper ${gone} does not exist`, fix: "git-credential-codecommit setup" },
    ]);
  });

  test("the AWS CLI's helper left before our sections: warn, fixed by setup --replace", async () => {
    const w = await gitWorld(tempHome());
    await gitOk(["config", "--global", "credential.helper", AWS_HELPER], { env: w.env });
    await runCli(["setup"], { env: w.env, cwd: w.home });
    const r = await doctor(w, []);
    expect(r.code).toBe(0);
    expect(checks(r.stdout).filter((c) => c.status !== "ok" && c.name !== "binary")).toEqual([
      {
        name: "migration",
        status: "warn",
        message: `an AWS CLI credential-helper setting is still configured: credential.helper (file:${w.globalConfig})`,
        fix: "git-credential-codecommit setup --replace",
      },
    ]);
  });

  test("the AWS CLI's helper after our sections: fail, fixed by setup --replace", async () => {
    const w = await configured();
    await gitOk(["config", "--global", "credential.helper", AWS_HELPER], { env: w.env });
    const r = await doctor(w, []);
    expect(r.code).toBe(1);
    expect(checks(r.stdout).filter((c) => c.status === "fail")).toEqual([
      {
        name: "helper",
        status: "fail",
        message: `git also runs the AWS CLI's helper "${AWS_HELPER}" (file:${w.globalConfig})`,
        fix: "git-credential-codecommit setup --replace",
      },
    ]);
  });

  test("an assume-role profile with nothing cached: says it would call AssumeRole, and doesn't", async () => {
    const home = tempHome({
      config: "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\nregion = eu-west-1\n",
      credentials: `[base]\naws_access_key_id = ${KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${KEYS.AWS_SECRET_ACCESS_KEY}\n`,
    });
    const w = await gitWorld(home);
    expect((await runCli(["setup"], { env: w.env, cwd: w.home })).code).toBe(0);
    const before = sts.requests.length;
    const r = await doctor(w, ["--profile", "role"], { env: { ...w.env, AWS_ENDPOINT_URL_STS: sts.url } });
    expect(r.code).toBe(0);
    expect(checks(r.stdout).find((c) => c.name === "credentials")).toEqual({
      name: "credentials",
      status: "ok",
      message: `profile "role": would call AssumeRole at ${sts.url} (not done without --network)`,
    });
    expect(sts.requests.length).toBe(before);
    expectNoSecret(r);
  });

  test("an IAM Identity Center profile: the session, until when it is valid, and the sign-in command when it isn't", async () => {
    const config =
      "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = eu-west-1\n" +
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";
    const home = tempHome({ config });
    const w = await gitWorld(home);
    expect((await runCli(["setup"], { env: w.env, cwd: w.home })).code).toBe(0);
    const sso = (r: RunResult) => checks(r.stdout).find((c) => c.name === "sso");

    const missing = await doctor(w, ["--profile", "dev"], { env: w.env });
    expect(sso(missing)).toEqual({
      name: "sso",
      status: "fail",
      message: `session "corp" (https://corp.awsapps.com/start): not signed in (no token in ${join(home, ".aws", "sso", "cache", "ee0bfd2552fbd840c02cc48b6e823320543c450f.json")})`,
      fix: "git-credential-codecommit login --sso-session corp (or: aws sso login --sso-session corp)",
    });

    const token = "aoaSsoAccessTokenEXAMPLE";
    const until = new Date(Date.now() + 3 * 3600_000);
    mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
    writeFileSync(
      join(home, ".aws", "sso", "cache", "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
      JSON.stringify({ startUrl: "https://corp.awsapps.com/start", region: "eu-west-1", accessToken: token, expiresAt: until.toISOString().replace(/\.\d{3}Z$/, "Z") }),
    );
    const valid = await doctor(w, ["--profile", "dev"], { env: w.env });
    expect(sso(valid)).toEqual({
      name: "sso",
      status: "ok",
      message: `session "corp" (https://corp.awsapps.com/start): signed in until ${until.toISOString().replace(/\.\d{3}Z$/, ".000Z")}`,
    });
    expect(valid.stdout + valid.stderr).not.toContain(token);
  });

  describe("--network", () => {
    /** Set up for the git server's own address, which doctor can reach without name resolution. */
    async function networked(): Promise<{ w: GitWorld; args: string[]; env: Record<string, string> }> {
      const origin = `https://127.0.0.1:${server.port}`;
      const w = await configured(["--url", origin]);
      return {
        w,
        args: ["--network", "--url", `${origin}/v1/repos/x`, "--region", "us-east-1"],
        env: { ...w.env, AWS_CA_BUNDLE: server.caFile, AWS_ENDPOINT_URL_STS: sts.url },
      };
    }

    test("healthy: the clock agrees with the server and AWS names the account and ARN", async () => {
      const { w, args, env } = await networked();
      const r = await doctor(w, args, { env: { ...env, ...KEYS } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const found = checks(r.stdout);
      // The Date header has whole seconds, and Bun.serve refreshes it once a second.
      const clock = found.find((c) => c.name === "clock")!;
      expect(clock.status).toBe("ok");
      expect(clock.message).toMatch(new RegExp(`^within [12] s of https://127\\.0\\.0\\.1:${server.port}$`));
      expect(found.find((c) => c.name === "aws")).toEqual({
        name: "aws",
        status: "ok",
        message: `AWS accepts these credentials: account ${ACCOUNT}, arn:aws:sts::${ACCOUNT}:assumed-role/caller/${KEYS.AWS_ACCESS_KEY_ID}`,
      });
      expect(found.every((c) => c.status === "ok" || c.name === "binary")).toBe(true);
      expectNoSecret(r);
    });

    const failures: Array<[string, Record<string, string>, string, string]> = [
      [
        "an unknown access key",
        { AWS_ACCESS_KEY_ID: "AKIDUNKNOWNEXAMPLE01" },
        "AWS does not know this access key (deleted, deactivated, or from another partition such as aws-cn or aws-us-gov): " +
          "An error occurred (InvalidClientTokenId)",
        "use an active access key of this partition (aws configure, or the IAM console's security credentials)",
      ],
      [
        "a wrong secret",
        { AWS_SECRET_ACCESS_KEY: "not/the+secret" },
        "the secret key does not belong to this access key: An error occurred (SignatureDoesNotMatch)",
        "set the secret access key that belongs to this access key (aws configure)",
      ],
    ];
    test.each(failures)("%s: fail, naming the cause and its fix", async (_name, override, cause, fix) => {
      const { w, args, env } = await networked();
      const r = await doctor(w, args, { env: { ...env, ...KEYS, ...override } });
      expect(r.code).toBe(1);
      const aws = checks(r.stdout).find((c) => c.name === "aws")!;
      expect(aws.status).toBe("fail");
      expect(aws.message.slice(0, cause.length)).toBe(cause);
      expect(aws.fix).toBe(fix);
      expect(r.stdout).not.toContain("not/the+secret");
    });

    /** Serves STS's XML error answer `code`/`message`, as STS answers a request it refuses. */
    async function withStsError<T>(code: string, message: string, body: (url: string) => Promise<T>): Promise<T> {
      const stub = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () =>
          new Response(
            `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n` +
              `    <Code>${code}</Code>\n    <Message>${message}</Message>\n` +
              "  </Error>\n  <RequestId>0c5b5a36-0000-4000-8000-000000000000</RequestId>\n</ErrorResponse>\n",
            { status: code === "AccessDenied" ? 403 : 400, headers: { "Content-Type": "text/xml" } },
          ),
      });
      try {
        return await body(`http://127.0.0.1:${stub.port}`);
      } finally {
        await stub.stop(true);
      }
    }

    const answers: Array<[string, string, string, string, string]> = [
      [
        "an expired session token",
        "ExpiredToken",
        "The security token included in the request is expired",
        "the session token has expired",
        "get a new session (aws sso login, aws login, or new role credentials in the environment)",
      ],
      [
        "access denied",
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:GetCallerIdentity with an explicit deny in a service control policy",
        "the credentials are valid but may not call sts:GetCallerIdentity",
        "ask an administrator to allow sts:GetCallerIdentity (an SCP or permissions boundary denies it)",
      ],
      [
        "clock skew (a signature expired)",
        "SignatureDoesNotMatch",
        "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T003000Z - 15 min.)",
        "this clock is more than 5 minutes off AWS's, so AWS refuses the signature",
        "synchronise the clock (e.g. enable NTP)",
      ],
      [
        "clock skew (a request expired)",
        "RequestExpired",
        "Request has expired.",
        "this clock is more than 5 minutes off AWS's, so AWS refuses the signature",
        "synchronise the clock (e.g. enable NTP)",
      ],
    ];
    test.each(answers)("AWS answers %s: fail, naming the cause and its own fix", async (_name, code, message, cause, fix) => {
      await withStsError(code, message, async (stsUrl) => {
        const { w, args, env } = await networked();
        const r = await doctor(w, args, { env: { ...env, ...KEYS, AWS_SESSION_TOKEN: "session/token+secret", AWS_ENDPOINT_URL_STS: stsUrl } });
        expect(r.code).toBe(1);
        expect(checks(r.stdout).find((c) => c.name === "aws")).toEqual({
          name: "aws",
          status: "fail",
          message: `${cause}: An error occurred (${code}) when calling the GetCallerIdentity operation: ${message}`,
          fix,
        });
        expect(r.stdout).not.toContain("session/token+secret");
        expectNoSecret(r);
      });
    });

    /** doctor --network's aws check against STS at `stsUrl`, with `extra` environment. */
    async function awsCheckWith(stsUrl: string, extra: Record<string, string> = {}): Promise<[Check, RunResult]> {
      const { w, args, env } = await networked();
      const r = await doctor(w, args, { env: { ...env, ...KEYS, AWS_ENDPOINT_URL_STS: stsUrl, ...extra } });
      expect(r.code).toBe(1);
      expectNoSecret(r);
      return [checks(r.stdout).find((c) => c.name === "aws")!, r];
    }

    const STS_FIX = "the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's endpoint_url or region)";

    test("a proxy that refuses: blames the proxy, names HTTPS_PROXY and NO_PROXY, never the proxy's password", async () => {
      const [aws, r] = await awsCheckWith("https://sts.example.invalid", { HTTPS_PROXY: "http://proxyuser:proxy-pass-word@127.0.0.1:9" });
      expect(aws).toEqual({
        name: "aws",
        status: "fail",
        message:
          "could not reach https://sts.example.invalid through the proxy http://<credentials hidden>@127.0.0.1:9 (HTTPS_PROXY; NO_PROXY=127.0.0.1,localhost): " +
          "ECONNREFUSED: Unable to connect. Is the computer able to access the url?",
        fix: "correct or unset HTTPS_PROXY, or add sts.example.invalid to NO_PROXY",
      });
      expect(r.stdout + r.stderr).not.toContain("proxy-pass-word");
      expect(r.stdout + r.stderr).not.toContain("proxyuser");
    });

    test("a proxy that refuses the tunnel (407), named by its lower-case variable", async () => {
      const proxy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("", { status: 407 }) });
      try {
        const [aws] = await awsCheckWith("https://sts.example.invalid", { HTTPS_PROXY: "", https_proxy: `http://127.0.0.1:${proxy.port}`, NO_PROXY: "" });
        expect(aws).toEqual({
          name: "aws",
          status: "fail",
          message: `could not reach https://sts.example.invalid through the proxy http://127.0.0.1:${proxy.port} (https_proxy; no NO_PROXY): Proxy refused to open a tunnel: 407 Proxy Authentication Required`,
          fix: "correct or unset https_proxy, or add sts.example.invalid to NO_PROXY",
        });
      } finally {
        await proxy.stop(true);
      }
    });

    test("a name that does not resolve: DNS", async () => {
      const [aws] = await awsCheckWith("https://sts.example.invalid", { NO_PROXY: "*" });
      expect(aws).toEqual({
        name: "aws",
        status: "fail",
        message: "sts.example.invalid does not resolve (DNS): getaddrinfo ENOTFOUND sts.example.invalid",
        fix: `check the network connection and DNS, or ${STS_FIX}`,
      });
    });

    test("a closed port: refused", async () => {
      const [aws] = await awsCheckWith("https://127.0.0.1:9");
      expect(aws).toEqual({
        name: "aws",
        status: "fail",
        message: "127.0.0.1:9 refused the connection: ECONNREFUSED: Unable to connect. Is the computer able to access the url?",
        fix: `check ${STS_FIX}, and any firewall`,
      });
    });

    test("a port that never answers: a timeout, within the 5 s doctor allows", async () => {
      const { createServer } = await import("node:net");
      const held: import("node:net").Socket[] = [];
      const silent = createServer((socket) => void held.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const port = (silent.address() as import("node:net").AddressInfo).port;
      try {
        const started = performance.now();
        const [aws] = await awsCheckWith(`https://127.0.0.1:${port}`);
        // One attempt of 5 s, not the three attempts and 30 s budget that `get` allows.
        expect(performance.now() - started).toBeLessThan(20_000);
        expect(aws).toEqual({
          name: "aws",
          status: "fail",
          message: `no answer from https://127.0.0.1:${port} within 5 s`,
          fix: "check the network connection, a firewall or VPN; if this network needs a proxy, set HTTPS_PROXY",
        });
      } finally {
        for (const socket of held) socket.destroy();
        silent.close();
      }
    }, 30_000);

    test("a certificate from an unknown CA: names the trust store in use, then the CA bundle set", async () => {
      const tlsSts = await startFakeSts({ https: true, identities: { [KEYS.AWS_ACCESS_KEY_ID]: { secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } } });
      try {
        const [system] = await awsCheckWith(tlsSts.url, { AWS_CA_BUNDLE: "" });
        expect(system).toEqual({
          name: "aws",
          status: "fail",
          message: `the TLS certificate of ${tlsSts.url} is not trusted by the system's trust store (no AWS_CA_BUNDLE or ca_bundle): unable to verify the first certificate`,
          fix: `set AWS_CA_BUNDLE (or the profile's ca_bundle) to a PEM file holding the CA that signed 127.0.0.1:${tlsSts.port}'s certificate`,
        });
        // The git server's CA bundle, which does not hold the fake STS's CA.
        const [bundled] = await awsCheckWith(tlsSts.url);
        expect(bundled).toEqual({
          name: "aws",
          status: "fail",
          message: `the TLS certificate of ${tlsSts.url} is not trusted by the CA bundle ${server.caFile} (AWS_CA_BUNDLE): unable to verify the first certificate`,
          fix: `add the CA that signed 127.0.0.1:${tlsSts.port}'s certificate to ${server.caFile}`,
        });
      } finally {
        await tlsSts.stop();
      }
    });
  });
});
