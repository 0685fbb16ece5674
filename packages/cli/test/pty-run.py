"""Runs a command on a pseudo-terminal of a given size, as a user's terminal would.

Usage: pty-run.py ROWS COLUMNS NEW_ROWS NEW_COLUMNS COMMAND [ARG...]

What the command writes to the terminal is copied to stdout byte for byte; what arrives on stdin is typed
into the terminal (so b'\\x03' is Ctrl-C: the terminal sends SIGINT to the command). SIGUSR1 resizes the
terminal to NEW_ROWS x NEW_COLUMNS, as a user resizing the window would (the kernel sends the command
SIGWINCH). Exits with the command's exit code, or 128 + the signal that ended it.
"""

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios

rows, columns, new_rows, new_columns = (int(a) for a in sys.argv[1:5])
command = sys.argv[5:]

pid, master = pty.fork()
if pid == 0:
    # The child: fd 0 is the terminal's slave side; give it its size before the command starts.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    os.execvp(command[0], command)

signal.signal(
    signal.SIGUSR1,
    lambda *_: fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", new_rows, new_columns, 0, 0)),
)

stdin_open = True
while True:
    watched = [master] + ([0] if stdin_open else [])
    ready, _, _ = select.select(watched, [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        typed = os.read(0, 1024)
        if typed:
            os.write(master, typed)
        else:
            stdin_open = False

_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
