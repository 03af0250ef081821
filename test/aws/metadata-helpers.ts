// Shared by the container, IMDS, login and chain-order tests: fakes stopped
// after each test, the environment that turns IMDS on for one fake only, and
// the texts `get` ends with when nothing gives credentials.
import { expect } from "bun:test";
import { baseEnv, type RunResult } from "../support/cli.ts";
import { startFakeContainer, type ContainerBehaviour, type FakeContainer } from "../support/fake-container.ts";
import { startFakeImds, type FakeImds, type ImdsBehaviour } from "../support/fake-imds.ts";
import { verifyGitCredentials } from "../support/git-server.ts";
import { stopAfterTest } from "./helpers.ts";

export function fakeImds(behaviour: ImdsBehaviour = {}): FakeImds {
  return stopAfterTest(startFakeImds(behaviour));
}

export function fakeContainer(behaviour: ContainerBehaviour = {}): FakeContainer {
  return stopAfterTest(startFakeContainer(behaviour));
}

/** baseEnv with IMDS switched on and pointed at `imds` (never at a link-local address). */
export function imdsEnv(home: string, imds: FakeImds, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...baseEnv(home), AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint };
  delete env.AWS_EC2_METADATA_DISABLED;
  return { ...env, ...extra };
}

/** What `get` says when the whole chain comes up empty for the default profile. */
export function noCredentials(home: string, imdsLooked: boolean): string {
  return (
    `Unable to locate credentials (looked in AWS_ACCESS_KEY_ID, profile "default" in ${home}/.aws/credentials and ` +
    `${home}/.aws/config${imdsLooked ? ", EC2 instance metadata" : ""}). ` +
    `Configure them with "aws configure", or choose a profile with --profile.`
  );
}

/** A host that names no region, signed for with --ignore-host-check. */
export const PLAIN_HOST = "git.example.invalid";
export const PLAIN_REQUEST = `protocol=https\nhost=${PLAIN_HOST}\npath=v1/repos/demo\n\n`;

/** `get`'s answer for a host that names no region: the password verifies for `region`. */
export function expectPlainHostAnswer(r: RunResult, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region: string) {
  expect(r.code).toBe(0);
  const [user, pass, expiry, end] = r.stdout.split("\n");
  expect(end).toBe("");
  expect(user).toBe(`username=${creds.accessKeyId}%${creds.sessionToken}`);
  expect(expiry).toMatch(/^password_expiry_utc=\d+$/);
  const verdict = verifyGitCredentials({
    username: user!.slice("username=".length),
    password: pass!.slice("password=".length),
    identities: [creds],
    region,
    host: PLAIN_HOST,
    path: "/v1/repos/demo",
    now: new Date(),
  });
  expect(verdict).toEqual({ ok: true, identity: creds });
}
