// `login`: sign in to IAM Identity Center without the AWS CLI, as `aws sso login`
// (CLI v2.22 and later) does: the authorization code flow with PKCE and a
// loopback listener for sso-session profiles, the device code flow for legacy
// profiles and with --use-device-code. The token and client registration land
// in ~/.aws/sso/cache exactly as the CLI writes them.
//
// Locks: concurrent logins for one session queue on a login lock of their own;
// the lock `get`'s token refresh takes is held only while files are written,
// never through the wait for the person, so git keeps working meanwhile.
import type { Context } from "../context.ts";
import { lastLine, UserError } from "../errors.ts";
import { withFileLock, type HeldLock } from "../aws/cache.ts";
import { withCleanup } from "../aws/cleanup.ts";
import { openSession, type Session } from "../aws/session.ts";
import {
  oidcCall,
  oidcError,
  registerClient,
  registrationFile,
  reusableRegistration,
  ssoServiceUrl,
  ssoSignIn,
  ssoTokenFile,
  tokenRecord,
  writeCliJson,
  type Registration,
  type SsoSignIn,
} from "../aws/sso-oidc.ts";
import { shlexSplit } from "../util/shlex.ts";
import { rfc3986 } from "../util/encoding.ts";
import type { Json } from "../util/json.ts";

export interface LoginOptions {
  profile?: string;
  ssoSession?: string;
  useDeviceCode: boolean;
  noBrowser: boolean;
  debug: boolean;
}

/** How long the PKCE flow waits for the browser to come back (the CLI's AuthCodeFetcher._OVERALL_TIMEOUT). */
const PKCE_WAIT_MS = 10 * 60 * 1000;
/** The device flow's default polling interval and its slow_down step, in seconds (RFC 8628, as botocore). */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const WAITING = "waiting for a sign-in in the browser";

export async function login(ctx: Context, opts: LoginOptions): Promise<number> {
  const session = await openSession(ctx, { profile: opts.profile, debug: opts.debug });
  const target = ssoSignIn(session, opts.ssoSession);
  const tokenFile = ssoTokenFile(ctx.home, target);
  const label = target.sessionName ?? target.startUrl;
  const pkce = target.sessionName !== undefined && !opts.useDeviceCode;
  const token = await withFileLock(
    tokenFile.replace(/\.json$/, ".login"),
    async (held) => {
      const record = pkce ? await pkceFlow(session, target, opts, held) : await deviceFlow(session, target, opts, held);
      await writeLocked(session, tokenFile, record, label);
      return record;
    },
    // A login waits for the person for up to 10 minutes (or the device code's life): so may a second one.
    { waitMs: PKCE_WAIT_MS + 60_000, what: `signing in to ${label}`, notice: session.notice, debug: session.debug },
  );
  ctx.out(`Successfully logged into Start URL: ${target.startUrl} (the session is valid until ${token.expiresAt})\n`);
  return 0;
}

/** Writes one cache file under the lock `get`'s token refresh takes, so neither overwrites the other halfway. */
function writeLocked(session: Session, file: string, record: Record<string, Json>, label: string): Promise<void> {
  return withFileLock(file, async () => writeCliJson(file, record), {
    waitMs: 60_000,
    what: `refreshing the SSO token for ${label}`,
    notice: session.notice,
    debug: session.debug,
  });
}

/** The cached registration this flow may reuse, else a new one, saved for the next login (the CLI's and ours). */
async function registration(session: Session, target: SsoSignIn, redirectUri: string | undefined): Promise<Registration> {
  const reused = await reusableRegistration(session.ctx.home, target, redirectUri !== undefined, session.ctx.now());
  if (reused) {
    session.debug("sso: reusing the cached client registration");
    return reused;
  }
  const { registration, record } = await registerClient(session, target, redirectUri ? { redirectUri } : undefined);
  const file = registrationFile(session.ctx.home, target);
  await writeLocked(session, file, record, target.sessionName ?? target.startUrl);
  return registration;
}

// ---- authorization code with PKCE ----

