"""The multilingual hub, tested on the built demo: six language trees, alternates, fallbacks, pagination, tags,
profiles and badges, localized plurals and dates, and nothing private published.

The demo is built once per test session (see `demo_site` in conftest.py) and read as parsed HTML.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import ROOT, html_pages, page_file, run_agora, soup

LANGUAGES = ("en", "nb", "sv", "pl", "el", "sl")
SITE_URL = "https://commonground.example.org/"


def test_six_language_trees(demo_site: Path):
    assert (demo_site / "index.html").is_file()
    for lang in LANGUAGES[1:]:
        home = soup(demo_site / lang / "index.html")
        assert home.html["lang"] == lang
        assert (demo_site / lang / "posts" / "index.html").is_file()
    assert soup(demo_site / "index.html").html["lang"] == "en"


class _Alternates(HTMLParser):
    """A page's language and its `<link rel="alternate" hreflang>` targets, read in one pass of the standard
    library's HTML parser (the one `soup()` uses, without building a tree: this reads every page of the site)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.alternates: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html" and self.lang is None:
            self.lang = values.get("lang")
        elif tag == "link" and " ".join((values.get("rel") or "").split()) == "alternate" and "hreflang" in values:
            self.alternates[values["hreflang"]] = values["href"]

    handle_startendtag = handle_starttag


def test_every_page_has_hreflang_alternates_and_x_default(demo_site: Path):
    pages = html_pages(demo_site)
    assert len(pages) > 300
    for path in pages:
        if path.name == "404.html":
            continue
        doc = _Alternates()
        doc.feed(path.read_text(encoding="utf-8"))
        doc.close()
        alternates = doc.alternates
        assert set(alternates) == {*LANGUAGES, "x-default"}, path
        assert alternates["x-default"] == alternates["en"], path
        own = alternates[doc.lang]
        assert page_file(demo_site, own) == path, (path, own)


def test_language_switcher_targets_exist_and_are_the_same_page(demo_site: Path):
    post = demo_site / "sv" / "posts" / "first-response-time" / "index.html"
    links = soup(post).select("a.md-select__link[hreflang]")
    assert [a["hreflang"] for a in links] == list(LANGUAGES)
    for link in links:
        target = (post.parent / link["href"]).resolve() / "index.html"
        assert target.is_file(), link["href"]
        assert soup(target).html["lang"] == link["hreflang"]
        assert target.parent.name == "first-response-time"


def test_fallback_page_shows_a_localized_notice(demo_site: Path):
    # "writing-guidelines-people-read" exists in English only.
    english = soup(demo_site / "posts" / "writing-guidelines-people-read" / "index.html")
    assert not english.select(".agora-fallback")
    swedish = soup(demo_site / "sv" / "posts" / "writing-guidelines-people-read" / "index.html")
    notice = swedish.select_one(".agora-fallback")
    assert notice is not None
    assert "engelska" in notice.get_text()  # the original's language, named in Swedish
    assert swedish.select_one("h1")["lang"] == "en"
    translated = soup(demo_site / "sv" / "posts" / "first-response-time" / "index.html")
    assert not translated.select(".agora-fallback")
    assert translated.select_one("h1").get_text(strip=True).startswith("Tid till första svar")


def test_posts_index_is_paginated(demo_site: Path):
    first = soup(demo_site / "posts" / "index.html")
    cards = first.select(".agora-list article.agora-card")
    assert len(cards) == 8  # posts_per_page in the demo's mkdocs.yml
    following = first.select_one('a[rel="next"]')
    assert following is not None and not first.select_one('a[rel="prev"]')
    second_path = (demo_site / "posts" / following["href"]).resolve() / "index.html"
    second = soup(second_path)
    assert second_path.parent.as_posix().endswith("posts/page/2")
    assert second.select_one('a[rel="prev"]') is not None
    titles = {a.get_text(strip=True) for a in first.select(".agora-card__title a")}
    assert titles.isdisjoint(a.get_text(strip=True) for a in second.select(".agora-card__title a"))


