# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# ttyrun.py ERRFILE WAIT_FOR -- ARGV... : runs ARGV as the foreground
# process group of a new terminal (a pty: its own session, the pty its
# controlling terminal, stderr to ERRFILE), waits until WAIT_FOR appears
# in what it writes to the terminal, then types Ctrl-C (writes "\x03" to
# the master: the line discipline sends SIGINT to the foreground group).
# Prints what the terminal showed and exits with ARGV's status as a shell
# gives it (128+N for signal N); 124 when WAIT_FOR or the exit did not
# come within 60 s.
import os, pty, select, sys, time

def main():
    err, wait_for, argv = sys.argv[1], sys.argv[2].encode(), sys.argv[4:]
    pid, fd = pty.fork()
    if pid == 0:
        e = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(e, 2)
        os.execvp(argv[0], argv)
    seen, typed, deadline = b"", False, time.time() + 60
    done, status = 0, 0
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            seen += data
        if not typed and wait_for in seen:
            os.write(fd, b"\x03")
            typed = True
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.stdout.write(seen.decode(errors="replace"))
        sys.exit(124)
    if not done:
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status)
             else 128 + os.WTERMSIG(status))

main()
