"""Feed bytes to clean entries: feedparser reads RSS 0.9x/1.0/2.0 and Atom; this keeps what a post needs.

Pure: no network, no files. feedparser is handed a stream, never a string, because a string it may take for
a URL to fetch or a file name to open. Its own sanitizer and link resolution are off: nh3 (`sanitize`) is the
one sanitizer, and it resolves links against the entry rather than the feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from generator.feeds import sanitize
from generator.feeds.slugs import tag_slugs

MAX_ID_LENGTH = 2000  # Post.guid's limit; longer ids are stored as their hash
MAX_TITLE_LENGTH = 300  # Post.title's limit
EXCERPT_LIMIT = 600  # a summary longer than this is the whole post, not an excerpt
EXCERPT_LENGTH = 300


class FeedError(Exception):
    """The bytes are not a feed anything can be imported from."""


@dataclass(frozen=True)
class Entry:
    id: str | None  # the feed's own id for the entry (hashed when longer than Post.guid allows)
    link: str | None  # absolute http(s) URL of the original
    fingerprint: str  # a hash of what the entry carries (title, date, text) as the feed states it
    legacy: str  # the identity importers before feed-scoped identities gave it (see `_legacy`)
    title: str  # plain text; "" when the entry has no title and no text to make one from
    published: dt.datetime | None  # UTC
    tags: tuple[str, ...]  # slugs
    body: str  # safe HTML: the full text or the excerpt, as the feed's `content` setting asks
    position: int  # 1-based place in the feed, for messages


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]


def parse_feed(data: bytes, url: str, content_type: str | None,
               mode: Literal["excerpt", "full"], images: bool = False) -> ParsedFeed:
    """Entries of the feed at `url` (its final URL, after redirects); raises FeedError when none is usable.

    `images` keeps the entries' images (see `sanitize.clean_html`)."""
    headers = {"content-type": content_type} if content_type else {}
    # The charset of the HTTP header takes part in encoding detection, as in a browser.
    doc = feedparser.parse(io.BytesIO(data), response_headers=headers, resolve_relative_uris=False,
                           sanitize_html=False)
    problem = doc.get("bozo_exception") if doc.get("bozo") else None
    if problem and isinstance(problem, ThingsNobodyCaresAboutButMe):
        problem = None
    if not doc.entries:
        if not doc.get("version") and (content_type or "").startswith(("text/html", "application/xhtml")):
            # The usual mistake: the blog's home page listed instead of its feed.
            raise FeedError("the address serves a web page, not a feed; list the page's RSS or Atom link")
        if problem:
            raise FeedError(f"not a readable feed: {_reason(problem)}")
        if not doc.get("version"):
            raise FeedError("not an RSS or Atom feed (no feed elements found)")
        return ParsedFeed((), ())
    entries: list[Entry] = []
    warnings: list[str] = []
    for position, raw in enumerate(doc.entries, start=1):
        entry = _entry(raw, position, url, mode, images)
        if isinstance(entry, str):
            warnings.append(entry)
        else:
            entries.append(entry)
    if problem and not entries:
        # Broken XML that left only fragments (a truncated download, an HTML error page) is a failed feed.
        raise FeedError(f"not a readable feed: {_reason(problem)}")
    if problem:
        warnings.insert(0, f"the feed is not well-formed ({_reason(problem)}); imported the entries that "
                           f"could be read")
    return ParsedFeed(tuple(entries), tuple(warnings))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _entry(raw: dict, position: int, feed_url: str, mode: str, images: bool) -> Entry | str:
    """One entry, or the reason it is skipped."""
    link = _link(raw, feed_url)
    body = _body(raw, link or feed_url, feed_url, mode, images)
    title = _title(raw) or sanitize.shorten(sanitize.plain_text(body), 80)
    legacy = _legacy(raw, link, title)
    if not body and link:
        escaped = html.escape(link)
        body = sanitize.clean_html(f'<p><a href="{escaped}">{escaped}</a></p>', None)
    if not body and not title:
        return f"entry {position} has neither a title nor any text or link; skipped"
    return Entry(
        id=_id(raw),
        link=link,
        fingerprint=_fingerprint(raw),
        legacy=legacy,
        title=sanitize.shorten(title, MAX_TITLE_LENGTH),
        published=_published(raw),
        tags=tag_slugs([t.get("term") or t.get("label") or "" for t in raw.get("tags") or []]),
        body=body,
        position=position,
    )


