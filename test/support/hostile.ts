// Hostile stand-ins for everything the helper reads from outside: answers for
// an HTTP endpoint (startRecordingServer; STS, SSO, container and IMDS reach it
// through their override variables) with line breaks in credential values, or
// with a body that never ends, trickles or is huge; and files that are FIFOs or
// lead to /dev/zero. Plus a way to run the compiled binary under /usr/bin/time, so
// tests assert how long it took and its peak RSS.
//
// Plain module (no bun:test imports).

import { mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { BINARY } from "./binary.ts";
import { tempDir } from "./home.ts";
import { isoSeconds, type Handler } from "./recording-server.ts";

/** A body of `chunk` repeated forever, as fast as the client reads. */
export function endlessBody(chunk = "x".repeat(64 * 1024)): Response {
  const bytes = new TextEncoder().encode(chunk);
  return new Response(new ReadableStream({ pull: (c) => c.enqueue(bytes) }), { headers: { "Content-Type": "text/xml" } });
}

/** One byte every `everyMs`, forever: a server that never finishes but never goes quiet either. */
export function tricklingBody(everyMs = 100): Response {
  const byte = new TextEncoder().encode(" ");
  return new Response(
    new ReadableStream({
      async pull(c) {
        await Bun.sleep(everyMs);
        c.enqueue(byte);
      },
    }),
    { headers: { "Content-Type": "application/json" } },
  );
}

/** A body of exactly `bytes` bytes with its Content-Length, sent in 1 MiB pieces. */
export function hugeBody(bytes: number): Response {
  const piece = new Uint8Array(1 << 20).fill(0x20);
  let left = bytes;
  return new Response(
    new ReadableStream({
      pull(c) {
        const n = Math.min(left, piece.length);
        left -= n;
        c.enqueue(piece.subarray(0, n));
        if (left === 0) c.close();
      },
    }),
    { headers: { "Content-Type": "application/json", "Content-Length": String(bytes) } },
  );
}

export interface HostileCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Credentials whose session token carries git protocol lines after a line break: what an injection would look like. */
export function injectedCredentials(breaker = "\n"): HostileCredentials {
  return {
    accessKeyId: "ASIAHOSTILE000000001",
    secretAccessKey: "hostileSecret/K7MDENG+bPxRfiCYEXAMPLE",
    sessionToken: `IQoJhostileToken${breaker}password=INJECTED${breaker}host=evil.invalid`,
    expiration: new Date(Date.now() + 3600_000),
  };
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;" };

/** An AssumeRole(-WithWebIdentity) answer, line breaks written as character references (`&#10;`), as XML allows. */
export function stsXml(action: "AssumeRole" | "AssumeRoleWithWebIdentity", c: HostileCredentials): Response {
  const x = (s: string) => s.replace(/[&<>\r\n]/g, (ch) => XML_ESCAPES[ch]!);
  return new Response(
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result><Credentials>` +
      `<AccessKeyId>${x(c.accessKeyId)}</AccessKeyId><SecretAccessKey>${x(c.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${x(c.sessionToken)}</SessionToken><Expiration>${isoSeconds(c.expiration)}</Expiration>` +
      `</Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/x/y</Arn></AssumedRoleUser>` +
      `</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`,
    { headers: { "Content-Type": "text/xml" } },
  );
}

/** The container endpoint's and IMDS's document. */
export function metadataJson(c: HostileCredentials): Response {
  return Response.json({
    Code: "Success",
    Type: "AWS-HMAC",
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: isoSeconds(c.expiration),
  });
}

/** SSO GetRoleCredentials' answer. */
export function ssoJson(c: HostileCredentials): Response {
  return Response.json({
    roleCredentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiration.getTime(),
    },
  });
}

/**
 * IMDS's three steps (token, role name, document), each answered by `document`
 * for the last one; a fake instance whose credentials are whatever the test wants.
 */
export function imdsHandler(document: () => Response): Handler {
  return (req, url) => {
    if (req.method === "PUT" && url.pathname === "/latest/api/token") return new Response("hostile-imds-token");
    if (url.pathname === "/latest/meta-data/iam/security-credentials/") return new Response("hostile-role");
    if (url.pathname === "/latest/meta-data/iam/security-credentials/hostile-role") return document();
    return new Response("", { status: 404 });
  };
}

/** A FIFO at `path` (parents made). Nothing ever writes to it: open() without O_NONBLOCK would wait forever. */
export function makeFifo(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true, recursive: true });
  const r = Bun.spawnSync(["mkfifo", path]);
  if (r.exitCode !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr.toString()}`);
  return path;
}

/** A symlink at `path` to /dev/zero: endless bytes, and a size of 0 to anyone who trusts stat's size alone. */
export function linkToDevZero(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true, recursive: true });
  symlinkSync("/dev/zero", path);
  return path;
}

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Peak resident set size, from /usr/bin/time. */
  rssKiB: number;
}

const TIME = "/usr/bin/time";

/**
 * Runs the compiled binary under /usr/bin/time with exactly `env`. stdin is
 * `stdin` (text), or the output of `stdinCommand` (an argv, e.g. an endless
 * `yes`), piped in as the binary reads it. coreutils' timeout kills the binary
 * itself after `killAfterMs` (killing time would orphan it); time's peak RSS
 * covers the processes it waited for, the binary included.
 */
export async function runMeasured(
  args: string[],
  opts: { env: Record<string, string>; stdin?: string; stdinCommand?: string[]; killAfterMs?: number },
): Promise<MeasuredRun> {
  const rssFile = join(tempDir("gcc-rss-"), "rss");
  const started = performance.now();
  const feeder = opts.stdinCommand ? Bun.spawn(opts.stdinCommand, { stdin: "ignore", stdout: "pipe", stderr: "ignore" }) : undefined;
  const limitS = String(Math.ceil((opts.killAfterMs ?? 25_000) / 1000));
  const proc = Bun.spawn([TIME, "-f", "%M", "-o", rssFile, "timeout", "-s", "KILL", limitS, BINARY, ...args], {
    env: opts.env,
    stdin: feeder ? feeder.stdout : new TextEncoder().encode(opts.stdin ?? ""),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), (opts.killAfterMs ?? 25_000) + 5_000);
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const ms = performance.now() - started;
    const rssKiB = Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1));
    return { code, stdout, stderr, ms, rssKiB };
  } finally {
    clearTimeout(timer);
    feeder?.kill("SIGKILL");
  }
}

/** The ceiling every hostile run must stay under. */
export const RSS_LIMIT_KIB = 100 * 1024;
