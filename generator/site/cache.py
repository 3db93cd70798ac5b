"""The page cache: each built page's HTML and search entries, under `.cache/agora/pages/`, by fingerprint.

A page's fingerprint is a digest of everything its HTML depends on (see `AgoraPlugin.page_key`), so a record is
either exactly what a clean build would produce for that page or it is never looked up. Records live in one
SQLite database per language (`<lang>.sqlite`, see `generator/site/store.py`); a record stored under another
key than its own, or of another shape, is a miss too. The cache is an optimisation, never a source of truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.site.store import Store

# Bump when the record layout changes: a cache of another format is never read.
FORMAT = 5
FOLDER = Path(".cache") / "agora" / "pages" / f"v{FORMAT}"


@dataclass(frozen=True)
class PageRecord:
    html: str
    # The search plugin's entries for this page, as the JSON text they add to its index (`site/search.py`).
    search: str
    # Anchors the page defines and links to anchors of other pages (MkDocs validates them after every build).
    anchors: list[str]
    links_to_anchors: dict[str, dict[str, str]]
    # What MkDocs warned about while building the page: repeated when the page is reused, so --strict
    # fails on a reused page exactly as on a rendered one.
    warnings: list[str]


class PageCache:
    """The records of one language, in a `Store`. Open it in the process that uses it."""

    def __init__(self, root: Path, code: str):
        self.store = Store(root / FOLDER / f"{code}.sqlite", "pages")

    def get(self, key: str) -> PageRecord | None:
        return _record(key, self.store.get(key))

    def put(self, key: str, record: PageRecord) -> None:
        """Store `record`; failing to only costs a render next time."""
        # Marshalled behind a digest of the whole record (generator/files.py): a page's HTML is tens of
        # kilobytes, which JSON would escape character by character for every page of a clean build.
        self.store.put(key, {"key": key, **record.__dict__})

    def keep_only(self, keys: Iterable[str]) -> None:
        self.store.keep_only(keys)

    def close(self) -> None:
        self.store.close()


def _record(key: str, raw: object) -> PageRecord | None:
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
    shapes = [(record.search, str), (record.anchors, list), (record.links_to_anchors, dict),
              (record.warnings, list), (record.html, str if html else type(None))]
    if not all(isinstance(value, kind) for value, kind in shapes):
        return None
    if not all(isinstance(anchors, dict) for anchors in record.links_to_anchors.values()):
        return None
    return record
