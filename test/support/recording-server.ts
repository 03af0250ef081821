// The base of the metadata and SSO fakes: an HTTP server on 127.0.0.1 that
// records every request before a handler decides the answer, and can leave a
// request unanswered on purpose (a metadata endpoint that accepts connections
// and never replies is exactly what a laptop off EC2 can look like).
//
// Plain module (no bun:test imports).

import { randomBytes } from "node:crypto";

export interface RecordedRequest {
  method: string;
  /** Path plus query string. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body exactly as received. */
  body: string;
  /** The status answered; 0 while a request hangs. */
  status: number;
}

/** Returned by a handler: keep the connection open and never answer. */
export const HANG = Symbol("hang");

export type Handler = (req: RecordedRequest, url: URL) => Response | typeof HANG | Promise<Response | typeof HANG>;

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export function startRecordingServer(handle: Handler): RecordingServer {
  const requests: RecordedRequest[] = [];
  const hanging: Array<() => void> = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const rec: RecordedRequest = { method: req.method, path: url.pathname + url.search, headers, body: await req.text(), status: 0 };
      requests.push(rec);
      const answer = await handle(rec, url);
      if (answer === HANG) {
        // Settled only by stop(), after the client has long given up.
        return new Promise<Response>((resolve) => hanging.push(() => resolve(new Response(null, { status: 504 }))));
      }
      rec.status = answer.status;
      return answer;
    },
  });
  if (server.port === undefined) throw new Error("Bun.serve did not report a port");
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop: async () => {
      await server.stop(true);
      for (const settle of hanging.splice(0)) settle();
    },
  };
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

let issued = 0;

/**
 * Temporary credentials whose access key id starts with `prefix` (so a test
 * can tell which source signed) and whose secrets are long and full of `/+=`.
 */
export function fakeCredentials(prefix: string, expiration: Date): FakeCredentials {
  issued++;
  return {
    accessKeyId: `${prefix}${String(issued).padStart(20 - prefix.length, "0")}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(60).toString("base64")}`,
    expiration,
  };
}

/** The wire form of the metadata services and the CLI caches: seconds, `Z`. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The credentials document both the container endpoint and IMDS answer with. */
export function metadataDocument(c: FakeCredentials): Record<string, string> {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: isoSeconds(c.expiration),
  };
}
