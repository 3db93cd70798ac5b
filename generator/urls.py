"""Where every page lives: one function per page kind, used by the site, the feeds and the newsletter.

URLs are directory-style and relative to the site root, without a leading slash; the default language sits at
the root and every other language under `<lang>/`. Slugs are validated (`check_slug`) before they get here, so
joining them cannot climb out of the output directory, and the loader refuses an item whose URL is one of
`fixed_pages` (where it would replace a page of the site's own, or be replaced by it).
"""

from __future__ import annotations

from collections.abc import Sequence


def prefix(lang: str, default: str) -> str:
    return "" if lang == default else f"{lang}/"


def home() -> str:
    return ""


def posts_index(page: int = 1) -> str:
    return "posts/" if page == 1 else f"posts/page/{page}/"


def post(slug: str) -> str:
    return f"posts/{slug}/"


def tag(slug: str, page: int = 1) -> str:
    return f"posts/tags/{slug}/" if page == 1 else f"posts/tags/{slug}/page/{page}/"


def posts_feed() -> str:
    return "feed.xml"


def members_index(page: int = 1) -> str:
    return "members/" if page == 1 else f"members/page/{page}/"


def member(handle: str) -> str:
    return f"members/{handle}/"


def leaderboard() -> str:
    return "members/leaderboard/"


def spotlights_index() -> str:
    return "spotlights/"


def spotlight(slug: str) -> str:
    return f"spotlights/{slug}/"


def stories_index() -> str:
    return "stories/"


def story(slug: str) -> str:
    return f"stories/{slug}/"


def events_index() -> str:
    return "events/"


def past_events(page: int = 1) -> str:
    return "events/past/" if page == 1 else f"events/past/page/{page}/"


def event(slug: str) -> str:
    return f"events/{slug}/"


def event_ics(slug: str) -> str:
    return f"events/{slug}/{slug}.ics"


def calendar() -> str:
    return "events/calendar.ics"


def academy() -> str:
    return "academy/"


def course(slug: str) -> str:
    return f"academy/{slug}/"


def lesson(course_slug: str, slug: str) -> str:
    return f"academy/{course_slug}/{slug}/"


def figures() -> str:
    return "figures/"


def page(slug: str) -> str:
    return f"{slug}/"


def translate() -> str:
    """The language's "Help translate" page: what is missing or stale in it."""
    return "translate/"


def newsletter_archive() -> str:
    return "newsletter/"


def newsletter_issue(issue_id: str) -> str:
    return f"newsletter/{issue_id}/"


def newsletter_feed() -> str:
    return "newsletter/feed.xml"


def src_uri(url: str) -> str:
    """The virtual Markdown file MkDocs builds into `url` (directory URLs: `x/` comes from `x/index.md`)."""
    return f"{url}index.md" if url.endswith("/") or not url else url


# Items of these kinds are published at `ITEM_PAGES[kind](slug)`; lessons sit inside their course's folder, where
# the site has no pages of its own.
ITEM_PAGES = {"page": page, "post": post, "member": member, "spotlight": spotlight, "story": story, "event": event,
              "course": course, "newsletter": newsletter_issue}


def item_page(kind: str, slug: str) -> str | None:
    return ITEM_PAGES[kind](slug) if kind in ITEM_PAGES else None


def fixed_pages(languages: Sequence[str], default: str) -> frozenset[str]:
    """The pages every hub has, whatever its content, casefolded: the first page of each index and each language's
    home. An item whose URL is one of these would silently replace it (or be replaced), so the loader refuses it:
    a page named `posts` or `sv`, a member `leaderboard`, an event `past`."""
    pages = [home(), posts_index(), members_index(), leaderboard(), spotlights_index(), stories_index(),
             events_index(), past_events(), academy(), figures(), newsletter_archive(), translate()]
    pages += [prefix(lang, default) + home() for lang in languages]
    return frozenset(url.casefold() for url in pages)
