"""Reading small input files whole, with one-line errors that name the file.

Only regular files (or symbolic links to one) are read: a folder, a FIFO, a socket or a
device named as an input is refused before anything is read from it, so a FIFO cannot
hang a command and ``/dev/zero`` cannot fill the memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from stancepack.ground.errors import StancepackError

# What a file that is not a regular file is, by its ``st_mode``.
FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
# Opening never blocks (a FIFO without a writer opens at once), and the descriptor is
# not inherited by child processes.
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def kind_of(mode: int) -> str:
    """What a ``st_mode`` that is not a regular file's is: "a folder", "a FIFO", ..."""
    return next((name for is_kind, name in FILE_KINDS if is_kind(mode)), "an unknown kind of file")


def read_regular_file(path: Path, error: type[StancepackError], kind: str) -> bytes:
    """The bytes of ``path``, a ``kind`` file ("manifest", "taxonomy", ...).

    Raises ``error`` with a message naming the file when it is missing, a broken symbolic
    link, not a regular file, or cannot be read."""
    try:
        descriptor = os.open(path, OPEN_FLAGS)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise error(f"{path}: broken symbolic link (its target does not exist)") from None
        raise error(f"{path}: no such {kind} file") from None
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise error(f"{path}: not a regular file ({kind_of(mode)})")
    with os.fdopen(descriptor, "rb") as stream:
        try:
            return stream.read()
        except OSError as problem:
            raise error(f"{path}: cannot be read ({problem.strerror})") from None
