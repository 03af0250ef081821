// A local stand-in for the CodeCommit git endpoint: real repositories served by
// `git http-backend` over HTTPS on 127.0.0.1, behind CodeCommit's Basic-auth
// rules (SigV4-derived password, 15-minute window, `AKID%TOKEN` usernames).
//
// The password check is implemented here again on node:crypto, deliberately
// without importing anything from src/: if the product's signer had a bug, a
// verifier sharing its code would agree with it and the tests would pass.
//
// Plain module (no bun:test imports) so `bun test/support/demo.ts` can use it.
//
// git must be run asynchronously (Bun.spawn), never with spawnSync from the
// process hosting the server: a blocked event loop cannot answer git.
//
// Typical use from a test:
//   const server = await startGitServer({ identities: [{ accessKeyId, secretAccessKey }] });
//   await server.createRepo("demo", { withInitialCommit: true });
//   spawn(["git", ...server.gitConfig(), "clone", server.url("demo"), dir],
//         { env: { ...isolatedEnv, ...server.gitEnv() } });
//   ...
//   await server.stop();

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCa, type TestCa } from "./tls.ts";

export interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, the username must be `AKID%TOKEN`; when unset, it must be plain `AKID`. */
  sessionToken?: string;
}

export interface StartGitServerOptions {
  /** Default us-east-1. */
  region?: string;
  identities: Identity[];
  /**
   * Extra host names accepted (and put in the certificate), e.g. a FIPS or
   * VPC-endpoint name. The canonical `git-codecommit.<region>.<suffix>` is always accepted.
   */
  hostnames?: string[];
  /** Server clock used for the 15-minute window; default the real clock. */
  now?: () => Date;
  /**
   * CA to issue the server certificate from, e.g. one shared with a fake STS
   * so a single file can be trusted. Default: a fresh CA in the server's temp
   * dir. A CA passed in is not deleted by stop().
   */
  ca?: TestCa;
  /** Wait this long before answering each request, so a test can watch a transfer's processes in flight. */
  delayMs?: number;
}

export interface RequestRecord {
  method: string;
  /** Path plus query string, e.g. `/v1/repos/x/info/refs?service=git-upload-pack`. */
  path: string;
  /** Host header as received (with port). */
  host: string;
  /** Request headers, lower-case names, without Authorization (see username/password). */
  headers: Record<string, string>;
  username?: string;
  password?: string;
  status: number;
  /** Why the request was refused (401/403/404), or http-backend's stderr when it failed. */
  reason?: string;
}

export interface GitServer {
  port: number;
  /** `git-codecommit.<region>.amazonaws.com` (`.com.cn` for cn- regions). */
  host: string;
  region: string;
  /** Every accepted host name: `host` first, then the extra ones. */
  hostnames: string[];
  /** PEM of the throw-away CA that signed the server certificate. */
  caFile: string;
  /** That CA, for issuing certificates to other fakes (files live until stop() unless the CA was passed in). */
  ca: TestCa;
  /** GIT_PROJECT_ROOT; repositories live at `<root>/v1/repos/<name>`. */
  root: string;
  /** `https://<hostname ?? host>:<port>/v1/repos/<repo>` */
  url(repo: string, hostname?: string): string;
  /** `-c key=value` pairs for a git command line (resolve to 127.0.0.1, trust the CA, no proxy). */
  gitConfig(): string[];
  /** The same settings as [key, value] pairs, e.g. to write into a test's gitconfig. */
  gitConfigEntries(): Array<[string, string]>;
  /**
   * Environment additions for a git child. GIT_SSL_CAINFO is needed because
   * this machine sets it globally and it takes precedence over http.sslCAInfo.
   */
  gitEnv(): Record<string, string>;
  createRepo(name: string, opts?: { withInitialCommit?: boolean }): Promise<void>;
  /** Every request, in arrival order. */
  requests: RequestRecord[];
  /** Live list: tests may push or remove identities while the server runs. */
  identities: Identity[];
  /** Stops the server, kills running http-backend processes and removes the temp dir. */
  stop(): Promise<void>;
}

