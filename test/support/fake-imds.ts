// A local EC2 instance metadata service on 127.0.0.1 (what
// AWS_EC2_METADATA_SERVICE_ENDPOINT points at): the IMDSv2 token, the role
// name, the role's credentials and the availability zone, with switches for the
// answers that decide the client's path (token refused, v1 only, no role, a
// service that never answers).
//
// Plain module (no bun:test imports).

import { randomBytes } from "node:crypto";
import { fakeCredentials, HANG, isoSeconds, metadataDocument, startRecordingServer, type FakeCredentials, type RecordedRequest } from "./recording-server.ts";

export const TOKEN_PATH = "/latest/api/token";
export const ROLES_PATH = "/latest/meta-data/iam/security-credentials/";
export const AZ_PATH = "/latest/meta-data/placement/availability-zone/";

export interface ImdsBehaviour {
  /** The status of PUT /latest/api/token; 200 hands out a token (default). */
  tokenStatus?: 200 | 400 | 403 | 404 | 405;
  /** A metadata service from before IMDSv2: no token API (404), and GETs need no token. */
  v1Only?: boolean;
  /** The instance profile's role; undefined: no role attached (404). Default "codecommit-role". */
  roleName?: string | undefined;
  /** Replaces the credentials document (an object is sent as JSON). */
  document?: Record<string, unknown> | string;
  /** Expiration of the credentials handed out (default: six hours from now). */
  expiration?: Date;
  /** Default "ap-southeast-2b". */
  availabilityZone?: string;
  /** Leave requests unanswered: all of them, or those whose path matches. */
  hang?: boolean | ((path: string) => boolean);
}

export interface FakeImds {
  /** `http://127.0.0.1:<port>/`, the form AWS_EC2_METADATA_SERVICE_ENDPOINT takes. */
  endpoint: string;
  requests: RecordedRequest[];
  /** Tokens handed out, in order. */
  tokens: string[];
  /** Credentials handed out, in order. */
  issued: FakeCredentials[];
  behaviour: ImdsBehaviour;
  /** Requests to one path (without query). */
  calls(method: string, path: string): RecordedRequest[];
  stop(): Promise<void>;
}

function text(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain" } });
}

export function startFakeImds(initial: ImdsBehaviour = {}): FakeImds {
  const behaviour: ImdsBehaviour = { roleName: "codecommit-role", ...initial };
  const tokens: string[] = [];
  const issued: FakeCredentials[] = [];

  const server = startRecordingServer((rec, url) => {
    const path = url.pathname;
    const hang = behaviour.hang;
    if (hang === true || (typeof hang === "function" && hang(path))) return HANG;
    // The real service refuses anything that looks proxied.
    if (rec.headers["x-forwarded-for"] !== undefined) return text("Forbidden", 403);

    if (path === TOKEN_PATH) {
      if (rec.method !== "PUT") return text("Method Not Allowed", 405);
      if (behaviour.v1Only) return text("Not Found", 404);
      const status = behaviour.tokenStatus ?? 200;
      if (status !== 200) return text("", status);
      const ttl = Number(rec.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return text("Bad Request", 400);
      const token = `AQAEA${randomBytes(40).toString("base64url")}==`;
      tokens.push(token);
      return new Response(token, { headers: { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) } });
    }

    if (rec.method !== "GET") return text("Method Not Allowed", 405);
    const sent = rec.headers["x-aws-ec2-metadata-token"];
    if (!behaviour.v1Only && sent !== undefined && !tokens.includes(sent)) return text("Unauthorized", 401);

    if (path === AZ_PATH || path === AZ_PATH.slice(0, -1)) return text(behaviour.availabilityZone ?? "ap-southeast-2b");
    if (path === ROLES_PATH) return behaviour.roleName === undefined ? text("Not Found", 404) : text(behaviour.roleName);
    if (behaviour.roleName !== undefined && path === `${ROLES_PATH}${behaviour.roleName}`) {
      const doc = behaviour.document;
      if (typeof doc === "string") return text(doc);
      if (doc) return Response.json(doc);
      const creds = fakeCredentials("ASIAIMDS", behaviour.expiration ?? new Date(Date.now() + 6 * 3600_000));
      issued.push(creds);
      return Response.json({ Code: "Success", LastUpdated: isoSeconds(new Date()), Type: "AWS-HMAC", ...metadataDocument(creds) });
    }
    return text("Not Found", 404);
  });

  return {
    endpoint: `${server.url}/`,
    requests: server.requests,
    tokens,
    issued,
    behaviour,
    calls: (method, path) => server.requests.filter((r) => r.method === method && r.path.split("?")[0] === path),
    stop: server.stop,
  };
}
