// The storing helpers users have on Windows and macOS: Git Credential Manager
// (`manager`, shipped with git for Windows) and `osxkeychain`. Each holds a
// stale CodeCommit password; after `setup`, its reset line keeps the store out
// and the clone signs afresh. (Linux's credential-cache: test/e2e/git.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runBinary } from "../support/cli.ts";
import { gitOk, gitWorld } from "../support/git-env.ts";
import { staleEntry, startGitServer, type GitServer, type Identity } from "../support/git-server.ts";
import { tempDir, tempHome } from "../support/home.ts";
import { lacks } from "../support/platform.ts";

const USER: Identity = { accessKeyId: "AKIDSTOREDHELPER0001", secretAccessKey: "stored/Helper+Secret" };
const STORES = [
  // GCM would probe an unknown host to guess its provider, and could open a window.
  ["manager", "windows", { GCM_PROVIDER: "generic", GCM_INTERACTIVE: "never" }],
  ["osxkeychain", "osxkeychain", {}],
] as const;

let server: GitServer;
let origin: string;

beforeAll(async () => {
  server = await startGitServer({ identities: [USER] });
  origin = new URL(server.url("x")).origin;
  await server.createRepo("demo", { withInitialCommit: true });
});

afterAll(async () => {
  await server?.stop();
});

for (const [helper, need, settings] of STORES) {
  describe.skipIf(lacks(need))(`a stale password in ${helper}`, () => {
    test("after setup, clone succeeds: the reset line keeps the store out", async () => {
      const w = await gitWorld(tempHome(), server);
      const env = { ...w.env, ...settings };
      await gitOk(["config", "--global", "credential.helper", helper], { env });
      const { password: stale, description } = staleEntry(server, USER, "demo");
      const store = ["-c", "credential.useHttpPath=true", "credential"];
      await gitOk([...store, "approve"], { env, stdin: `${description}password=${stale}\n\n` });
      try {
        // The store hands the stale password back: without the reset line git would send it.
        expect(await gitOk([...store, "fill"], { env, stdin: `${description}\n` })).toContain(`password=${stale}`);

        const r = await runBinary(["setup", "--url", origin], { env });
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        const from = server.requests.length;
        await gitOk(["clone", server.url("demo"), join(tempDir(), "demo")], {
          env: { ...env, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
        });
        const signed = server.requests.slice(from).filter((q) => q.username !== undefined);
        expect(signed.length).toBeGreaterThan(0);
        expect(signed.every((q) => q.status === 200 && q.password !== stale)).toBe(true);
      } finally {
        await gitOk([...store, "reject"], { env, stdin: `${description}\n` });
      }
    });
  });
}
