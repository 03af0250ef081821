// install.ps1 cannot run here (no PowerShell in Debian's archive), so its
// contract is checked on the text: a small tokenizer separates code from
// comments and strings, so help text that shows `irm ... | iex` is not
// mistaken for code, and a string holding a brace does not unbalance the count.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { assetName, TARGETS, type Target } from "../../build/release.ts";
import { ROOT } from "./support/release.ts";

// A Windows checkout may have turned the line ends into CRLF.
const SCRIPT = (await Bun.file(join(ROOT, "install.ps1")).text()).replaceAll("\r\n", "\n");

/** The script with comments removed and every string's contents blanked (quotes kept). */
function codeOnly(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    if (src.startsWith("<#", i)) {
      const end = src.indexOf("#>", i + 2);
      if (end < 0) throw new Error("unterminated <# comment");
      i = end + 2;
    } else if (src[i] === "#") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (src[i] === "'" || src[i] === '"') {
      const quote = src[i]!;
      let j = i + 1;
      // PowerShell escapes a quote by doubling it, and with a backtick inside double quotes.
      while (j < src.length) {
        if (src[j] === quote && src[j + 1] === quote) j += 2;
        else if (quote === '"' && src[j] === "`") j += 2;
        else if (src[j] === quote) break;
        else j++;
      }
      if (j >= src.length) throw new Error(`unterminated string at offset ${i}`);
      out += quote + quote;
      i = j + 1;
    } else {
      out += src[i];
      i++;
    }
  }
  return out;
}

const CODE = codeOnly(SCRIPT);

describe("install.ps1 (static)", () => {
  test("brackets balance outside comments and strings", () => {
    for (const [open, close] of [["{", "}"], ["(", ")"], ["[", "]"]] as const) {
      let depth = 0;
      let lowest = 0;
      for (const ch of CODE) {
        if (ch === open) depth++;
        if (ch === close) lowest = Math.min(lowest, --depth);
      }
      expect({ bracket: open, depth, lowest }).toEqual({ bracket: open, depth: 0, lowest: 0 });
    }
  });

  test("takes -Setup and -Uninstall switches in a leading param block", () => {
    expect(CODE.trimStart()).toMatch(/^param\(\s*\[switch\]\$Setup,\s*\[switch\]\$Uninstall\s*\)/);
  });

  test("reads the same three settings from the environment as install.sh", async () => {
    const sh = await Bun.file(join(ROOT, "install.sh")).text();
    for (const name of ["VERSION", "BASE_URL", "INSTALL_DIR"]) {
      expect(CODE).toContain(`$env:GIT_CREDENTIAL_CODECOMMIT_${name}`);
      expect(sh).toContain(`GIT_CREDENTIAL_CODECOMMIT_${name}`);
    }
    const repo = (text: string) => /^\$?REPO\s*=\s*["']([^"']+)["']/im.exec(text)?.[1];
    expect(repo(SCRIPT)).toBe("git-credential-codecommit/git-credential-codecommit");
    expect(repo(SCRIPT)).toBe(repo(sh));
  });

  test("lays out URLs as GitHub releases do, v-prefixing a pinned version", () => {
    expect(SCRIPT).toContain('"$base/latest/download"');
    expect(SCRIPT).toContain(`"$base/download/v$($version.TrimStart('v'))"`);
    expect(SCRIPT).toContain('"https://github.com/$Repo/releases"');
  });

  test("asks for the Windows assets build/release.ts makes, for x64 and ARM64", () => {
    expect(SCRIPT).toContain('$asset = "git-credential-codecommit-windows-$(Get-TargetArch).zip"');
    expect(SCRIPT).toMatch(/'AMD64' \{ return 'x64' \}/);
    expect(SCRIPT).toMatch(/'ARM64' \{ return 'arm64' \}/);
    const windows = (Object.keys(TARGETS) as Target[]).filter((t) => t.startsWith("windows-"));
    expect(windows.map(assetName)).toEqual([
      "git-credential-codecommit-windows-x64.zip",
      "git-credential-codecommit-windows-arm64.zip",
    ]);
    // The hardware's architecture, not the (possibly emulated) process's.
    expect(SCRIPT).toContain("GetEnvironmentVariable('PROCESSOR_ARCHITECTURE', 'Machine')");
  });

  test("verifies the archive with Get-FileHash against SHA256SUMS by exact name, before unpacking", () => {
    const hash = CODE.indexOf("Get-FileHash -Algorithm SHA256");
    const compare = CODE.indexOf("if ($actual -ne $expected)");
    const expand = CODE.indexOf("Expand-Archive");
    expect(hash).toBeGreaterThan(0);
    expect(compare).toBeGreaterThan(hash);
    expect(expand).toBeGreaterThan(compare);
    expect(CODE).toMatch(/\$fields\[1\] -ceq \$Asset -or \$fields\[1\] -ceq ""/);
    expect(CODE).not.toMatch(/-(i?like|i?match|c?like|c?match)\s+\$Asset/i);
  });

  test("runs nothing it downloads as code and never elevates or exits the caller's session", () => {
    for (const banned of [/\bInvoke-Expression\b/i, /\biex\b/i, /\[scriptblock\]::Create/i, /-Verb\s+RunAs/i, /\bexit\b/i, /\bsudo\b/i]) {
      expect({ banned: String(banned), found: banned.test(CODE) }).toEqual({ banned: String(banned), found: false });
    }
  });

  test("installs per user, on the user PATH, and smoke-tests before replacing", () => {
    expect(SCRIPT).toContain("Join-Path $env:LOCALAPPDATA 'Programs\\git-credential-codecommit'");
    expect(CODE).toContain("[Microsoft.Win32.Registry]::CurrentUser");
    expect(CODE).not.toMatch(/LocalMachine|'Machine'\)\s*$/m);
    const smoke = CODE.indexOf("& $pending --version");
    const move = CODE.indexOf("Move-Item -LiteralPath $pending -Destination $dest");
    expect(smoke).toBeGreaterThan(0);
    expect(move).toBeGreaterThan(smoke);
  });

  test("-Uninstall removes the two names it installs", () => {
    const uninstall = CODE.slice(CODE.indexOf("function Uninstall-GitCredentialCodeCommit"));
    expect(SCRIPT).toContain("foreach ($name in 'git-remote-codecommit.exe', 'git-credential-codecommit.exe')");
    // Besides those two, only the folder, and only when it is empty.
    expect(uninstall.match(/Remove-Item/g)).toHaveLength(2);
    expect(uninstall).toContain("-not (Get-ChildItem -LiteralPath $dir -Force)");
  });

  test("the last line starts the install, so a partial script defines functions only", () => {
    const lines = SCRIPT.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(
      "if ($Uninstall) { Uninstall-GitCredentialCodeCommit } else { Install-GitCredentialCodeCommit $Setup.IsPresent }",
    );
    const topLevel = CODE.split("\n").filter((l) => /^\S/.test(l) && !/^(function |param\(|\$Repo = ''$|\}|\))/.test(l));
    expect(topLevel).toEqual([lines.at(-1)!.replace(/'[^']*'/g, "''")]);
  });
});