/** CodeCommit's tolerance between the password's timestamp and the server clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const BACKEND_TIMEOUT_MS = 120_000;
const GIT_TIMEOUT_MS = 30_000;

export function codeCommitHost(region: string): string {
  return `git-codecommit.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

function amzTimestamp(date: Date): string {
  // 2010-10-08T00:00:00.000Z -> 20101008T000000
  return date.toISOString().replace(/\.\d{3}Z$/, "").replace(/[-:]/g, "");
}

function parseAmzTimestamp(ts: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(ts);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20101332 over into February; a round trip rejects it.
  return amzTimestamp(date) === ts ? date : undefined;
}

function hexSignature(secretAccessKey: string, region: string, host: string, path: string, ts: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
  const canonical = `GIT\n${path}\n\nhost:${host}\n\nhost\n`;
  const day = ts.slice(0, 8);
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    ts,
    `${day}/${region}/codecommit/aws4_request`,
    createHash("sha256").update(canonical, "utf8").digest("hex"),
  ].join("\n");
  let key = hmac(`AWS4${secretAccessKey}`, day);
  for (const part of [region, "codecommit", "aws4_request"]) key = hmac(key, part);
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

/**
 * The server's own signer: `<YYYYMMDDTHHMMSS>Z<hex>` for a canonical path such
 * as `/v1/repos/<name>` and a host without port. Handy for tests that want to
 * forge a valid (or deliberately wrong) password without the product.
 */
export function signGitPassword(a: {
  secretAccessKey: string;
  region: string;
  host: string;
  path: string;
  date: Date;
}): string {
  const ts = amzTimestamp(a.date);
  return `${ts}Z${hexSignature(a.secretAccessKey, a.region, a.host, a.path, ts)}`;
}

/**
 * What a storing helper (git's cache or store, a keychain) would hold for
 * `repo` after an earlier session: a password the server signed 20 minutes ago,
 * so expired, and the `git credential` description it is filed under.
 */
export function staleEntry(server: GitServer, identity: Identity, repo: string): { password: string; description: string } {
  const password = signGitPassword({
    secretAccessKey: identity.secretAccessKey,
    region: server.region,
    host: server.host,
    path: `/v1/repos/${repo}`,
    date: new Date(Date.now() - 20 * 60_000),
  });
  const description = `protocol=https\nhost=${new URL(server.url(repo)).host}\npath=v1/repos/${repo}\nusername=${identity.accessKeyId}\n`;
  return { password, description };
}

export type Verdict = { ok: true; identity: Identity } | { ok: false; reason: string };

// Regions tried only to explain a mismatch ("signed for us-west-2"), never to accept one.
const HINT_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
  "ap-south-1", "ap-east-1", "me-south-1", "af-south-1", "cn-north-1", "cn-northwest-1",
  "us-gov-west-1", "us-gov-east-1",
];

function mismatchHint(a: { secret: string; region: string; host: string; path: string; ts: string; sig: string; otherHosts: readonly string[] }): string {
  const tries: Array<[string, string, string, string]> = [];
  for (const r of HINT_REGIONS) if (r !== a.region) tries.push([`region ${r}`, r, a.host, a.path]);
  for (const h of a.otherHosts) if (h !== a.host) tries.push([`host ${h}`, a.region, h, a.path]);
  const bare = a.path.replace(/^\/+/, "");
  for (const p of [`//${bare}`, bare, `${a.path}/`]) if (p !== a.path) tries.push([`path ${JSON.stringify(p)}`, a.region, a.host, p]);
  for (const [what, r, h, p] of tries) {
    if (hexSignature(a.secret, r, h, p, a.ts) === a.sig) return ` (the signature matches ${what})`;
  }
  return "";
}

/**
 * Applies CodeCommit's rules to one Basic-auth username/password pair.
 * `host` is the host the client addressed (no port), `path` the repository's
 * canonical path (`/v1/repos/<name>`). `otherHosts` only improves the
 * reason given for a mismatch.
 */
