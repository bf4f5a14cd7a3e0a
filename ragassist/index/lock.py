"""One writer per index folder: an advisory lock whose file names the process holding it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import IndexStateError


@contextmanager
def write_lock(folder: Path) -> Iterator[None]:
    """One writer per index folder at a time; a second one is told which process holds it.

    The holder writes its pid into the lock file; the file is opened without truncating it,
    so a process that fails to get the lock can still read the holder's pid.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        f = open(folder / ".lock", "a+")  # noqa: SIM115 - closed below, after the lock is released
    except OSError as e:
        raise IndexStateError(
            f"cannot write the index in {folder} ({e.strerror}); make the folder writable, "
            "or index into another folder with --index"
        ) from e
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            raise IndexStateError(
                f"the index in {folder} is busy: process {holder} is writing it. Wait for it "
                "to finish (searching it meanwhile is fine), then run this again."
            ) from e
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        yield
