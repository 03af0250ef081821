// The compiled helper signs through aws4 with build/shims/ standing in for
// node:crypto, node:url and node:querystring (build/options.ts), and loads no
// node built-in before it answers `get` or `--version` (src/'s own imports of
// them are made lazy by the lazy-node-builtins plugin): that is what keeps its
// start-up near a no-op's. The golden vectors (test/codecommit/sign.test.ts,
// test/fixtures/cli-v2-vectors.json) run through the binary built with these
// same options; here the shim is checked against node:crypto directly, and the
// bundle is checked to really use it.
import { describe, expect, test } from "bun:test";
import * as nodeCrypto from "node:crypto";
import { AWS4_SHIMS, bundleOptions } from "../../build/options.ts";

// The shim is CommonJS (build/shims/crypto.ts says why).
const shim = require("../../build/shims/crypto.ts") as Pick<typeof import("node:crypto"), "createHmac" | "createHash">;

/** A deterministic generator, so a failure names a case that can be replayed. */
function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  // ASCII, Latin-1, BMP and astral characters (surrogate pairs), so the utf8 encoding is exercised.
  const ranges = [[0x20, 0x7e], [0x00, 0xff], [0x100, 0xd7ff], [0x1f300, 0x1faff]] as const;
  const text = (max: number) => {
    let out = "";
    for (let n = int(max + 1); n > 0; n--) {
      const [lo, hi] = ranges[int(ranges.length)]!;
      out += String.fromCodePoint(lo + int(hi - lo + 1));
    }
    return out;
  };
  const bytes = (max: number) => Uint8Array.from({ length: int(max + 1) }, () => int(256));
  return { int, text, bytes };
}

describe("build/shims/crypto.ts computes what node:crypto does, as aws4 calls it", () => {
  test("HMAC-SHA256 with text and byte keys (empty, short, longer than a block), hex and raw digests", () => {
    const g = generator(13);
    for (let i = 0; i < 2000; i++) {
      const key = g.int(2) ? g.text(150) : Buffer.from(g.bytes(150));
      const data = g.text(300);
      const label = `case ${i}: key ${JSON.stringify(typeof key === "string" ? key : key.toString("hex"))}, data ${JSON.stringify(data)}`;
      const expected = nodeCrypto.createHmac("sha256", key).update(data, "utf8");
      const actual = shim.createHmac("sha256", key).update(data, "utf8");
      if (i % 2) expect(actual.digest("hex"), label).toBe(expected.digest("hex"));
      else expect(Buffer.from(actual.digest()).equals(expected.digest()), label).toBe(true);
    }
  });

  test("SHA-256 of text, hex and raw", () => {
    const g = generator(7);
    for (let i = 0; i < 2000; i++) {
      const data = g.text(500);
      const expected = nodeCrypto.createHash("sha256").update(data, "utf8");
      const actual = shim.createHash("sha256").update(data, "utf8");
      if (i % 2) expect(actual.digest("hex"), JSON.stringify(data)).toBe(expected.digest("hex"));
      else expect(Buffer.from(actual.digest()).equals(expected.digest()), JSON.stringify(data)).toBe(true);
    }
  });

  test("aws4's signing-key chain: each raw digest is the next key, the last one signs in hex", () => {
    const g = generator(42);
    for (let i = 0; i < 300; i++) {
      const secret = `AWS4${g.text(40)}`;
      const parts = [g.text(8), g.text(20), "codecommit", "aws4_request"];
      const stringToSign = g.text(200);
      let a: string | Buffer = secret;
      let b: string | Uint8Array = secret;
      for (const p of parts) {
        a = nodeCrypto.createHmac("sha256", a).update(p, "utf8").digest();
        b = shim.createHmac("sha256", b).update(p, "utf8").digest();
      }
      expect(shim.createHmac("sha256", b).update(stringToSign, "utf8").digest("hex")).toBe(
        nodeCrypto.createHmac("sha256", a).update(stringToSign, "utf8").digest("hex"),
      );
    }
  });
});

interface MetaImport {
  path: string;
  kind: string;
  external?: boolean;
  original?: string;
  entryPoint?: string;
}
interface Metafile {
  inputs: Record<string, { imports: MetaImport[] }>;
  outputs: Record<string, { imports: MetaImport[]; inputs: Record<string, unknown>; entryPoint?: string }>;
}

