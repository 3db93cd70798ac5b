"""The validated community: immutable items, each with its translations, and per-language views of them."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from generator import digests
from generator.model.occurrences import is_upcoming, next_start
from generator.model.records import (
    Course,
    Event,
    FeedSource,
    Lesson,
    Member,
    Newsletter,
    Page,
    Post,
    Record,
    Spotlight,
    Story,
)
from generator.model.staleness import source_digest

if TYPE_CHECKING:
    from generator.config import Settings

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Version(Generic[R]):
    """An item as read in one language: its own translation, or the original shown as a fallback."""

    record: R
    body: str
    lang: str
    path: str
    fallback: bool = False
    # A translation's `source:`: the digest of the original it was made from (see model.staleness).
    source: str | None = None


@dataclass(frozen=True)
class Item(Generic[R]):
    kind: str
    slug: str
    path: str
    lang: str
    record: R
    body: str
    translations: Mapping[str, Version[R]] = field(default_factory=dict)
    course: str | None = None
    order: int = 0

    @functools.cached_property
    def digest(self) -> str:
        """The digest of this original's translatable text, which a current translation records."""
        return source_digest(self.record, self.body)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of everything this item holds, in every language: what a page showing it depends on."""
        versions = [(code, version.record.model_dump_json(), version.body, version.path, version.fallback,
                     version.source) for code, version in sorted(self.translations.items())]
        state = [self.kind, self.slug, self.path, self.lang, self.record.model_dump_json(), self.body, self.course,
                 self.order, versions]
        return digests.digest(state)

    @property
    def original(self) -> Version[R]:
        return Version(self.record, self.body, self.lang, self.path)

    def version(self, lang: str) -> Version[R]:
        if lang == self.lang:
            return self.original
        if lang in self.translations:
            return self.translations[lang]
        return Version(self.record, self.body, self.lang, self.path, fallback=True)

    @property
    def languages(self) -> frozenset[str]:
        return frozenset({self.lang, *self.translations})


@dataclass(frozen=True)
class Community:
    settings: Settings
    members: Mapping[str, Item[Member]]
    posts: tuple[Item[Post], ...]
    spotlights: tuple[Item[Spotlight], ...]
    stories: tuple[Item[Story], ...]
    events: tuple[Item[Event], ...]
    courses: Mapping[str, Item[Course]]
    lessons: Mapping[str, tuple[Item[Lesson], ...]]
    pages: tuple[Item[Page], ...]
    newsletters: tuple[Item[Newsletter], ...]
    feeds: tuple[FeedSource, ...]

    # Cached: a community never changes once loaded, and planning asks for these once per page kind.
    @functools.cached_property
    def public_members(self) -> tuple[Item[Member], ...]:
        return tuple(m for m in self.members.values() if m.record.public)

    def is_public(self, handle: str) -> bool:
        member = self.members.get(handle)
        return bool(member and member.record.public)

    @functools.cached_property
    def published_posts(self) -> tuple[Item[Post], ...]:
        """Posts the site shows: published, by a member who may be shown."""
        return tuple(p for p in self.posts if p.record.status == "published")

    def upcoming_events(self, today: dt.date) -> tuple[Item[Event], ...]:
        """Events with an occurrence still to come, soonest first."""
        upcoming = [e for e in self.events if is_upcoming(e.record, today)]
        return tuple(sorted(upcoming, key=lambda e: (next_start(e.record, today), e.slug)))

    def past_events(self, today: dt.date) -> tuple[Item[Event], ...]:
        """Events that are over, most recent first."""
        return tuple(reversed([e for e in self.events if not is_upcoming(e.record, today)]))

    @property
    def newest_date(self) -> dt.date | None:
        """The newest date the content mentions: the default reference date of a build."""
        dates = [p.record.day for p in self.posts] + [s.record.date for s in self.stories]
        return max(dates, default=None)

    def collections(self) -> dict[str, tuple[Item, ...]]:
        """Every collection by name, for reports that treat them alike (translation coverage)."""
        return {
            "members": tuple(self.members.values()),
            "posts": self.posts,
            "spotlights": self.spotlights,
            "stories": self.stories,
            "events": self.events,
            "courses": tuple(self.courses.values()),
            "lessons": tuple(lesson for course in self.lessons.values() for lesson in course),
            "pages": self.pages,
            "newsletters": self.newsletters,
        }
