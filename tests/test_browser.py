"""The demo hub and its newsletter in a real browser: Playwright drives Debian's Chromium against the built demo,
served over HTTP on 127.0.0.1 by the test itself, the way a member would use it.

Every visit records what the browser did: requests to any other host are blocked and recorded (the hub must not
call out to third parties), and failed requests to the site, console errors and uncaught exceptions are
collected; each test ends by asserting that all of them are absent.

Accessibility is checked with axe-core (axe-playwright-python) on one page of each kind in two languages: no
violation of impact "serious" or "critical" is allowed, except the narrowly scoped ones Material itself causes
(MATERIAL_OWNED below).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",  # containers give /dev/shm only 64 MB
]
# Upper bounds for a loaded CI machine (building the Greek search index in the search worker takes seconds there);
# actions and expect() return as soon as their condition holds, so passing runs do not wait for them.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)

EVENT = "events/2026-12-03-ask-the-moderators/"
LESSON = "academy/community-foundations/answering-first/"


# Serving the build over HTTP ---------------------------------------------------------------------------------

class _Handler(SimpleHTTPRequestHandler):
    """Static files with the content types a web host sends (calendar files as text/calendar)."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".ics": "text/calendar", ".xml": "application/xml", ".json": "application/json",
        ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".html": "text/html",
    }

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the browser closing a connection mid-response (it moved on) is not the site's fault


@contextmanager
def _serve(directory: Path) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def site_url(demo_site: Path) -> Iterator[str]:
    with _serve(demo_site) as url:
        yield url


@pytest.fixture(scope="module")
def newsletters(demo_site: Path) -> Path:
    """The HTML e-mails `agora build` renders beside the site: build/newsletters/<issue>/<lang>.html."""
    folder = demo_site.parent / "build" / "newsletters"
    assert sorted(folder.glob("*/*.html")), f"agora build wrote no newsletter HTML under {folder}"
    return folder


@pytest.fixture(scope="module")
def newsletter_url(newsletters: Path) -> Iterator[str]:
    with _serve(newsletters) as url:
        yield url


# The browser -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """One browser tab on a served folder, with everything that went wrong recorded."""

    page: Page
    base: str
    third_party: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str = "") -> Page:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, (path, response and response.status)
        return self.page

    def assert_clean(self) -> None:
        assert self.third_party == [], "requests to other hosts"
        assert self.failed == [], "failed requests to the site"
        assert self.console_errors == [], "console errors"


@contextmanager
def _visit(browser: Browser, base: str, **context_options) -> Iterator[Visit]:
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    visit = Visit(page, base)
    own_host = urlsplit(base).netloc

    def route(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            visit.third_party.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and visit.console_errors.append(message.text))
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    # A request the browser itself cancels because the reader moved on (net::ERR_ABORTED) is not a failure;
    # an error status is caught by the response handler below.
    page.on("requestfailed", lambda request: urlsplit(request.url).netloc == own_host
            and request.failure != "net::ERR_ABORTED" and visit.failed.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: urlsplit(response.url).netloc == own_host and response.status >= 400
            and visit.failed.append(f"{response.url}: HTTP {response.status}"))
    try:
        yield visit
    finally:
        context.close()


@pytest.fixture
def visit(browser: Browser, site_url: str) -> Iterator[Visit]:
    with _visit(browser, site_url) as visit:
        yield visit


# The hub -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "el"])
def test_home_loads_cleanly(visit: Visit, lang: str):
    page = visit.page
    response = page.goto(visit.base + ("" if lang == "en" else f"{lang}/"), wait_until="networkidle")
    assert response is not None and response.ok
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("article h1")).to_have_text("Common Ground")
    expect(page.locator(".agora-home .agora-card").first).to_be_visible()
    expect(page.locator(".agora-home")).to_have_css("display", "grid")  # agora.css applied (wide viewport)
    visit.assert_clean()


