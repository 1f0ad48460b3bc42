"""One `flask lesson` command at a time per clone: an operating-system lock on a file.

The lock belongs to the open file, so it is gone when the process ends,
even after `kill -9`, and a stale lock file never blocks anyone.
"""
import os
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


class FileLockHeld(Exception):
    """Another process holds the lock."""


@contextmanager
def file_lock(path):
    """Hold an exclusive lock on `path` (made if missing) while the block runs; never wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            if fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise FileLockHeld(str(path)) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock
