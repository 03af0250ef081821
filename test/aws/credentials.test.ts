import { expect, test } from "bun:test";
import { cliTime, maskKeyId, parseExpiration } from "../../src/aws/credentials.ts";

test.each([
  ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000Z"],
  ["2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05.000Z"],
  ["2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05.000Z"],
  ["2026-01-02T03:04:05UTC", "2026-01-02T03:04:05.000Z"],
  ["2026-01-02T03:04:05 UTC", "2026-01-02T03:04:05.000Z"],
  ["2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.123Z"],
  // No zone at all is UTC, whatever this machine's time zone.
  ["2026-01-02T03:04:05", "2026-01-02T03:04:05.000Z"],
  ["2026-01-02T03:04", "2026-01-02T03:04:00.000Z"],
])("parseExpiration(%p)", (text, iso) => {
  expect(parseExpiration(text)?.toISOString()).toBe(iso);
});

test("parseExpiration rejects what isn't a time", () => {
  expect(parseExpiration("soon")).toBeUndefined();
  expect(parseExpiration("")).toBeUndefined();
});

test("cliTime writes the CLI's cache format", () => {
  expect(cliTime(new Date("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05Z");
});

test("maskKeyId keeps four characters at each end", () => {
  expect(maskKeyId("AKIAIOSFODNN7EXAMPLE")).toBe("AKIA…MPLE");
  expect(maskKeyId("short")).toBe("…");
});
