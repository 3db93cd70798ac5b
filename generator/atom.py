"""Atom 1.0 feeds (RFC 4287), written with the standard library's XML writer so escaping is never ours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    updated: dt.datetime
    author: str | None = None
    summary: str | None = None
    categories: tuple[str, ...] = ()
    published: dt.datetime | None = None
    content_html: str | None = None  # the entry's full text, as HTML with absolute links


def _stamp(value: dt.date | dt.datetime) -> str:
    return date_time(value).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed(*, id: str, title: str, self_url: str, site_url: str, lang: str, entries: list[Entry],
         author: str | None = None) -> bytes:
    """An Atom document; `updated` is the newest entry's date, so output depends on content only.

    `author` names the feed's author, which Atom requires of every entry that does not name its own.
    """
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": lang})
    ET.SubElement(root, "id").text = id
    ET.SubElement(root, "title").text = title
    updated = max((e.updated for e in entries), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    ET.SubElement(root, "updated").text = _stamp(updated)
    ET.SubElement(root, "link", {"rel": "self", "type": "application/atom+xml", "href": self_url})
    ET.SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": site_url})
    ET.SubElement(root, "generator").text = "Agora"
    if author:
        ET.SubElement(ET.SubElement(root, "author"), "name").text = author
    for entry in entries:
        node = ET.SubElement(root, "entry")
        ET.SubElement(node, "id").text = entry.id
        ET.SubElement(node, "title").text = entry.title
        if entry.published:
            ET.SubElement(node, "published").text = _stamp(entry.published)
        ET.SubElement(node, "updated").text = _stamp(entry.updated)
        ET.SubElement(node, "link", {"rel": "alternate", "type": "text/html", "href": entry.url})
        if entry.author:
            ET.SubElement(ET.SubElement(node, "author"), "name").text = entry.author
        for term in entry.categories:
            ET.SubElement(node, "category", {"term": term})
        if entry.summary:
            ET.SubElement(node, "summary").text = entry.summary
        if entry.content_html:
            ET.SubElement(node, "content", {"type": "html"}).text = entry.content_html
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def date_time(value: dt.date | dt.datetime) -> dt.datetime:
    """A date as the start of its day in UTC; a date with time as it is."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(), dt.UTC)
