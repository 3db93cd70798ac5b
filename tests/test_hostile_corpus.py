"""The hostile feed corpus: 700 XSS payloads through `agora fetch` → `agora build` → headless Chromium.

The payloads (tests/fixtures/xss/payloads.py) are served on 127.0.0.1 in every place a feed carries text: the
entry's title, summary, content (HTML, XHTML and text constructs, some under a hostile xml:base), link,
categories, author and id, and the feed's own title; in RSS 2.0 and Atom, in `content: full` and `content:
excerpt` feeds, and once more in a feed that is not well-formed XML (control characters, an undefined entity,
payloads for dates), which feedparser reads with its loose parser. Each feed carries the whole corpus, a few or
many payloads to an entry, dealt out differently so that no payload has the same neighbours everywhere; inside
an entry each payload follows a separator that closes whatever the previous one left open and a marker
paragraph `hc-N`, and a test checks that every payload reached the sanitizer in that fresh state at least once.
One fetch (policy auto) and one build in two languages import and publish all of it.

Then every built page that shows imported content (the posts, the post indices, tag pages, the home page,
member pages, the newsletter's web copy; in both languages) and the newsletter e-mails are checked:

- statically (BeautifulSoup for the article, html.parser for the whole page): no event-handler attribute and no
  javascript:/vbscript:/data: URL anywhere on the page, no <base> or <meta http-equiv>, no active element
  (script, iframe, form, svg, style…) or style attribute in the content, no script but the theme's own;
- in Chromium, served over HTTP on 127.0.0.1: a dialog, a console message `XSS-…`, an uncaught error, a
  changed document.title, a call of window.print, a navigation away from the page, or a request to any other
  host would each mean that a payload ran. Everything is listened to before the page loads; after the load
  the mouse crosses the content, Tab moves through the page, every element of the content gets every event an
  inline handler could wait for and a click (links to web and mail addresses are stopped; any other link is
  followed, since that is what a script link needs), and on the home page Material's search renders results
  for payload words. Of the second language, the home page is opened too (its search box and language switcher);
  its other pages show the same untranslated entries through the same templates, and the static checks read
  every one of them.

One exception to "no other host": the images the sanitizer keeps. An imported post may show a remote image,
so the requests for exactly the `<img src>` URLs of the page's content are allowed (and counted) — blocked all
the same, so nothing leaves the machine.

Each payload calls its sink with its own number N, so a failure names the payload that ran.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import html.parser
import importlib.util
import itertools
import json
import math
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import frontmatter
import pytest
import yaml
from bs4 import BeautifulSoup
from mkdocs.utils.yaml import get_yaml_loader
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from conftest import ROOT, run_agora

pytestmark = pytest.mark.browser

CORPUS_FILE = ROOT / "tests" / "fixtures" / "xss" / "payloads.py"
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
EPOCH = str(int(dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC).timestamp()))
ENV = {"SOURCE_DATE_EPOCH": EPOCH, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
LANGUAGES = ("en", "sv")  # the default language at the root, and one more under sv/
FIRST_DATE = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)  # in the October issue of the newsletter
SMALL = 20  # payloads per entry in the feeds with a few per post
LARGE = 100  # and in those with many
TABS = 3  # Tab presses per page
WORKERS = 3  # browser tabs working through the pages at once


def _load_corpus():
    spec = importlib.util.spec_from_file_location("xss_payloads", CORPUS_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus_module = _load_corpus()
PAYLOADS = corpus_module.corpus()


# -- the feeds ------------------------------------------------------------------------------------------------

XHTML = "http://www.w3.org/1999/xhtml"
# XML 1.0 cannot carry these, not even as character references: the well-formed feeds leave them out (the
# importer would drop them anyway); the broken feed carries them raw.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def legal(text: str, strict: bool) -> str:
    return XML_ILLEGAL.sub("", text) if strict else text


def xml_text(text: str, strict: bool = True) -> str:
    return escape(legal(text, strict), {"\r": "&#13;"})


def xml_attr(text: str) -> str:
    return quoteattr(legal(text, True))


def cdata(text: str, strict: bool = True) -> str:
    return "<![CDATA[" + legal(text, strict).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def link_for(payload) -> str:
    """The entry's own link: the payload itself, or a script URL, or a web URL the payload breaks out of."""
    n, js = payload.number, corpus_module.sink(payload.number)
    forms = [
        payload.html,
        f"javascript:{js}",
        f"https://hostile.example/{n}/{payload.html}",
        f"data:text/html,<script>{js}</script>",
        f'https://hostile.example/{n}/"onmouseover="{js}"x="',
        f" JaVaScRiPt:{js}",
        f"https://hostile.example/{n}/'><script>{js}</script>",
        f"vbscript:{js}",
        f"//{payload.host}/",
    ]
    return forms[n % len(forms)]


