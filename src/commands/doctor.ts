// `doctor`: what git will actually do for a CodeCommit URL, and why it would
// fail, each problem with the command that fixes it (like GCM's diagnose).
import { existsSync } from "node:fs";
import type { Context } from "../context.ts";
import { NetworkNeeded, UserError } from "../errors.ts";
import { COMMIT, NAME, VERSION } from "../version.ts";
import { atLeast, configEntries, effectiveHelpers, gitVersion, MIN_GIT, regexLiteral, runGit, type ConfigEntry, type HelperEntry } from "../git/config.ts";
import { ourHelper } from "../git/helper-line.ts";
import { isCodeCommitHost, regionFromHost } from "../codecommit/host.ts";
import { AWS_CLI_HELPER } from "../codecommit/patterns.ts";
import { openSession, type Session } from "../aws/session.ts";
import { sessionRegion } from "../aws/region.ts";
import { resolveCredentials } from "../aws/chain.ts";
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

function optionOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

export async function doctor(ctx: Context, opts: DoctorOptions): Promise<number> {
  const checks: Check[] = [];
  const add = (name: string, status: Status, message: string, fix?: string) => checks.push({ name, status, message, fix });

  const version = await gitVersion(ctx);
  if (!atLeast(version, MIN_GIT)) {
    add("git", "fail", `git ${version.join(".")} is too old for wildcard credential URLs`, `install git ${MIN_GIT.join(".")} or later`);
  } else if (!atLeast(version, [2, 40, 0])) {
    add("git", "ok", `git ${version.join(".")} (2.40 and later also drop expired passwords via password_expiry_utc)`);
  } else {
    add("git", "ok", `git ${version.join(".")}`);
  }

  const entries = await configEntries(ctx, "^credential\\.");
  // The profile is --profile, or the one the configured helper passes; the default URL is in its region.
  const endpoint = (region: string) => `https://git-codecommit.${region}.amazonaws.com/v1/repos/example`;
  const helperProfile = (u: string) => {
    const found = effectiveHelpers(entries, u).map((h) => ourHelper(h.value)).find(Boolean);
    return found && optionOf(found.args, "--profile");
  };
  const profile = opts.profile ?? helperProfile(opts.url ?? endpoint(opts.region ?? "us-east-1"));
  const url = opts.url ?? endpoint(opts.region ?? (await tryRegion(ctx, profile)) ?? "us-east-1");
  const { host, origin } = repositoryUrl(url);
  const setupFix = `${NAME} setup${isCodeCommitHost(host) && !/:\d+$/.test(host) ? "" : ` --url ${origin}`}`;

  const helpers = effectiveHelpers(entries, url);
  const ours = helpers.find((h) => ourHelper(h.value));
  if (!ours) {
    add("helper", "fail", `git will not run ${NAME} for ${url}` + describeHelpers(helpers), setupFix);
  } else {
    add("helper", "ok", `git runs ${ours.value} for ${url} (${ours.origin})`);
    const others = helpers.filter((h) => h !== ours);
    for (const h of others) {
      const aws = AWS_CLI_HELPER.test(h.value);
      add(
        "helper",
        "fail",
        aws
          ? `git also runs the AWS CLI's helper "${h.value}" (${h.origin})`
          : `git also runs helper "${shown(h.value)}" (${h.origin}) for this URL: it will store the 15-minute password and hand it back after it expires`,
        aws ? `${NAME} setup --replace` : unsetFix(h),
      );
    }
  }
  const same = (a: ConfigEntry, b: ConfigEntry) => a.origin === b.origin && a.key === b.key && a.value === b.value;
  const leftovers = entries.filter((e) => AWS_CLI_HELPER.test(e.value) && !helpers.some((h) => same(h, e)));
  for (const e of leftovers) {
    add("migration", "warn", `an AWS CLI credential-helper setting is still configured: ${e.key} (${e.origin})`, `${NAME} setup --replace`);
  }

  const useHttpPath = await runGit(ctx, ["config", "--bool", "--get-urlmatch", "credential.usehttppath", url]);
  if (useHttpPath.stdout.trim() === "true") add("useHttpPath", "ok", "credential.useHttpPath is on for this URL");
  else add("useHttpPath", "fail", "credential.useHttpPath is off for this URL: git won't send the repository path to sign", setupFix);

  if (ours) {
    const parsed = ourHelper(ours.value)!;
    if (!existsSync(parsed.binary)) {
      add("binary", "fail", `the configured helper ${parsed.binary} does not exist`, setupFix);
    } else {
      const r = Bun.spawnSync([parsed.binary, "--version"], { env: { ...ctx.env }, stdout: "pipe", stderr: "pipe" });
      const theirs = r.stdout.toString().trim();
      const mine = `${NAME} ${VERSION} (${COMMIT})`;
      if (theirs === mine) add("binary", "ok", `${parsed.binary} is ${mine}`);
      else add("binary", "warn", `${parsed.binary} is "${theirs || "unrunnable"}", this is ${mine}`, setupFix);
    }
  }

  let session: Session | undefined;
  try {
    session = await openSession(ctx, { profile, region: opts.region, offline: !opts.network, debug: opts.debug });
    const hostRegion = regionFromHost(host);
    const region = hostRegion !== undefined ? { name: hostRegion, source: `the host ${host}` } : sessionRegion(session);
    if (region) add("region", "ok", `${region.name} (from ${region.source})`);
    else add("region", "fail", `no region: ${host} does not name one`, `${NAME} setup --region REGION${opts.url ? ` --url ${origin}` : ""}`);
  } catch (e) {
    const message = (e as Error).message;
    const missing = /^The config profile \((.*)\) could not be found$/.exec(message)?.[1];
    add("config", "fail", message, missing !== undefined ? `aws configure --profile '${missing}'` : "correct the file named above");
  }

  let creds: Credentials | undefined;
  if (session) {
    try {
      creds = await resolveCredentials(session);
      const expiry = creds.expiration ? `, expires ${creds.expiration.toISOString()}` : "";
      add("credentials", "ok", `profile "${session.profileName}": ${creds.source}, access key ${maskKeyId(creds.accessKeyId)}${expiry}`);
    } catch (e) {
      if (e instanceof NetworkNeeded) {
        add("credentials", "ok", `profile "${session.profileName}": would call ${e.message} (not done without --network)`);
      } else {
        add("credentials", "fail", (e as Error).message, "aws configure, or choose a profile with --profile");
      }
    }
  }

  if (opts.network && session && creds) await networkChecks(session, creds, url, add);

  const healthy = !checks.some((c) => c.status === "fail");
  if (opts.json) {
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

async function tryRegion(ctx: Context, profile?: string): Promise<string | undefined> {
  try {
    return sessionRegion(await openSession(ctx, { profile }))?.name;
  } catch {
    return undefined;
  }
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

async function networkChecks(
  session: Session,
  creds: Credentials,
  url: string,
  add: (name: string, status: Status, message: string, fix?: string) => void,
) {
  const { caBundle, httpRequest } = await import("../aws/http.ts");
  const { callSts, xmlText } = await import("../aws/sts.ts");
  const env = session.ctx.env;
  const origin = new URL(url).origin;
  try {
    const sent = session.ctx.now().getTime();
    const res = await httpRequest(`${origin}/`, {
      env,
      attempts: 1,
      timeoutMs: 5000,
      caBundle: caBundle(env, session.profile),
    });
    const date = res.headers.get("date");
    if (!date) {
      add("clock", "warn", `${origin} sent no Date header to compare the clock with`);
    } else {
      const offset = Math.round((Date.parse(date) - sent) / 1000);
      if (Math.abs(offset) > 300) {
        add("clock", "fail", `this clock is ${Math.abs(offset)} s ${offset > 0 ? "behind" : "ahead of"} ${origin}: signatures will be rejected`, "synchronise the clock (e.g. enable NTP)");
      } else {
        add("clock", "ok", `within ${Math.max(1, Math.abs(offset))} s of ${origin}`);
      }
    }
  } catch (e) {
    add("clock", "warn", `could not reach ${origin}: ${(e as Error).message}`);
  }
  try {
    const xml = await callSts(session, "GetCallerIdentity", {}, creds);
    add("aws", "ok", `AWS accepts these credentials: account ${xmlText(xml, "Account")}, ${xmlText(xml, "Arn")}`);
  } catch (e) {
    const message = (e as Error).message;
    const code = /An error occurred \((\w+)\)/.exec(message)?.[1];
    const cause: Record<string, string> = {
      InvalidClientTokenId: "AWS does not know this access key (deleted, deactivated, or from another partition such as aws-cn or aws-us-gov)",
      SignatureDoesNotMatch: "the secret key does not belong to this access key",
      ExpiredToken: "the session token has expired",
      AccessDenied: "the credentials are valid but may not call sts:GetCallerIdentity",
    };
    add("aws", "fail", code && cause[code] ? `${cause[code]}: ${message}` : message, "renew or correct the credentials, then run doctor --network again");
  }
}
