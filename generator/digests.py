"""Digests of plain values (text, numbers, None, and lists, tuples and dicts of them): what Agora's cache keys
and fingerprints are made of; and of files, kept between builds."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import time
from pathlib import Path

from generator.files import sealed, unsealed, write_atomic

# The digests of the input files, by path (`FileDigests`).
FILE_DIGESTS = Path(".cache") / "agora" / "digests.bin"
# A file changed this recently when it is digested may change again within one tick of the file system's clock
# and keep its size and times: its digest is not kept (git's "racily clean" files).
RACY_NS = 2_000_000_000


def digest(value: object) -> str:
    """The sha256 of `value`, in hex.

    The bytes hashed are marshal's format 2, which writes each value by its type and contents alone (format 3
    and later refer back to objects already written, so equal values held by different objects would write
    differently); equal values always give equal digests. Marshal copies text where JSON escapes each character,
    and a language's keys hash every page's Markdown: four times faster. A value of another type raises."""
    try:
        data = marshal.dumps(value, 2)
    except ValueError:  # marshal takes exact types only
        data = marshal.dumps(_tagged(value), 2)
    return hashlib.sha256(data).hexdigest()


def _tagged(value: object) -> object:
    """`value` with text of a str subclass (Markup: escaped differently from plain text) tagged by its type."""
    kind = type(value)
    if isinstance(value, str) and kind is not str:
        return (f"{kind.__module__}.{kind.__qualname__}", str(value))
    if kind in (list, tuple):
        return kind(_tagged(item) for item in value)
    if kind is dict:
        return {_tagged(key): _tagged(item) for key, item in value.items()}
    return value  # marshal raises for what it cannot write


class FileDigests:
    """The sha256 of files, kept between builds (in `.cache/agora/digests.bin`) with each file's size,
    modification and change times and inode: a file whose status is the one recorded is not read again. Every
    write changes a file's change time, which nothing can set back, and a rename its inode; a file changed within
    `RACY_NS` of being digested is not kept, so a later change within the same clock tick cannot pass unseen.
    A missing or damaged record digests every file, as without it."""

    def __init__(self, root: Path | None = None):
        self.path = root / FILE_DIGESTS if root is not None else None
        self.now = time.time_ns()
        stored = unsealed(self.path.read_bytes()) if self.path is not None and self.path.is_file() else None
        self.known: dict[str, list] = stored if isinstance(stored, dict) else {}
        self.seen: dict[str, list] = {}

    def of(self, path: str | Path) -> bytes | None:
        """The sha256 of the file at `path`; None when it cannot be read."""
        name = str(path)
        try:
            stat = os.stat(name)
        except OSError:
            return None
        status = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        entry = self.seen.get(name) or self.known.get(name)
        if isinstance(entry, list) and len(entry) == 5 and entry[:4] == status and isinstance(entry[4], bytes):
            self.seen[name] = entry
            return entry[4]
        try:
            with open(name, "rb") as handle:
                value = hashlib.sha256(handle.read()).digest()
        except OSError:
            return None
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < self.now - RACY_NS:
            self.seen[name] = [*status, value]
        return value

    def save(self) -> None:
        """Keep the digests of the files digested since loading (only those: the record never outgrows the
        inputs); failing costs reading the files next time."""
        if self.path is not None and self.seen != self.known:
            with contextlib.suppress(OSError):
                write_atomic(self.path, sealed(self.seen))
