"""Text shown in another language than the page's is marked, on the built demo: `lang` on the element that holds
it and, beside it, the language's name in the page's language ("(angielski)"), as the newsletter marks it."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel import Locale

from conftest import html_pages, soup


def marks(site: Path, code: str):
    """(page, element with a foreign `lang`, its mark or None) for every marked title in `code`'s pages."""
    for path in html_pages(site / code):
        page = soup(path)
        assert page.html["lang"] == code
        for mark in page.select(".agora-lang-mark"):
            yield path, mark.find_previous_sibling(attrs={"lang": True}), mark


@pytest.mark.parametrize("code", ["pl", "el"])
def test_every_mark_names_the_language_of_the_text_beside_it(demo_site: Path, code: str):
    found = list(marks(demo_site, code))
    assert len(found) > 100  # cards on listings, the home page, member and course pages, post and lesson links
    kinds = set()
    for path, element, mark in found:
        assert element is not None, f"{path}: {mark} follows no element with a lang attribute"
        assert element["lang"] != code
        name = Locale.parse(element["lang"]).get_display_name(code)
        assert mark.get_text() == f"({name})", (path, mark)
        assert not mark.find_parent(attrs={"lang": element["lang"]}), (path, mark)  # the mark is in the page's language
        kinds.add(path.relative_to(demo_site / code).parts[0])
    assert {"posts", "events", "academy", "members", "index.html"} <= kinds


def test_titles_in_the_pages_language_carry_no_mark(demo_site: Path):
    listing = soup(demo_site / "pl" / "posts" / "tags" / "moderation" / "index.html")
    for card in listing.select("article.agora-card"):
        link = card.select_one(".agora-card__title a")
        if link.get("lang"):
            assert card.select_one(".agora-card__title .agora-lang-mark").get_text() == "(angielski)"
            assert card.select_one("p[lang]")["lang"] == link["lang"]  # the summary is in that language too
        else:
            assert card.select_one(".agora-lang-mark") is None
            assert not card.select("[lang]")
    assert listing.select("article.agora-card .agora-card__title a:not([lang])"), \
        "the listing has a card translated into Polish"