def test_navigation_does_not_list_items(demo_site: Path):
    """The sidebar and tabs hold sections, never one entry per post: pages stay small as the hub grows."""
    doc = soup(demo_site / "posts" / "first-response-time" / "index.html")
    nav_links = doc.select("nav.md-nav--primary a.md-nav__link, nav.md-tabs a")
    assert nav_links
    assert not [a for a in nav_links if "/posts/" in urljoin("https://x/posts/first-response-time/", a["href"])
                and urlsplit(urljoin("https://x/posts/first-response-time/", a["href"])).path.count("/") > 3]


def test_tag_page_lists_the_tagged_posts(demo_site: Path):
    doc = soup(demo_site / "posts" / "tags" / "metrics" / "index.html")
    assert "metrics" in doc.select_one("h1").get_text()
    linked = {a["href"].rstrip("/").rsplit("/", 1)[-1] for a in doc.select(".agora-card__title a")}
    assert "first-response-time" in linked
    for slug in linked:
        assert (demo_site / "posts" / slug / "index.html").is_file()


def test_member_profile_shows_contributions_and_a_badge(demo_site: Path):
    doc = soup(demo_site / "members" / "dana-whitfield" / "index.html")
    assert doc.select_one("h1").get_text(strip=True) == "Dana Whitfield"
    badges = [li.get_text(strip=True) for li in doc.select(".agora-badges li")]
    assert "First post" in badges
    assert doc.select(".agora-card h3 a[href*='first-response-time']")


def test_atom_feed_per_language(demo_site: Path):
    import xml.etree.ElementTree as ET

    for lang in LANGUAGES:
        feed = demo_site / ("" if lang == "en" else lang) / "feed.xml"
        root = ET.parse(feed).getroot()
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        entries = root.findall("{http://www.w3.org/2005/Atom}entry")
        assert entries
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang


def test_private_member_and_email_addresses_never_published(demo_site: Path):
    emails = set(re.findall(r"^email:\s*(\S+@\S+)\s*$", "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "content" / "members").glob("*.md")), re.M))
    assert len(emails) >= 12
    private = (ROOT / "content" / "members" / "quiet-member.md").read_text(encoding="utf-8")
    name = re.search(r"^name:\s*(.+)$", private, re.M).group(1).strip()
    needles = [e.encode() for e in emails] + [name.encode(), b"quiet-member"]
    leaks = [(path.relative_to(demo_site).as_posix(), needle.decode())
             for path in sorted(demo_site.rglob("*")) if path.is_file()
             for needle in needles if needle in path.read_bytes()]
    assert leaks == []


@pytest.fixture(scope="module")
def plural_site(tmp_path_factory) -> Path:
    """A small community whose tags hold 1, 2, 3, 5 and 22 posts, built in Polish and Slovenian."""
    root = tmp_path_factory.mktemp("plurals") / "c"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", root)
    shutil.copytree(ROOT / "locales", root / "locales")
    settings = (root / "mkdocs.yml").read_text().replace("languages: [en, sv, pl]", "languages: [en, sv, pl, sl]")
    (root / "mkdocs.yml").write_text(settings)
    n = 0
    for count in (1, 2, 3, 5, 22):
        for i in range(count):
            n += 1
            (root / "content" / "posts" / "2026" / f"p{count}-{i}.md").write_text(
                f"---\ntitle: Post {n}\ndate: 2026-09-{i % 28 + 1:02d}\nauthor: ana\ntags: [t{count}]\n---\nText.\n")
    result = run_agora("build", "--root", root, "--lang", "pl", "--lang", "sl", "--today", "2026-11-20")
    assert result.code == 0, result.output
    return root / "site"


@pytest.mark.parametrize(("lang", "expected"), [
    ("pl", {1: "1 wpis", 2: "2 wpisy", 3: "3 wpisy", 5: "5 wpisów", 22: "22 wpisy"}),
    ("sl", {1: "1 objava", 2: "2 objavi", 3: "3 objave", 5: "5 objav", 22: "22 objav"}),
])
def test_polish_and_slovenian_plurals(plural_site: Path, lang: str, expected: dict[int, str]):
    for count, text in expected.items():
        doc = soup(plural_site / lang / "posts" / "tags" / f"t{count}" / "index.html")
        meta = doc.select_one(".agora-list .agora-meta").get_text(" ", strip=True)
        assert meta.startswith(text + " "), (count, meta)