export function verifyGitCredentials(a: {
  username: string;
  password: string;
  identities: readonly Identity[];
  region: string;
  host: string;
  path: string;
  now: Date;
  maxSkewMs?: number;
  otherHosts?: readonly string[];
}): Verdict {
  const pct = a.username.indexOf("%");
  const akid = pct < 0 ? a.username : a.username.slice(0, pct);
  const token = pct < 0 ? undefined : a.username.slice(pct + 1);
  const identity = a.identities.find((i) => i.accessKeyId === akid);
  if (!identity) return { ok: false, reason: `unknown access key id ${JSON.stringify(akid)}` };
  if (identity.sessionToken !== undefined) {
    if (token === undefined) return { ok: false, reason: `access key ${akid} needs a session token: username must be AKID%TOKEN` };
    if (token !== identity.sessionToken) return { ok: false, reason: `session token for ${akid} does not match (got ${token.length} chars)` };
  } else if (token !== undefined) {
    return { ok: false, reason: `access key ${akid} has no session token but the username carries one` };
  }

  const m = /^(\d{8}T\d{6})Z([0-9a-f]{64})$/.exec(a.password);
  if (!m) return { ok: false, reason: "malformed password: expected <YYYYMMDDTHHMMSS>Z<64 lowercase hex>" };
  const ts = m[1]!;
  const sig = m[2]!;
  const signedAt = parseAmzTimestamp(ts);
  if (!signedAt) return { ok: false, reason: `malformed password timestamp ${ts}` };
  const maxSkew = a.maxSkewMs ?? MAX_SKEW_MS;
  const skew = signedAt.getTime() - a.now.getTime();
  if (Math.abs(skew) > maxSkew) {
    return {
      ok: false,
      reason: `password timestamp ${ts}Z is ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? "old" : "in the future"}` +
        ` (server time ${amzTimestamp(a.now)}Z, allowed ${maxSkew / 1000} s)`,
    };
  }

  const expected = hexSignature(identity.secretAccessKey, a.region, a.host, a.path, ts);
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(sig))) {
    const canonical = `GIT\n${a.path}\n\nhost:${a.host}\n\nhost\n`;
    const hint = mismatchHint({ secret: identity.secretAccessKey, region: a.region, host: a.host, path: a.path, ts, sig, otherHosts: a.otherHosts ?? [] });
    return {
      ok: false,
      reason: `signature mismatch${hint}; expected canonical request ${JSON.stringify(canonical)}` +
        ` with scope ${ts.slice(0, 8)}/${a.region}/codecommit/aws4_request`,
    };
  }
  return { ok: true, identity };
}

function isolatedGitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    LANG: "C",
    LC_ALL: "C",
  };
}

async function runGit(args: string[], env: Record<string, string>, stdin?: string): Promise<string> {
  const proc = Bun.spawn(["git", ...args], {
    env,
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), GIT_TIMEOUT_MS);
  try {
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) throw new Error(`git ${args.join(" ")} failed (exit ${code}): ${err.trim()}`);
    return out.trim();
  } finally {
    clearTimeout(timer);
  }
}

