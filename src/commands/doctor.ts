// `doctor`: what git will actually do for a CodeCommit URL, and why it would
// fail, each problem with the command that fixes it (like GCM's diagnose).
// The target (URL, profile, session, region) is resolved once; each check is a
// function returning its results; one renderer prints them as text or JSON.
import { existsSync } from "node:fs";
import type { Context } from "../context.ts";
import { ConnectionError, NetworkNeeded, ProfileNotFound, ServiceError, UserError } from "../errors.ts";
import { COMMIT, NAME, VERSION } from "../version.ts";
import { atLeast, configEntries, effectiveHelpers, gitVersion, helperRuns, credentialKey, MIN_GIT, regexLiteral, runGit, sameEntry, type ConfigEntry, type HelperEntry } from "../git/config.ts";
import { ourHelper } from "../git/helper-line.ts";
import { isCodeCommitHost } from "../codecommit/host.ts";
import { AWS_CLI_HELPER, exampleUrl } from "../codecommit/patterns.ts";
import { hostOrSessionRegion } from "../codecommit/region.ts";
import { openSession, type Session } from "../aws/session.ts";
import { sessionRegion, type Region } from "../aws/region.ts";
import { resolveCredentials } from "../aws/chain.ts";
import { ssoSessionStatus } from "../aws/sso-oidc.ts";
import { maskKeyId, type Credentials } from "../aws/credentials.ts";

export interface DoctorOptions {
  profile?: string;
  region?: string;
  url?: string;
  network: boolean;
  json: boolean;
  debug: boolean;
}

type Status = "ok" | "warn" | "fail";

interface Check {
  name: string;
  status: Status;
  message: string;
  fix?: string;
}

const check = (name: string, status: Status, message: string, fix?: string): Check => ({ name, status, message, fix });

/** What doctor examines: one repository URL, and the AWS session `get` would open for it. */
interface Target {
  url: string;
  host: string;
  /** The `setup` command that configures git for this URL. */
  setupFix: string;
  /** Undefined when the configuration could not be read. */
  session?: Session;
  /** Why the configuration or the region could not be read. */
  problem?: Error;
  /** The region `get` would sign for, if one is found. */
  region?: Region;
}

export async function doctor(ctx: Context, opts: DoctorOptions): Promise<number> {
  const entries = await configEntries(ctx, "^credential\\.");
  const target = await resolveTarget(ctx, opts, entries);
  const helpers = effectiveHelpers(entries, target.url);
  const ours = helpers.find((h) => ourHelper(h.value));

  const checks = [
    ...(await gitCheck(ctx)),
    ...helperChecks(entries, helpers, ours, target),
    ...(await useHttpPathCheck(ctx, target)),
    ...binaryCheck(ctx, ours, target),
    ...regionCheck(target, opts),
    ...(target.session ? await ssoCheck(target.session) : []),
  ];
  let creds: Credentials | undefined;
  if (target.session) {
    const [result, found] = await credentialsCheck(target.session);
    checks.push(result);
    creds = found;
  }
  if (opts.network && target.session && creds) checks.push(await clockCheck(target.session, target.url), await awsCheck(target.session, creds));
  return render(ctx, checks, opts.json);
}

function optionOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

/**
 * The URL (--url, else the endpoint of the configured region), the profile
 * (--profile, else the one the configured helper passes), the session and the
 * region, each found once, the region by the same rule `get` uses.
 */
async function resolveTarget(ctx: Context, opts: DoctorOptions, entries: ConfigEntry[]): Promise<Target> {
  const helperFor = (url: string) => effectiveHelpers(entries, url).map((h) => ourHelper(h.value)).find(Boolean);
  const helper = helperFor(opts.url ?? exampleUrl(opts.region));
  const profile = opts.profile ?? (helper && optionOf(helper.args, "--profile"));
  let session: Session | undefined;
  let problem: Error | undefined;
  try {
    session = await openSession(ctx, { profile, region: opts.region, offline: !opts.network, debug: opts.debug });
  } catch (e) {
    problem = e as Error;
  }
  const url = opts.url ?? exampleUrl(configuredRegion(session));
  const { host, origin } = repositoryUrl(url);
  const setupFix = `${NAME} setup${isCodeCommitHost(host) && !/:\d+$/.test(host) ? "" : ` --url ${origin}`}`;
  let region: Region | undefined;
  if (session) {
    try {
      region = await hostOrSessionRegion(session, host);
    } catch (e) {
      problem = e as Error;
    }
  }
  return { url, host, setupFix, session, problem, region };
}

/** The session's configured region for the default URL, or undefined (its errors are reported by the region check). */
function configuredRegion(session: Session | undefined): string | undefined {
  try {
    return session && sessionRegion(session)?.name;
  } catch {
    return undefined;
  }
}

