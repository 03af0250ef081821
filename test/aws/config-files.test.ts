import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { configPaths, loadConfigFiles, type Profile } from "../../src/aws/config-files.ts";
import { UserError } from "../../src/errors.ts";
import { tempDir } from "../support/home.ts";

// Produced by botocore itself: see the header of test/fixtures/ini-oracle.py.
type Pairs = [string, Profile][];
interface OracleIniCase {
  name: string;
  text: string;
  sections?: Pairs;
  profiles?: Pairs;
  ssoSessions?: Pairs;
  services?: Pairs;
  error?: { type: string; line?: number };
}
interface OracleFilesCase {
  name: string;
  env: Record<string, string>;
  files: Record<string, { text?: string; base64?: string; dir?: true }>;
  configPath: string;
  credentialsPath: string;
  profiles?: Record<string, Profile>;
  configProfiles?: Record<string, Profile>;
  credentialsProfiles?: Record<string, Profile>;
  ssoSessions?: Record<string, Profile>;
  services?: Record<string, Profile>;
  error?: { type: string; line?: number; path: string };
}
const oracle = JSON.parse(readFileSync(new URL("../fixtures/ini-oracle.json", import.meta.url), "utf8")) as {
  ini: OracleIniCase[];
  files: OracleFilesCase[];
};

function homeWith(files: Record<string, string | Uint8Array>): string {
  const home = tempDir("gcc-config-files-");
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(home, rel)), { recursive: true });
    writeFileSync(join(home, rel), content);
  }
  return home;
}

async function loadError(env: Record<string, string>, home: string): Promise<UserError> {
  try {
    await loadConfigFiles(env, home, "linux");
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected a UserError");
}

describe("loadConfigFiles matches botocore 1.43 Session.full_config", () => {
  for (const c of oracle.files) {
    test(c.name, async () => {
      const home = tempDir("gcc-config-files-");
      for (const [rel, content] of Object.entries(c.files)) {
        const path = join(home, rel);
        if (content.dir) {
          mkdirSync(path, { recursive: true });
        } else {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, content.text ?? Buffer.from(content.base64!, "base64"));
        }
      }
      const env: Record<string, string> = { HOME: home };
      for (const [k, v] of Object.entries(c.env)) env[k] = v.replaceAll("{home}", home);
      const fromHome = (p: string) => p.replaceAll(home, "{home}");

      const paths = configPaths(env, home, "linux");
      expect(fromHome(paths.config)).toBe(c.configPath);
      expect(fromHome(paths.credentials)).toBe(c.credentialsPath);
      if (c.error) {
        const err = await loadError(env, home);
        expect(err.message).toStartWith(`Unable to parse config file: ${c.error.path.replaceAll("{home}", home)} (line `);
        if (c.error.line !== undefined) expect(err.message).toContain(`(line ${c.error.line}: `);
        return;
      }
      const got = await loadConfigFiles(env, home, "linux");
      expect(got.configPath).toBe(paths.config);
      expect(got.credentialsPath).toBe(paths.credentials);
      expect(got.profiles).toEqual(c.profiles!);
      expect(got.configProfiles).toEqual(c.configProfiles!);
      expect(got.credentialsProfiles).toEqual(c.credentialsProfiles!);
      expect(got.ssoSessions).toEqual(c.ssoSessions!);
      expect(got.services).toEqual(c.services!);
    });
  }
});

describe("each botocore parser case, as a config file and as a credentials file", () => {
  for (const c of oracle.ini) {
    test(c.name, async () => {
      const config = homeWith({ ".aws/config": c.text });
      const credentials = homeWith({ ".aws/credentials": c.text });
      if (c.error) {
        await expect(loadConfigFiles({}, config, "linux")).rejects.toThrow(`Unable to parse config file: ${config}/.aws/config (line `);
        await expect(loadConfigFiles({}, credentials, "linux")).rejects.toThrow(
          `Unable to parse config file: ${credentials}/.aws/credentials (line `,
        );
        return;
      }
      const fromConfig = await loadConfigFiles({}, config, "linux");
      expect(Object.entries(fromConfig.configProfiles)).toEqual(c.profiles!);
      expect(Object.entries(fromConfig.ssoSessions)).toEqual(c.ssoSessions!);
      expect(Object.entries(fromConfig.services)).toEqual(c.services!);
      expect(Object.entries((await loadConfigFiles({}, credentials, "linux")).credentialsProfiles)).toEqual(c.sections!);
    });
  }
});