function indexOfHeaderEnd(buf: Uint8Array): { at: number; len: number } | undefined {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return { at: i, len: 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { at: i, len: 3 };
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

// Hop-by-hop or length headers from the CGI would conflict with the body Bun streams.
const DROPPED_CGI_HEADERS = new Set(["status", "content-length", "transfer-encoding", "connection"]);

export async function startGitServer(opts: StartGitServerOptions): Promise<GitServer> {
  const region = opts.region ?? "us-east-1";
  const host = codeCommitHost(region);
  const hostnames = [...new Set([host, ...(opts.hostnames ?? []).map((h) => h.toLowerCase())])];
  const now = opts.now ?? (() => new Date());

  const base = mkdtempSync(join(tmpdir(), "codecommit-git-server-"));
  const root = join(base, "srv");
  const home = join(base, "home");
  mkdirSync(join(root, "v1", "repos"), { recursive: true });
  mkdirSync(home, { recursive: true });
  const ca = opts.ca ?? createTestCa(join(base, "tls"));
  const leaf = ca.issue([...hostnames, "localhost", "127.0.0.1"]);

  const gitEnv = isolatedGitEnv(home);
  const backendEnv: Record<string, string> = {
    ...gitEnv,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    // http-backend refuses receive-pack for anonymous users unless this is
    // explicitly true; REMOTE_USER is set too, but this removes the doubt.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    SERVER_SOFTWARE: "codecommit-test-server",
  };

  const requests: RequestRecord[] = [];
  const identities = [...opts.identities];
  const running = new Set<{ kill(signal?: number | NodeJS.Signals): void }>();

  function refuse(rec: RequestRecord, status: number, reason: string, headers: Record<string, string> = {}): Response {
    rec.status = status;
    rec.reason = reason;
    return new Response(`${reason}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
  }

  async function handle(req: Request, remoteAddr: string): Promise<Response> {
    const url = new URL(req.url);
    const hostHeader = req.headers.get("host") ?? "";
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => {
      if (name.toLowerCase() !== "authorization") headers[name.toLowerCase()] = value;
    });
    const rec: RequestRecord = { method: req.method, path: url.pathname + url.search, host: hostHeader, headers, status: 0 };
    requests.push(rec);

    const route = /^\/v1\/repos\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const repo = route?.[1];
    if (!route || repo === undefined || !REPO_NAME.test(repo) || repo === "." || repo === "..") {
      return refuse(rec, 404, `not a CodeCommit repository path: ${url.pathname}`);
    }
    const sub = route[2] ?? "";

    // CodeCommit signs the host the client addressed, minus the port; it has
    // to be one this endpoint answers for.
    const requestHost = hostHeader.replace(/:\d+$/, "");
    if (!hostnames.includes(requestHost.toLowerCase())) {
      return refuse(rec, 403, `Host header ${JSON.stringify(hostHeader)} is not one of ${hostnames.join(", ")}`);
    }

    const auth = req.headers.get("authorization");
    const basic = auth ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth) : null;
    if (!basic) {
      return refuse(rec, 401, auth ? "Authorization is not Basic" : "no Authorization header", {
        "WWW-Authenticate": 'Basic realm="git-codecommit"',
      });
    }
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return refuse(rec, 403, "Basic credentials without a colon");
    rec.username = decoded.slice(0, colon);
    rec.password = decoded.slice(colon + 1);
    const verdict = verifyGitCredentials({
      username: rec.username,
      password: rec.password,
      identities,
      region,
      host: requestHost,
      path: `/v1/repos/${repo}`,
      now: now(),
      otherHosts: hostnames,
    });
    if (!verdict.ok) return refuse(rec, 403, verdict.reason);

    // Only smart HTTP: CodeCommit has no dumb transport.
    const service = url.searchParams.get("service");
    const smart =
      (req.method === "GET" && sub === "/info/refs" && (service === "git-upload-pack" || service === "git-receive-pack")) ||
      (req.method === "POST" && (sub === "/git-upload-pack" || sub === "/git-receive-pack"));
    if (!smart) return refuse(rec, 404, `unsupported request ${req.method} ${sub || "/"}`);
    if (!existsSync(join(root, "v1", "repos", repo, "HEAD"))) {
      return refuse(rec, 404, `repository ${repo} does not exist`);
    }

    return runBackend(req, url, rec, verdict.identity.accessKeyId, remoteAddr);
  }

  async function runBackend(req: Request, url: URL, rec: RequestRecord, user: string, remoteAddr: string): Promise<Response> {
    const env: Record<string, string> = {
      ...backendEnv,
      REQUEST_METHOD: req.method,
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REMOTE_USER: user,
      REMOTE_ADDR: remoteAddr,
    };
    const contentType = req.headers.get("content-type");
    if (contentType) env.CONTENT_TYPE = contentType;
    // Absent for chunked bodies (git chunks pushes above http.postBuffer);
    // http-backend then reads to EOF.
    const contentLength = req.headers.get("content-length");
    if (contentLength) env.CONTENT_LENGTH = contentLength;
    // git gzips upload-pack requests over 1 KiB. Bun does not inflate request
    // bodies, and http-backend inflates itself when told the encoding.
    const encoding = req.headers.get("content-encoding");
    if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
    const protocol = req.headers.get("git-protocol");
    if (protocol) env.GIT_PROTOCOL = protocol;

    const body = req.method === "POST" ? req.body : null;
    const proc = Bun.spawn(["git", "http-backend"], {
      env,
      stdin: body ? "pipe" : "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    running.add(proc);
    const timer = setTimeout(() => proc.kill("SIGKILL"), BACKEND_TIMEOUT_MS);
    const onAbort = () => proc.kill("SIGKILL");
    req.signal.addEventListener("abort", onAbort, { once: true });
    const stderr = new Response(proc.stderr).text();
    void proc.exited.then(async (code) => {
      clearTimeout(timer);
      req.signal.removeEventListener("abort", onAbort);
      running.delete(proc);
      const err = (await stderr.catch(() => "")).trim();
      if (code !== 0 || rec.status >= 400) {
        rec.reason = [rec.reason, `http-backend exit ${code}`, err].filter(Boolean).join(": ");
      }
    });

    if (body && proc.stdin) {
      const sink = proc.stdin;
      void (async () => {
        try {
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
            sink.write(chunk);
            await sink.flush();
          }
        } catch {
          // The backend exited early (bad request) or the client went away;
          // its exit status and stderr tell the story.
        } finally {
          try {
            await sink.end();
          } catch {
            // already closed
          }
        }
      })();
    }

    const reader = proc.stdout.getReader();
    let head: Uint8Array = new Uint8Array(0);
    let end: { at: number; len: number } | undefined;
    while (!(end = indexOfHeaderEnd(head))) {
      const { done, value } = await reader.read();
      if (done) {
        await proc.exited;
        rec.status = 502;
        rec.reason = `http-backend produced no CGI header: ${(await stderr).trim()}`;
        return new Response(`${rec.reason}\n`, { status: 502 });
      }
      head = concat(head, value);
    }
    const headerText = new TextDecoder().decode(head.subarray(0, end.at));
    const rest = head.subarray(end.at + end.len);
    let status = 200;
    const headers = new Headers();
    for (const line of headerText.split(/\r?\n/)) {
      const sep = line.indexOf(":");
      if (sep <= 0) continue;
      const name = line.slice(0, sep).trim();
      const value = line.slice(sep + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
      if (!DROPPED_CGI_HEADERS.has(name.toLowerCase())) headers.append(name, value);
    }
    rec.status = status;

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (rest.length > 0) controller.enqueue(rest);
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel() {
        proc.kill("SIGKILL");
      },
    });
    return new Response(stream, { status, headers });
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: leaf.cert, key: leaf.key },
    // Bun's default (10 s) could cut a slow pack computation; the backend
    // timeout above is the real bound.
    idleTimeout: 130,
    async fetch(req, srv) {
      const remoteAddr = srv.requestIP(req)?.address ?? "127.0.0.1";
      if (opts.delayMs) await Bun.sleep(opts.delayMs);
      try {
        return await handle(req, remoteAddr);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        requests.push({ method: req.method, path: new URL(req.url).pathname, host: req.headers.get("host") ?? "", headers: {}, status: 500, reason: msg });
        return new Response(`${msg}\n`, { status: 500 });
      }
    },
  });
  const port = server.port;
  if (port === undefined) throw new Error("Bun.serve did not report a port");

  const configEntries = (): Array<[string, string]> => [
    ...hostnames.map((h): [string, string] => ["http.curloptResolve", `${h}:${port}:127.0.0.1`]),
    ["http.sslCAInfo", ca.caFile],
    // An empty http.proxy makes git disable proxies, so a proxy variable in
    // the environment can never carry these host names to the real AWS.
    ["http.proxy", ""],
  ];

  let stopped = false;
  return {
    port,
    host,
    region,
    hostnames,
    caFile: ca.caFile,
    ca,
    root,
    url: (repo, hostname) => `https://${hostname ?? host}:${port}/v1/repos/${repo}`,
    gitConfigEntries: configEntries,
    gitConfig: () => configEntries().flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    gitEnv: () => ({ GIT_SSL_CAINFO: ca.caFile }),
    async createRepo(name, repoOpts = {}) {
      if (!REPO_NAME.test(name) || name === "." || name === ".." || name.endsWith(".git")) {
        throw new Error(`invalid CodeCommit repository name: ${JSON.stringify(name)}`);
      }
      const dir = join(root, "v1", "repos", name);
      if (existsSync(dir)) throw new Error(`repository ${name} already exists`);
      await runGit(["init", "--quiet", "--bare", "--initial-branch=main", dir], gitEnv);
      if (!repoOpts.withInitialCommit) return;
      // Plumbing instead of a work tree: fixed identity and dates give the
      // same commit id on every run.
      const commitEnv = {
        ...gitEnv,
        GIT_DIR: dir,
        GIT_AUTHOR_NAME: "CodeCommit Test",
        GIT_AUTHOR_EMAIL: "test@example.invalid",
        GIT_AUTHOR_DATE: "2020-01-01T00:00:00Z",
        GIT_COMMITTER_NAME: "CodeCommit Test",
        GIT_COMMITTER_EMAIL: "test@example.invalid",
        GIT_COMMITTER_DATE: "2020-01-01T00:00:00Z",
      };
      const blob = await runGit(["hash-object", "-w", "--stdin"], commitEnv, `# ${name}\n\nCreated by the local CodeCommit test server.\n`);
      const tree = await runGit(["mktree"], commitEnv, `100644 blob ${blob}\tREADME.md\n`);
      const commit = await runGit(["commit-tree", tree, "-m", "Initial commit"], commitEnv);
      await runGit(["update-ref", "refs/heads/main", commit], commitEnv);
    },
    requests,
    identities,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const p of running) p.kill("SIGKILL");
      await server.stop(true);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
