// `npm run build:release [-- options]`: cross-compiles the helper for every
// published platform on one Linux machine and packs the release assets.
//
//   --version X      version baked into --version (default: package.json's; a leading "v" is dropped)
//   --targets a,b    build only these targets (default: all of TARGETS)
//   --outdir DIR     archives and SHA256SUMS go here (default: dist/release)
//   --bindir DIR     bare binaries are staged here, one folder per target (default: dist/release-bin)
//   --compile-only   stop after staging the binaries
//   --package-only   pack binaries already staged in --bindir
//
// The release workflow runs it in two halves so the darwin binaries can be
// re-signed on macOS in between: the checksums must cover the signed bytes.
//
// Archives are reproducible: with the same binaries they are the same bytes on
// any machine, because every field that usually carries the time, the owner or
// the host is fixed and compression is Bun's bundled libdeflate, which is
// pinned along with Bun.
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json";
import { MAN_PAGE, manPage } from "./man.ts";
import { compile } from "./options.ts";

const NAME = "git-credential-codecommit";

export const TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "linux-x64-musl": "bun-linux-x64-musl",
  "linux-arm64-musl": "bun-linux-arm64-musl",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "windows-x64": "bun-windows-x64",
  "windows-arm64": "bun-windows-arm64",
} as const satisfies Record<string, Bun.Build.CompileTarget>;

export type Target = keyof typeof TARGETS;

const isWindows = (t: Target) => t.startsWith("windows-");

/** The executable's name inside the archive (and in the staging folder). */
function binaryName(t: Target): string {
  return isWindows(t) ? `${NAME}.exe` : NAME;
}

export function assetName(t: Target): string {
  return `${NAME}-${t}${isWindows(t) ? ".zip" : ".tar.gz"}`;
}

// 1980-01-01T00:00:00Z: the earliest time a zip (DOS) timestamp can hold, so
// tarballs and zips carry the same date.
const MTIME = 315_532_800;

interface Entry {
  name: string;
  mode: number;
  data: Uint8Array<ArrayBuffer>;
}

function tar(entries: Entry[]): Uint8Array<ArrayBuffer> {
  const blocks = entries.map(tarEntry);
  // The two zero blocks that end an archive.
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0) + 1024);
  let offset = 0;
  for (const b of blocks) {
    out.set(b, offset);
    offset += b.length;
  }
  return out;
}

function tarEntry({ name, mode, data }: Entry): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (offset: number, text: string) => header.set(enc.encode(text), offset);
  const octal = (offset: number, width: number, n: number) =>
    put(offset, `${n.toString(8).padStart(width - 1, "0")}\0`);
  put(0, name);
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, data.length);
  octal(136, 12, MTIME);
  put(148, "        ");
  put(156, "0");
  put(257, "ustar\0");
  put(263, "00");
  let sum = 0;
  for (const b of header) sum += b;
  put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  // Data padded to a whole block.
  const out = new Uint8Array(512 + Math.ceil(data.length / 512) * 512);
  out.set(header, 0);
  out.set(data, 512);
  return out;
}

function zip(name: string, data: Uint8Array<ArrayBuffer>): Uint8Array {
  // Without zip64 records sizes and offsets are 32-bit.
  if (data.length >= 0xffff_ffff) throw new Error(`${name} is too large for a plain zip`);
  const packed = Bun.deflateSync(data, { level: 9, library: "libdeflate" });
  const crc = Bun.hash.crc32(data);
  const fileName = new TextEncoder().encode(name);
  const dosDate = (1 << 5) | 1; // 1980-01-01; the DOS time field stays 00:00:00

  const local = new DataView(new ArrayBuffer(30));
  local.setUint32(0, 0x04034b50, true);
  local.setUint16(4, 20, true); // version needed: deflate
  local.setUint16(6, 0x0800, true); // names are UTF-8
  local.setUint16(8, 8, true); // deflate
  local.setUint16(10, 0, true);
  local.setUint16(12, dosDate, true);
  local.setUint32(14, crc, true);
  local.setUint32(18, packed.length, true);
  local.setUint32(22, data.length, true);
  local.setUint16(26, fileName.length, true);
  local.setUint16(28, 0, true);

  const central = new DataView(new ArrayBuffer(46));
  central.setUint32(0, 0x02014b50, true);
  central.setUint16(4, (3 << 8) | 20, true); // made by Unix, so the mode below is read
  central.setUint16(6, 20, true);
  central.setUint16(8, 0x0800, true);
  central.setUint16(10, 8, true);
  central.setUint16(12, 0, true);
  central.setUint16(14, dosDate, true);
  central.setUint32(16, crc, true);
  central.setUint32(20, packed.length, true);
  central.setUint32(24, data.length, true);
  central.setUint16(28, fileName.length, true);
  central.setUint32(38, (0o100755 << 16) >>> 0, true); // regular file, rwxr-xr-x
  central.setUint32(42, 0, true); // the local header is at offset 0

  const centralOffset = 30 + fileName.length + packed.length;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 1, true);
  end.setUint16(10, 1, true);
  end.setUint32(12, 46 + fileName.length, true);
  end.setUint32(16, centralOffset, true);

  return Buffer.concat([
    new Uint8Array(local.buffer),
    fileName,
    packed,
    new Uint8Array(central.buffer),
    fileName,
    new Uint8Array(end.buffer),
  ]);
}