def when(index: int) -> dt.datetime:
    return FIRST_DATE + dt.timedelta(minutes=index)


# Between two payloads of one entry: whatever the first left open (a comment, a raw-text element, a quoted
# attribute, foreign content) is closed, so the next starts in the state a fresh document would; the marker
# paragraph then shows, on the built page, that the parser reached payload N with that fresh state.
SEPARATOR = ("<!-- --></script></style></textarea></title></xmp></noembed></noframes></noscript></iframe>"
             "</template></select></svg></math></object>\"'>")


def marker(payload) -> str:
    return f"hc-{payload.number}"


@dataclass(frozen=True)
class Item:
    """One feed entry: its key (for its id), its place in the feed (for its date) and the payloads it carries."""

    key: str
    index: int
    payloads: tuple
    category: bool = False  # also carry the first payload as a category (one tag page each)

    @property
    def html(self) -> str:
        return SEPARATOR.join(f"<p>{marker(p)}</p>{p.html}" for p in self.payloads)

    @property
    def title(self) -> str:
        return " ".join(p.html for p in self.payloads)

    @property
    def categories(self) -> list[str]:
        return ["hostile", self.payloads[0].html] if self.category else ["hostile"]


def entries(feed: str, order: list, size: int, category_every: int = 0) -> list[Item]:
    """`order` cut into entries of `size` payloads; every `category_every`-th entry has a hostile category.

    A <plaintext> element never ends: whatever follows it in an entry is text. Such payloads go last in their
    entry, so they cannot shield the others."""
    def endless(payload) -> bool:
        return "<plaintext" in payload.html.lower()

    return [Item(f"{feed}-{i // size}", i // size, tuple(sorted(order[i:i + size], key=endless)),
                 bool(category_every) and (i // size) % category_every == 0)
            for i in range(0, len(order), size)]


def interleaved(payloads: list, count: int) -> list:
    """The payloads dealt into `count` entries like cards, so each has other neighbours than in corpus order."""
    return [p for start in range(count) for p in payloads[start::count]]


def shuffled(payloads: list) -> list:
    """A fixed permutation (a step prime to the corpus size), for a third set of neighbours."""
    step = next(k for k in itertools.count(211) if math.gcd(k, len(payloads)) == 1)
    return [payloads[(i * step) % len(payloads)] for i in range(len(payloads))]


def rss_feed(items: list[Item], strict: bool = True) -> bytes:
    """RSS 2.0; not `strict`: with raw control characters and an entity XML does not define, as broken blogs
    serve it, so that feedparser falls back to its loose parser."""
    head = PAYLOADS[0].html
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/">',
           f"<channel><title>{xml_text(head)}</title><link>https://hostile.example/</link>"
           f"<description>{xml_text(head)}{'' if strict else '&nbsp;'}</description>"]
    for item in items:
        first = item.payloads[0]
        out.append(
            f"<item><title>{xml_text(item.title, strict)}</title><link>{xml_text(link_for(first), strict)}</link>"
            f'<guid isPermaLink="false">{xml_text(f"urn:hc:{item.key} {first.html}", strict)}</guid>'
            # The broken feed's dates are payloads too: its entries get the fetch date.
            f"<pubDate>{format_datetime(when(item.index), usegmt=True) if strict else first.html}</pubDate>"
            f"<author>{xml_text(first.html, strict)}</author><dc:creator>{xml_text(first.html, strict)}</dc:creator>"
            + "".join(f"<category>{xml_text(c, strict)}</category>" for c in item.categories)
            + f"<description>{xml_text(item.html, strict)}</description>"
            f"<content:encoded>{cdata(item.html, strict)}</content:encoded></item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode()


def xhtml(item: Item) -> str:
    """The entry as Atom's inline XHTML: each payload that is well-formed XML as markup, the others as text."""
    parts = []
    for payload in item.payloads:
        markup = f"<p>{marker(payload)}</p>{legal(payload.html, True)}"
        try:
            ElementTree.fromstring(f'<div xmlns="{XHTML}">{markup}</div>')
        except ElementTree.ParseError:
            markup = xml_text(markup)
        parts.append(markup)
    return f'<div xmlns="{XHTML}">{"".join(parts)}</div>'


def atom_feed(name: str, items: list[Item], *, summaries: bool) -> bytes:
    head = PAYLOADS[1].html
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<feed xmlns="http://www.w3.org/2005/Atom">',
           f'<title type="html">{xml_text(head)}</title><subtitle>{xml_text(head)}</subtitle>'
           f"<id>urn:hc:{name}</id><updated>2026-10-01T00:00:00Z</updated>"
           f"<author><name>{xml_text(head)}</name></author>"]
    for position, item in enumerate(items):
        first = item.payloads[0]
        # Titles alternate between Atom's html and text constructs.
        kind = "html" if position % 2 == 0 else "text"
        # Every other entry resolves its relative links against a hostile xml:base.
        base = f" xml:base={xml_attr(link_for(first))}" if position % 2 else ""
        summary = f'<summary type="html"{base}>{xml_text(item.html)}</summary>' if summaries else ""
        content = f'<content type="html"{base}>{xml_text(item.html)}</content>'
        if summaries and position % 3 == 2:
            content = ""  # an entry with only a summary
        elif not summaries and position % 4 == 1:
            content = f'<content type="xhtml"{base}>{xhtml(item)}</content>'
        elif not summaries and position % 4 == 3:
            content = f'<content type="text">{xml_text(item.html)}</content>'
        out.append(
            f'<entry><title type="{kind}">{xml_text(item.title)}</title>'
            f"<id>{xml_text(f'urn:hc:{item.key} {first.html}')}</id>"
            f"<updated>{when(item.index).isoformat()}</updated><published>{when(item.index).isoformat()}</published>"
            f'<link rel="alternate" type="text/html" href={xml_attr(link_for(first))}/>'
            f"<author><name>{xml_text(first.html)}</name><uri>{xml_text(link_for(first))}</uri></author>"
            + "".join(f"<category term={xml_attr(c)} label={xml_attr(c)}/>" for c in item.categories)
            + summary + content + "</entry>")
    out.append("</feed>")
    return "\n".join(out).encode()


@dataclass(frozen=True)
class Feed:
    path: str
    member: str
    content: str  # full or excerpt
    body: bytes
    content_type: str
    items: list[Item]
    language: str | None = None
    well_formed: bool = True


def feeds() -> list[Feed]:
    """Five feeds, each carrying the whole corpus: two with a few payloads per entry (RSS full text, Atom
    excerpts in Swedish), two with many (RSS excerpts, Atom full text) and the not-well-formed one. Each deals
    the payloads out differently, so no payload has the same neighbour everywhere."""
    few = -(-len(PAYLOADS) // SMALL)  # entries of the feeds with SMALL payloads each
    rss_full = entries("rss-full", PAYLOADS, SMALL, category_every=7)
    atom_excerpt = entries("atom-excerpt", interleaved(PAYLOADS, few), SMALL, category_every=7)
    rss_excerpt = entries("rss-excerpt", PAYLOADS[::-1], LARGE)
    atom_full = entries("atom-full", shuffled(PAYLOADS), LARGE)
    loose = entries("loose", interleaved(PAYLOADS, 3), LARGE)
    return [
        Feed("/rss-full.xml", "bo", "full", rss_feed(rss_full), "application/rss+xml", rss_full),
        Feed("/atom-excerpt.xml", "ana", "excerpt", atom_feed("atom-excerpt", atom_excerpt, summaries=True),
             "application/atom+xml", atom_excerpt, language="sv"),
        Feed("/rss-excerpt.xml", "ana", "excerpt", rss_feed(rss_excerpt), "application/rss+xml", rss_excerpt),
        Feed("/atom-full.xml", "bo", "full", atom_feed("atom-full", atom_full, summaries=False),
             "application/atom+xml", atom_full),
        Feed("/loose.xml", "bo", "full", rss_feed(loose, strict=False), "application/rss+xml", loose,
             well_formed=False),
    ]


class FeedServer:
    """The feeds on 127.0.0.1; everything else is a 404."""

    def __init__(self, routes: dict[str, tuple[bytes, str]]):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
                body, kind = routes.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if self.path in routes else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- fetch and build once -------------------------------------------------------------------------------------

@dataclass
class Hub:
    root: Path
    site: Path
    newsletters: Path  # the issues' e-mail HTML, written beside the site
    fetch_output: str
    feeds: list[Feed]
    imported: dict[str, dict]  # slug -> front matter
    pages: list[Path] = field(default_factory=list)  # built pages that show imported content
    emails: list[Path] = field(default_factory=list)  # newsletter e-mails that do
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Hub:
    root = tmp_path_factory.mktemp("hostile") / "community"
    shutil.copytree(MINIMAL, root)
    # The demo's theme and Markdown settings (attr_list, md_in_html, …: what a payload would try to reach),
    # and many posts per index page: hundreds of hostile titles on one page.
    settings = yaml.safe_load((root / "mkdocs.yml").read_text())
    demo = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=get_yaml_loader())  # MkDocs' tags (docs_dir)
    settings["theme"], settings["markdown_extensions"] = demo["theme"], demo["markdown_extensions"]
    agora = next(p for p in settings["plugins"] if isinstance(p, dict) and "agora" in p)["agora"]
    agora["posts_per_page"] = 50
    agora.setdefault("newsletter", {})["max_html_bytes"] = 10_000_000  # the October issue lists every entry
    (root / "mkdocs.yml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    all_feeds = feeds()
    server = FeedServer({f.path: (f.body, f.content_type) for f in all_feeds})
    timings = {}
    try:
        listed = [{"member": f.member, "url": server.url(f.path), "policy": "auto", "content": f.content}
                  | ({"language": f.language} if f.language else {}) for f in all_feeds]
        (root / "content" / "feeds.yml").write_text(yaml.safe_dump({"feeds": listed}, sort_keys=False))
        start = time.monotonic()
        fetched = run_agora("fetch", "--root", root, env=ENV, timeout=300)
        timings["fetch"] = time.monotonic() - start
    finally:
        server.close()
    assert fetched.code == 0, fetched.output
    site = root.parent / "site"
    start = time.monotonic()
    built = run_agora("build", "--root", root, "--out", site, *(a for c in LANGUAGES for a in ("--lang", c)),
                      env=ENV, timeout=600)
    timings["build"] = time.monotonic() - start
    assert built.code == 0, built.output
    imported = {p.stem: frontmatter.parse(p.read_text(encoding="utf-8"))[0]
                for p in sorted((root / "content" / "posts" / "imported").rglob("*.md"))}
    hub = Hub(root, site, root / "build" / "newsletters", fetched.output, all_feeds, imported, timings=timings)
    hub.pages = pages_with_imported_content(hub, site)
    hub.emails = pages_with_imported_content(hub, hub.newsletters)
    return hub


def lang_prefix(code: str) -> str:
    return "" if code == LANGUAGES[0] else f"{code}/"


def page_prefix(hub: Hub, page: Path) -> str:
    first = page.relative_to(hub.site).parts[0]
    return f"{first}/" if first in LANGUAGES[1:] else ""


HREF = re.compile(r'href="([^"]*)"')


def pages_with_imported_content(hub: Hub, folder: Path) -> list[Path]:
    """Every HTML page under `folder` that is an imported post or links to one (indices, tags, home, members,
    newsletter): those are the pages where feed text ends up."""
    def imported_post(path: str) -> bool:
        parts = path.strip("/").split("/")
        return len(parts) >= 2 and parts[-2] == "posts" and parts[-1] in hub.imported

    found = []
    for page in sorted(folder.rglob("*.html")):
        here = "/" + page.relative_to(folder).as_posix()
        links = (urlsplit(urljoin(here, html.unescape(h))).path for h in HREF.findall(page.read_text("utf-8")))
        if imported_post(here.removesuffix("index.html")) or any(imported_post(link) for link in links):
            found.append(page)
    return found


# -- the corpus and the import --------------------------------------------------------------------------------

def test_the_corpus_holds_hundreds_of_distinct_payloads_each_with_its_own_sink():
    assert len(PAYLOADS) >= 300
    assert [p.number for p in PAYLOADS] == list(range(1, len(PAYLOADS) + 1))
    assert len({p.html for p in PAYLOADS}) == len(PAYLOADS)
    assert PAYLOADS == corpus_module.corpus()  # deterministic
    # The sink carries N, or is print(), or is encoded (base64, character references, percent, char codes).
    encoded = r"print\(\)|base64,|atob\(|&#|%28|fromCharCode"
    hidden = [p for p in PAYLOADS if not re.search(rf"(?<!\d){p.number}(?!\d)|{encoded}", p.html)]
    assert hidden == []


def test_every_hostile_entry_is_imported_and_published(hub: Hub):
    by_feed = {f.path: 0 for f in hub.feeds}
    for meta in hub.imported.values():
        by_feed[urlsplit(meta["source"]).path] += 1
    # The well-formed feeds import every entry; of the broken one, feedparser's loose parser reads what it can.
    assert {f.path: len(f.items) for f in hub.feeds if f.well_formed} == \
        {path: count for path, count in by_feed.items() if path != "/loose.xml"}, hub.fetch_output
    assert by_feed["/loose.xml"] >= 1, hub.fetch_output
    assert all(meta["status"] == "published" for meta in hub.imported.values())
    check = run_agora("check", "--root", hub.root)
    assert check.code == 0, check.output
    kinds = {page.relative_to(hub.site).as_posix() for page in hub.pages}
    for lang in map(lang_prefix, LANGUAGES):
        assert f"{lang}index.html" in kinds  # the home page's latest posts
        assert f"{lang}posts/index.html" in kinds and f"{lang}posts/page/2/index.html" in kinds
        assert f"{lang}posts/tags/hostile/index.html" in kinds
        assert f"{lang}members/bo/index.html" in kinds and f"{lang}members/ana/index.html" in kinds
        assert sum(1 for k in kinds if re.fullmatch(rf"{lang}posts/tags/(?!hostile/)[^/]+/index\.html", k)) >= 8
        posts = {k for k in kinds if re.fullmatch(rf"{lang}posts/[^/]+/index\.html", k)}
        assert {f"{lang}posts/{slug}/index.html" for slug in hub.imported} <= posts
    assert hub.emails, "the October issue lists the imported posts"


# -- the built HTML -------------------------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
                  "longdesc", "dynsrc", "lowsrc", "ping", "codebase", "code", "to", "from", "values", "by"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
# Elements that have no business in an imported post: they run code, load things or take input.
ACTIVE = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal", "style", "link",
          "meta", "base", "svg", "math", "form", "input", "button", "textarea", "select", "option", "isindex",
          "keygen", "video", "audio", "source", "track", "bgsound", "marquee", "template", "noscript", "xml",
          "animate", "set", "handler", "use", "foreignobject", "image", "listing", "plaintext", "xmp"}
RELATIVE_PREFIX = re.compile(r'(?:\.\./)+|"(?:\.\./)*\.\.?"')
ARTICLE = '<article class="md-content__inner'


def scripted_url(value: str) -> bool:
    """Whether a URL attribute would run or load script: control characters and spaces are what a browser
    strips before it reads the scheme."""
    return re.sub(r"[\x00-\x20]", "", value).lower().startswith(SCRIPT_SCHEMES)


class PageScan(html.parser.HTMLParser):
    """One pass over a whole page: event handlers and script URLs on any element, the scripts, the title,
    and <base> or <meta http-equiv>, which a page of the hub never has."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.here = page  # the page's path, to resolve script sources
        self.found: list[str] = []
        self.scripts: list[str] = []
        self.title = ""
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value[:80]!r}>")
            elif name in URL_ATTRIBUTES and scripted_url(value):
                self.found.append(f"<{tag} {name}={value[:80]!r}>")
            elif name in ("srcset", "imagesrcset") and any(scripted_url(c) for c in value.split(",")):
                self.found.append(f"<{tag} {name}={value[:80]!r}>")
        values = dict(attrs)
        if tag == "base" or tag == "meta" and "http-equiv" in values:
            self.found.append(f"<{tag} {values}>")
        if tag == "script":
            src = values.get("src")
            self._text = [f"src {urljoin(self.here, src)}" if src else "inline "]
        elif tag == "title" and not self.title:
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._text is None:
            return
        text = "".join(self._text)
        if tag == "script":
            self.scripts.append(RELATIVE_PREFIX.sub("", text) if text.startswith("inline ") else text)
        elif tag == "title":
            self.title = " ".join(text.split())
        self._text = None


@dataclass
class Scan:
    """What the static checks found on one page."""

    problems: list[str]
    title: str
    markers: set[int]  # payload numbers whose marker paragraph is on the page
    images: set[str]  # absolute URLs of the images in the content (the only remote loads a post may make)


def scan(page: Path, folder: Path, theme_scripts: set[str] | None) -> Scan:
    """`theme_scripts` None: an e-mail, which has no theme; its whole body is the content."""
    text = page.read_text(encoding="utf-8")
    here = "/" + page.relative_to(folder).as_posix()
    whole = PageScan(here)
    whole.feed(text)
    whole.close()
    problems = list(whole.found)
    if theme_scripts is not None:
        problems += [f"<script> not the theme's: {s[:120]!r}" for s in whole.scripts if s not in theme_scripts]
        # The content is Material's article, to its end (post cards are articles inside it).
        start = text.index(ARTICLE)
        content = BeautifulSoup(text[start:text.rindex("</article>") + len("</article>")], "html.parser")
    else:
        problems += [f"<script> in an e-mail: {s[:120]!r}" for s in whole.scripts]
        content = BeautifulSoup(text, "html.parser").body
    for element in content.find_all(True):
        if element.name.lower() in ACTIVE:
            problems.append(f"<{element.name}> in the content")
        if "style" in element.attrs and theme_scripts is not None:  # e-mails are styled inline
            problems.append(f"<{element.name} style={element['style'][:80]!r}> in the content")
    markers = {int(p.get_text()[3:]) for p in content.find_all("p") if re.fullmatch(r"hc-\d+", p.get_text())}
    base = f"http://site{here}"
    images = {urldefrag(urljoin(base, img["src"])).url for img in content.find_all("img", src=True)}
    return Scan(problems, whole.title, markers, {i for i in images if not i.startswith("http://site/")})


@pytest.fixture(scope="module")
def scans(hub: Hub) -> dict[Path, Scan]:
    """Every page with imported content scanned once (the e-mails too), for the static and browser tests."""
    theme = {}
    for prefix in map(lang_prefix, LANGUAGES):
        reference = PageScan(f"/{prefix}guidelines/index.html")  # a page with no imported content
        reference.feed((hub.site / f"{prefix}guidelines" / "index.html").read_text(encoding="utf-8"))
        theme[prefix] = set(reference.scripts)
        assert len(theme[prefix]) >= 4, theme  # Material's bundle, its inline set-up, agora.js …
    found = {page: scan(page, hub.site, theme[page_prefix(hub, page)]) for page in hub.pages}
    found |= {page: scan(page, hub.newsletters, None) for page in hub.emails}
    return found


def report(problems: dict[str, list[str]], pages: int = 30, each: int = 10) -> str:
    """The problems, readable: the first `pages` pages with their first `each` problems."""
    count = sum(map(len, problems.values()))
    lines = [f"{count} problems on {len(problems)} pages:"]
    for page, found in list(problems.items())[:pages]:
        lines += [page, *(f"    {p[:240]}" for p in found[:each])]
        lines += [f"    … {len(found) - each} more"] if len(found) > each else []
    return "\n".join(lines + ([f"… {len(problems) - pages} more pages"] if len(problems) > pages else []))


def test_no_built_page_carries_live_markup(hub: Hub, scans: dict[Path, Scan]):
    """Statically, on every page that shows imported content and in the newsletter e-mails that list it."""
    problems = {page.name if page in hub.emails else page.relative_to(hub.site).as_posix(): s.problems
                for page, s in scans.items() if s.problems}
    assert not problems, report(problems)
    assert len(hub.pages) > len(hub.imported)


def test_every_payload_reached_the_sanitizer_on_its_own_at_least_once(scans: dict[Path, Scan]):
    """The marker paragraph before each payload is on a built page as a paragraph: whatever came before it in
    its entry was closed, so the payload was parsed as if it stood alone."""
    seen = set().union(*(s.markers for s in scans.values()))
    assert sorted(set(range(1, len(PAYLOADS) + 1)) - seen) == []


# -- in Chromium ------------------------------------------------------------------------------------------------

# Before any of the page's own scripts, in every frame: print() only records, and a click on a link to a web or
# mail address is stopped, so clicking every link stays on the page. A link with any other scheme is followed:
# that is how a script link would run.
INIT_SCRIPT = """
window.print = function () { console.info('XSS-print'); };
addEventListener('click', (event) => {
  const link = event.target instanceof Element && event.target.closest('a[href], area[href]');
  if (link && ['http:', 'https:', 'mailto:'].includes(link.protocol)) event.preventDefault();
}, true);
"""
# Every event an inline handler could wait for, fired at every element of the content.
EVENTS = sorted({e.removeprefix("on") for e in corpus_module.INTERACTIVE_EVENTS} | {
    "load", "error", "begin", "end", "repeat", "toggle", "beforetoggle", "focus", "blur", "focusin",
    "animationstart", "animationend", "transitionend", "pageshow", "start", "finish", "bounce", "search",
    "invalid", "loadstart", "stalled", "readystatechange", "hashchange", "resize", "scroll", "select",
    "mouseenter", "pointerenter", "dragend", "drop", "reset",
})
FIRE_EVENTS = """
(types) => {
  const root = document.querySelector('article.md-content__inner') || document.body;
  const elements = [...root.querySelectorAll('*')];
  for (const element of elements) {
    for (const type of types) element.dispatchEvent(new Event(type, {bubbles: false, cancelable: true}));
    element.click();
  }
  return elements.length;
}
"""
CONTENT_BOX = """
() => {
  const root = document.querySelector('article.md-content__inner') || document.body;
  const box = root.getBoundingClientRect();
  return [box.left, Math.max(box.top, 0), box.width, Math.min(box.bottom, innerHeight) - Math.max(box.top, 0)];
}
"""
SEARCH_INDEX = "/search/search_index.json"
# Material's search shows its placeholder text ("Type to start searching") once the worker has indexed the
# site and while the box is empty, and a count of results once a query has run.
SEARCH_IDLE = """
(idle) => idle === (document.querySelector('.md-search-result__meta').textContent.trim()
  === JSON.parse(document.getElementById('__config').textContent).translations['search.result.placeholder'])
"""
SEARCHES = ("alert", "onerror", "script", "javascript", "svg", "xss", "img")
SETTLE_MS = 100
TIMEOUT_MS = 30_000


class Served:
    """A folder over HTTP on 127.0.0.1."""

    def __init__(self, folder: Path):
        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # the browser dropping a connection it no longer needs

        self.httpd = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def culprit(message: str) -> str:
    """The payload whose sink carries the number in `message`, if one does."""
    numbers = [int(n) for n in re.findall(r"\d+", message) if 1 <= int(n) <= len(PAYLOADS)]
    return "".join(f" (payload {n}, {PAYLOADS[n - 1].family}: {PAYLOADS[n - 1].html[:70]!r})" for n in numbers[:1])


@dataclass
class Sinks:
    """What the payloads would set off, as recorded for the page being checked."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    foreign: list[tuple[str, str]] = field(default_factory=list)  # (resource type, URL) of other hosts

    def problems(self, url: str, title: str, expected_title: str, images: set[str]) -> list[str]:
        away = [u for u in self.navigations if u.split("#")[0] != url]
        requests = [f"{kind} {u}" for kind, u in self.foreign if not (kind == "image" and urldefrag(u).url in images)]
        return ([f"dialog {m!r}{culprit(m)}" for m in self.dialogs]
                + [f"console {m!r}{culprit(m)}" for m in self.console]
                + [f"uncaught {e}" for e in self.errors] + [f"navigated to {u}" for u in away]
                + [f"request to {r}" for r in requests]
                + ([f"document.title {title!r}, not {expected_title!r}"] if title != expected_title else []))


@dataclass
class Tally:
    pages: int = 0
    elements: int = 0
    blocked_images: int = 0
    search_results: int = 0


async def check_pages(jobs: list[tuple[str, Scan]], local: set[str], tally: Tally,
                      empty_index: bytes) -> dict[str, list[str]]:
    """Every page checked by WORKERS tabs in one browser; the problems found, by page URL."""
    problems: dict[str, list[str]] = {}
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(_worker(browser, queue, local, problems, tally, empty_index)
                                   for _ in range(WORKERS)))
        finally:
            await browser.close()
    return problems


