"""Whether a translation keeps up with its original.

A translation records which version of its original it was made from: `source:` in its front matter holds a short
digest of the original's translatable text (its translatable fields and its body), written by `agora translations
mark`. The translation is *current* while the original still has that digest, *stale* once it has another, and
*unknown* when it records none. Content alone decides, without git history or a clock, so a check in CI (which
checks out one commit) and every build agree.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from generator.model.fields import show
from generator.model.records import Record

if TYPE_CHECKING:
    from generator.model.community import Community, Item

DIGEST_LENGTH = 12
DIGEST = re.compile(rf"[0-9a-f]{{{DIGEST_LENGTH}}}")

Status = Literal["original", "missing", "stale", "unknown", "current"]
# What a language can be told about an item it does not hold the original of, most urgent first.
STATUSES: tuple[Status, ...] = ("missing", "stale", "unknown", "current")

# The collection (as `agora check`, the report and the `strict_collections` setting name it) of each kind of item.
COLLECTION = {"member": "members", "post": "posts", "spotlight": "spotlights", "story": "stories", "event": "events",
              "course": "courses", "lesson": "lessons", "page": "pages", "newsletter": "newsletters"}

# The hub's "Help translate" page lists at most this many posts: the newest, after pages, courses and lessons.
HELP_POSTS = 50


def source_digest(record: Record, body: str) -> str:
    """The digest a translation of (`record`, `body`) records: of the translatable fields and the body only, so
    that changing a shared field (a date, the tags) makes no translation stale. Values are taken as validated, so
    rewriting the YAML without changing a value (other quotes, another line wrapping) changes nothing either.

    >>> from generator.model.records import Page
    >>> digest = source_digest(Page(title="Guidelines", order=1), "Be kind.\\n")
    >>> digest
    '14b8ad45cff5'
    >>> source_digest(Page(title="Guidelines", order=2), "Be kind.") == digest  # `order` is shared
    True
    """
    fields = record.model_dump(mode="json", include=set(record.TRANSLATABLE))
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    body = body.replace("\r\n", "\n").strip()
    return hashlib.sha256(f"{text}\n{body}".encode()).hexdigest()[:DIGEST_LENGTH]


def check_digest(value: object) -> str:
    """The `source:` of a translation file, as `agora translations mark` writes it."""
    if not isinstance(value, str) or not DIGEST.fullmatch(value):
        raise ValueError(f"expected the {DIGEST_LENGTH}-character digest that `agora translations mark` records, "
                         f"got {show(value)}")
    return value


def status(item: Item, lang: str) -> Status:
    """Where the translation of `item` into `lang` stands."""
    if lang == item.lang:
        return "original"
    version = item.translations.get(lang)
    if version is None:
        return "missing"
    if version.source is None:
        return "unknown"
    return "current" if version.source == item.digest else "stale"


def translation_path(item: Item, lang: str) -> str:
    """The translation's file, from the repository root: where it is, or where a translator creates it."""
    version = item.translations.get(lang)
    return version.path if version else f"{item.path.removesuffix('.md')}.{lang}.md"


@dataclass(frozen=True)
class Entry:
    """One item seen from one language that does not hold its original."""

    collection: str
    item: Item
    lang: str
    status: Status

    @property
    def path(self) -> str:
        return translation_path(self.item, self.lang)


def entries(community: Community, lang: str) -> Iterator[Entry]:
    """Every item whose original is in another language than `lang`, collection by collection, in the
    collections' own order."""
    for name, items in community.collections().items():
        for item in items:
            if item.lang != lang:
                yield Entry(name, item, lang, status(item, lang))


@dataclass(frozen=True)
class Wanted:
    """What the hub's "Help translate" page of one language lists: items that are missing or stale there."""

    pages: tuple[Entry, ...]
    academy: tuple[Entry, ...]
    posts: tuple[Entry, ...]
    # Posts that need a translator beyond the HELP_POSTS newest.
    more_posts: int


def help_wanted(community: Community, lang: str, posts_limit: int = HELP_POSTS) -> Wanted:
    """Most important first: plain pages (guidelines, code of conduct) in menu order, then courses (newest
    first), each followed by its lessons, then the newest published posts, at most `posts_limit` of them, so the
    page stays small however large the community grows."""

    def wanted(collection: str, items) -> list[Entry]:
        found = (Entry(collection, item, lang, status(item, lang)) for item in items if item.lang != lang)
        return [entry for entry in found if entry.status in ("missing", "stale")]

    academy: list[Entry] = []
    for course in sorted(community.courses.values(), key=lambda c: (c.record.date, c.slug), reverse=True):
        academy += wanted("courses", [course])
        academy += wanted("lessons", community.lessons.get(course.slug, ()))
    posts = wanted("posts", community.published_posts)
    return Wanted(tuple(wanted("pages", community.pages)), tuple(academy), tuple(posts[:posts_limit]),
                  max(0, len(posts) - posts_limit))
