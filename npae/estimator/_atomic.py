"""Atomic file writes for ``save`` and checkpoints: a temporary file beside the target,
flushed and fsynced, then ``os.replace``.

- **Names that prove ownership.**  The temporary file is
  ``.npae-<host>-<pid>-<random>.tmp``: the host and the process that writes it.
- **Stale files cleaned.**  A ``SIGKILL`` in the middle of a save leaves that
  file behind.  The next save into the same folder removes the temporary files
  that npae can show are its own and abandoned: the name pattern above, this
  host, and a process id that no longer exists.  Anything else (another host's
  files, a live writer's, files of older npae versions without a process id,
  files of other programs) is left alone.
- **Modes follow the umask.**  ``tempfile.mkstemp`` creates files with mode
  0600; the saved file gets ``0666 & ~umask``, like a file opened by ``open``.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile

__all__ = ["write_atomic", "clean_stale"]

_HOST = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname()) or "host"
_NAME = re.compile(r"^\.npae-(?P<host>[A-Za-z0-9_.]+)-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")


def _umask():
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not atomic, but brief)
    os.umask(mask)
    return mask


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def clean_stale(folder):
    """Remove the abandoned temporary files of npae's saves in ``folder``; returns their names."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _NAME.match(name)
        if m is None or m["host"] != _HOST or _alive(int(m["pid"])):
            continue
        try:
            os.unlink(os.path.join(folder, name))
            removed.append(name)
        except OSError:  # gone meanwhile, or not ours to remove
            pass
    return removed


def write_atomic(target, folder, write):
    """Write ``target`` through ``write(fh)`` on a temporary file, then move it into place."""
    clean_stale(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".npae-{_HOST}-{os.getpid()}-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
