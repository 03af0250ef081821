// ECS task roles, CodeBuild, EKS Pod Identity: the container credentials endpoint.
import { lastLine, NetworkNeeded, RetrievalError } from "../../errors.ts";
import { jsonObject } from "../../util/json.ts";
import { readRegularText } from "../../util/files.ts";
import { TOKEN_FILE_MAX_BYTES } from "../cache.ts";
import type { Env } from "../../context.ts";
import { checkedCredentials, parseExpiration, type Credentials } from "../credentials.ts";
import { httpRequest } from "../http.ts";
import type { Session } from "../session.ts";

const METHOD = "container-role";
/** botocore's MetadataRetrievalError wraps the endpoint's failures in this, and the CLI prints it. */
const METADATA_ERROR = "Error retrieving metadata: ";
/** Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points (the ECS agent). */
export const ECS_ENDPOINT = "http://169.254.170.2";
/** Plain-http hosts botocore 1.43 allows for a full URI, besides loopback addresses. */
const ALLOWED_HTTP_HOSTS = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"];

function isLoopback(host: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(host) || host === "::1";
}

/** The endpoint URL, validated as botocore validates it; throws its message for a refused host. */
export function containerUrl(env: Env): string {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (relative !== undefined) return `${ECS_ENDPOINT}${relative}`;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw new RetrievalError(METHOD, `AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL: ${full}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol === "http:" && !isLoopback(host) && !ALLOWED_HTTP_HOSTS.includes(host)) {
    throw new RetrievalError(
      METHOD,
      `Unsupported host '${host}'.  Can only retrieve metadata from a loopback address or one of these hosts: ${ALLOWED_HTTP_HOSTS.join(", ")}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RetrievalError(METHOD, `AWS_CONTAINER_CREDENTIALS_FULL_URI must be http or https: ${full}`);
  }
  return full;
}

/** The token file (re-read each time: it is rotated) beats the env token. */
function authorization(env: Env): string | undefined {
  const file = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  let token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (file) {
    try {
      token = readRegularText(file, TOKEN_FILE_MAX_BYTES);
    } catch (e) {
      throw new RetrievalError(METHOD, (e as Error).message);
    }
  }
  if (token !== undefined && /[\r\n]/.test(token)) throw new RetrievalError(METHOD, "Auth token value is not a legal header value");
  return token;
}

export async function fromContainer(session: Session): Promise<Credentials> {
  const env = session.ctx.env;
  const url = containerUrl(env);
  if (session.offline) throw new NetworkNeeded(`the container credentials endpoint ${url}`);
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = authorization(env);
  if (token !== undefined) headers.Authorization = token;
  session.debug(`credentials: container endpoint ${url}`);
  let res;
  try {
    // Never through a proxy: the endpoint is link-local or on this host.
    res = await httpRequest(url, { headers, env, useProxy: false, timeoutMs: 2000, attempts: 3 });
  } catch (e) {
    throw new RetrievalError(METHOD, (e as Error).message);
  }
  if (res.status !== 200) {
    throw new RetrievalError(METHOD, `${METADATA_ERROR}Received non 200 response ${res.status} from container metadata: ${lastLine(res.body)}`);
  }
  const c = jsonObject(res.body);
  if (!c) throw new RetrievalError(METHOD, `${METADATA_ERROR}Unable to parse JSON returned from container metadata services`);
  if (typeof c.AccessKeyId !== "string" || typeof c.SecretAccessKey !== "string") {
    throw new RetrievalError(METHOD, "the container endpoint's answer has no AccessKeyId and SecretAccessKey");
  }
  return checkedCredentials<Credentials>(
    {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: typeof c.Token === "string" ? c.Token : undefined,
      expiration: typeof c.Expiration === "string" ? parseExpiration(c.Expiration) : undefined,
      source: METHOD,
    },
    (field) => `the ${field === "SessionToken" ? "Token" : field} from the container credentials endpoint`,
  );
}
