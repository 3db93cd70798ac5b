"""Sharing previews: Open Graph and Twitter Card metadata on every kind of page, and the card images behind them.

The metadata is read in headless Chromium from the served demo (the same build and server as test_browser.py);
every absolute URL it names is mapped from `site_url` to the local server and fetched there, and each card
image is decoded by the browser itself (`new Image()`). The cache is checked through what a user sees: the
files under `.cache/agora/cards/` and the bytes of the published cards across builds.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import fontpkg
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from playwright.sync_api import Browser
from test_browser import Visit, _visit, browser, site_url  # noqa: F401  (fixtures shared with the hub's tests)

from conftest import minimal_community, run_agora, soup

DEMO_URL = "https://commonground.example.org/"
LANGUAGES = {"en": "en_US", "nb": "nb_NO", "sv": "sv_SE", "pl": "pl_PL", "el": "el_GR", "sl": "sl_SI"}
ARTICLES = {
    "post": "posts/first-response-time/",
    "story": "stories/kvarts-customer-forum/",
    "spotlight": "spotlights/2026-11-eleni-papadaki/",
    "event": "events/2026-12-03-ask-the-moderators/",
}
WEBSITES = {
    "course": "academy/community-foundations/",
    "home": "",
    "posts": "posts/",
    "tag": "posts/tags/events/",
    "members": "members/",
    "member": "members/dana-whitfield/",
    "leaderboard": "members/leaderboard/",
    "spotlights": "spotlights/",
    "stories": "stories/",
    "events": "events/",
    "past-events": "events/past/",
    "academy": "academy/",
    "lesson": "academy/community-foundations/answering-first/",
    "figures": "figures/",
    "page": "guidelines/",
    "newsletter": "newsletter/",
    "newsletter-issue": "newsletter/2026-11/",
}
# Pages with a card of their own (the rest share the site's card).
OWN_CARD = {"post", "story", "spotlight", "event", "course"}

READ_META = """() => {
  const all = {};
  for (const tag of document.querySelectorAll('head meta[property], head meta[name]')) {
    const key = tag.getAttribute('property') || tag.getAttribute('name');
    if (/^(og|article|twitter):/.test(key)) (all[key] = all[key] || []).push(tag.getAttribute('content'));
  }
  return all;
}"""
DECODE_IMAGE = """url => new Promise((resolve, reject) => {
  const image = new Image();
  image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
  image.onerror = () => reject(new Error('cannot decode ' + url));
  image.src = url;
})"""


@pytest.fixture
def visit(browser: Browser, site_url: str):  # noqa: F811
    with _visit(browser, site_url) as visit:
        yield visit


def local(visit: Visit, url: str) -> str:
    assert url.startswith(DEMO_URL), f"{url} is not an absolute URL of the site"
    return visit.base + url.removeprefix(DEMO_URL)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "el"])
@pytest.mark.parametrize("kind", [*ARTICLES, *WEBSITES])
def test_every_page_kind_carries_sharing_metadata(visit: Visit, kind: str, lang: str):
    prefix = "" if lang == "en" else f"{lang}/"
    path = prefix + {**ARTICLES, **WEBSITES}[kind]
    page = visit.open(path)
    meta = page.evaluate(READ_META)
    one = {key: values[0] for key, values in meta.items() if len(values) == 1}

    assert one["og:url"] == DEMO_URL + path
    assert one["og:title"] and one["og:title"] == one["twitter:title"]
    assert one["og:title"] in page.title()
    assert one["og:description"].strip()
    assert one["og:locale"] == LANGUAGES[lang]
    assert sorted(meta["og:locale:alternate"]) == sorted(v for k, v in LANGUAGES.items() if k != lang)
    assert one["twitter:card"] == "summary_large_image"

    if kind in ARTICLES:
        assert one["og:type"] == "article"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?", one["article:published_time"])
        assert meta["article:author"], "an article names its authors"
        for author in meta["article:author"]:
            assert author.startswith(DEMO_URL + prefix + "members/")
            assert page.request.get(local(visit, author)).ok, author
    else:
        assert one["og:type"] == "website"
        assert "article:published_time" not in meta and "article:author" not in meta

    # Every URL the preview names exists in the build, and the image decodes at the size the page declares.
    for key in ("og:url", "og:image"):
        assert page.request.get(local(visit, one[key])).ok, one[key]
    card = f"{DEMO_URL}{prefix}assets/cards/{kind}/" if kind in OWN_CARD else f"{DEMO_URL}{prefix}assets/cards/site"
    assert one["og:image"].startswith(card)
    assert one["twitter:image"] == one["og:image"]
    assert page.evaluate(DECODE_IMAGE, local(visit, one["og:image"])) == [1200, 630]
    assert (one["og:image:width"], one["og:image:height"]) == ("1200", "630")
    assert one["og:image:alt"].strip() and one["og:image:alt"] == one["twitter:image:alt"]
    visit.assert_clean()


@pytest.mark.browser
def test_a_greek_card_is_drawn_in_greek_with_a_font_that_has_the_glyphs(visit: Visit, demo_site: Path):
    page = visit.open("el/posts/glossary-before-translation/")
    meta = page.evaluate(READ_META)
    title, alt = meta["og:title"][0], meta["og:image:alt"][0]
    assert title == "Φτιάξτε το γλωσσάρι πριν μεταφράσετε οτιδήποτε"
    # The card says what it shows: the localized kind and date, the Greek title, the site.
    assert re.fullmatch(r"Ανάρτηση · \d{1,2} \w+ \d{4} · " + re.escape(title) + " · Common Ground", alt), alt
    # Noto Sans (the font the README names) has a glyph for every character drawn: no tofu boxes.
    cmap = TTFont(fontpkg.path("Noto Sans")).getBestCmap()
    assert [c for c in alt if ord(c) not in cmap] == []
    # The Greek card is its own drawing, not the English one.
    greek = Image.open(demo_site / "el/assets/cards/post/glossary-before-translation.png")
    english = Image.open(demo_site / "assets/cards/post/glossary-before-translation.png")
    assert greek.size == english.size == (1200, 630)
    assert greek.convert("RGB").tobytes() != english.convert("RGB").tobytes()
    visit.assert_clean()


# The cache and the item's own image, on the minimal community (three languages) ------------------------------

def _cache(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted((root / ".cache/agora/cards").glob("*.png"))}


def _cards(root: Path) -> dict[str, bytes]:
    site = root / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("assets/cards/**/*.png"))}


def _photo(size: tuple[int, int] = (800, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_rebuild_draws_only_new_or_changed_cards_and_gives_the_same_bytes(tmp_path: Path):
    root = minimal_community(tmp_path, {})
    first = run_agora("build", "--root", root)
    assert first.code == 0, first.output
    cache, cards = _cache(root), _cards(root)
    # Per language: the site card and one per post, story, spotlight, event and course.
    assert sorted(c for c in cards if c.startswith("assets/")) == [
        "assets/cards/course/basics.png", "assets/cards/event/2026-12-03-ama.png",
        "assets/cards/post/first-week.png", "assets/cards/site.png", "assets/cards/spotlight/2026-10-ana.png",
        "assets/cards/story/faster-answers.png"]
    # Equal drawings are one file in the cache: the site's card, the same in every language, and every item's
    # card in the languages it is not translated into (they show its original's card); only the post has a
    # translation (Swedish), with a card of its own.
    assert len(cards) == 3 * 6 and len(cache) == 7

    again = run_agora("build", "--root", root, "--force")
    assert again.code == 0, again.output
    assert _cache(root) == cache, "a rebuild with nothing changed drew cards again"
    assert _cards(root) == cards

    post = root / "content/posts/2026/first-week.md"
    post.write_text(post.read_text().replace("title: The first week of a new member", "title: A newcomer's week"))
    changed = run_agora("build", "--root", root)
    assert changed.code == 0, changed.output
    now = _cache(root)
    # The post's English card, which the Polish page shares (Swedish has its own title, unchanged); nothing
    # else was drawn again.
    new = sorted(set(now) - set(cache))
    assert len(new) == 1
    assert {name: now[name] for name in cache} == cache
    changed_cards = sorted(k for k, v in _cards(root).items() if cards.get(k) != v)
    assert changed_cards == ["assets/cards/post/first-week.png", "pl/assets/cards/post/first-week.png"]


def test_a_post_with_its_own_raster_image_shares_it_and_an_svg_gets_a_card(tmp_path: Path):
    root = minimal_community(tmp_path, {
        "content/assets/photo.png": _photo(),
        "content/assets/diagram.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "content/posts/2026/with-photo.md": "---\ntitle: With a photo\ndate: 2026-10-05\nauthor: ana\n"
                                            "image: assets/photo.png\nimage_alt: A red square\n---\nText.\n",
        "content/posts/2026/with-svg.md": "---\ntitle: With a diagram\ndate: 2026-10-06\nauthor: ana\n"
                                          "image: assets/diagram.svg\nimage_alt: A diagram\n---\nText.\n",
    })
    result = run_agora("build", "--root", root, "--lang", "en")
    assert result.code == 0, result.output
    site = root / "site"

    def og(path: str) -> dict[str, str]:
        page = soup(site / path / "index.html")
        return {tag["property"]: tag["content"] for tag in page.select("meta[property^='og:']")}

    photo = og("posts/with-photo")
    assert photo["og:image"] == "https://minimal.example.org/assets/photo.png"
    assert (photo["og:image:width"], photo["og:image:height"], photo["og:image:alt"]) == ("800", "400", "A red square")
    assert (site / "assets/photo.png").read_bytes() == _photo()
    assert not (site / "assets/cards/post/with-photo.png").exists()

    diagram = og("posts/with-svg")
    assert diagram["og:image"] == "https://minimal.example.org/assets/cards/post/with-svg.png"
    with Image.open(site / "assets/cards/post/with-svg.png") as card:
        assert card.size == (1200, 630)

    # The same image replaced by a larger one: the post's Markdown is unchanged, its sharing metadata is not,
    # and an incremental build must not keep the page as it was.
    (root / "content/assets/photo.png").write_bytes(_photo((640, 480)))
    again = run_agora("build", "--root", root, "--lang", "en")
    assert again.code == 0, again.output
    photo = og("posts/with-photo")
    assert (photo["og:image:width"], photo["og:image:height"]) == ("640", "480")