async def _worker(browser, queue: asyncio.Queue, local: set[str], problems: dict, tally: Tally,
                  empty_index: bytes) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(INIT_SCRIPT)
    sinks = Sinks()
    searching = [False]

    async def route(route) -> None:
        request = route.request
        parts = urlsplit(request.url)
        if parts.netloc not in local:
            sinks.foreign.append((request.resource_type, request.url))
            await route.abort("blockedbyclient")
        elif parts.path.endswith(SEARCH_INDEX) and not searching[0]:
            # Material indexes the whole site in a worker on every page load; only the search page needs it.
            await route.fulfill(status=200, content_type="application/json", body=empty_index)
        else:
            await route.continue_()

    async def dialog(dialog) -> None:
        sinks.dialogs.append(dialog.message)
        try:
            await dialog.dismiss()
        except PlaywrightError:
            pass  # the page that opened it is gone already

    # Requests to the served folders go straight through (so the browser's cache works); every other one, and
    # the search index, comes to `route`.
    own = "|".join(re.escape(f"http://{netloc}/") for netloc in sorted(local))
    await context.route(re.compile(rf"^(?!{own})|{re.escape(SEARCH_INDEX)}$"), route)
    page = await context.new_page()
    page.on("dialog", dialog)
    page.on("console", lambda message: "XSS-" in message.text and sinks.console.append(message.text))
    page.on("pageerror", lambda error: sinks.errors.append(str(error)))
    page.on("framenavigated", lambda frame: frame == page.main_frame and sinks.navigations.append(frame.url))
    try:
        while not queue.empty():
            url, page_scan = queue.get_nowait()
            sinks.__init__()
            searching[0] = urlsplit(url).path == "/"
            try:
                found = await _visit(page, url, tally)
                title = await page.title() if page.url.split("#")[0] == url else "(left the page)"
            except PlaywrightError as error:  # e.g. the page navigated away in the middle of a step
                found, title = [f"the check broke off: {str(error).splitlines()[0]}"], page_scan.title
            found += sinks.problems(url, title, page_scan.title, page_scan.images)
            tally.blocked_images += sum(kind == "image" and urldefrag(u).url in page_scan.images
                                        for kind, u in sinks.foreign)
            if found:
                problems[url] = found
    finally:
        await context.close()


