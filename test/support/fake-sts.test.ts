// Proves the fake STS on its own, without the product: its SigV4 verifier
// against AWS's published example, and its answers to requests signed here by
// a third small signer (Bun.CryptoHasher), so a mistake shared with either the
// product or the fake would have to be made twice.
import { describe, expect, test } from "bun:test";
import { startFakeSts, verifySigV4, type FakeSts } from "./fake-sts.ts";

// The worked example of AWS's "Signature Version 4" documentation (IAM ListUsers).
const EXAMPLE = {
  url: new URL("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
  headers: {
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    host: "iam.amazonaws.com",
    "x-amz-date": "20150830T123600Z",
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, " +
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
  },
};
const EXAMPLE_KEYS = new Map([["AKIDEXAMPLE", { secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }]]);

describe("verifySigV4", () => {
  test("accepts AWS's published example", () => {
    const check = verifySigV4({ method: "GET", url: EXAMPLE.url, headers: new Headers(EXAMPLE.headers), body: "" }, EXAMPLE_KEYS);
    expect(check.verified).toBe(true);
    expect(check.scope).toBe("20150830/us-east-1/iam/aws4_request");
  });

  test("rejects it with any part changed", () => {
    const variants: Array<[string, () => Parameters<typeof verifySigV4>[0]]> = [
      ["body", () => ({ method: "GET", url: EXAMPLE.url, headers: new Headers(EXAMPLE.headers), body: "x" })],
      ["method", () => ({ method: "POST", url: EXAMPLE.url, headers: new Headers(EXAMPLE.headers), body: "" })],
      ["query", () => ({ method: "GET", url: new URL("https://iam.amazonaws.com/?Action=ListRoles&Version=2010-05-08"), headers: new Headers(EXAMPLE.headers), body: "" })],
      ["signed header", () => ({ method: "GET", url: EXAMPLE.url, headers: new Headers({ ...EXAMPLE.headers, host: "iam.amazonaws.com:443" }), body: "" })],
    ];
    for (const [what, make] of variants) {
      const check = verifySigV4(make(), EXAMPLE_KEYS);
      expect({ what, verified: check.verified }).toEqual({ what, verified: false });
    }
    const wrongSecret = new Map([["AKIDEXAMPLE", { secretAccessKey: "other" }]]);
    expect(verifySigV4({ method: "GET", url: EXAMPLE.url, headers: new Headers(EXAMPLE.headers), body: "" }, wrongSecret).verified).toBe(false);
  });
});

// --- an independent signer for live requests --------------------------------

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return new Bun.CryptoHasher("sha256", key).update(data).digest() as Uint8Array;
}

const sha256 = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

async function post(sts: FakeSts, body: string, keys?: Keys, region = "us-east-1"): Promise<{ status: number; xml: string }> {
  const host = new URL(sts.url).host;
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", host, "x-amz-date": amzDate };
  if (keys?.sessionToken) headers["x-amz-security-token"] = keys.sessionToken;
  if (keys) {
    const names = Object.keys(headers).sort();
    const canonical = ["POST", "/", "", names.map((n) => `${n}:${headers[n]}\n`).join(""), names.join(";"), sha256(body)].join("\n");
    const scope = `${amzDate.slice(0, 8)}/${region}/sts/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
    let key = hmac(`AWS4${keys.secretAccessKey}`, amzDate.slice(0, 8));
    for (const part of [region, "sts", "aws4_request"]) key = hmac(key, part);
    const signature = new Bun.CryptoHasher("sha256", key).update(toSign).digest("hex");
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  }
  const res = await fetch(`${sts.url}/`, { method: "POST", headers, body, proxy: false as unknown as string, ...(sts.caFile ? { tls: { ca: await Bun.file(sts.caFile).text() } } : {}) });
  return { status: res.status, xml: await res.text() };
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const ASSUME = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&RoleSessionName=s";
const BASE: Keys = { accessKeyId: "AKIDBASE", secretAccessKey: "base/secret+key" };

describe("the fake STS", () => {
  for (const https of [false, true]) {
    test(`AssumeRole, then GetCallerIdentity signed with what it issued (${https ? "https" : "http"})`, async () => {
      const sts = await startFakeSts({ https, identities: { [BASE.accessKeyId]: BASE } });
      try {
        const assumed = await post(sts, ASSUME, BASE);
        expect(assumed.status).toBe(200);
        expect(assumed.xml).toContain("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">");
        const issued = { accessKeyId: tag(assumed.xml, "AccessKeyId")!, secretAccessKey: tag(assumed.xml, "SecretAccessKey")!, sessionToken: tag(assumed.xml, "SessionToken")! };
        expect(tag(assumed.xml, "Arn")).toBe("arn:aws:sts::123456789012:assumed-role/x/s");
        expect(sts.requests[0]!.signature?.verified).toBe(true);

        const caller = await post(sts, "Action=GetCallerIdentity&Version=2011-06-15", issued, "eu-west-1");
        expect(caller.status).toBe(200);
        expect(tag(caller.xml, "Account")).toBe("123456789012");
        // The same keys without their token are refused.
        const tokenless = await post(sts, "Action=GetCallerIdentity&Version=2011-06-15", { ...issued, sessionToken: undefined });
        expect(tag(tokenless.xml, "Code")).toBe("SignatureDoesNotMatch");
      } finally {
        await sts.stop();
      }
    });
  }

  test("refuses unsigned, unknown and badly signed AssumeRole calls with STS's error codes", async () => {
    const sts = await startFakeSts({ identities: { [BASE.accessKeyId]: BASE } });
    try {
      expect(tag((await post(sts, ASSUME)).xml, "Code")).toBe("MissingAuthenticationToken");
      expect(tag((await post(sts, ASSUME, { ...BASE, accessKeyId: "AKIDOTHER" })).xml, "Code")).toBe("InvalidClientTokenId");
      const bad = await post(sts, ASSUME, { ...BASE, secretAccessKey: "wrong" });
      expect(bad.status).toBe(403);
      expect(tag(bad.xml, "Code")).toBe("SignatureDoesNotMatch");
      expect(sts.requests.map((r) => r.status)).toEqual([403, 403, 403]);
    } finally {
      await sts.stop();
    }
  });

  test("web identity needs no signature; failures, errors and Expiration text are as configured", async () => {
    const sts = await startFakeSts({ behaviour: { failures: 1, expirationText: "2030-01-01T00:00:00+00:00" } });
    try {
      const body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fwi&RoleSessionName=s&WebIdentityToken=t%0A";
      const first = await post(sts, body);
      expect([first.status, tag(first.xml, "Code"), tag(first.xml, "Type")]).toEqual([500, "InternalError", "Receiver"]);
      const second = await post(sts, body);
      expect(second.status).toBe(200);
      expect(tag(second.xml, "Expiration")).toBe("2030-01-01T00:00:00+00:00");
      expect(sts.requests[1]!.params.WebIdentityToken).toBe("t\n");
      sts.behaviour.error = { status: 400, code: "InvalidIdentityToken", message: "a & b" };
      const third = await post(sts, body);
      expect([third.status, tag(third.xml, "Code"), tag(third.xml, "Message"), tag(third.xml, "Type")]).toEqual([400, "InvalidIdentityToken", "a &amp; b", "Sender"]);
    } finally {
      await sts.stop();
    }
  });
});
