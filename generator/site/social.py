"""Sharing metadata: what a page tells Mastodon, LinkedIn or a chat app when a member shares its link.

Pure and engine-neutral: from the community, one language's planned pages and the site's settings, it decides
every page's Open Graph and Twitter Card values and which card images the language needs (`Card`, drawn by
`generator.site.cards`). The MkDocs plugin only hands the values to the template (overrides/main.html).

Posts, success stories, spotlights, events and courses get a card of their own, in the page's language; a post
with its own raster image under `content/` shares that image instead. Every other page shares the site's card.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from babel import Locale
from babel.core import get_global

from generator import urls
from generator.config import Settings
from generator.i18n import Language
from generator.model import Community
from generator.site.pages import PlannedPage

WIDTH, HEIGHT = 1200, 630
CARDS_DIR = "assets/cards/"
# Open Graph's types: the item pages are articles (with a publication time and authors), the rest the site's.
ARTICLE_KINDS = frozenset({"post", "story", "spotlight", "event"})


@dataclass(frozen=True)
class Card:
    """Everything a card image shows; equal cards are the same image (the cache key is made from these), so the
    site's card, the same in every language, is drawn once."""

    uri: str  # relative to the language root: assets/cards/<kind>/<slug>.png
    label: str  # kind and date, localized: "Event · 3 December 2026"
    title: str
    site_name: str
    footer: str  # the site's host, under its name


@dataclass(frozen=True)
class Shared:
    """What one page shares besides its title and description."""

    kind: str  # post, story, spotlight, event, course, or "site" for every other page
    image: str  # absolute URL
    image_width: int
    image_height: int
    image_alt: str
    published: str | None = None  # ISO 8601, articles only
    authors: tuple[str, ...] = ()  # absolute profile URLs of public members, articles only


@dataclass
class Sharing:
    """One language's sharing plan: per page URL what it shares, and the cards to draw."""

    site: Shared
    pages: dict[str, Shared] = field(default_factory=dict)
    cards: list[Card] = field(default_factory=list)


