// The one list of what each CI platform lacks, and so which tests skip there.
// ci.yml runs the whole suite on ubuntu, macOS and Windows; a test that needs
// something below calls `lacks(...)` in its skipIf, and says why once on
// stdout. test/build/workflows.test.ts holds a copy of MISSING: a skip cannot
// be added (or a test skipped another way) without that test failing.

/** Each thing a test may need that some platform lacks, named in the skip line. */
export const NEEDS = {
  faketime: "faketime, which freezes the compiled binary's clock (LD_PRELOAD; these signing vectors still run in-process)",
  dash: "dash, busybox and shellcheck, the shells and linter install.sh is checked with (on linux-x64)",
  busybox: "busybox, whose tar/unzip/sha256sum check the release archives build/release.ts writes",
  qemu: "qemu-user and the arm64 libc, which run the linux-arm64 binary",
  sh: "a POSIX sh that runs #!/bin/sh scripts as programs (Windows runs no shebangs outside git)",
  pty: "a POSIX terminal: python3's pty module, stty and /dev/tty",
  setsid: "setsid (util-linux), which runs the helper with no controlling terminal",
  "posix-modes": "POSIX permission bits (0600, 0700) on files and directories",
  symlinks: "symbolic links an ordinary user may create",
  procfs: "/proc, where each process's argv, environment and open files can be read",
  "gnu-time": "GNU time (/usr/bin/time -f), which measures the helper's CPU while it waits",
  windows: "Windows: install.ps1 installs into %LOCALAPPDATA% and the user PATH, and git for Windows ships Git Credential Manager",
  osxkeychain: "git-credential-osxkeychain and a login keychain (macOS)",
  man: "groff, mandoc and man-db, which lint and render the manual page",
} as const;

export type Need = keyof typeof NEEDS;

/** What each CI platform lacks. Linux CI installs every tool (ci.yml, .ci/run). */
export const MISSING: Readonly<Record<"linux" | "darwin" | "win32", readonly Need[]>> = {
  linux: ["windows", "osxkeychain"],
  darwin: ["faketime", "dash", "busybox", "qemu", "setsid", "procfs", "gnu-time", "windows", "man"],
  win32: ["faketime", "dash", "busybox", "qemu", "sh", "pty", "setsid", "posix-modes", "symlinks", "procfs", "gnu-time", "osxkeychain", "man"],
};

const said = new Set<Need>();

/** Whether this machine lacks `need`; when it does, says so once, naming it. */
export function lacks(need: Need): boolean {
  const missing = (MISSING[process.platform as keyof typeof MISSING] ?? []).includes(need);
  if (missing && !said.has(need)) {
    said.add(need);
    console.log(`skipped on ${process.platform}: tests that need ${NEEDS[need]}`);
  }
  return missing;
}

/**
 * What a child process needs on Windows beyond baseEnv's variables: the home
 * the AWS CLI's expanduser reads there (USERPROFILE, not HOME), and the system
 * folders without which Winsock and CreateProcess fail. Nothing elsewhere.
 */
export function platformEnv(home: string): Record<string, string> {
  return process.platform === "win32" ? { USERPROFILE: home, ...systemEnv() } : {};
}

/** Windows' system folders and executable suffixes, for a child given an explicit environment. */
export function systemEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.platform !== "win32") return env;
  for (const name of ["SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT", "TEMP", "TMP", "ProgramFiles"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