async function gitCheck(ctx: Context): Promise<Check[]> {
  const version = await gitVersion(ctx);
  if (!atLeast(version, MIN_GIT)) {
    return [check("git", "fail", `git ${version.join(".")} is too old for wildcard credential URLs`, `install git ${MIN_GIT.join(".")} or later`)];
  }
  if (!atLeast(version, [2, 40, 0])) {
    return [check("git", "ok", `git ${version.join(".")} (2.40 and later also drop expired passwords via password_expiry_utc)`)];
  }
  return [check("git", "ok", `git ${version.join(".")}`)];
}

function helperChecks(entries: ConfigEntry[], helpers: HelperEntry[], ours: HelperEntry | undefined, target: Target): Check[] {
  const checks: Check[] = [];
  if (!ours) {
    checks.push(check("helper", "fail", `git will not run ${NAME} for ${target.url}` + describeHelpers(helpers), target.setupFix));
  } else {
    checks.push(check("helper", "ok", `git runs ${ours.value} for ${target.url} (${ours.origin})`));
    for (const h of helpers.filter((h) => h !== ours)) {
      const aws = AWS_CLI_HELPER.test(h.value);
      checks.push(
        check(
          "helper",
          "fail",
          aws
            ? `git also runs the AWS CLI's helper "${h.value}" (${h.origin})`
            : `git also runs helper "${shown(h.value)}" (${h.origin}) for this URL: it will store the 15-minute password and hand it back after it expires`,
          aws ? `${NAME} setup --replace` : unsetFix(h),
        ),
      );
    }
  }
  for (const e of entries.filter((e) => AWS_CLI_HELPER.test(e.value) && !helpers.some((h) => sameEntry(h, e)))) {
    // The same rule as setup's report: one that runs for other CodeCommit URLs (its own section's) fails too.
    checks.push(
      helperRuns(entries, e, target.url)
        ? check("helper", "fail", `git also runs the AWS CLI's helper "${e.value}" (${e.origin}) for ${credentialKey(e.key)!.url} URLs`, `${NAME} setup --replace`)
        : check("migration", "warn", `an AWS CLI credential-helper setting is still configured: ${e.key} (${e.origin})`, `${NAME} setup --replace`),
    );
  }
  return checks;
}

async function useHttpPathCheck(ctx: Context, target: Target): Promise<Check[]> {
  const r = await runGit(ctx, ["config", "--bool", "--get-urlmatch", "credential.usehttppath", target.url]);
  return r.stdout.trim() === "true"
    ? [check("useHttpPath", "ok", "credential.useHttpPath is on for this URL")]
    : [check("useHttpPath", "fail", "credential.useHttpPath is off for this URL: git won't send the repository path to sign", target.setupFix)];
}

function binaryCheck(ctx: Context, ours: HelperEntry | undefined, target: Target): Check[] {
  if (!ours) return [];
  const { binary } = ourHelper(ours.value)!;
  if (!existsSync(binary)) return [check("binary", "fail", `the configured helper ${binary} does not exist`, target.setupFix)];
  const r = Bun.spawnSync([binary, "--version"], { env: { ...ctx.env }, stdout: "pipe", stderr: "pipe" });
  const theirs = r.stdout.toString().trim();
  const mine = `${NAME} ${VERSION} (${COMMIT})`;
  return theirs === mine
    ? [check("binary", "ok", `${binary} is ${mine}`)]
    : [check("binary", "warn", `${binary} is "${theirs || "unrunnable"}", this is ${mine}`, target.setupFix)];
}

function regionCheck(target: Target, opts: DoctorOptions): Check[] {
  if (target.problem) {
    const fix = target.problem instanceof ProfileNotFound ? `aws configure --profile '${target.problem.profile}'` : "correct the file named above";
    return [check("config", "fail", target.problem.message, fix)];
  }
  if (target.region) return [check("region", "ok", `${target.region.name} (from ${target.region.source})`)];
  const origin = new URL(target.url).origin;
  return [check("region", "fail", `no region: ${target.host} does not name one`, `${NAME} setup --region REGION${opts.url ? ` --url ${origin}` : ""}`)];
}

/** An IAM Identity Center profile: whether its sign-in is valid, until when, and whether it renews itself. */
async function ssoCheck(session: Session): Promise<Check[]> {
  let status;
  try {
    status = await ssoSessionStatus(session);
  } catch (e) {
    return [check("sso", "fail", (e as Error).message, "correct the file named above")];
  }
  if (!status) return [];
  const who = `session "${status.session}"${status.session === status.startUrl ? "" : ` (${status.startUrl})`}`;
  const until = status.expiresAt ? status.expiresAt.toISOString() : undefined;
  if (status.valid) {
    return [check("sso", "ok", `${who}: signed in until ${until}${status.canRefresh ? ", and it renews itself" : ""}`)];
  }
  if (status.canRefresh) {
    return [check("sso", "ok", `${who}: the token expired at ${until}; the next request renews it`)];
  }
  const state = until ? `the sign-in expired at ${until}` : `not signed in (no token in ${status.tokenFile})`;
  return [check("sso", "fail", `${who}: ${state}`, status.login)];
}

