// HTTP for the credential providers: bounded timeouts, a few jittered retries,
// and proxies and CA bundles decided from the context's environment (never from
// Bun's own reading of process.env), so behaviour is the same in tests and binary.
import type { Env } from "../context.ts";
import { setting, type Profile } from "./config-files.ts";
import { ConnectionError, UserError, type ConnectionFailure } from "../errors.ts";
import { readCapped } from "../util/stream.ts";
import { readRegularText, sizeText } from "../util/files.ts";

/** Every answer we expect (STS XML, SSO and container JSON, a metadata document) is a few KiB. */
export const HTTP_BODY_MAX_BYTES = 1 << 20;

/** A system's whole trust store is a few hundred KiB. */
const CA_BUNDLE_MAX_BYTES = 16 << 20;

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per attempt. */
  timeoutMs?: number;
  attempts?: number;
  /** Whether HTTP(S)_PROXY applies. Never for IMDS or container endpoints. */
  useProxy?: boolean;
  /** A PEM bundle that replaces the default trust store (AWS_CA_BUNDLE / ca_bundle). */
  caBundle?: string;
  env: Env;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const THROTTLING = /<Code>(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|RequestThrottled)<\/Code>/;
/** No request, retries included, outlives this. */
const TOTAL_BUDGET_MS = 30_000;

/** An environment setting as Python's urllib reads proxies: the lower-case name first, empty meaning unset. */
function proxySetting(env: Env, name: string): string | undefined {
  return env[proxyVariable(env, name) ?? ""];
}

/** Which spelling of a proxy variable is in effect (`https_proxy` or `HTTPS_PROXY`), if either is set. */
export function proxyVariable(env: Env, name: string): string | undefined {
  return [name.toLowerCase(), name.toUpperCase()].find((n) => env[n]);
}

/** The proxy botocore would use for `url`, honouring NO_PROXY. */
export function proxyFor(url: URL, env: Env): string | undefined {
  const proxy = proxySetting(env, url.protocol === "https:" ? "https_proxy" : "http_proxy");
  if (!proxy) return undefined;
  const noProxy = (proxySetting(env, "no_proxy") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const entry of noProxy) {
    if (entry === "*") return undefined;
    const bare = entry.replace(/^\*?\.?/, "");
    // `host:port`, where only a bracketed IPv6 literal may hold colons of its own (`::1` is a host).
    const hostPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(bare);
    const name = (hostPort?.[1] ?? bare).replace(/^\[|\]$/g, "");
    if (hostPort?.[2] && hostPort[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}

/** Where the CA bundle comes from, if one replaces the default trust store: AWS_CA_BUNDLE, else the profile's ca_bundle. */
export function caBundleSource(env: Env, profile: Profile): { path: string; from: string } | undefined {
  if (env.AWS_CA_BUNDLE) return { path: env.AWS_CA_BUNDLE, from: "AWS_CA_BUNDLE" };
  const path = setting(profile, "ca_bundle");
  return path ? { path, from: "the profile's ca_bundle" } : undefined;
}

/** The PEM bundle AWS_CA_BUNDLE or the profile's ca_bundle names, read with a message a person can act on. */
export function caBundle(env: Env, profile: Profile): string | undefined {
  const path = caBundleSource(env, profile)?.path;
  if (!path) return undefined;
  try {
    return readRegularText(path, CA_BUNDLE_MAX_BYTES);
  } catch (e) {
    throw new UserError(`cannot read the CA bundle ${path} (AWS_CA_BUNDLE or ca_bundle): ${(e as Error).message}`);
  }
}

class RetryableError extends Error {}

/** A configured or built endpoint as a URL, or the CLI's error for one that isn't. */
export function endpointUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed;
  } catch {
    // reported below
  }
  throw new UserError(`Invalid endpoint: ${url}`);
}

export async function httpRequest(url: string, opts: HttpOptions): Promise<HttpResponse> {
  const target = endpointUrl(url);
  const attempts = opts.attempts ?? 3;
  const deadline = Date.now() + TOTAL_BUDGET_MS;
  const proxy = opts.useProxy === false ? undefined : proxyFor(target, opts.env);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const timeout = Math.min(opts.timeoutMs ?? 10_000, deadline - Date.now());
    if (timeout <= 0) break;
    try {
      const res = await fetch(target, {
        method: opts.method ?? "GET",
        headers: opts.headers,
        body: opts.body,
        signal: AbortSignal.timeout(timeout),
        proxy: proxy ?? (false as unknown as string),
        redirect: "manual",
        ...(opts.caBundle ? { tls: { ca: opts.caBundle } } : {}),
      });
      const body = await boundedBody(res, url);
      const response = { status: res.status, headers: res.headers, body };
      if ((RETRYABLE_STATUS.has(res.status) || (res.status === 400 && THROTTLING.test(body))) && attempt < attempts) {
        lastError = new RetryableError(`HTTP ${res.status}`);
      } else {
        return response;
      }
    } catch (e) {
      if (e instanceof OversizedAnswer) throw e;
      lastError = e;
    }
    // Full jitter on an exponential base, as the AWS SDKs back off; no wait once the attempts are spent.
    if (attempt < attempts) await Bun.sleep(Math.random() * Math.min(1000, 100 * 2 ** attempt));
  }
  throw connectionError(url, lastError, proxy);
}

/** An answer too big to be one: said once, not retried. */
class OversizedAnswer extends UserError {}

/** The body, read as it streams in (an endless answer stops at the cap; the attempt's timeout bounds a trickle). */
async function boundedBody(res: Response, url: string): Promise<string> {
  if (!res.body) return "";
  const { data, over } = await readCapped(res.body, HTTP_BODY_MAX_BYTES);
  if (over) throw new OversizedAnswer(`the answer from ${url} is larger than ${sizeText(HTTP_BODY_MAX_BYTES)}; it is not an AWS answer`);
  return data.toString("utf8");
}

/** TLS verification failures, by the OpenSSL-style codes Bun's fetch reports. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|^ERR_TLS|^ERR_SSL/;

/** What Bun's fetch error says went wrong (measured: see test/aws/http.test.ts). */
function failureOf(cause: unknown): ConnectionFailure {
  const e = cause as { name?: string; code?: unknown } | undefined;
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timeout";
  const code = typeof e?.code === "string" ? e.code : "";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return "dns";
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ERR_PROXY_TUNNEL") return "proxy";
  if (TLS_CODES.test(code)) return "tls";
  return "other";
}

function connectionError(url: string, cause: unknown, proxy: string | undefined): ConnectionError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ConnectionError(url, failureOf(cause), detail, proxy);
}