describe("configPaths", () => {
  test.each([
    ["defaults", {}, "/home/u", "/home/u/.aws/config", "/home/u/.aws/credentials"],
    ["a home ending in / is trimmed", {}, "/home/u/", "/home/u/.aws/config", "/home/u/.aws/credentials"],
    ["~ alone in / is /", { AWS_CONFIG_FILE: "~" }, "/", "/", "/.aws/credentials"],
    ["$VAR and ${VAR}", { AWS_CONFIG_FILE: "$D/c", AWS_SHARED_CREDENTIALS_FILE: "${D}x", D: "/d" }, "/h", "/d/c", "/dx"],
    ["$VAR stops at a non-word character", { AWS_CONFIG_FILE: "$D-x/$D.y", D: "/d" }, "/h", "/d-x//d.y", "/h/.aws/credentials"],
    ["unknown and empty names stay", { AWS_CONFIG_FILE: "$NOPE/${}/$/${X" }, "/h", "$NOPE/${}/$/${X", "/h/.aws/credentials"],
    ["inherited object keys are not variables", { AWS_CONFIG_FILE: "$toString/${__proto__}" }, "/h", "$toString/${__proto__}", "/h/.aws/credentials"],
    ["an empty variable expands to nothing", { AWS_CONFIG_FILE: "$E/c", E: "" }, "/h", "/c", "/h/.aws/credentials"],
    ["empty paths are kept", { AWS_CONFIG_FILE: "", AWS_SHARED_CREDENTIALS_FILE: "" }, "/h", "", ""],
    ["~user is left as written", { AWS_CONFIG_FILE: "~someone/c" }, "/h", "~someone/c", "/h/.aws/credentials"],
    ["~ only at the start", { AWS_CONFIG_FILE: "/a/~/c" }, "/h", "/a/~/c", "/h/.aws/credentials"],
  ])("%s", (_name, env, home, config, credentials) => {
    expect(configPaths(env as Record<string, string>, home, "linux")).toEqual({ config, credentials });
  });
});

describe("loadConfigFiles", () => {
  test("no files at all", async () => {
    const got = await loadConfigFiles({}, tempDir("gcc-config-files-"), "linux");
    expect(got.profiles).toEqual({});
    expect(got.configProfiles).toEqual({});
    expect(got.credentialsProfiles).toEqual({});
  });

  test("an empty AWS_CONFIG_FILE reads no config file", async () => {
    const home = homeWith({ ".aws/config": "[default]\nregion = not-read\n" });
    const got = await loadConfigFiles({ AWS_CONFIG_FILE: "" }, home, "linux");
    expect(got.configPath).toBe("");
    expect(got.profiles).toEqual({});
  });

  test("credentials-file keys win, without changing the config-file view", async () => {
    const home = homeWith({
      ".aws/config": "[profile b]\nregion = us-west-2\noutput = json\n",
      ".aws/credentials": "[b]\nregion = eu-west-1\naws_access_key_id = AKID\n",
    });
    const got = await loadConfigFiles({}, home, "linux");
    expect(got.profiles.b).toEqual({ region: "eu-west-1", output: "json", aws_access_key_id: "AKID" });
    expect(got.configProfiles.b).toEqual({ region: "us-west-2", output: "json" });
    expect(got.credentialsProfiles.b).toEqual({ region: "eu-west-1", aws_access_key_id: "AKID" });
  });

  test("profile names are plain keys", async () => {
    const home = homeWith({ ".aws/config": "[profile __proto__]\nregion = x\n", ".aws/credentials": "[constructor]\nk = v\n" });
    const got = await loadConfigFiles({}, home, "linux");
    expect(Object.getPrototypeOf(got.profiles)).toBeNull();
    expect(Object.keys(got.profiles).sort()).toEqual(["__proto__", "constructor"]);
    expect(got.profiles["__proto__"]).toEqual({ region: "x" });
  });

  test.each([
    ["invalid UTF-8", Buffer.from("[default]\nk = v\r\n\r\nj = \xff\n", "latin1"), 4, "not valid UTF-8"],
    ["invalid UTF-8 in a header", Buffer.from("[d\xe9]\n", "latin1"), 1, "not valid UTF-8"],
    ["a cut-off sequence at the end", Buffer.from("[default]\nk = \xe2\x82", "latin1"), 2, "not valid UTF-8"],
    ["a BOM", "\ufeff[default]\n", 1, "the file starts with a byte-order mark (save it as UTF-8 without BOM)"],
    ["a duplicate key", "[default]\nk = 1\nk = 2\n", 3, 'duplicate key "k" in section "default"'],
  ])("the message names the file, line and reason: %s", async (_name, content, line, reason) => {
    const home = homeWith({ ".aws/credentials": content });
    expect((await loadError({}, home)).message).toBe(
      `Unable to parse config file: ${home}/.aws/credentials (line ${line}: ${reason})`,
    );
  });
});