def test_language_switcher_leads_to_the_same_post_in_swedish(visit: Visit):
    page = visit.open("posts/first-response-time/")
    expect(page.locator("article h1")).to_have_text(re.compile("^First-response time"))
    switcher = page.locator(".agora-switcher")
    menu = switcher.locator(".md-select__inner")
    expect(menu).to_have_css("opacity", "0")  # closed until the reader opens it
    switcher.get_by_role("button").hover()
    expect(menu).to_have_css("opacity", "1")
    switcher.get_by_role("link", name="Svenska").click()
    expect(page).to_have_url(visit.base + "sv/posts/first-response-time/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("article h1")).to_have_text(re.compile("^Tid till första svar"))
    expect(page.locator(".agora-fallback")).to_have_count(0)  # a real translation, not the English fallback
    visit.assert_clean()


@pytest.mark.parametrize(("lang", "query", "slug", "title"), [
    ("en", "glossary", "glossary-before-translation", "Build the glossary before you translate anything"),
    ("el", "γλωσσάρι", "glossary-before-translation", "Φτιάξτε το γλωσσάρι πριν μεταφράσετε οτιδήποτε"),
], ids=["en", "el"])
def test_search_finds_a_post(visit: Visit, lang: str, query: str, slug: str, title: str):
    page = visit.open("" if lang == "en" else f"{lang}/")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query)
    # Playwright enters letters that are not on a US keyboard (Greek) as text, without the key events a Greek
    # keyboard sends; Material's search reads the box on keyup, so send the keyup the reader's last key makes.
    box.dispatch_event("keyup")
    hit = page.locator(f".md-search-result__item a[href*='posts/{slug}/']").first
    expect(hit).to_be_visible()
    expect(hit).to_contain_text(title)
    hit.click()
    expect(page).to_have_url(re.compile(re.escape(visit.base + ("" if lang == "en" else f"{lang}/")
                                                  + f"posts/{slug}/")))
    expect(page.locator("article h1")).to_have_text(title)
    visit.assert_clean()


def test_search_with_no_match_says_so(visit: Visit):
    page = visit.open("")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("zqxjvw")
    expect(page.locator(".md-search-result__meta")).to_have_text("No matching documents")
    expect(page.locator(".md-search-result__item")).to_have_count(0)
    visit.assert_clean()


def test_pagination_leads_to_older_posts(visit: Visit):
    page = visit.open("posts/")
    titles = page.locator(".agora-list .agora-card__title")
    expect(titles).to_have_count(8)
    first = titles.all_inner_texts()
    page.locator(".agora-pager").get_by_role("link", name=re.compile("Older")).click()
    expect(page).to_have_url(visit.base + "posts/page/2/")
    expect(page.locator(".agora-pager")).to_contain_text("Page 2 of")
    expect(page.locator(".agora-pager a[rel='prev']")).to_be_visible()
    expect(titles.first).to_be_visible()
    second = titles.all_inner_texts()
    assert second and set(first).isdisjoint(second), (first, second)
    visit.assert_clean()


@pytest.mark.parametrize(("lang", "times", "next_day"), [
    ("en", {"Europe/Oslo": "5:00 PM", "UTC": "4:00 PM", "America/New_York": "11:00 AM", "Asia/Tokyo": "1:00 AM"},
     "(next day)"),
    ("sv", {"Europe/Oslo": "17:00", "UTC": "16:00", "America/New_York": "11:00", "Asia/Tokyo": "01:00"},
     "(nästa dag)"),
], ids=["en", "sv"])
def test_event_shows_its_start_in_every_configured_zone(visit: Visit, lang: str, times: dict, next_day: str):
    page = visit.open(("" if lang == "en" else f"{lang}/") + EVENT)
    instants = {"Europe/Oslo": "2026-12-03T17:00:00+01:00", "UTC": "2026-12-03T16:00:00+00:00",
                "America/New_York": "2026-12-03T11:00:00-05:00", "Asia/Tokyo": "2026-12-04T01:00:00+09:00"}
    table = page.locator("table.agora-times")
    expect(table).to_be_visible()
    for zone, text in times.items():
        row = table.locator(f"tr[data-zone='{zone}']")
        expect(row.locator("time")).to_have_text(text)
        expect(row.locator("time")).to_have_attribute("datetime", instants[zone])
    expect(table.locator("tr[data-zone='Asia/Tokyo']")).to_contain_text(next_day)
    for zone in ("Europe/Oslo", "UTC", "America/New_York"):
        expect(table.locator(f"tr[data-zone='{zone}']")).not_to_contain_text(next_day)
    expect(table.locator("tr.agora-times__own")).to_have_attribute("data-zone", "Europe/Oslo")
    visit.assert_clean()


