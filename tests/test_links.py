"""Link integrity of the built demo: every internal link and asset of every page, in every language, resolves to a
file in `site/`, and every fragment to an element on the target page. Nothing is fetched: links to other hosts
are counted and skipped. Absolute links to the site's own address (hreflang alternates, canonical URLs, feeds,
sitemaps) are internal and checked against the build too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from conftest import html_pages

SITE_URL = "https://commonground.example.org/"  # site_url in the demo's mkdocs.yml
URL_ATTRIBUTES = {"href", "src", "poster", "action", "data", "cite", "formaction"}
SKIPPED_SCHEMES = {"mailto", "tel", "data"}


class _Page(HTMLParser):
    """One pass over a page: the URLs it refers to (with the tag and attribute) and the ids it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif name in URL_ATTRIBUTES:
                self.urls.append((tag, name, value.strip()))
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    if candidate.strip():
                        self.urls.append((tag, name, candidate.split()[0]))

    handle_startendtag = handle_starttag


@cache
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _page_url(site: Path, path: Path) -> str:
    """The address the site serves `path` at (the file's own name kept, so relative links resolve as served)."""
    return urljoin(SITE_URL, path.relative_to(site).as_posix())


def _target(site: Path, url: str) -> Path | None:
    """The file that serves an absolute URL on the site (directory → its index.html), or None when off-site."""
    parts = urlsplit(url)
    own = urlsplit(SITE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc != own.netloc or not parts.path.startswith(own.path):
        return None
    relative = unquote(parts.path[len(own.path):])
    target = site / relative
    if relative == "" or relative.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def _check(site: Path, source: str, url: str, broken: list[str], counts: Counter) -> None:
    target = _target(site, url)
    if target is None:
        counts["external"] += 1
        return
    counts["internal"] += 1
    if not target.is_file():
        broken.append(f"{source}: {url} → {target.relative_to(site).as_posix()} does not exist")
        return
    fragment = unquote(urlsplit(url).fragment)
    if fragment and fragment != "top" and target.suffix == ".html":
        counts["fragments"] += 1
        if fragment not in _parse(target).ids:
            broken.append(f"{source}: {url} → no element with id {fragment!r} in {target.relative_to(site)}")


def test_every_internal_link_and_asset_resolves(demo_site: Path, record_property):
    pages = html_pages(demo_site)
    assert len(pages) > 300
    assert {p.relative_to(demo_site).parts[0] for p in pages} >= {"nb", "sv", "pl", "el", "sl", "index.html"}
    broken: list[str] = []
    script_urls: list[str] = []
    counts: Counter = Counter()
    for path in pages:
        source = path.relative_to(demo_site).as_posix()
        base = _page_url(demo_site, path)
        for tag, attribute, value in _parse(path).urls:
            if value.lower().startswith("javascript:"):
                script_urls.append(f"{source}: <{tag} {attribute}={value!r}>")
                continue
            if value in ("", "#"):
                counts["empty"] += 1
                continue
            scheme = urlsplit(value).scheme.lower()
            if scheme in SKIPPED_SCHEMES:
                counts[scheme] += 1
                continue
            _check(demo_site, source, urljoin(base, value), broken, counts)
    record_property("links", dict(counts))
    print(f"\nlinks checked: {counts['internal']} internal ({counts['fragments']} with a fragment) "
          f"on {len(pages)} pages; skipped {counts['external']} external, {counts['mailto']} mailto:, "
          f"{counts['data']} data:, {counts['empty']} empty")
    assert script_urls == [], "javascript: URLs"
    assert broken == [], f"{len(broken)} broken links:\n" + "\n".join(broken[:60])
    assert counts["internal"] > 10 * len(pages)  # every page has its navigation, alternates and assets
    assert counts["fragments"] > 0


def test_sitemaps_and_feeds_point_at_built_pages(demo_site: Path):
    namespaces = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "atom": "http://www.w3.org/2005/Atom",
                  "x": "http://www.w3.org/1999/xhtml"}
    broken: list[str] = []
    counts: Counter = Counter()
    sitemaps = sorted(demo_site.glob("**/sitemap.xml"))
    feeds = sorted(demo_site.glob("**/feed.xml"))
    assert len(sitemaps) >= 6 and len(feeds) >= 6
    for path in sitemaps:
        root = ET.parse(path).getroot()
        urls = [e.text.strip() for e in root.iterfind("s:url/s:loc", namespaces)]
        urls += [e.get("href") for e in root.iterfind("s:url/x:link", namespaces)]
        assert urls, path
        for url in urls:
            _check(demo_site, path.relative_to(demo_site).as_posix(), url, broken, counts)
    assert counts["external"] == 0, "a sitemap may only list the site's own pages"
    for path in feeds:
        root = ET.parse(path).getroot()
        links = [e.get("href") for e in root.iter("{http://www.w3.org/2005/Atom}link")]
        assert links, path
        for url in links:
            _check(demo_site, path.relative_to(demo_site).as_posix(), urljoin(SITE_URL, url), broken, counts)
    assert broken == [], "\n".join(broken[:60])
