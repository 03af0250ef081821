// credential_process: an external command (aws-vault, 1Password, granted…) that
// prints Version 1 JSON. Run without a shell, like botocore.
import { lastLine, NetworkNeeded, RetrievalError } from "../../errors.ts";
import { checkedCredentials, parseExpiration, type Credentials } from "../credentials.ts";
import { withCleanup } from "../cleanup.ts";
import { readCapped, type CappedRead } from "../../util/stream.ts";
import { sizeText } from "../../util/files.ts";
import { setting } from "../config-files.ts";
import type { Session } from "../session.ts";
import { splitCommand } from "../../util/shlex.ts";

/**
 * Generous on purpose: aws-vault or 1Password may be waiting for a person to
 * touch a key or approve a prompt. Documented in the README.
 */
export const PROCESS_TIMEOUT_MS = 5 * 60_000;

const METHOD = "custom-process";

/** Version 1 JSON is a few KiB; `credential_process = yes` must not fill the memory. */
export const PROCESS_OUTPUT_MAX_BYTES = 1 << 20;

/**
 * How long the pipes may stay open after the child exits: a background process
 * it started may hold them long after, and must not hold us.
 */
const AFTER_EXIT_MS = 1000;

export async function fromProcess(session: Session, profileName: string): Promise<Credentials> {
  const command = setting(session.files.profiles[profileName], "credential_process")!;
  let argv: string[];
  try {
    argv = splitCommand(command, session.ctx.platform);
  } catch (e) {
    throw new RetrievalError(METHOD, `cannot split credential_process ${JSON.stringify(command)}: ${(e as Error).message}`);
  }
  if (argv.length === 0) throw new RetrievalError(METHOD, "credential_process is empty");
  // It may wait for a person (a hardware key, a password manager): doctor only runs it with --network.
  if (session.offline) throw new NetworkNeeded(`credential_process ${argv[0]}`);
  session.debug(`credentials: running credential_process ${argv[0]}`);

  // Ctrl-C or SIGTERM to us ends the child too, rather than orphaning it. The
  // handlers are in place before the child exists, so no signal falls in between.
  let child: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined;
  const undo = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  const { stdout, stderr, code, timedOut } = await withCleanup(undo, () => {
    try {
      // stdin is /dev/null: git's pipe is ours and already read to the end.
      child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...session.ctx.env } });
    } catch (e) {
      throw new RetrievalError(METHOD, `cannot run ${argv[0]}: ${(e as Error).message}`);
    }
    return finish(child);
  });
  const said = lastLine(stderr.data.toString("utf8"));
  const theirs = said ? ` (its stderr: ${said})` : "";
  if (stdout.over) {
    throw new RetrievalError(METHOD, `${argv[0]} printed more than ${sizeText(PROCESS_OUTPUT_MAX_BYTES)}, which is not credentials; it was stopped${theirs}`);
  }
  if (timedOut) {
    throw new RetrievalError(METHOD, `${argv[0]} did not finish within ${PROCESS_TIMEOUT_MS / 60_000} minutes${theirs}`);
  }
  if (code !== 0) throw new RetrievalError(METHOD, said || `${argv[0]} exited with status ${code}`);

  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(stdout.data.toString("utf8"));
    if (!parsed || typeof parsed !== "object") throw new Error("not a JSON object");
  } catch (e) {
    // The parser quotes the text it choked on, which may be a secret (an unquoted key): keep only its reason.
    const reason = (e as Error).message.replace(/\s*"[^"]*"/g, "");
    throw new RetrievalError(METHOD, `${argv[0]} did not print JSON: ${reason}${theirs}`);
  }
  if (parsed.Version !== 1) {
    const version = "Version" in parsed ? String(parsed.Version) : "<Version key not provided>";
    throw new RetrievalError(METHOD, `Unsupported version '${version}' for credential process provider, supported versions: 1${theirs}`);
  }
  for (const key of ["AccessKeyId", "SecretAccessKey"]) {
    if (typeof parsed[key] !== "string") throw new RetrievalError(METHOD, `Missing required key in response: '${key}'${theirs}`);
  }
  const creds = checkedCredentials<Credentials>(
    {
      accessKeyId: parsed.AccessKeyId as string,
      secretAccessKey: parsed.SecretAccessKey as string,
      sessionToken: typeof parsed.SessionToken === "string" && parsed.SessionToken ? parsed.SessionToken : undefined,
      source: METHOD,
    },
    (field) => `the ${field} that credential_process ${argv[0]} printed`,
  );
  if (typeof parsed.Expiration === "string") {
    creds.expiration = parseExpiration(parsed.Expiration);
    if (!creds.expiration) throw new RetrievalError(METHOD, `Expiration is not an ISO 8601 time: ${parsed.Expiration}`);
  }
  return creds;
}

interface Finished {
  stdout: CappedRead;
  stderr: CappedRead;
  code: number;
  timedOut: boolean;
}

/**
 * Waits for the child and its output, within PROCESS_TIMEOUT_MS (SIGTERM, then
 * SIGKILL), AFTER_EXIT_MS past its exit, and PROCESS_OUTPUT_MAX_BYTES of stdout
 * (SIGKILL: what follows is not credentials). Every timer is cleared on the way
 * out, so nothing keeps the helper alive after the answer.
 */
async function finish(proc: Bun.Subprocess<"ignore", "pipe", "pipe">): Promise<Finished> {
  let timedOut = false;
  const term = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGTERM");
  }, PROCESS_TIMEOUT_MS);
  const kill = setTimeout(() => proc.kill("SIGKILL"), PROCESS_TIMEOUT_MS + 2000);
  let afterExit: ReturnType<typeof setTimeout> | undefined;
  // Registered before the Promise.all below, so `afterExit` is set before that resolves and the finally clears it.
  const pipesGiveUp = new Promise<void>((resolve) => {
    void proc.exited.then(() => {
      afterExit = setTimeout(resolve, AFTER_EXIT_MS);
    });
  });
  try {
    const [stdout, stderr, code] = await Promise.all([
      readCapped(proc.stdout, PROCESS_OUTPUT_MAX_BYTES, pipesGiveUp).then((r) => {
        if (r.over) proc.kill("SIGKILL");
        return r;
      }),
      // Kept for the error message only; a child that floods it is cut off there (and gets EPIPE).
      readCapped(proc.stderr, PROCESS_OUTPUT_MAX_BYTES, pipesGiveUp),
      proc.exited,
    ]);
    return { stdout, stderr, code, timedOut };
  } finally {
    clearTimeout(term);
    clearTimeout(kill);
    clearTimeout(afterExit);
  }
}
