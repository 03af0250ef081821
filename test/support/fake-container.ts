// A local container credentials endpoint on 127.0.0.1 (what
// AWS_CONTAINER_CREDENTIALS_FULL_URI points at: the ECS agent, EKS Pod
// Identity, CodeBuild): answers any GET with a role's credentials, or with the
// status or body a test sets.
//
// Plain module (no bun:test imports).

import { fakeCredentials, metadataDocument, startRecordingServer, type FakeCredentials, type RecordedRequest } from "./recording-server.ts";

export interface ContainerBehaviour {
  /** Answer with this status and `body` instead of credentials. */
  status?: number;
  /** The exact body to send (with `status`, or with 200 for a malformed answer). */
  body?: string;
}

export interface FakeContainer {
  /** `http://127.0.0.1:<port>`; append any path. */
  url: string;
  requests: RecordedRequest[];
  issued: FakeCredentials[];
  stop(): Promise<void>;
}

export function startFakeContainer(behaviour: ContainerBehaviour = {}): FakeContainer {
  const issued: FakeCredentials[] = [];
  const server = startRecordingServer(() => {
    if (behaviour.status !== undefined || behaviour.body !== undefined) {
      return new Response(behaviour.body ?? "", { status: behaviour.status ?? 200 });
    }
    const creds = fakeCredentials("ASIACONTAINER", new Date(Date.now() + 3600_000));
    issued.push(creds);
    return Response.json({ RoleArn: "arn:aws:iam::123456789012:role/task-role", ...metadataDocument(creds) });
  });
  return { url: server.url, requests: server.requests, issued, stop: server.stop };
}
