// The EC2 instance role's credentials, from instance metadata (botocore's
// InstanceMetadataProvider, method "iam-role").
import { NetworkNeeded } from "../../errors.ts";
import { jsonObject } from "../../util/json.ts";
import { checkedCredentials, parseExpiration, type Credentials } from "../credentials.ts";
import { imdsFor, metadata } from "../imds.ts";
import type { Session } from "../session.ts";

export async function fromIamRole(session: Session): Promise<Credentials | undefined> {
  const imds = imdsFor(session);
  if (!imds) return undefined;
  if (session.offline) throw new NetworkNeeded(`EC2 instance metadata at ${imds.base}`);
  const role = (await metadata(session, imds, "latest/meta-data/iam/security-credentials/"))?.trim().split("\n")[0];
  if (!role) return undefined;
  const doc = await metadata(session, imds, `latest/meta-data/iam/security-credentials/${role}`);
  if (!doc) return undefined;
  const c = jsonObject(doc) ?? {};
  const ok = ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"].every((k) => typeof c[k] === "string");
  const expiration = ok ? parseExpiration(c.Expiration as string) : undefined;
  if (!expiration) return undefined;
  return checkedCredentials<Credentials>(
    {
      accessKeyId: c.AccessKeyId as string,
      secretAccessKey: c.SecretAccessKey as string,
      sessionToken: c.Token as string,
      expiration,
      source: `iam-role (${role})`,
    },
    (field) => `the ${field === "SessionToken" ? "Token" : field} from EC2 instance metadata`,
  );
}