def _link(raw: dict, feed_url: str) -> str | None:
    link = (raw.get("link") or "").strip()
    if not link:
        return None
    # With no <link>, feedparser copies the guid into `link`; a guid is a URL only when it says so itself.
    if link == (raw.get("id") or "").strip() and not sanitize.is_web_url(link):
        return None
    return sanitize.web_url(urljoin(feed_url, link))


def _title(raw: dict) -> str:
    detail = raw.get("title_detail") or {}
    value = raw.get("title") or ""
    if detail.get("type") in ("text/html", "application/xhtml+xml"):
        return sanitize.plain_text(value)
    return sanitize.SPACES.sub(" ", sanitize.printable(value)).strip()


def _id(raw: dict) -> str | None:
    ident = sanitize.SPACES.sub(" ", sanitize.printable(raw.get("id") or "")).strip()
    if len(ident) > MAX_ID_LENGTH:
        return "sha256:" + hashlib.sha256(ident.encode()).hexdigest()
    return ident or None


def _fingerprint(raw: dict) -> str:
    """What the entry carries, as the feed's bytes state it: never what this importer makes of it (the sanitized
    body depends on the feed's settings) and never the fetch date, so the same entry hashes the same on every
    fetch. An entry without an id or link that is edited at its source is, by this, a new entry."""
    carried = [raw.get("title") or "", raw.get("published") or raw.get("updated") or "",
               [c.get("value") or "" for c in raw.get("content") or []], raw.get("summary") or ""]
    return "sha256:" + hashlib.sha256(json.dumps(carried).encode()).hexdigest()


def _legacy(raw: dict, link: str | None, title: str) -> str:
    """The identity that importers before feed-scoped identities recorded as `guid`, so that the posts they
    wrote are recognised: the id, else the link, else a hash of the title (or the text's first words) and the
    raw date string."""
    if ident := _id(raw):
        return ident
    if link:
        return link
    date = raw.get("published") or raw.get("updated") or ""
    return "sha256:" + hashlib.sha256(f"{title}\n{date}".encode()).hexdigest()


def _published(raw: dict) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parts = raw.get(key)
        if parts:
            try:
                return dt.datetime(*parts[:6], tzinfo=dt.UTC)
            except (TypeError, ValueError):
                continue
    return None


def _html(detail: dict, base: str, images: bool) -> str:
    """A feedparser text construct (content or summary) as safe HTML."""
    value = detail.get("value") or ""
    if detail.get("type") == "text/plain":
        return sanitize.clean_html(sanitize.text_to_html(value), None)
    return sanitize.clean_html(value, base, images)


def _base(detail: dict, link_or_feed: str, feed_url: str) -> str:
    # feedparser fills `base` only from an explicit xml:base (it is never told the feed's address); that wins,
    # as Atom says. Otherwise relative links in a post are relative to the post.
    explicit = detail.get("base")
    return urljoin(feed_url, explicit) if explicit else link_or_feed


def _body(raw: dict, link_or_feed: str, feed_url: str, mode: str, images: bool) -> str:
    contents = raw.get("content") or []
    content = next((c for c in contents if c.get("type") != "text/plain"), contents[0] if contents else None)
    summary = raw.get("summary_detail")  # absent when feedparser only copied the content into `summary`
    if mode == "full":
        detail = content or summary
        return _html(detail, _base(detail, link_or_feed, feed_url), images) if detail else ""
    if summary:
        excerpt = _html(summary, _base(summary, link_or_feed, feed_url), images)
        text = sanitize.plain_text(excerpt)
        if len(text) <= EXCERPT_LIMIT:
            return excerpt
    elif content:
        text = sanitize.plain_text(_html(content, _base(content, link_or_feed, feed_url), images))
    else:
        return ""
    return sanitize.clean_html(sanitize.text_to_html(sanitize.shorten(text, EXCERPT_LENGTH)), None)