# Asked for every page and each of its languages: thousands of times per build, for a handful of codes.
@functools.cache
def og_locale(code: str) -> str:
    """The Open Graph form of a language code (`pl` → `pl_PL`, `nb` → `nb_NO`, `el` → `el_GR`).

    Open Graph wants language_TERRITORY; a hub names languages without a territory, so take the territory
    from CLDR's likely subtags (Babel's data), the same source browsers use to guess it.
    """
    locale = Locale.parse(code.replace("-", "_"))
    if not locale.territory:
        likely = get_global("likely_subtags")
        full = likely.get(str(locale)) or likely.get(locale.language)
        locale = Locale.parse(full) if full else locale
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def plan_sharing(community: Community, lang: Language, pages: Mapping[str, PlannedPage],
                 image_size: Callable[[str], tuple[int, int] | None],
                 languages: Mapping[str, Language] | None = None) -> Sharing:
    """What every page of language `lang` shares; `pages` are the language's planned pages by URL.

    A card is drawn in the language of the text the page shows: an item not translated into `lang` shares the
    card of its original (its title and label in the original's language). That is also what keeps the cost
    linear in the items rather than in items × languages: equal drawings are one file in the card cache.

    `image_size` gives the pixel size of an image under `content/` (None when it is not a raster image a
    sharing preview can show: SVG, unreadable); a remote image's size is unknown without fetching it, so a
    post with one gets a drawn card.
    """
    settings = community.settings
    base = settings.site_url + urls.prefix(lang.code, lang.default)
    host = settings.site_url.split("://", 1)[-1].rstrip("/")
    site_card = Card(CARDS_DIR + "site.png", "", settings.site_name, settings.site_name, host)
    sharing = Sharing(Shared("site", base + site_card.uri, WIDTH, HEIGHT, settings.site_name), cards=[site_card])

    def in_text_language(item) -> Language:
        """The language the page of `item` is written in: `lang`, or its original's where not translated."""
        version = item.version(lang.code)
        return languages[version.lang] if languages and version.fallback and version.lang in languages else lang

    def profiles(handles: list[str]) -> tuple[str, ...]:
        return tuple(base + urls.member(h) for h in handles if community.is_public(h))

    def add(url: str, kind: str, slug: str, label: str, published: str | None, authors: tuple[str, ...],
            own_image: tuple[str, int, int, str] | None = None) -> None:
        planned = pages.get(url)
        if planned is None:  # an item the site does not show (a draft)
            return
        card = Card(f"{CARDS_DIR}{kind}/{slug}.png", label, planned.title, settings.site_name, host)
        if own_image:
            image, width, height, alt = own_image
        else:
            sharing.cards.append(card)
            image, width, height = base + card.uri, WIDTH, HEIGHT
            alt = " · ".join(part for part in (label, planned.title, settings.site_name) if part)
        if kind not in ARTICLE_KINDS:
            published, authors = None, ()
        sharing.pages[url] = Shared(kind, image, width, height, alt, published, authors)

    for post in community.published_posts:
        record, version = post.record, post.version(lang.code)
        day = record.date.date() if isinstance(record.date, dt.datetime) else record.date
        own = None
        if record.image and not record.image.startswith(("http://", "https://")):
            size = image_size(record.image)
            if size:
                own = (base + quote(record.image), *size, version.record.image_alt or version.record.title)
        shown = in_text_language(post)
        kind = shown.gettext("Post")
        add(urls.post(post.slug), "post", post.slug, f"{kind} · {shown.date(day)}",
            record.date.isoformat(), profiles([record.author]), own)
    for story in community.stories:
        shown = in_text_language(story)
        kind = shown.gettext("Success story")
        add(urls.story(story.slug), "story", story.slug, f"{kind} · {shown.date(story.record.date)}",
            story.record.date.isoformat(),
            profiles(story.record.members))
    for spotlight in community.spotlights:
        month = dt.date.fromisoformat(spotlight.record.month + "-01")
        shown = in_text_language(spotlight)
        kind = shown.ngettext("Member of the month", "Members of the month", 1)
        add(urls.spotlight(spotlight.slug), "spotlight", spotlight.slug, f"{kind} · {shown.month(month)}",
            month.isoformat(),
            profiles([spotlight.record.member]))
    for event in community.events:
        record = event.record
        # The day as the organisers announce it: in the event's own zone.
        day = record.start.astimezone(zoneinfo.ZoneInfo(record.timezone)).date()
        shown = in_text_language(event)
        kind = shown.gettext("Event")
        add(urls.event(event.slug), "event", event.slug, f"{kind} · {shown.date(day)}",
            record.start.isoformat(), profiles(record.hosts or record.speakers))
    for course in community.courses.values():
        # (The level names are the course page's, already in the catalogs.)
        level = {"beginner": "Beginner", "intermediate": "Intermediate", "advanced": "Advanced"}[course.record.level]
        shown = in_text_language(course)
        kind = shown.gettext("Course")
        add(urls.course(course.slug), "course", course.slug, f"{kind} · {shown.gettext(level)}", None, ())
    return sharing


def shared_by(planned: PlannedPage, sharing: Sharing) -> Shared:
    """What `planned` shares besides its title and description."""
    return sharing.pages.get(planned.url, sharing.site)


def page_meta(planned: PlannedPage, sharing: Sharing, settings: Settings, lang: Language,
              codes: list[str], site_description: str | None) -> dict:
    """The values overrides/main.html prints as `og:*`, `article:*` and `twitter:*` meta tags, as text.

    `codes` are the languages the page exists in (the current one among them). A pure function of the planned
    page, what it shares (`shared_by`) and the language's settings: a page's key in the page cache is made of
    these (`AgoraPlugin._reuse`), not of the values themselves.
    """
    shared = shared_by(planned, sharing)
    meta = {
        "title": planned.title,
        "description": planned.description or site_description or settings.site_name,
        "url": settings.site_url + urls.prefix(lang.code, lang.default) + planned.url,
        "site_name": settings.site_name,
        "type": "article" if shared.kind in ARTICLE_KINDS else "website",
        "locale": og_locale(lang.code),
        "locale_alternates": [og_locale(code) for code in codes if code != lang.code],
        "image": shared.image,
        "image_width": shared.image_width,
        "image_height": shared.image_height,
        "image_alt": shared.image_alt,
        "twitter_card": "summary_large_image",
    }
    if meta["type"] == "article":
        meta["published_time"] = shared.published
        meta["authors"] = list(shared.authors)
    return meta
