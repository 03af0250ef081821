// The Windows console for the MFA prompt, through kernel32 with bun:ffi: echo
// off as the AWS CLI's getpass has it (msvcrt.getwch), and Git Bash's mintty
// told apart from a console. Loaded by prompt.ts on win32 only; it has never
// run in this repository's Linux tests (see README, Platforms).
//
// bun:ffi needs TinyCC, which Bun long left out of its windows-arm64 builds
// (oven-sh/bun#28055). The pinned runtime for that target carries it
// (test/build/windows-arm64-ffi.test.ts); were dlopen to throw, the prompt
// would still work, with echo.
import { dlopen, FFIType } from "bun:ffi";

const ENABLE_ECHO_INPUT = 0x0004;
const GENERIC_READ_WRITE = 0xc0000000;
const FILE_SHARE_READ_WRITE = 0x3;
const OPEN_EXISTING = 3;
const INVALID_HANDLE_VALUE = 0xffffffffffffffffn;
const STD_ERROR_HANDLE = -12;
const FILE_TYPE_PIPE = 3;
const FILE_NAME_INFO = 2;

// HANDLEs are 64-bit on every Windows target we build: u64 keeps INVALID_HANDLE_VALUE exact.
function kernel32() {
  return dlopen("kernel32.dll", {
    CreateFileW: {
      args: [FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.ptr],
      returns: FFIType.u64,
    },
    GetConsoleMode: { args: [FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    SetConsoleMode: { args: [FFIType.u64, FFIType.u32], returns: FFIType.i32 },
    CloseHandle: { args: [FFIType.u64], returns: FFIType.i32 },
    GetStdHandle: { args: [FFIType.i32], returns: FFIType.u64 },
    GetFileType: { args: [FFIType.u64], returns: FFIType.u32 },
    GetFileInformationByHandleEx: { args: [FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  });
}

type Kernel32 = ReturnType<typeof kernel32>["symbols"];

let loaded: Kernel32 | null | undefined;
function api(): Kernel32 | null {
  if (loaded === undefined) {
    try {
      loaded = kernel32().symbols;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/**
 * Whether a pipe's name is an MSYS2/Cygwin pty's (`\msys-<hex>-pty<n>-to-master`),
 * read with GetFileInformationByHandleEx as Vim's iscygpty does (Git for Windows
 * reads the same name through NtQueryObject) to recognise mintty.
 */
export function isMsysPtyName(name: string): boolean {
  return /(msys|cygwin)-[0-9a-f]+-pty\d+-(to|from)-master/.test(name);
}

/**
 * Whether stderr is an MSYS2/Cygwin pty pipe: mintty without a console, where
 * CONIN$ is a hidden console nobody types into.
 */
export function isMinttyPty(): boolean {
  const k = api();
  if (!k) return false;
  const handle = k.GetStdHandle(STD_ERROR_HANDLE);
  if (k.GetFileType(handle) !== FILE_TYPE_PIPE) return false;
  // FILE_NAME_INFO: a DWORD length in bytes, then the UTF-16 name.
  const info = Buffer.alloc(4 + 2 * 1024);
  if (!k.GetFileInformationByHandleEx(handle, FILE_NAME_INFO, info, info.length)) return false;
  const name = info.toString("utf16le", 4, 4 + Math.min(info.readUInt32LE(0), info.length - 4));
  return isMsysPtyName(name);
}

/**
 * Turns off echo on the console's input buffer (shared by every CONIN$ handle)
 * and returns the undo; undefined when there is no console or no FFI, and the
 * code shows as it is typed.
 */
export function consoleEchoOff(): (() => void) | undefined {
  const k = api();
  if (!k) return undefined;
  const handle = k.CreateFileW(
    Buffer.from("CONIN$\0", "utf16le"), GENERIC_READ_WRITE, FILE_SHARE_READ_WRITE, null, OPEN_EXISTING, 0, null,
  );
  if (BigInt(handle) === INVALID_HANDLE_VALUE) return undefined;
  const mode = new Uint32Array(1);
  if (!k.GetConsoleMode(handle, mode) || !k.SetConsoleMode(handle, mode[0]! & ~ENABLE_ECHO_INPUT)) {
    k.CloseHandle(handle);
    return undefined;
  }
  const original = mode[0]!;
  return () => {
    k.SetConsoleMode(handle, original);
    k.CloseHandle(handle);
  };
}