async function pkceFlow(session: Session, target: SsoSignIn, opts: LoginOptions, held: HeldLock): Promise<Record<string, Json>> {
  const { createHash, randomInt, randomUUID } = await import("node:crypto");
  const state = randomUUID();
  const listener = listen(state);
  return withCleanup(listener.close, async () => {
    const redirectUri = `http://127.0.0.1:${listener.port}/oauth/callback`;
    const reg = await registration(session, target, "http://127.0.0.1/oauth/callback");
    // botocore's verifier: 64 characters from the RFC 7636 unreserved set.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    const verifier = Array.from({ length: 64 }, () => alphabet[randomInt(alphabet.length)]).join("");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const query: Array<[string, string]> = [
      ["response_type", "code"],
      ["client_id", reg.clientId],
      ["redirect_uri", redirectUri],
      ["state", state],
      ["code_challenge_method", "S256"],
      ["scopes", target.scopes?.length ? target.scopes.join(" ") : "sso:account:access"],
    ];
    const base = new URL(ssoServiceUrl(session, "sso_oidc", target.region)).origin;
    const url = `${base}/authorize?${query.map(([k, v]) => `${k}=${rfc3986(v)}`).join("&")}&code_challenge=${challenge}`;
    const ctx = session.ctx;
    ctx.err(opts.noBrowser ? "Open the following URL in a browser on this device." : "Attempting to open your default browser. If the browser does not open, open the following URL.");
    ctx.err("If you are unable to open the URL on this device, run this command again with the '--use-device-code' option.");
    ctx.err("");
    ctx.err(url);
    ctx.err("");
    held.asking(WAITING);
    if (!opts.noBrowser) void tryBrowser(session, url);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UserError("the sign-in was not completed within 10 minutes; nothing was saved. Run login again")), PKCE_WAIT_MS);
    });
    let code: string;
    try {
      code = await Promise.race([listener.code, timeout]);
    } finally {
      clearTimeout(timer);
      listener.close();
    }
    held.asking("");
    session.debug("sso: CreateToken with the authorization code");
    const answer = await oidcCall(session, target.region, "/token", {
      grantType: "authorization_code",
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      redirectUri,
      codeVerifier: verifier,
      code,
    });
    if (!answer.ok) throw oidcError(answer, "CreateToken");
    return tokenRecord(target, reg, answer.body, session.ctx.now());
  });
}

const page = (status: number, title: string, text: string) =>
  new Response(`<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${text}</p>\n`, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The loopback listener: 127.0.0.1 only, on a free port, answering only
 * /oauth/callback. The first callback that carries a code or an error settles
 * it; a state that isn't ours ends the login (a forged or stale redirect).
 */
function listen(state: string): { port: number; code: Promise<string>; close: () => void } {
  let settle!: { resolve(code: string): void; reject(e: Error): void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  code.catch(() => {}); // observed by the race; a rejection before it starts must not count as unhandled
  let done = false;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/oauth/callback" || req.method !== "GET") return new Response("Not Found\n", { status: 404 });
      if (done) return page(400, "Already done", "This sign-in has already finished. You can close this window.");
      const q = url.searchParams;
      const error = q.get("error");
      if (q.get("state") !== state && (error !== null || q.get("code") !== null)) {
        done = true;
        settle.reject(new UserError("the sign-in callback carried a state that is not this login's (an old or forged link?); nothing was saved. Run login again"));
        return page(400, "Sign-in refused", "This page was not opened by the sign-in in progress. Return to the terminal.");
      }
      if (error !== null) {
        done = true;
        const description = q.get("error_description");
        settle.reject(new UserError(`the sign-in failed: ${lastLine(error, 100)}${description ? ` (${lastLine(description, 200)})` : ""}; nothing was saved`));
        return page(400, "Sign-in failed", `${escapeHtml(error)}. Return to the terminal.`);
      }
      const value = q.get("code");
      if (!value) return page(400, "Missing code", "This address needs the code and state the sign-in page sends.");
      done = true;
      settle.resolve(value);
      return page(200, "Signed in", "You can close this window and return to the terminal.");
    },
  });
  let closed = false;
  return {
    port: server.port!,
    code,
    close: () => {
      if (closed) return;
      closed = true;
      // Not forced: the page the browser is waiting for still goes out.
      void server.stop();
    },
  };
}

// ---- device code ----