async def _visit(page, url: str, tally: Tally) -> list[str]:
    response = await page.goto(url, wait_until="load")
    if response is None or not response.ok:
        return [f"could not load: {response and response.status}"]
    # The reader: the mouse across the content, a few Tabs through it.
    left, top, width, height = await page.evaluate(CONTENT_BOX)
    await page.mouse.move(left + 5, top + 5)
    await page.mouse.move(left + width - 5, top + height - 5, steps=2)
    for _ in range(TABS):
        await page.keyboard.press("Tab")
    # Then every element of the content: each event an inline handler could wait for, and a click.
    tally.elements += await page.evaluate(FIRE_EVENTS, EVENTS)
    if urlsplit(url).path == "/":
        tally.search_results += await _search(page)
    await page.wait_for_timeout(SETTLE_MS)
    tally.pages += 1
    return []


async def _search(page) -> int:
    """Material renders search results (titles and text of the index) into the page: search for payload
    words and let it."""
    await page.keyboard.press("Escape")
    box = page.locator("input.md-search__input")
    await box.click()
    found = 0
    for query in SEARCHES:
        await box.fill("")
        await page.wait_for_function(SEARCH_IDLE, arg=True)  # indexed (what is typed before then is lost)
        await box.press_sequentially(query)
        await page.wait_for_function(SEARCH_IDLE, arg=False)  # the query ran
        found += await page.locator(".md-search-result__item").count()
    await page.keyboard.press("Escape")
    return found