async function credentialsCheck(session: Session): Promise<[Check, Credentials | undefined]> {
  try {
    const creds = await resolveCredentials(session);
    const expiry = creds.expiration ? `, expires ${creds.expiration.toISOString()}` : "";
    return [check("credentials", "ok", `profile "${session.profileName}": ${creds.source}, access key ${maskKeyId(creds.accessKeyId)}${expiry}`), creds];
  } catch (e) {
    if (e instanceof NetworkNeeded) {
      return [check("credentials", "ok", `profile "${session.profileName}": would call ${e.message} (not done without --network)`), undefined];
    }
    return [check("credentials", "fail", (e as Error).message, "aws configure, or choose a profile with --profile"), undefined];
  }
}

function render(ctx: Context, checks: Check[], json: boolean): number {
  const healthy = !checks.some((c) => c.status === "fail");
  if (json) {
    ctx.out(`${JSON.stringify({ healthy, checks }, null, 2)}\n`);
  } else {
    for (const c of checks) {
      ctx.out(`[${c.status}] ${c.name}: ${c.message}\n`);
      if (c.fix && c.status !== "ok") ctx.out(`       fix: ${c.fix}\n`);
    }
    ctx.out(healthy ? "No problems found.\n" : "Problems found: run the fix commands above.\n");
  }
  return healthy ? 0 : 1;
}

function describeHelpers(helpers: HelperEntry[]): string {
  return helpers.length === 0 ? " (no credential helper applies)" : ` (it runs: ${helpers.map((h) => `"${shown(h.value)}"`).join(", ")})`;
}

/**
 * A helper line as doctor shows it: its first word. Inline helpers
 * (`!f() { echo password=…; }; f`) can carry secrets, and doctor's output gets pasted.
 */
function shown(value: string): string {
  if (AWS_CLI_HELPER.test(value) || ourHelper(value)) return value;
  const first = value.split(/\s/, 1)[0]!;
  return first === value ? value : `${first} …`;
}

function unsetFix(h: HelperEntry): string {
  const key = h.url === undefined ? "credential.helper" : `credential.${h.url}.helper`;
  const file = h.origin.startsWith("file:") ? `--file '${h.origin.slice(5)}' ` : "";
  // The exact value only when doctor may show it; otherwise every such helper in that file.
  const value = shown(h.value) === h.value ? ` '${regexLiteral(h.value)}'` : "";
  return `git config ${file}--unset-all '${key}'${value}, then ${NAME} setup`;
}

/** --url as a URL, or a usage message. */
function repositoryUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "https:") return parsed;
  } catch {
    // reported below
  }
  throw new UserError(`--url must be a repository URL such as https://git-codecommit.us-east-1.amazonaws.com/v1/repos/NAME, not ${url}`, 2);
}

/** Network checks give an answer within this, with one attempt each. */
const NETWORK_TIMEOUT_MS = 5000;
const CLOCK_FIX = "synchronise the clock (e.g. enable NTP)";

async function clockCheck(session: Session, url: string): Promise<Check> {
  const { caBundle, httpRequest } = await import("../aws/http.ts");
  const env = session.ctx.env;
  const origin = new URL(url).origin;
  try {
    const sent = session.ctx.now().getTime();
    const res = await httpRequest(`${origin}/`, { env, attempts: 1, timeoutMs: NETWORK_TIMEOUT_MS, caBundle: caBundle(env, session.profile) });
    const date = res.headers.get("date");
    if (!date) return check("clock", "warn", `${origin} sent no Date header to compare the clock with`);
    const offset = Math.round((Date.parse(date) - sent) / 1000);
    return Math.abs(offset) > 300
      ? check("clock", "fail", `this clock is ${Math.abs(offset)} s ${offset > 0 ? "behind" : "ahead of"} ${origin}: signatures will be rejected`, CLOCK_FIX)
      : check("clock", "ok", `within ${Math.max(1, Math.abs(offset))} s of ${origin}`);
  } catch (e) {
    return check("clock", "warn", `could not reach ${origin}: ${(e as Error).message}`);
  }
}

