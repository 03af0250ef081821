// credential_process: an external command (aws-vault, 1Password, granted…) that
// prints Version 1 JSON. Run without a shell, like botocore.
import { lastLine, NetworkNeeded, RetrievalError } from "../../errors.ts";
import { parseExpiration, type Credentials } from "../credentials.ts";
import { setting } from "../config-files.ts";
import type { Session } from "../session.ts";
import { splitCommand } from "../../util/shlex.ts";

/**
 * Generous on purpose: aws-vault or 1Password may be waiting for a person to
 * touch a key or approve a prompt. Documented in the README.
 */
export const PROCESS_TIMEOUT_MS = 5 * 60_000;

const METHOD = "custom-process";

/**
 * A child's output up to its end, or until shortly after the child exits: a
 * background process it started may hold the pipe open long after.
 */
async function collect(stream: ReadableStream<Uint8Array>, exited: Promise<number>): Promise<string> {
  const reader = stream.getReader();
  let finished = false;
  void exited.then(() => Bun.sleep(1000)).then(() => {
    if (!finished) void reader.cancel();
  });
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  finished = true;
  return Buffer.concat(chunks).toString("utf8");
}

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

  let proc;
  try {
    // stdin is /dev/null: git's pipe is ours and already read to the end.
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...session.ctx.env } });
  } catch (e) {
    throw new RetrievalError(METHOD, `cannot run ${argv[0]}: ${(e as Error).message}`);
  }
  let timedOut = false;
  const term = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGTERM");
  }, PROCESS_TIMEOUT_MS);
  const kill = setTimeout(() => proc.kill("SIGKILL"), PROCESS_TIMEOUT_MS + 2000);
  const [stdout, stderr, code] = await Promise.all([
    collect(proc.stdout, proc.exited),
    collect(proc.stderr, proc.exited),
    proc.exited,
  ]);
  clearTimeout(term);
  clearTimeout(kill);
  const said = lastLine(stderr);
  const theirs = said ? ` (its stderr: ${said})` : "";
  if (timedOut) {
    throw new RetrievalError(METHOD, `${argv[0]} did not finish within ${PROCESS_TIMEOUT_MS / 60_000} minutes${theirs}`);
  }
  if (code !== 0) throw new RetrievalError(METHOD, said || `${argv[0]} exited with status ${code}`);

  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(stdout);
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
  const creds: Credentials = {
    accessKeyId: parsed.AccessKeyId as string,
    secretAccessKey: parsed.SecretAccessKey as string,
    sessionToken: typeof parsed.SessionToken === "string" && parsed.SessionToken ? parsed.SessionToken : undefined,
    source: METHOD,
  };
  if (typeof parsed.Expiration === "string") {
    creds.expiration = parseExpiration(parsed.Expiration);
    if (!creds.expiration) throw new RetrievalError(METHOD, `Expiration is not an ISO 8601 time: ${parsed.Expiration}`);
  }
  return creds;
}
