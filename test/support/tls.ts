// Throw-away certificate authority for HTTPS fakes (the CodeCommit git server,
// a fake STS, ...). Everything is produced by the `openssl` CLI so no test
// depends on a crypto library's certificate API, and each fake can either share
// one CA (one file for GIT_SSL_CAINFO / AWS_CA_BUNDLE) or get its own.
//
// Plain module: no bun:test imports, so demo scripts can use it too.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

export interface IssuedCert {
  /** PEM of the leaf certificate (for Bun.serve `tls.cert`). */
  cert: string;
  /** PEM of the leaf's private key (for Bun.serve `tls.key`). */
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestCa {
  /** Directory holding the CA and every issued certificate. */
  dir: string;
  /** PEM file of the CA certificate: what clients must trust. */
  caFile: string;
  /** The same PEM as a string (for fetch's `tls: { ca }`). */
  ca: string;
  /**
   * Issues a server certificate signed by this CA. Names that parse as IP
   * addresses become IP SAN entries, everything else a DNS entry; the first
   * name is also the subject CN.
   */
  issue(names: string[]): IssuedCert;
}

// Validity is measured by the real clock of the TLS client, not by any fake
// clock a test injects into a server, so a generous window costs nothing.
const VALIDITY_DAYS = "30";

function openssl(args: string[], cwd: string): void {
  const result = Bun.spawnSync(["openssl", ...args], {
    cwd,
    // A user's OPENSSL_CONF could add extensions or change defaults; every
    // call below passes its own config, and this keeps `x509` from loading one.
    env: { ...process.env, OPENSSL_CONF: "/dev/null" },
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `openssl ${args.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`,
    );
  }
}

function safeLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]/g, "_").slice(0, 60) || "cert";
}

/**
 * Creates a new CA in `dir` (created if missing). EC P-256 keys keep
 * generation to a few milliseconds per certificate.
 */
export function createTestCa(dir: string, opts: { commonName?: string } = {}): TestCa {
  mkdirSync(dir, { recursive: true });
  const commonName = opts.commonName ?? "git-credential-codecommit test CA";
  const caKey = join(dir, "ca.key");
  const caFile = join(dir, "ca.pem");
  const caConf = join(dir, "ca.cnf");
  // An explicit config instead of -subj/-addext: the distro's openssl.cnf
  // already adds basicConstraints to `req -x509`, and -addext would then fail
  // with a duplicate extension.
  writeFileSync(
    caConf,
    [
      "[req]",
      "prompt = no",
      "distinguished_name = dn",
      "x509_extensions = ext",
      "[dn]",
      `CN = ${commonName.replace(/[\\\n]/g, " ")}`,
      "[ext]",
      "basicConstraints = critical, CA:TRUE, pathlen:0",
      "keyUsage = critical, keyCertSign, cRLSign",
      "subjectKeyIdentifier = hash",
      "",
    ].join("\n"),
  );
  openssl(
    [
      "req", "-x509", "-config", caConf,
      "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", caKey, "-out", caFile, "-days", VALIDITY_DAYS, "-sha256",
    ],
    dir,
  );
  const ca = readFileSync(caFile, "utf8");
  let issued = 0;

  function issue(names: string[]): IssuedCert {
    const unique = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ""))];
    const first = unique[0];
    if (first === undefined) throw new Error("issue() needs at least one name");
    for (const n of unique) {
      // A comma or newline would inject extra SAN entries or config lines.
      if (!/^[A-Za-z0-9.*:_-]+$/.test(n)) throw new Error(`unsupported certificate name: ${JSON.stringify(n)}`);
    }
    const base = join(dir, `${++issued}-${safeLabel(first)}`);
    const keyFile = `${base}.key`;
    const csrFile = `${base}.csr`;
    const certFile = `${base}.pem`;
    const conf = `${base}.cnf`;
    const san = unique.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(", ");
    writeFileSync(
      conf,
      [
        "[req]",
        "prompt = no",
        "distinguished_name = dn",
        "[dn]",
        // CN is capped at 64 characters by X.509; SANs carry the real names.
        `CN = ${first.slice(0, 64)}`,
        "[ext]",
        "basicConstraints = critical, CA:FALSE",
        "keyUsage = critical, digitalSignature, keyEncipherment",
        "extendedKeyUsage = serverAuth",
        `subjectAltName = ${san}`,
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
        "",
      ].join("\n"),
    );
    openssl(
      [
        "req", "-new", "-config", conf,
        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", keyFile, "-out", csrFile,
      ],
      dir,
    );
    // A random serial avoids a shared .srl file, so two fakes can issue from
    // one CA without racing, and clients never see a repeated issuer+serial.
    const serial = "0x" + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex").replace(/^./, "4");
    openssl(
      [
        "x509", "-req", "-in", csrFile, "-CA", caFile, "-CAkey", caKey,
        "-set_serial", serial, "-days", VALIDITY_DAYS, "-sha256",
        "-extfile", conf, "-extensions", "ext", "-out", certFile,
      ],
      dir,
    );
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), certFile, keyFile };
  }

  return { dir, caFile, ca, issue };
}