async function deviceFlow(session: Session, target: SsoSignIn, opts: LoginOptions, held: HeldLock): Promise<Record<string, Json>> {
  const reg = await registration(session, target, undefined);
  const start = await oidcCall(session, target.region, "/device_authorization", {
    clientId: reg.clientId,
    clientSecret: reg.clientSecret,
    startUrl: target.startUrl,
  });
  if (!start.ok) throw oidcError(start, "StartDeviceAuthorization");
  const a = start.body;
  if (typeof a.deviceCode !== "string" || typeof a.userCode !== "string" || typeof a.verificationUri !== "string" || typeof a.expiresIn !== "number") {
    throw new UserError("the StartDeviceAuthorization answer has no deviceCode, userCode, verificationUri and expiresIn");
  }
  const complete = typeof a.verificationUriComplete === "string" ? a.verificationUriComplete : a.verificationUri;
  const deadline = Date.now() + a.expiresIn * 1000;
  let interval = typeof a.interval === "number" && a.interval > 0 ? a.interval : DEFAULT_INTERVAL_S;
  const ctx = session.ctx;
  // A client may be pre-authorized: one attempt before asking the person, as botocore does.
  for (let attempt = 0; ; attempt++) {
    const answer = await oidcCall(session, target.region, "/token", {
      grantType: DEVICE_GRANT,
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      deviceCode: a.deviceCode,
    });
    if (answer.ok) return tokenRecord(target, reg, answer.body, ctx.now());
    const kind = answer.type.replace(/Exception$/, "");
    if (kind === "SlowDown" || answer.error === "slow_down") {
      interval += SLOW_DOWN_S;
      session.notice(`the sign-in service asked us to slow down; asking every ${interval} seconds`);
    } else if (kind === "ExpiredToken" || answer.error === "expired_token") {
      throw new UserError("the device code expired before the sign-in was approved; nothing was saved. Run login again");
    } else if (kind === "AccessDenied" || answer.error === "access_denied") {
      throw new UserError("the sign-in was denied in the browser; nothing was saved");
    } else if (kind !== "AuthorizationPending" && answer.error !== "authorization_pending") {
      throw oidcError(answer, "CreateToken");
    }
    if (attempt === 0) {
      ctx.err(opts.noBrowser ? "Open the following URL:" : "Attempting to open your default browser.\nIf the browser does not open or you wish to use a different device to authorize this request, open the following URL:");
      ctx.err("");
      ctx.err(a.verificationUri);
      ctx.err("");
      ctx.err("Then enter the code:");
      ctx.err("");
      ctx.err(a.userCode);
      ctx.err("");
      ctx.err(`(${complete} fills the code in.)`);
      held.asking(WAITING);
      if (!opts.noBrowser) void tryBrowser(session, complete);
    }
    if (Date.now() + interval * 1000 > deadline) {
      throw new UserError("the device code expired before the sign-in was approved; nothing was saved. Run login again");
    }
    await Bun.sleep(interval * 1000);
  }
}

// ---- the browser ----

/**
 * Opens `url` as Python's webbrowser (so the AWS CLI) does: each $BROWSER
 * entry (`%s` replaced by the URL, else the URL appended), then the
 * platform's opener: open, xdg-open (only with a display), or ShellExecute
 * through rundll32 (not `cmd /c start`: the URL holds `&`). The URL is already
 * on the screen, so a failure only adds a line.
 */
async function tryBrowser(session: Session, url: string): Promise<void> {
  const { env, platform } = session.ctx;
  const commands: string[][] = [];
  for (const entry of (env.BROWSER ?? "").split(platform === "win32" ? ";" : ":")) {
    if (entry.trim() === "") continue;
    try {
      const words = shlexSplit(entry);
      commands.push(entry.includes("%s") ? words.map((w) => w.replaceAll("%s", url)) : [...words, url]);
    } catch {
      session.debug(`login: cannot parse the BROWSER entry ${entry}`);
    }
  }
  if (platform === "darwin") commands.push(["open", url]);
  else if (platform === "win32") commands.push(["rundll32", "url.dll,FileProtocolHandler", url]);
  else if (env.DISPLAY || env.WAYLAND_DISPLAY) commands.push(["xdg-open", url]);
  for (const cmd of commands) {
    try {
      const childEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
      const proc = Bun.spawn(cmd, { env: childEnv, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      // A browser that stays in the foreground has opened: stop waiting for it, and
      // never let it (or this wait) keep us running once the sign-in is done.
      proc.unref();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const opened = new Promise<number>((resolve) => {
        timer = setTimeout(() => resolve(0), 20_000);
        timer.unref();
      });
      const code = await Promise.race([proc.exited, opened]);
      clearTimeout(timer);
      if (code === 0) return;
      session.debug(`login: ${cmd[0]} exited with ${code}`);
    } catch (e) {
      session.debug(`login: cannot run ${cmd[0]}: ${(e as Error).message}`);
    }
  }
  session.notice("could not open a browser; open the URL above yourself (on any device for a code)");
}
