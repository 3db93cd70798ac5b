"""The page cache: each built page's HTML and search entries, under `.cache/agora/pages/`, by fingerprint.

A page's fingerprint is a digest of everything its HTML depends on (see `AgoraPlugin.page_key`), so a record is
either exactly what a clean build would produce for that page or it is never looked up. Records are written to
a temporary file and renamed into place, and two builds that write the same key write equal records, so builds
running at once cannot corrupt each other's records. A record that is missing, unreadable, or whose bytes do not
match their own digest is a miss: the page is rendered again. The cache is an optimisation, never a source of truth.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from generator.files import sealed, unsealed, write_atomic

# Bump when the record layout changes: a cache of another format is never read.
FORMAT = 2
FOLDER = Path(".cache") / "agora" / "pages" / f"v{FORMAT}"


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
    def __init__(self, root: Path):
        self.folder = root / FOLDER

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.bin"

    def get(self, key: str) -> PageRecord | None:
        try:
            raw = unsealed(self._path(key).read_bytes())
        except OSError:
            return None
        if not isinstance(raw, dict) or raw.get("key") != key:
            return None  # truncated, edited, foreign, or stored under another name: render the page again
        return page_record(raw, html=True)

    def put(self, key: str, record: PageRecord) -> None:
        """Store `record`; failing to (a full disk, a read-only cache) only costs a render next time."""
        # Marshalled behind a digest of the whole record (generator/files.py): a page's HTML is tens of
        # kilobytes, which JSON would escape character by character for every page of a clean build.
        with contextlib.suppress(OSError):
            write_atomic(self._path(key), sealed({"key": key, **record.__dict__}))


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