def test_ics_link_downloads_the_event(visit: Visit):
    page = visit.open(EVENT)
    link = page.locator("article a[download][href$='.ics']")
    expect(link).to_have_count(1)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "2026-12-03-ask-the-moderators.ics"
    text = Path(download.path()).read_bytes().decode("utf-8")  # as downloaded: RFC 5545 lines end in CRLF
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" in text and text.rstrip().endswith("END:VCALENDAR")
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:AMA: ask the moderators" in unfolded
    assert re.search(r"^DTSTART(;TZID=Europe/Oslo:20261203T170000|:20261203T160000Z)\r?$", unfolded, re.M)
    visit.assert_clean()


@pytest.fixture
def visit_without_js(browser: Browser, site_url: str) -> Iterator[Visit]:
    with _visit(browser, site_url, java_script_enabled=False) as visit:
        yield visit


def test_quiz_reveals_its_answer_on_click_without_javascript(visit_without_js: Visit):
    """Quizzes work without a server and without scripts: the answer is a <details> element."""
    page = visit_without_js.open(LESSON)
    quiz = page.locator(".agora-quiz__question").first
    answer = quiz.locator("details.agora-quiz__answer")
    revealed = answer.get_by_text(re.compile("^Answer: A reply that says who you are asking"))
    expect(revealed).to_be_hidden()
    expect(answer).not_to_have_attribute("open", "")
    answer.locator("summary").click()
    expect(revealed).to_be_visible()
    expect(answer).to_have_attribute("open", "")
    expect(page.locator(".agora-quiz__question").nth(1).get_by_text(re.compile("^Answer:"))).to_be_hidden()
    visit_without_js.assert_clean()


def test_keyboard_focus_is_visible_on_the_language_switcher(visit: Visit):
    page = visit.open("posts/first-response-time/")
    button = page.locator(".agora-switcher button")
    for _ in range(40):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the language switcher cannot be reached with the Tab key")
    for element in (button, page.locator(".agora-switcher a[hreflang='en']")):
        expect(element).to_be_focused()
        style = element.evaluate("e => { const s = getComputedStyle(e);"
                                 " return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow} }")
        outlined = style["outline"] != "none" and float(style["width"].removesuffix("px")) > 0
        assert outlined or style["shadow"] != "none", style
        if element is button:
            # The menu opens for keyboard users too; Tab moves into it.
            expect(page.locator(".agora-switcher .md-select__inner")).to_have_css("opacity", "1")
            page.keyboard.press("Tab")
    visit.assert_clean()


