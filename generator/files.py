"""Atomic writes: a reader (an editor's tool, a build, git) sees the old file or the new, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, keep_mode: bool = False) -> None:
    """Write `data` (text as UTF-8) through a temporary file beside `path`, then rename it
    into place; `keep_mode`: give it the permissions the file had.

    The temporary name starts with a dot, so the content loader skips one left behind by a crash. No fsync: the
    rename already guarantees old-or-new to other processes, and a fetch or a build may write thousands of files.
    Parallel writers of one path each write a temporary file of their own, and the last rename wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        if keep_mode:
            os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
