import { describe, expect, test } from "bun:test";
import { formatCredentialResponse, parseCredentialRequest, MAX_INPUT_BYTES } from "../../src/git/credential.ts";

describe("parseCredentialRequest", () => {
  test("reads key=value lines to EOF, skipping blank lines", () => {
    const r = parseCredentialRequest("protocol=https\n\nhost=h\n\npath=v1/repos/x\n\n");
    expect({ ...r }).toEqual({ protocol: "https", host: "h", path: "v1/repos/x" });
  });

  test("splits at the first '=' only", () => {
    expect(parseCredentialRequest("wwwauth[]=Basic realm=\"a=b\"\n")["wwwauth[]"]).toEqual(['Basic realm="a=b"']);
    expect(parseCredentialRequest("path=a=b=c\n").path).toBe("a=b=c");
  });

  test("tolerates CRLF, and strips spaces around a line, as the CLI's line.strip()", () => {
    expect({ ...parseCredentialRequest("protocol=https\r\nhost=h\r\n") }).toEqual({ protocol: "https", host: "h" });
    // Only LF ends a line (the CLI reads stdin that way on Linux): a lone CR stays inside the value.
    expect({ ...parseCredentialRequest("protocol=https\rhost=h\r") }).toEqual({ protocol: "https\rhost=h" });
    expect({ ...parseCredentialRequest("  host=h \t\n") }).toEqual({ host: "h" });
  });

  test("keeps every value of key[] attributes, and the last of a repeated key", () => {
    const r = parseCredentialRequest("capability[]=authtype\ncapability[]=state\nhost=a\nhost=b\n");
    expect(r["capability[]"]).toEqual(["authtype", "state"]);
    expect(r.host).toBe("b");
  });

  test("unknown keys are kept and harmless; an empty value is a value", () => {
    expect({ ...parseCredentialRequest("future=1\npath=\n") }).toEqual({ future: "1", path: "" });
  });

  test("a line without '=' is an error that names the line", () => {
    expect(() => parseCredentialRequest("protocol=https\nhello\n")).toThrow(
      "credential input line 2 is not key=value; this helper must be run by git",
    );
  });

  test("a NUL byte is an error", () => {
    expect(() => parseCredentialRequest("host=a\0b\n")).toThrow("credential input contains a NUL byte");
  });

  test("more than 64 KiB is an error; exactly 64 KiB is not", () => {
    const line = "x=" + "a".repeat(MAX_INPUT_BYTES - 3) + "\n";
    expect(Buffer.byteLength(line)).toBe(MAX_INPUT_BYTES);
    expect(() => parseCredentialRequest(line)).not.toThrow();
    expect(() => parseCredentialRequest(line + "y")).toThrow("credential input is larger than 64 KiB");
  });

  test("attribute names like __proto__ are plain keys", () => {
    const r = parseCredentialRequest("__proto__=x\nhost=h\n");
    expect(r.__proto__ as unknown).toBe("x");
    expect(r.host).toBe("h");
  });
});

test("formatCredentialResponse writes LF-terminated lines only", () => {
  expect(formatCredentialResponse([["username", "a"], ["password", "b"]])).toBe("username=a\npassword=b\n");
});

describe("formatCredentialResponse: the one gate to git", () => {
  test("key=value lines, LF only", () => {
    expect(formatCredentialResponse([["username", "AKID%tok"], ["password", "p"]])).toBe("username=AKID%tok\npassword=p\n");
  });

  for (const [what, bad] of [["LF", "\n"], ["CR", "\r"], ["NUL", "\0"]] as const) {
    test(`a value holding ${what} is refused, naming the field and never the value`, () => {
      const secret = `AKIDSECRETVALUE${bad}host=evil.invalid`;
      let message = "";
      try {
        formatCredentialResponse([["password", "p"], ["username", secret]]);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe("refusing to give git a username that contains a line break or NUL byte");
    });
  }
});