describe("the bundle the binary is compiled from", async () => {
  // The executable's own options, without compile: same plugins, same splitting.
  const result = await Bun.build({ ...bundleOptions({ version: "0.0.0", commit: "test" }), metafile: true });
  const meta = (typeof result.metafile === "string" ? JSON.parse(result.metafile) : result.metafile) as Metafile;

  test("builds", () => {
    expect(result.logs.filter((l) => l.level === "error")).toEqual([]);
    expect(result.success).toBe(true);
  });

  test("aws4 requires the shims, and no node built-in", () => {
    const aws4 = Object.entries(meta.inputs).find(([path]) => path.endsWith("node_modules/aws4/aws4.js"));
    expect(aws4).toBeDefined();
    const required = aws4![1].imports.map((i) => i.path);
    expect(required.filter((r) => /^(node:)?[a-z_/]+$/.test(r))).toEqual([]);
    for (const name of AWS4_SHIMS) expect(required).toContain(`build/shims/${name}.ts`);
  });

  test("the shims are bundled into aws4's own chunk, not loaded as chunks of their own", () => {
    const chunk = Object.values(meta.outputs).find((o) => "node_modules/aws4/aws4.js" in o.inputs);
    expect(chunk).toBeDefined();
    for (const name of AWS4_SHIMS) expect(Object.keys(chunk!.inputs)).toContain(`build/shims/${name}.ts`);
  });

  /** The modules in the chunks that are loaded before `entry` (a command's module) runs. */
  function modulesLoadedFor(entry: string | undefined): string[] {
    const chunk = (src: string) => Object.keys(meta.outputs).find((o) => meta.outputs[o]!.entryPoint === src)!;
    const seen = new Set<string>();
    const visit = (out: string) => {
      if (seen.has(out)) return;
      seen.add(out);
      // A chunk's static imports and require() calls run when it loads; import() waits for a command that needs it.
      for (const i of meta.outputs[out]!.imports) if (i.kind !== "dynamic-import") visit(i.path);
    };
    visit(chunk("src/cli.ts"));
    if (entry) visit(chunk(entry));
    return [...seen].flatMap((out) => Object.keys(meta.outputs[out]!.inputs)).sort();
  }

  /** The node built-ins those modules import when they load. */
  function builtinsLoadedFor(entry: string | undefined): string[] {
    return modulesLoadedFor(entry).flatMap((input) =>
      (meta.inputs[input]?.imports ?? []).filter((i) => i.external && i.kind === "import-statement").map((i) => `${input}: ${i.path}`),
    );
  }

  test("src/'s named imports of node built-ins are loaded on first call, not when their chunk loads", () => {
    const eager = Object.entries(meta.inputs)
      .filter(([input]) => input.startsWith("src/"))
      // bun:ffi is Bun's, not node's: src/aws/win-console.ts imports it, and is itself imported only on Windows.
      .flatMap(([input, { imports }]) =>
        imports.filter((i) => i.external && i.kind === "import-statement" && !i.path.startsWith("bun:")).map((i) => `${input}: ${i.path}`),
      );
    expect(eager).toEqual([]);
    const lazy = Object.keys(meta.inputs).filter((input) => input.startsWith("lazy-node:"));
    expect(lazy).toContain("lazy-node:os?hostname"); // the lock holder's host, in src/aws/cache.ts
  });

  test("`--version` loads no node built-in, and no module of any command", () => {
    expect(builtinsLoadedFor(undefined)).toEqual([]);
    // The CLI's own small leaves, which build the Context (the home, the stdin cap); no command, no AWS module.
    expect(modulesLoadedFor(undefined)).toEqual([
      "node_modules/mri/lib/index.mjs",
      "src/cli.ts",
      "src/context.ts",
      "src/errors.ts",
      "src/git/credential.ts",
      "src/util/encoding.ts",
      "src/util/home.ts",
      "src/util/ntpath.ts",
      "src/version.ts",
    ]);
  });

  test("`get` loads no module of another command, and no provider that a profile has to ask for", () => {
    const loaded = modulesLoadedFor("src/commands/get.ts");
    const others = ["setup", "doctor", "url", "remote"].map((c) => `src/commands/${c}.ts`);
    const lazy = ["assume-role", "web-identity", "sso", "login", "process", "container", "iam-role"].map((p) => `src/aws/providers/${p}.ts`);
    for (const m of [...others, ...lazy, "src/git/config.ts", "src/aws/sts.ts", "src/aws/http.ts", "src/aws/cache.ts", "src/aws/imds.ts"]) {
      expect(loaded).not.toContain(m);
    }
    expect(loaded).toContain("build/shims/crypto.ts");
  });

  test("`get` loads no node built-in before it answers from environment keys", () => {
    expect(builtinsLoadedFor("src/commands/get.ts")).toEqual([]);
  });
});
