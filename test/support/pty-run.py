#!/usr/bin/env python3
"""Runs a command the way a person's terminal and git together would.

The command gets a new session whose controlling terminal is a fresh
pseudo-terminal (so /dev/tty opens), while its stdin is a pipe holding git's
request and its stdout/stderr are pipes, as when git runs a credential helper.
Whenever the terminal shows --prompt (each time it appears anew), --reply and a
newline are typed on it.

Prints one JSON object: {"code": exit status (negative: signal, null: timed
out), "stdout", "stderr", "tty": everything written to the terminal}.

With --stdin-tty the command's stdin is the terminal itself, as when a person
types the command: the --stdin-file bytes are typed on it, then Ctrl-D (end of
input), unless --no-eof leaves the terminal waiting, as a person who types nothing.

usage: pty-run.py [--stdin-file F] [--stdin-tty [--no-eof]] [--prompt P --reply R] [--timeout S] -- CMD ARG...
"""

import argparse
import fcntl
import json
import os
import select
import signal
import sys
import termios
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stdin-file", help="what the command reads on stdin (default: nothing)")
    ap.add_argument("--prompt")
    ap.add_argument("--reply")
    ap.add_argument("--stdin-tty", action="store_true")
    ap.add_argument("--no-eof", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command")
    data = b""
    if args.stdin_file:
        with open(args.stdin_file, "rb") as f:
            data = f.read()

    master, slave = os.openpty()
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            os.dup2(slave if args.stdin_tty else in_r, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (master, slave, in_r, in_w, out_r, out_w, err_r, err_w):
                if fd > 2:
                    os.close(fd)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    # The parent keeps its copy of the slave open: with no slave fd open
    # anywhere, reading the master fails with EIO before the child opens /dev/tty.
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    if args.stdin_tty:
        # The line discipline holds typed input until the command reads it; ^D at a line's start ends it.
        os.write(master, data + (b"" if args.no_eof else b"\x04"))
    else:
        # git's request is small: it fits in the pipe without a reader.
        os.write(in_w, data)
    os.close(in_w)

    buffers = {master: b"", out_r: b"", err_r: b""}
    open_fds = {out_r, err_r}
    answered = 0
    deadline = time.monotonic() + args.timeout
    status = None
    while True:
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        if status is not None and not open_fds:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = "timeout"
            break
        readable, _, _ = select.select([master, *open_fds], [], [], min(left, 0.05))
        for fd in readable:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if fd == master:
                buffers[master] += chunk
                if args.prompt and buffers[master].count(args.prompt.encode()) > answered:
                    answered += 1
                    os.write(master, (args.reply or "").encode() + b"\n")
            elif chunk:
                buffers[fd] += chunk
            else:
                open_fds.discard(fd)
    # Whatever the terminal still holds.
    fcntl.fcntl(master, fcntl.F_SETFL, os.O_NONBLOCK)
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            buffers[master] += chunk
    except OSError:
        pass

    if status == "timeout":
        code = None
    elif os.WIFSIGNALED(status):
        code = -os.WTERMSIG(status)
    else:
        code = os.WEXITSTATUS(status)
    json.dump(
        {
            "code": code,
            "stdout": buffers[out_r].decode("utf-8", "replace"),
            "stderr": buffers[err_r].decode("utf-8", "replace"),
            "tty": buffers[master].decode("utf-8", "replace"),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
