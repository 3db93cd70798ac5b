"""Atomic writes: a reader (an editor's tool, a build, git) sees the old file or the new, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write `text` as UTF-8 through a temporary file beside `path`, then rename it into place.

    The temporary name starts with a dot, so the content loader skips one left behind by a crash. No fsync:
    the rename already guarantees old-or-new to other processes, and a fetch may write thousands of files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