/** What each AWS error answer means for these credentials, and what fixes it. */
const AWS_CAUSES: Record<string, { cause: string; fix: string }> = {
  InvalidClientTokenId: {
    cause: "AWS does not know this access key (deleted, deactivated, or from another partition such as aws-cn or aws-us-gov)",
    fix: "use an active access key of this partition (aws configure, or the IAM console's security credentials)",
  },
  SignatureDoesNotMatch: {
    cause: "the secret key does not belong to this access key",
    fix: "set the secret access key that belongs to this access key (aws configure)",
  },
  ExpiredToken: {
    cause: "the session token has expired",
    fix: "get a new session (aws sso login, aws login, or new role credentials in the environment)",
  },
  AccessDenied: {
    cause: "the credentials are valid but may not call sts:GetCallerIdentity",
    fix: "ask an administrator to allow sts:GetCallerIdentity (an SCP or permissions boundary denies it)",
  },
};

/** A signature AWS refused because of the time in it: this clock is off, not the credentials. */
const CLOCK_SKEW = { cause: "this clock is more than 5 minutes off AWS's, so AWS refuses the signature", fix: CLOCK_FIX };

async function awsCheck(session: Session, creds: Credentials): Promise<Check> {
  const { callSts, xmlText } = await import("../aws/sts.ts");
  try {
    const xml = await callSts(session, "GetCallerIdentity", {}, creds, { attempts: 1, timeoutMs: NETWORK_TIMEOUT_MS });
    return check("aws", "ok", `AWS accepts these credentials: account ${xmlText(xml, "Account")}, ${xmlText(xml, "Arn")}`);
  } catch (e) {
    if (e instanceof ConnectionError) return connectionCheck(session, e);
    const message = (e as Error).message;
    const skewed = e instanceof ServiceError && (e.code === "RequestExpired" || (e.code === "SignatureDoesNotMatch" && /Signature expired/i.test(message)));
    const known = skewed ? CLOCK_SKEW : e instanceof ServiceError ? AWS_CAUSES[e.code] : undefined;
    return known
      ? check("aws", "fail", `${known.cause}: ${message}`, known.fix)
      : check("aws", "fail", message, "renew or correct the credentials, then run doctor --network again");
  }
}

/** No answer from STS: name what stood in the way (DNS, the port, the proxy, the certificate), not the credentials. */
async function connectionCheck(session: Session, e: ConnectionError): Promise<Check> {
  const { caBundleSource, proxyVariable } = await import("../aws/http.ts");
  const env = session.ctx.env;
  const url = new URL(e.url);
  const endpointFix = "the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's endpoint_url or region)";
  if (e.failure === "tls") {
    const bundle = caBundleSource(env, session.profile);
    const trust = bundle ? `the CA bundle ${bundle.path} (${bundle.from})` : "the system's trust store (no AWS_CA_BUNDLE or ca_bundle)";
    const signer = `the CA that signed ${url.host}'s certificate${e.proxy ? " (the proxy's own CA, if it inspects TLS)" : ""}`;
    return check(
      "aws",
      "fail",
      `the TLS certificate of ${url.origin} is not trusted by ${trust}${e.proxy ? `, through the proxy ${shownProxy(e.proxy)}` : ""}: ${e.detail}`,
      bundle ? `add ${signer} to ${bundle.path}` : `set AWS_CA_BUNDLE (or the profile's ca_bundle) to a PEM file holding ${signer}`,
    );
  }
  if (e.proxy) {
    const name = proxyVariable(env, url.protocol === "https:" ? "https_proxy" : "http_proxy")!;
    const noProxy = proxyVariable(env, "no_proxy");
    const bypass = noProxy ? `${noProxy}=${env[noProxy]}` : "no NO_PROXY";
    return check(
      "aws",
      "fail",
      `could not reach ${url.origin} through the proxy ${shownProxy(e.proxy)} (${name}; ${bypass}): ${e.detail}`,
      `correct or unset ${name}, or add ${url.hostname} to NO_PROXY`,
    );
  }
  switch (e.failure) {
    case "dns":
      return check("aws", "fail", `${url.hostname} does not resolve (DNS): ${e.detail}`, `check the network connection and DNS, or ${endpointFix}`);
    case "refused":
      return check("aws", "fail", `${url.host} refused the connection: ${e.detail}`, `check ${endpointFix}, and any firewall`);
    case "timeout":
      return check(
        "aws",
        "fail",
        `no answer from ${url.origin} within ${NETWORK_TIMEOUT_MS / 1000} s`,
        "check the network connection, a firewall or VPN; if this network needs a proxy, set HTTPS_PROXY",
      );
    default:
      return check("aws", "fail", e.message, "check the network connection, then run doctor --network again");
  }
}

/** A proxy URL without its credentials, which doctor's output (often pasted) must never carry. */
function shownProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    const hidden = u.username || u.password ? "<credentials hidden>@" : "";
    return `${u.protocol}//${hidden}${u.host}`;
  } catch {
    return "(not a valid URL)";
  }
}