def test_polish_help_translate_page_leads_to_the_page_it_names(visit: Visit):
    """The demo's lesson "What a community is for" changed after its Polish translation was made: the Polish
    "Help translate" page lists it, and its entry leads to the lesson, which says so and links to the original."""
    page = visit.open("pl/translate/")
    expect(page.locator("article h1")).to_have_text("Pomóż w tłumaczeniu")
    entry = page.locator("li[data-status='stale']").filter(
        has_text="content/academy/community-foundations/01-what-a-community-is-for.pl.md")
    expect(entry).to_contain_text("Oryginał się zmienił")
    title = entry.locator("a").first
    expect(title).to_have_text("Po co jest społeczność")
    title.click()
    expect(page).to_have_url(visit.base + "pl/academy/community-foundations/what-a-community-is-for/")
    expect(page.locator("article h1")).to_have_text("Po co jest społeczność")
    notice = page.locator(".agora-stale")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Oryginał tej strony zmienił się od czasu jej przetłumaczenia.")
    notice.get_by_role("link", name="Przeczytaj oryginał (angielski)").click()
    expect(page).to_have_url(visit.base + "academy/community-foundations/what-a-community-is-for/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".agora-stale")).to_have_count(0)


# Figures and language marks ----------------------------------------------------------------------------------

# Every visible text of every chart: the size it is drawn at (its CSS font size times the scale the SVG applies,
# which a viewBox would shrink with the column), its box on screen, and the row it sits in.
CHART_TEXTS = """() => [...document.querySelectorAll('.agora-chart svg text')].filter(t => t.getClientRects().length)
  .map(t => { const r = t.getBoundingClientRect(), m = t.getScreenCTM();
    return {text: t.textContent, chart: t.closest('section').querySelector('h2').id,
            drawn: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.c, m.d),
            left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })"""


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("lang", ["en", "pl"])
def test_figures_are_readable_on_a_phone_and_a_laptop(browser: Browser, site_url: str, width: int, lang: str):
    with _visit(browser, site_url, viewport={"width": width, "height": 900}) as visit:
        page = visit.open(("" if lang == "en" else f"{lang}/") + "figures/")
        sizes = page.evaluate("({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
        assert sizes["scroll"] <= sizes["inner"] == width, sizes
        charts = page.locator("section.agora-chart")
        assert charts.count() == 6
        column = page.locator("article.md-content__inner").evaluate("e => e.getBoundingClientRect().width")
        for index in range(charts.count()):
            svg = charts.nth(index).locator("svg")
            expect(svg).to_be_visible()
            # Sized to the content column, not drawn at a fixed small size inside it.
            assert svg.evaluate("e => e.getBoundingClientRect().width") >= 0.85 * column
        texts = page.evaluate(CHART_TEXTS)
        assert len(texts) > 40
        for text in texts:
            assert text["drawn"] >= 12, text
            assert 0 <= text["left"] and text["right"] <= width, text
        # Labels on one line of a chart must not run into each other.
        for a, b in ((a, b) for i, a in enumerate(texts) for b in texts[i + 1:]):
            if a["chart"] == b["chart"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]:
                assert a["right"] <= b["left"] or b["right"] <= a["left"], (a, b)
        # The numbers are there for whoever wants them, folded away until asked for.
        first = charts.first
        table = first.locator("details table")
        expect(table).to_be_hidden()
        first.locator("details summary").click()
        expect(table).to_be_visible()
        expect(first.locator("details summary")).to_have_text("Show the data" if lang == "en" else "Pokaż dane")
        visit.assert_clean()


def test_a_polish_listing_marks_the_card_shown_in_english(visit: Visit):
    page = visit.open("pl/posts/tags/moderation/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    english = page.locator("article.agora-card", has=page.locator("a[href='../../moderation-year-in-review/']"))
    title = english.locator(".agora-card__title a")
    expect(title).to_have_text("What a year of moderation logs taught us")
    expect(title).to_have_attribute("lang", "en")
    expect(english.locator("p[lang='en']")).to_have_count(1)  # its summary is English too
    mark = english.locator(".agora-card__title .agora-lang-mark")
    expect(mark).to_be_visible()
    expect(mark).to_have_text("(angielski)")
    # The mark itself is Polish: it names the language in the page's language, outside the English element.
    assert mark.evaluate("e => e.closest('[lang]').lang") == "pl"
    polish = page.locator("article.agora-card", has=page.locator("a[href='../../triage-queue-for-reports/']"))
    expect(polish.locator(".agora-card__title a")).to_have_text("Kolejka triażu dla zgłoszeń od członków")
    expect(polish.locator("[lang]")).to_have_count(0)
    expect(polish.locator(".agora-lang-mark")).to_have_count(0)
    visit.assert_clean()


# Accessibility -----------------------------------------------------------------------------------------------

# (rule, CSS selector of the node) pairs that come from Material's own markup, not from Agora's templates:
# Material's search overlay is a role="dialog" without an accessible name (partials/search.html); naming it
# would mean copying that partial into our overrides. Nothing else is excused.
MATERIAL_OWNED = {("aria-dialog-name", ".md-search")}

AXE_PAGES = {
    "home": "",
    "post": "posts/glossary-before-translation/",
    "event": EVENT,
    "lesson": LESSON,
    "member": "members/eleni-papadaki/",
    "figures": "figures/",
    "translate": "translate/",
}


@pytest.mark.parametrize("lang", ["en", "el"])
@pytest.mark.parametrize("kind", list(AXE_PAGES))
def test_no_serious_accessibility_violations(visit: Visit, kind: str, lang: str):
    _assert_no_serious_violations(visit, ("" if lang == "en" else f"{lang}/") + AXE_PAGES[kind], lang)


@pytest.mark.parametrize(("path", "scheme"), [("pl/posts/tags/moderation/", "light"), ("pl/figures/", "light"),
                                             ("pl/figures/", "dark")])
def test_no_serious_accessibility_violations_in_polish(browser: Browser, site_url: str, path: str, scheme: str):
    """A listing whose cards mix Polish and English (language marks), and the figures page in both of Material's
    colour schemes (the charts' colours change with it)."""
    with _visit(browser, site_url, color_scheme=scheme) as visit:
        _assert_no_serious_violations(visit, path, "pl")


def _assert_no_serious_violations(visit: Visit, path: str, lang: str) -> None:
    page = visit.open(path)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("article h1")).to_be_visible()
    # Folded content (the figures' data tables, quiz answers) is checked too.
    page.evaluate("document.querySelectorAll('article details').forEach(d => d.open = true)")
    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            if (violation["id"], target) not in MATERIAL_OWNED:
                problems.append(f"{violation['id']} ({violation['impact']}): {target}\n  {node['html'][:200]}\n"
                                f"  {node.get('failureSummary', '')}")
    assert problems == [], "\n".join(problems)
    visit.assert_clean()


# The newsletter ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [600, 375])
def test_newsletter_html_has_no_horizontal_overflow(browser: Browser, newsletters: Path, newsletter_url: str,
                                                    width: int):
    renderings = sorted(newsletters.glob("*/*.html"))
    assert {path.stem for path in renderings} >= {"en", "el", "sv"}
    with _visit(browser, newsletter_url, viewport={"width": width, "height": 900}) as visit:
        for path in renderings:
            page = visit.open(path.relative_to(newsletters).as_posix())
            expect(page.locator("body")).not_to_be_empty()
            sizes = page.evaluate("({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
            assert sizes["inner"] == width
            assert sizes["scroll"] <= sizes["inner"], (path.relative_to(newsletters).as_posix(), sizes)
        visit.assert_clean()


# What a text element's colour is against what it is drawn on, as rendered: colours from getComputedStyle, the
# background found by walking up to the first opaque one (semi-transparent ones blended on the way), the ratio
# by WCAG 2's relative luminance. Also the text, link and image figures spam filters weigh.
EMAIL_READING = """() => {
  const rgba = value => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return parts.length > 3 ? parts : [...parts, 1];
  };
  const over = (top, below) => below.map((v, i) => top[3] * top[i] + (1 - top[3]) * v);
  const background = element => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255]);
  };
  const luminance = rgb => {
    const [r, g, b] = rgb.map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // The preheader's padding (zero-width and no-break spaces) is not text a reader sees.
  const visible = text => text.replace(/[\\s\\u034f\\u200c\\u00a0]+/g, " ").trim();
  const texts = [];
  for (const element of [document.body, ...document.body.querySelectorAll("*")]) {
    const own = visible([...element.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
                                               .map(n => n.textContent).join(" "));
    if (!own) continue;
    const style = getComputedStyle(element);
    const bg = background(element);
    const fg = over(rgba(style.color), bg);
    texts.push({element: element.tagName.toLowerCase() + (element.className ? "." + element.className : ""),
                text: own.slice(0, 40), ratio: contrast(fg, bg), opacity: style.opacity,
                color: style.color, background: "rgb(" + bg.map(Math.round).join(", ") + ")"});
  }
  const preheader = document.querySelector(".preheader");
  const shown = visible(document.body.innerText);
  return {
    texts,
    preheader: preheader && {text: visible(preheader.textContent), display: getComputedStyle(preheader).display},
    textLength: shown.length,
    linkLength: [...document.querySelectorAll("a")].map(a => visible(a.innerText).length).reduce((a, b) => a + b, 0),
    images: document.images.length,
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_newsletter_text_is_readable_and_nothing_is_hidden_by_colour(browser: Browser, newsletters: Path,
                                                                      newsletter_url: str, scheme: str):
    """Text coloured like its background is a spam-filter content rule and unreadable: the preheader is hidden
    by display and size alone, and every text has a contrast of at least 4.5:1 (WCAG AA) in light and dark mode.
    Links stay a minority of the text, and images (where a note has any) come with plenty of text."""
    renderings = sorted(newsletters.glob("*/*.html"))
    with _visit(browser, newsletter_url, color_scheme=scheme) as visit:
        for path in renderings:
            name = path.relative_to(newsletters).as_posix()
            reading = visit.open(name).evaluate(EMAIL_READING)
            preheader = reading["preheader"]
            assert preheader and preheader["text"] and preheader["display"] == "none", (name, preheader)
            assert any(t["element"] == "div.preheader" for t in reading["texts"]), name
            low = [t for t in reading["texts"] if t["ratio"] < 4.5 or t["opacity"] != "1"]
            assert low == [], (name, low)
            assert reading["linkLength"] <= 0.5 * reading["textLength"], (name, reading["linkLength"],
                                                                        reading["textLength"])
            assert reading["textLength"] >= 500 * max(1, reading["images"]), (name, reading["images"])
        visit.assert_clean()
