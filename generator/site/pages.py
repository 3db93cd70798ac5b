"""What a language's build is made of: planned pages (Markdown for MkDocs) and planned files (feeds, .ics)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.digests import digest


@dataclass(frozen=True, kw_only=True)
class PlannedPage:
    """One page MkDocs will build; `url` is relative to the language root (`""` is the home page).

    Everything MkDocs is told about the page is here, so `digest` stands for all of the page's own inputs: a
    page whose digest and build context (theme, settings, navigation) are unchanged renders to the same HTML.
    """

    url: str
    title: str
    # The page's Markdown is read only when the page is rendered (`markdown`): a page's key needs only its digest,
    # and whether it names a `.md` file (a link to another page's Markdown file, which resolves only if that file
    # exists).
    markdown_digest: str
    links_to_files: bool
    read_markdown: Callable[[], str] = field(repr=False, compare=False)
    description: str | None = None
    # Absolute URL of the original publication, for imported posts carried in full (rel=canonical).
    canonical: str | None = None
    # The navigation entry this page stands for ("home", "posts", "pages" …), if any.
    nav: str | None = None
    # Long reads (posts, lessons, pages) keep the table of contents; indices and cards do not need one.
    toc: bool = False
    # The languages this page exists in, when not all of them (a newsletter issue skipped in a language):
    # the language switcher and hreflang alternates list only these.
    languages: tuple[str, ...] | None = None
    # The content file the page shows (a translation's own file where there is one), to name in errors.
    source: str | None = None

    @functools.cached_property
    def markdown(self) -> str:
        return self.read_markdown()

    @functools.cached_property
    def digest(self) -> str:
        """A digest of every field: what the page cache is keyed by (with the build's own context)."""
        fields = [self.url, self.title, self.markdown_digest, self.description, self.canonical, self.nav, self.toc,
                  self.languages, self.source]
        return digest(fields)


# Around a content item's body in a page's Markdown (the `body` filter of the page templates): the body is what
# an untranslated item shows alike in every language, so the site's engine may convert it once for all of them
# (see `generator/site/plugin.py: AgoraPage`). HTML comments, so Markdown that ignores them loses nothing.
BODY_START = "<!-- agora:body -->"
BODY_END = "<!-- /agora:body -->"


def marked_body(markdown: str) -> str:
    """`markdown` (a body) between the markers, as blocks of its own."""
    return f"{BODY_START}\n\n{markdown}\n\n{BODY_END}"


@dataclass(frozen=True, kw_only=True)
class PlannedFile:
    """A non-page output (Atom feed, iCalendar file), relative to the language root. Like a page's Markdown, its
    content may be read only when it is written (`content`): whether the output in place is still right needs
    only its digest."""

    path: str
    content_digest: str
    read_content: Callable[[], bytes] = field(repr=False, compare=False)

    @classmethod
    def of(cls, path: str, content: bytes) -> PlannedFile:
        return cls(path=path, content_digest=hashlib.sha256(content).hexdigest(), read_content=lambda: content)

    @functools.cached_property
    def content(self) -> bytes:
        return self.read_content()


def relative(target: str, base: str) -> str:
    """Link from the page at directory URL `base` to `target`; both are paths from the site root.

    Relative links keep the site working under any base path (GitHub Pages project sites, file previews). Both
    paths are clean (no `.` or `..` parts), so the link is string work: `posixpath.relpath` would consult the
    working directory on each of the thousands of links a language has.
    """
    if target == base:
        return "./"
    is_dir = target == "" or target.endswith("/")
    to = [part for part in target.split("/") if part]
    here = [part for part in base.split("/") if part]
    common = 0
    for a, b in zip(to, here, strict=False):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(here) - common) + to[common:])
    if not rel:
        return "./"
    return rel + "/" if is_dir else rel


def paginate(items: tuple, size: int) -> list[tuple]:
    """Split into pages of `size`; an empty collection still has one (empty) page."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [()]