/**
 * Packs one staged binary into its release asset; the tarballs also carry the
 * manual page (Git for Windows opens HTML help, not man pages).
 */
export function pack(t: Target, binary: Uint8Array<ArrayBuffer>, page: Uint8Array<ArrayBuffer>): Uint8Array {
  const name = binaryName(t);
  if (isWindows(t)) return zip(name, binary);
  const entries = [{ name, mode: 0o755, data: binary }, { name: MAN_PAGE, mode: 0o644, data: page }];
  return Bun.gzipSync(tar(entries), { level: 9, library: "libdeflate" });
}

function parseTargets(list: string | undefined): Target[] {
  if (list === undefined) return Object.keys(TARGETS) as Target[];
  const picked = list.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = picked.filter((t) => !Object.hasOwn(TARGETS, t));
  if (unknown.length > 0 || picked.length === 0) {
    throw new Error(`unknown target(s) "${unknown.join(",") || list}"; choose from ${Object.keys(TARGETS).join(",")}`);
  }
  return [...new Set(picked)] as Target[];
}

async function compileTargets(opts: { targets: Target[]; bindir: string; version: string }): Promise<void> {
  for (const t of opts.targets) {
    // A folder per target keeps the executable's basename, which Bun embeds in
    // the binary, the same for every target and every build.
    const dir = join(opts.bindir, t);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await compile({ outfile: join(dir, binaryName(t)), target: TARGETS[t], version: opts.version });
    console.log(`compiled ${t}`);
  }
  // Staged with the binaries, so the packing half (on another machine) packs the page of this version and commit.
  await Bun.write(join(opts.bindir, MAN_PAGE), await manPage(opts.version));
}

/** Writes each target's archive into outdir, and SHA256SUMS over exactly those archives. */
async function packageTargets(opts: { targets: Target[]; bindir: string; outdir: string }): Promise<void> {
  const assets = opts.targets.map(assetName).sort();
  await mkdir(opts.outdir, { recursive: true });
  // An archive left by an earlier run with other targets would sit beside
  // SHA256SUMS without being in it; only our own asset names are touched.
  for (const f of await readdir(opts.outdir)) {
    if (f.startsWith(`${NAME}-`) && !assets.includes(f)) await rm(join(opts.outdir, f));
  }
  const page = Bun.file(join(opts.bindir, MAN_PAGE));
  if (!(await page.exists())) throw new Error(`${page.name} is missing: compile first`);
  const pageBytes = await page.bytes();
  for (const t of opts.targets) {
    const binary = Bun.file(join(opts.bindir, t, binaryName(t)));
    if (!(await binary.exists())) throw new Error(`${binary.name} is missing: compile ${t} first`);
    await Bun.write(join(opts.outdir, assetName(t)), pack(t, await binary.bytes(), pageBytes));
    console.log(`packed ${assetName(t)}`);
  }
  let sums = "";
  for (const a of assets) {
    const digest = new Bun.CryptoHasher("sha256").update(await Bun.file(join(opts.outdir, a)).bytes()).digest("hex");
    sums += `${digest}  ${a}\n`;
  }
  await Bun.write(join(opts.outdir, "SHA256SUMS"), sums);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      version: { type: "string" },
      targets: { type: "string" },
      outdir: { type: "string", default: "dist/release" },
      bindir: { type: "string", default: "dist/release-bin" },
      "compile-only": { type: "boolean", default: false },
      "package-only": { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values["compile-only"] && values["package-only"]) throw new Error("--compile-only and --package-only exclude each other");
  const targets = parseTargets(values.targets);
  const version = (values.version ?? pkg.version).replace(/^v/, "");
  if (!values["package-only"]) await compileTargets({ targets, bindir: values.bindir, version });
  if (!values["compile-only"]) {
    await packageTargets({ targets, bindir: values.bindir, outdir: values.outdir });
    console.log(`wrote ${values.outdir}/SHA256SUMS`);
    if (!values["package-only"] && targets.some((t) => t.startsWith("darwin-"))) {
      console.log("note: the darwin binaries still carry Bun's signature; a release re-signs them on macOS first");
    }
  }
}

if (import.meta.main) {
  try {
    await main(Bun.argv.slice(2));
  } catch (e) {
    // Bun.build reports compile errors as an AggregateError whose printout shows each one in its source.
    console.error(e instanceof AggregateError ? e : `build:release: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
