"""A table of sealed values by key in one SQLite file: what the page cache and the planner's memo are kept in.

One file per language, not a file per value: a clean build of a large hub wrote tens of thousands of files, and
creating them cost a tenth of the build (a file system creates an inode and a directory entry per file; SQLite
appends to one file). Values are read one by one and only new ones are written, so an edit build neither reads
nor rewrites what it does not need. Each value is sealed (`generator/files.py`), so one that is truncated,
edited or foreign is a miss; a database that cannot be opened or read is deleted and started afresh. Builds at
once (two outputs, `agora serve` beside `agora build`) take turns writing (SQLite's lock, held only while a
batch is inserted), and two builds writing the same key write equal values. A store is an optimisation, never a
source of truth: every failure is a miss.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from generator.files import sealed, unsealed

# Values inserted together: the write lock is held only for the insert, never while pages render.
BATCH = 64
# How long a build waits for another's batch before it skips writing (a miss next time, never an error).
WAIT_SECONDS = 10
# A store holding more than this many times the entries a build used drops the others: without it, every edit
# would add entries forever (the page cache holds about 30 KB per page and language).
SLACK = 2


class Store:
    """The values of one table. Open it in the process that uses it (a connection does not survive a fork)."""

    def __init__(self, path: Path, table: str):
        self.path, self.table = path, table
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
            # values (a miss), never return a wrong one (each value is sealed).
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, value BLOB NOT NULL) "
                       "WITHOUT ROWID")
            # The keys on their own: counting the entries (every build) and listing their keys (the planner's
            # memo) read this small index instead of the whole table, whose pages hold the values too (a tenth
            # of a second per language on a large hub when the file is not in memory).
            db.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_keys ON {self.table} (key)")
            db.execute(f"SELECT count(*) FROM {self.table} WHERE key = ''").fetchone()  # fails if damaged
        except BaseException:
            db.close()
            raise
        return db

    def get(self, key: str) -> object | None:
        """The value stored under `key`; None when there is none or it is damaged."""
        for pending_key, data in self._pending:
            if pending_key == key:
                return unsealed(data)
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute(f"SELECT value FROM {self.table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return unsealed(row[0]) if row else None

    def keys(self) -> list[str]:
        """Every key (none when the store cannot be read): one query, without reading any value."""
        db = self._connection()
        if db is None:
            return []
        try:
            return [key for (key,) in db.execute(f"SELECT key FROM {self.table}")]
        except sqlite3.Error:
            return []

    def put(self, key: str, value: object) -> None:
        """Store `value` (in the next batch); failing to (a full disk, a busy or read-only cache) only costs a
        miss next time."""
        self._pending.append((key, sealed(value)))
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
                db.executemany(f"INSERT OR REPLACE INTO {self.table} (key, value) VALUES (?, ?)", pending)
        except sqlite3.Error:
            pass

    def keep_only(self, used: Iterable[str]) -> None:
        """Drop every entry but `used` (this build's) once the store holds more than SLACK times as many: the
        store stays within a small multiple of one build's size, and another build's entries (another output's,
        `agora serve`'s) survive while they fit."""
        used = set(used)
        self.flush()
        db = self._connection()
        if db is None:
            return
        try:
            (count,) = db.execute(f"SELECT count(*) FROM {self.table}").fetchone()
            if count <= SLACK * max(len(used), 1):
                return
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY) WITHOUT ROWID")
                db.execute("DELETE FROM used")
                db.executemany("INSERT OR IGNORE INTO used (key) VALUES (?)", ((key,) for key in used))
                db.execute(f"DELETE FROM {self.table} WHERE key NOT IN (SELECT key FROM used)")
        except sqlite3.Error:
            pass

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
