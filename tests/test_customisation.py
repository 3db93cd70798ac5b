"""A community customises Material through `theme.custom_dir`; its templates win over Agora's, and a failure in
one of them is reported with the page and the template it happened in."""

from __future__ import annotations

from conftest import minimal_community, run_agora, soup

CUSTOM = "  font: false\n  custom_dir: overrides"


def with_overrides(tmp_path, files: dict[str, str]):
    root = minimal_community(tmp_path, {f"overrides/{name}": text for name, text in files.items()})
    config = (root / "mkdocs.yml").read_text()
    (root / "mkdocs.yml").write_text(config.replace("  font: false  # no requests to Google Fonts", CUSTOM))
    return root


def test_a_template_error_on_one_page_names_that_page_and_the_template(tmp_path):
    root = with_overrides(tmp_path, {"partials/footer.html":
                                     '{% if page and page.url == "members/" %}{{ missing.value }}{% endif %}\n'})
    result = run_agora("build", "--root", root)
    assert result.code == 1, result.output
    failure = next(line for line in result.stderr.splitlines() if line.startswith("build failed:"))
    assert "overrides/partials/footer.html:1:" in failure, failure
    assert "page /members/" in failure and "template error" in failure, failure
    assert "newsletters/" not in failure and "(body)" not in failure, failure
    assert "Traceback" not in result.stderr
    assert not (root / "site").exists()


def test_the_communitys_main_html_wins_over_agoras_on_every_page(tmp_path):
    root = with_overrides(tmp_path, {"main.html": (
        '{% extends "base.html" %}\n'
        '{% block extrahead %}{% include "partials/agora/head.html" %}{% endblock %}\n'
        '{% block announce %}<span class="community-banner">Meetup on Friday</span>{% endblock %}\n')})
    result = run_agora("build", "--root", root, "--strict")
    assert result.code == 0, result.output
    pages = sorted((root / "site").rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        if page.name == "404.html":
            continue
        html = soup(page)
        assert html.select_one(".community-banner"), page
        # Agora's head is kept through the partial: every page still has its language alternates.
        assert html.select('link[rel="alternate"][hreflang]'), page


def test_a_main_html_without_agoras_head_is_warned_about(tmp_path):
    root = with_overrides(tmp_path, {"main.html": '{% extends "base.html" %}\n'})
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    assert 'main.html: replaces Agora\'s main.html; include "partials/agora/head.html"' in result.stderr
    assert run_agora("build", "--root", root, "--strict", "--force").code == 1


def test_a_navigation_partial_of_the_community_is_rendered_for_every_page(tmp_path):
    # Agora renders Material's navigation once for all the pages it comes out alike on; a community's own
    # navigation partial may show anything of the page, so it is rendered on each.
    root = with_overrides(tmp_path, {"partials/nav-item.html": (
        '{% macro render(nav_item, path, level, parent) %}<li class="community-item" '
        'data-here="{{ page.url if page else \'\' }}">{{ nav_item.title }}</li>{% endmacro %}\n')})
    result = run_agora("build", "--root", root, "--strict")
    assert result.code == 0, result.output
    seen = set()
    for page in sorted((root / "site").rglob("index.html")):
        here = {item["data-here"] for item in soup(page).select(".community-item")}
        assert len(here) == 1, (page, here)
        (url,) = here
        assert page.relative_to(root / "site").as_posix().endswith(url + "index.html"), (page, url)
        seen.add(url)
    assert len(seen) > 20
