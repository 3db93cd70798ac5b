"""The page cache: each built page's HTML and search entries, under `.cache/agora/pages/`, by fingerprint.

A page's fingerprint is a digest of everything its HTML depends on (see `AgoraPlugin.page_key`), so a record is
either exactly what a clean build would produce for that page or it is never looked up. Records live in one
SQLite database per language (`<lang>.sqlite`), not a file per page: a clean build of a large hub wrote tens of
thousands of files, and creating them cost a tenth of the build (a file system creates an inode and a
directory entry per file; SQLite appends to one file). Each record is sealed (`generator/files.py`), so one
that is truncated, edited or foreign is a miss; a database that cannot be opened or read is deleted and
started afresh. Builds at once (two outputs, `agora serve` beside `agora build`) take turns writing (SQLite's
lock, held only while a batch of records is inserted), and two builds writing the same key write equal
records. The cache is an optimisation, never a source of truth.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from generator.files import sealed, unsealed

# Bump when the record layout changes: a cache of another format is never read.
FORMAT = 3
FOLDER = Path(".cache") / "agora" / "pages" / f"v{FORMAT}"
# Records inserted together: the write lock is held only for the insert, never while pages render.
BATCH = 64
# How long a build waits for another's batch before it skips writing (a miss next time, never an error).
WAIT_SECONDS = 10


@dataclass(frozen=True)
class PageRecord:
    html: str
    # The search plugin's entries for this page, in order.
    search: list
    # Anchors the page defines and links to anchors of other pages (MkDocs validates them after every build).
    anchors: list[str]
    links_to_anchors: dict[str, dict[str, str]]
    # What MkDocs warned about while building the page: repeated when the page is reused, so --strict
    # fails on a reused page exactly as on a rendered one.
    warnings: list[str]


class PageCache:
    """The records of one language. Open it in the process that uses it (a connection does not survive a fork)."""

    def __init__(self, root: Path, code: str):
        self.path = root / FOLDER / f"{code}.sqlite"
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._pending: list[tuple[str, bytes]] = []

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self._db = self._open()
            except (sqlite3.Error, OSError):
                # Not a database (damaged, or some other file): delete it and start afresh, once.
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        Path(f"{self.path}{suffix}").unlink()
                try:
                    self._db = self._open()
                except (sqlite3.Error, OSError):
                    self._broken = True
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=WAIT_SECONDS, isolation_level=None)
        try:
            # WAL: readers never wait for a writer. synchronous=OFF: a crash of the machine may lose the last
            # records (a miss), never return a wrong one (each record is sealed).
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID")
            db.execute("SELECT count(*) FROM pages WHERE key = ''").fetchone()  # reads the file: fails if damaged
        except BaseException:
            db.close()
            raise
        return db

    def get(self, key: str) -> PageRecord | None:
        for pending_key, data in self._pending:
            if pending_key == key:
                return _record(key, data)
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT record FROM pages WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return _record(key, row[0]) if row else None

    def put(self, key: str, record: PageRecord) -> None:
        """Store `record` (in the next batch); failing to (a full disk, a busy or read-only cache) only costs a
        render next time."""
        # Marshalled behind a digest of the whole record (generator/files.py): a page's HTML is tens of
        # kilobytes, which JSON would escape character by character for every page of a clean build.
        self._pending.append((key, sealed({"key": key, **record.__dict__})))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        db = self._connection()
        if db is None or not pending:
            return
        try:
            with db:  # one transaction
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO pages (key, record) VALUES (?, ?)", pending)
        except sqlite3.Error:
            pass

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _record(key: str, data: bytes) -> PageRecord | None:
    raw = unsealed(data)
    if not isinstance(raw, dict) or raw.get("key") != key:
        return None  # truncated, edited, foreign, or stored under another name: render the page again
    return page_record(raw, html=True)


def page_record(entry: object, *, html: bool) -> PageRecord | None:
    """`entry` (a stored record, or a manifest's page entry when not `html`) as a page record; None when a field
    is missing or not of its kind (a file written by another version or edited by hand)."""
    if not isinstance(entry, dict):
        return None
    try:
        record = PageRecord(html=entry["html"] if html else None, search=entry["search"], anchors=entry["anchors"],
                            links_to_anchors=entry["links_to_anchors"], warnings=entry["warnings"])
    except KeyError:
        return None
    shapes = [(record.search, list), (record.anchors, list), (record.links_to_anchors, dict),
              (record.warnings, list), (record.html, str if html else type(None))]
    if not all(isinstance(value, kind) for value, kind in shapes):
        return None
    if not all(isinstance(anchors, dict) for anchors in record.links_to_anchors.values()):
        return None
    return record
