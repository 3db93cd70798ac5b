"""The ledger: what was sent to whom, in SQLite, so that a crashed or repeated `agora send` never sends twice.

One row per (issue, recipient), carrying the language, the state, the number of attempts, the last SMTP reply
and the time of the last change. The recipient is a digest of the address (`recipients.digest`): the ledger
works without the addresses, so a copy of it (a CI cache, a backup) leaks none. Keying on the issue and the
recipient, not the language too, means a member who changes language between two runs still gets one message.

    pending ──▶ sending ──▶ sent | deferred | failed | uncertain
                   ▲            │ (deferred: retried in this run or the next)
                   └────────────┘

Every transition is its own committed transaction, before and after each SMTP transaction: a row in
`sending` when a run starts means the previous run died between the two commits, in the middle of a
transaction, so the message may or may not have been delivered; `open_ledger` marks it `uncertain`, and only
`--resend-uncertain` sends it again. A lock file keeps a second `agora send` off the same ledger while one
runs (it would take the first run's `sending` rows for crashed ones).

Journal mode WAL with `synchronous=NORMAL`: a commit is written to the WAL before the SMTP command goes out,
so it survives the process being killed at any point; only a power cut or kernel crash can lose the last few
commits (SQLite syncs the WAL at checkpoints), which keeps a commit at tens of microseconds instead of an fsync.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PENDING, SENDING, SENT, DEFERRED, FAILED, UNCERTAIN = "pending", "sending", "sent", "deferred", "failed", "uncertain"
STATES = (PENDING, SENDING, SENT, DEFERRED, FAILED, UNCERTAIN)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    issue     TEXT NOT NULL,
    recipient TEXT NOT NULL,  -- sha256 of the case-folded address
    lang      TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'uncertain')),
    attempts  INTEGER NOT NULL DEFAULT 0,
    reply     TEXT NOT NULL DEFAULT '',
    updated   TEXT NOT NULL,
    PRIMARY KEY (issue, recipient)
) WITHOUT ROWID;
"""


class LedgerBusy(Exception):
    """Another `agora send` holds the ledger."""


@dataclass(frozen=True)
class Row:
    recipient: str
    lang: str
    state: str
    attempts: int
    reply: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Ledger:
    """One open ledger. Thread-safe: the sending threads share one connection behind a lock (SQLite
    serialises writers anyway)."""

    def __init__(self, connection: sqlite3.Connection, read_only: bool = False):
        self._db = connection
        self._lock = threading.Lock()
        self.read_only = read_only

    def rows(self, issue: str) -> dict[str, Row]:
        """Every row of `issue`, by recipient digest."""
        with self._lock:
            found = self._db.execute("SELECT recipient, lang, state, attempts, reply FROM sends WHERE issue = ?",
                                     (issue,)).fetchall()
        return {row[0]: Row(*row) for row in found}

    def add_pending(self, issue: str, recipients: Iterable[tuple[str, str]]) -> None:
        """Add (digest, language) rows not yet in the ledger as pending, in one transaction."""
        now = _now()
        with self._lock, self._db:
            self._db.executemany("INSERT OR IGNORE INTO sends (issue, recipient, lang, state, updated) "
                                 "VALUES (?, ?, ?, 'pending', ?)",
                                 ((issue, key, lang, now) for key, lang in recipients))

    def sending(self, issue: str, recipient: str, lang: str) -> None:
        """Committed before the SMTP transaction starts (with the language it is sent in)."""
        with self._lock, self._db:
            self._db.execute("UPDATE sends SET state = 'sending', lang = ?, attempts = attempts + 1, updated = ? "
                             "WHERE issue = ? AND recipient = ?", (lang, _now(), issue, recipient))

    def settle(self, issue: str, recipient: str, state: str, reply: str) -> None:
        """Committed after the SMTP transaction: its outcome and the server's reply."""
        assert state in (SENT, DEFERRED, FAILED, UNCERTAIN, PENDING)
        with self._lock, self._db:
            self._db.execute("UPDATE sends SET state = ?, reply = ?, updated = ? WHERE issue = ? AND recipient = ?",
                             (state, reply, _now(), issue, recipient))

    def last_update(self, issue: str) -> str | None:
        with self._lock:
            return self._db.execute("SELECT max(updated) FROM sends WHERE issue = ?", (issue,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if read_only:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.executescript(SCHEMA)
        db.isolation_level = "DEFERRED"  # `with db:` is then one transaction
    db.execute("PRAGMA busy_timeout = 5000")
    return db


@contextmanager
def open_ledger(path: Path, read_only: bool = False) -> Iterator[Ledger]:
    """The ledger at `path`, created if missing, locked for this run; rows left in `sending` by a run that
    died become `uncertain` first.

    `read_only` (for `--dry-run`) neither locks, creates nor recovers: a missing ledger reads as empty.
    Raises LedgerBusy when another run holds the lock.
    """
    if read_only:
        db = _connect(path, True) if path.is_file() else sqlite3.connect(":memory:", check_same_thread=False)
        if not path.is_file():
            db.executescript(SCHEMA)
        ledger = Ledger(db, read_only=True)
        try:
            yield ledger
        finally:
            ledger.close()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerBusy(f"another `agora send` is using the ledger {path}; wait for it to finish") from None
        db = _connect(path, False)
        with db:
            db.execute("UPDATE sends SET state = 'uncertain', "
                       "reply = 'interrupted during the SMTP transaction: delivery unknown', updated = ? "
                       "WHERE state = 'sending'", (_now(),))
        ledger = Ledger(db)
        try:
            yield ledger
        finally:
            ledger.close()
    finally:
        os.close(lock)