def test_no_payload_runs_in_chromium(hub: Hub, scans: dict[Path, Scan]):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    site, emails = Served(hub.site), Served(hub.newsletters)
    try:
        # Every page in the default language, and the other's home page (its search box and language switcher).
        # The other language's pages show the same untranslated entries through the same templates; the static
        # checks read every one of them.
        pages = [p for p in hub.pages if not page_prefix(hub, p) or p.parent == hub.site / page_prefix(hub, p)]
        jobs = [(site.base + page.relative_to(hub.site).as_posix().removesuffix("index.html"), scans[page])
                for page in pages]
        jobs += [(emails.base + page.relative_to(hub.newsletters).as_posix(), scans[page]) for page in hub.emails]
        local = {urlsplit(site.base).netloc, urlsplit(emails.base).netloc}
        tally = Tally()
        index = json.loads((hub.site / SEARCH_INDEX.lstrip("/")).read_text(encoding="utf-8"))
        empty_index = json.dumps({**index, "docs": []}).encode()
        start = time.monotonic()
        problems = asyncio.run(check_pages(jobs, local, tally, empty_index))
        elapsed = time.monotonic() - start
    finally:
        site.close()
        emails.close()
    assert not problems, report(problems)
    assert tally.pages == len(jobs) and tally.search_results >= len(SEARCHES)
    print(f"\nhostile corpus: {len(PAYLOADS)} payloads in {sum(len(f.items) for f in hub.feeds)} entries of "
          f"{len(hub.feeds)} feeds, {len(hub.imported)} imported; {tally.pages} pages ({len(hub.emails)} e-mails) "
          f"checked in Chromium in {elapsed:.1f}s, {tally.elements} content elements fired at, "
          f"{tally.blocked_images} remote content images blocked; fetch {hub.timings['fetch']:.1f}s, "
          f"build {hub.timings['build']:.1f}s")
