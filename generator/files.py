"""Atomic writes (a reader, be it an editor's tool, a build or git, sees the old file or the new, never half),
and the sealed format of Agora's larger cache files."""

from __future__ import annotations

import hashlib
import marshal
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


def sealed(value: object) -> bytes:
    """`value` (dicts, lists, text, numbers, None) as the bytes of a cache file: the sha256 of the marshalled
    value in hex, a newline, and the value.

    marshal, not JSON: the caches every build reads and rewrites (a language's planned Markdown, the manifest of
    its output) are megabytes, and marshal reads and writes them in a fifth of the time. They are trusted as the
    compiled templates Jinja keeps beside them in `.cache/agora/` (marshal too) are; the digest makes a truncated
    or damaged file a miss before marshal reads it."""
    body = marshal.dumps(value)
    return hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def unsealed(data: bytes) -> object | None:
    """What `sealed` wrote; None for anything else (truncated, damaged, another format or another Python's)."""
    digest, _, body = data.partition(b"\n")
    if digest != hashlib.sha256(body).hexdigest().encode("ascii"):
        return None
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
