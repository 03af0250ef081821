// `doctor`: what git will actually do for a CodeCommit URL, and why it would
// fail, each problem with the command that fixes it (like GCM's diagnose).
// The target (URL, profile, session, region) is resolved once; each check is a
// function returning its results; one renderer prints them as text or JSON.
import { existsSync } from "node:fs";
import type { Context } from "../context.ts";
import { NetworkNeeded, ProfileNotFound, ServiceError, UserError } from "../errors.ts";
import { COMMIT, NAME, VERSION } from "../version.ts";
import { atLeast, configEntries, effectiveHelpers, gitVersion, MIN_GIT, regexLiteral, runGit, type ConfigEntry, type HelperEntry } from "../git/config.ts";
import { ourHelper } from "../git/helper-line.ts";
import { isCodeCommitHost } from "../codecommit/host.ts";
import { AWS_CLI_HELPER } from "../codecommit/patterns.ts";
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
  if (opts.network && target.session && creds) checks.push(...(await networkChecks(target.session, creds, target.url)));
  return render(ctx, checks, opts.json);
}

const endpoint = (region: string) => `https://git-codecommit.${region}.amazonaws.com/v1/repos/example`;

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
  const helper = helperFor(opts.url ?? endpoint(opts.region ?? "us-east-1"));
  const profile = opts.profile ?? (helper && optionOf(helper.args, "--profile"));
  let session: Session | undefined;
  let problem: Error | undefined;
  try {
    session = await openSession(ctx, { profile, region: opts.region, offline: !opts.network, debug: opts.debug });
  } catch (e) {
    problem = e as Error;
  }
  const url = opts.url ?? endpoint(configuredRegion(session) ?? "us-east-1");
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
  const same = (a: ConfigEntry, b: ConfigEntry) => a.origin === b.origin && a.key === b.key && a.value === b.value;
  for (const e of entries.filter((e) => AWS_CLI_HELPER.test(e.value) && !helpers.some((h) => same(h, e)))) {
    checks.push(check("migration", "warn", `an AWS CLI credential-helper setting is still configured: ${e.key} (${e.origin})`, `${NAME} setup --replace`));
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

const AWS_CAUSES: Record<string, string> = {
  InvalidClientTokenId: "AWS does not know this access key (deleted, deactivated, or from another partition such as aws-cn or aws-us-gov)",
  SignatureDoesNotMatch: "the secret key does not belong to this access key",
  ExpiredToken: "the session token has expired",
  AccessDenied: "the credentials are valid but may not call sts:GetCallerIdentity",
};

async function networkChecks(session: Session, creds: Credentials, url: string): Promise<Check[]> {
  const { caBundle, httpRequest } = await import("../aws/http.ts");
  const { callSts, xmlText } = await import("../aws/sts.ts");
  const env = session.ctx.env;
  const origin = new URL(url).origin;
  const checks: Check[] = [];
  try {
    const sent = session.ctx.now().getTime();
    const res = await httpRequest(`${origin}/`, { env, attempts: 1, timeoutMs: 5000, caBundle: caBundle(env, session.profile) });
    const date = res.headers.get("date");
    if (!date) {
      checks.push(check("clock", "warn", `${origin} sent no Date header to compare the clock with`));
    } else {
      const offset = Math.round((Date.parse(date) - sent) / 1000);
      checks.push(
        Math.abs(offset) > 300
          ? check("clock", "fail", `this clock is ${Math.abs(offset)} s ${offset > 0 ? "behind" : "ahead of"} ${origin}: signatures will be rejected`, "synchronise the clock (e.g. enable NTP)")
          : check("clock", "ok", `within ${Math.max(1, Math.abs(offset))} s of ${origin}`),
      );
    }
  } catch (e) {
    checks.push(check("clock", "warn", `could not reach ${origin}: ${(e as Error).message}`));
  }
  try {
    const xml = await callSts(session, "GetCallerIdentity", {}, creds);
    checks.push(check("aws", "ok", `AWS accepts these credentials: account ${xmlText(xml, "Account")}, ${xmlText(xml, "Arn")}`));
  } catch (e) {
    const message = (e as Error).message;
    const cause = e instanceof ServiceError ? AWS_CAUSES[e.code] : undefined;
    checks.push(check("aws", "fail", cause ? `${cause}: ${message}` : message, "renew or correct the credentials, then run doctor --network again"));
  }
  return checks;
}
