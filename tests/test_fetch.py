"""`agora fetch` against a real HTTP server on 127.0.0.1: formats, broken feeds, conditional GET, edits, safety.

Every test runs the CLI as a subprocess, the way an editor runs it, against fixture feeds served by a server
started in a thread (port 0). No request leaves the loopback interface.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html.parser
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import frontmatter
import pytest
import yaml

from conftest import ROOT, run_agora

FEEDS = ROOT / "tests" / "fixtures" / "feeds"
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
FETCH_DAY = dt.date(2026, 11, 1)
EPOCH = str(int(dt.datetime.combine(FETCH_DAY, dt.time(12), dt.UTC).timestamp()))
# The fetch date is pinned, and a proxy configured in the environment must never see the loopback traffic.
ENV = {"SOURCE_DATE_EPOCH": EPOCH, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
IMPORTED = Path("content/posts/imported")
LAST_MODIFIED = "Tue, 20 Oct 2026 12:00:00 GMT"


# -- the server ---------------------------------------------------------------------------------------------

@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: bool = True  # answer If-None-Match with 304 when it matches
    last_modified: str | None = None  # answer If-Modified-Since with 304 when it matches
    location: str | None = None  # for redirects
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between single bytes of the body
    declare_length: bool = True  # send Content-Length; else the body ends when the connection closes


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class FeedServer:
    """Fixture feeds over HTTP; records every request and the status it got."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, fixture: str | bytes, **options) -> str:
        body = fixture if isinstance(fixture, bytes) else (FEEDS / fixture).read_bytes()
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def seen(self, path: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def forget(self) -> None:
        with self.lock:
            self.requests.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep pytest's output for failures
            pass

        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
            with server.lock:
                server.requests.append(seen)
            route = server.routes.get(self.path)
            try:
                seen.status = self._answer(route)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout, size cap): that is the point of those tests

        def _answer(self, route: Route | None) -> int:
            if route is None:
                return self._status(404, b"not found")
            time.sleep(route.delay)
            if route.location:
                self.send_response(route.status)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return route.status
            if route.status != 200:
                return self._status(route.status, b"server error")
            tag = etag_of(route.body)
            if route.etag and self.headers.get("If-None-Match") == tag or \
                    route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
                self.send_response(304)
                self.end_headers()
                return 304
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            if route.etag:
                self.send_header("ETag", tag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            if route.declare_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.drip:
                for byte in route.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(route.drip)
            else:
                self.wfile.write(route.body)
            return 200

        def _status(self, status: int, body: bytes) -> int:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return status

    return Handler


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer()
    yield running
    running.close()


# -- the community ------------------------------------------------------------------------------------------

def community(tmp_path: Path, feeds: list[dict], name: str = "c") -> Path:
    """The minimal valid community (members ana and bo) with `feeds` as its content/feeds.yml."""
    root = tmp_path / name
    shutil.copytree(MINIMAL, root)
    write_feeds(root, feeds)
    return root


def write_feeds(root: Path, feeds: list[dict]) -> None:
    (root / "content" / "feeds.yml").write_text(yaml.safe_dump({"feeds": feeds}, sort_keys=False))


def fetch(root: Path, *args: str, env: dict | None = None):
    return run_agora("fetch", "--root", root, *args, env={**ENV, **(env or {})}, timeout=120)


@dataclass(frozen=True)
class Imported:
    metadata: dict
    content: str

    def __getitem__(self, key: str):
        return self.metadata[key]


def imported(root: Path) -> dict[str, Imported]:
    """Every imported post, by its path relative to content/posts/imported.

    `frontmatter.parse`, not `frontmatter.load`: the latter passes each field as a keyword argument of
    `Post(content, ...)`, which the `content` field of an imported post collides with.
    """
    base = root / IMPORTED
    return {p.relative_to(base).as_posix(): Imported(*frontmatter.parse(p.read_text(encoding="utf-8")))
            for p in sorted(base.rglob("*.md"))}


def snapshot(root: Path) -> dict[str, bytes]:
    base = root / IMPORTED
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*.md"))}


def by_title(posts: dict[str, Imported], title: str) -> Imported:
    matches = [p for p in posts.values() if p["title"] == title]
    assert len(matches) == 1, f"{title!r} imported {len(matches)} times: {sorted(posts)}"
    return matches[0]


def path_of(posts: dict[str, Imported], title: str) -> str:
    return next(rel for rel, p in posts.items() if p["title"] == title)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def check_passes(root: Path) -> None:
    result = run_agora("check", "--root", root)
    assert result.code == 0, result.output
    assert "0 errors" in result.stdout


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- formats and front matter -------------------------------------------------------------------------------

def test_rss2_atom_and_rss1_feeds_become_posts_that_pass_check(tmp_path, server):
    rss2 = server.serve("/ana/rss2.xml", "rss2.xml")
    atom = server.serve("/bo/atom.xml", "atom.xml", content_type="application/atom+xml")
    rdf = server.serve("/ana/rss1.rdf", "rss1.rdf", content_type="application/rdf+xml")
    root = community(tmp_path, [
        {"member": "ana", "url": rss2, "policy": "review", "content": "full", "images": True},
        {"member": "bo", "url": atom, "policy": "auto", "content": "full"},
        {"member": "ana", "url": rdf, "policy": "auto", "content": "excerpt", "language": "sv"},
    ])

    result = fetch(root)

    assert result.code == 0, result.output
    posts = imported(root)
    assert len(posts) == 6
    welcome = by_title(posts, "Welcome rituals that work")
    assert path_of(posts, "Welcome rituals that work") == "ana/welcome-rituals-that-work.md"
    assert welcome["date"] == utc(2026, 10, 5, 8, 0)
    assert welcome["author"] == "ana"
    assert welcome["status"] == "pending"  # policy: review
    assert welcome["tags"] == ["community", "onboarding"]
    assert welcome["language"] == "en"  # ana's first language
    assert welcome["source"] == rss2
    assert welcome["guid"] == "ana-2026-welcome"
    assert welcome["content"] == "full"
    # A relative <link> is relative to the feed; links inside the post are relative to the post.
    assert welcome["canonical_url"] == server.url("/2026/welcome-rituals")
    assert f'href="{server.url("/guides/first-week.html")}"' in welcome.content
    assert f'src="{server.url("/2026/images/ritual.png")}"' in welcome.content  # images: true
    assert "<em>emphasis</em>" in welcome.content

    ladders = by_title(posts, "Moderation ladders revisited")  # an HTML title, reduced to its text
    assert ladders["status"] == "published"  # policy: auto
    assert ladders["date"] == utc(2026, 10, 18, 7, 15)
    assert ladders["canonical_url"] == "https://bo.example.net/posts/ladders/"
    assert ladders["tags"] == ["moderation"]
    assert 'href="https://bo.example.net/posts/ladders/rungs/"' in ladders.content
    quiet = by_title(posts, "Quiet weeks")  # xhtml content, dated by <updated> only
    assert quiet["date"] == utc(2026, 10, 11, 7, 0)
    assert "<strong>that is fine</strong>" in quiet.content

    rdf_post = by_title(posts, "RDF lives on")
    assert rdf_post["date"] == utc(2026, 10, 7, 6, 0)
    assert rdf_post["language"] == "sv"  # the feed's language wins over the member's
    assert rdf_post["tags"] == ["history"]
    assert rdf_post["content"] == "excerpt"
    assert "Some feeds never change format." in rdf_post.content

    assert re.search(r"^\[\d/3\] ana .*rss2\.xml: 3 entries", result.stderr, re.M)
    assert re.search(r"^\[\d/3\] bo .*atom\.xml: 2 entries", result.stderr, re.M)
    assert "3 feeds: 3 fetched; 6 new posts, 0 updated" in result.stdout
    check_passes(root)


def test_images_are_dropped_unless_the_feed_allows_them(tmp_path, server):
    """An image in an imported post is a request from every reader to the member's server: opt-in only."""
    rss2 = server.serve("/ana/rss2.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "ana", "url": rss2, "policy": "auto", "content": "full"}])
    result = fetch(root)
    assert result.code == 0, result.output
    welcome = by_title(imported(root), "Welcome rituals that work")
    assert "<img" not in welcome.content
    assert "before you start." in welcome.content


def test_non_utf8_feeds_are_decoded_by_their_declared_encoding(tmp_path, server):
    # text/xml without a charset is the hard case: the XML prolog's declaration must still win.
    latin1 = server.serve("/latin1.xml", "latin1.xml", content_type="text/xml")
    cp1252 = server.serve("/cp1252.xml", "windows-1252.xml", content_type="application/rss+xml")
    root = community(tmp_path, [{"member": "bo", "url": latin1}, {"member": "bo", "url": cp1252}])

    result = fetch(root)

    assert result.code == 0, result.output
    posts = imported(root)
    creme = by_title(posts, "Crème brûlée à la réunion")
    assert "Déjà vu : ça marche, même en hiver. ½ tarif." in creme.content
    curly = by_title(posts, "“Curly” quotes cost €5 – or less")
    assert "It’s a dash — and an ellipsis…" in curly.content
    for path in (root / IMPORTED).rglob("*.md"):
        path.read_bytes().decode("utf-8")  # what is written is UTF-8, whatever the feed was
    check_passes(root)


def test_an_entry_without_a_date_gets_the_fetch_date_and_a_warning_once(tmp_path, server):
    url = server.serve("/undated.xml", "no-dates.xml")
    root = community(tmp_path, [{"member": "bo", "url": url}])

    first = fetch(root)

    assert first.code == 0, first.output
    posts = imported(root)
    assert by_title(posts, "Timeless advice")["date"] == FETCH_DAY
    undated = by_title(posts, "Another undated thought")
    assert undated["date"] == FETCH_DAY
    assert undated["guid"] == "undated-2"
    assert "canonical_url" not in undated.metadata  # a guid that is not a permalink is no link
    warnings = re.findall(r"warning: .*has no date; dated 2026-11-01, the fetch date", first.stderr)
    assert len(warnings) == 2, first.stderr

    # A day later, with the validators gone, the same entries are recognised: no new post, no new date.
    (root / ".cache").rename(root / ".cache-old")
    later = fetch(root, env={"SOURCE_DATE_EPOCH": str(int(EPOCH) + 86_400)})

    assert later.code == 0, later.output
    assert snapshot(root) == {rel: (root / IMPORTED / rel).read_bytes() for rel in posts}
    assert "has no date" not in later.stderr
    assert re.search(r"^bo .*undated\.xml\s+0\s+0\s+2\s+0\s+0\s+ok$", later.stdout, re.M), later.stdout


def test_a_repeated_guid_is_imported_once_with_a_warning(tmp_path, server):
    url = server.serve("/repeats.xml", "duplicate-guids.xml")
    root = community(tmp_path, [{"member": "bo", "url": url}])

    result = fetch(root)

    assert result.code == 0, result.output
    posts = imported(root)
    assert [p["title"] for p in posts.values()] == ["Said once"]
    assert "entry 2 'Said twice' repeats the id 'same-id' of an earlier entry" in result.stderr


def test_a_malformed_feed_with_readable_entries_is_imported_with_a_warning(tmp_path, server):
    url = server.serve("/sloppy.xml", "malformed-usable.xml")
    root = community(tmp_path, [{"member": "bo", "url": url, "policy": "auto"}])

    result = fetch(root)

    assert result.code == 0, result.output
    assert by_title(imported(root), "Before the break")["status"] == "published"
    # The problem names the file, the line of the feed's entry and its place in the list.
    assert re.search(r"^content/feeds\.yml:2: feeds\.0: warning: bo .*sloppy\.xml: the feed is not "
                     r"well-formed", result.stderr, re.M), result.stderr
    check_passes(root)


def test_strict_makes_feed_warnings_fail_the_run(tmp_path, server):
    url = server.serve("/repeats.xml", "duplicate-guids.xml")
    root = community(tmp_path, [{"member": "bo", "url": url}])

    result = fetch(root, "--strict")

    assert result.code == 1, result.output
    assert len(imported(root)) == 1  # the warning fails the run, not the import


# -- feeds that fail ----------------------------------------------------------------------------------------

def test_each_failing_feed_is_reported_and_the_others_still_import(tmp_path, server):
    six_mb = b"<rss>" + b" " * (6 * 1024 * 1024)
    failing = {
        "/error.xml": (Route(status=500), "HTTP 500"),
        "/missing.xml": (None, "HTTP 404"),
        "/slow.xml": (Route(body=(FEEDS / "rss2.xml").read_bytes(), delay=4), "no complete answer within 1 s"),
        "/drip.xml": (Route(body=b"<rss>" + b" " * 40, drip=0.1), "no complete answer within 1 s"),
        "/huge-declared.xml": (Route(body=six_mb), "larger than 5 MB"),
        "/huge-streamed.xml": (Route(body=six_mb, declare_length=False), "larger than 5 MB"),
        "/hopeless.xml": (Route(body=(FEEDS / "hopeless.xml").read_bytes()), "not a readable feed"),
        "/page.html": (Route(body=b"<!doctype html><title>Blog</title><p>Hello</p>", content_type="text/html"),
                       "the address serves a web page, not a feed"),
        "/loop.xml": (Route(status=302, location="/loop.xml"), "more than 5 redirects"),
    }
    for path, (route, _) in failing.items():
        if route:
            server.routes[path] = route
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    good = server.serve("/good.xml", "rss2.xml")
    urls = [server.url(path) for path in failing] + [refused]
    root = community(tmp_path, [{"member": "ana", "url": good}] + [{"member": "bo", "url": u} for u in urls])

    result = fetch(root, "--timeout", "1", "--concurrency", "4")

    assert result.code == 1, result.output
    expected = {**{server.url(p): reason for p, (_, reason) in failing.items()}, refused: "could not connect"}
    for url, reason in expected.items():
        assert re.search(rf"^\[ ?\d+/11\] bo {re.escape(url)}: FAILED: {re.escape(reason)}", result.stderr,
                         re.M), f"{url}: {reason}\n{result.stderr}"
        assert re.search(rf"^bo\s+{re.escape(url)}\s+(-\s+){{5}}failed: ", result.stdout, re.M), result.stdout
    assert "11 feeds: 1 fetched, 10 failed; 3 new posts" in result.stdout
    assert re.search(r"^total \(11 feeds\)\s+3\s+0\s+0\s+0\s+0\s+10 failed$", result.stdout, re.M)
    assert len(imported(root)) == 3  # the good feed, untouched by the others' failures
    check_passes(root)


def test_a_feed_that_starts_failing_keeps_its_imported_posts(tmp_path, server):
    url = server.serve("/ana.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "ana", "url": url}])
    assert fetch(root).code == 0
    before = snapshot(root)

    server.routes["/ana.xml"] = Route(status=500)
    result = fetch(root)

    assert result.code == 1
    assert "FAILED: HTTP 500" in result.stderr
    assert snapshot(root) == before
    assert len(before) == 3


def test_a_permanent_redirect_is_followed_and_reported(tmp_path, server):
    server.serve("/new/feed.xml", "rss1.rdf", content_type="application/rdf+xml")
    server.routes["/old/feed.xml"] = Route(status=301, location="/new/feed.xml")
    root = community(tmp_path, [{"member": "bo", "url": server.url("/old/feed.xml")}])

    result = fetch(root)

    assert result.code == 0, result.output
    assert by_title(imported(root), "RDF lives on")
    assert f"has moved permanently to {server.url('/new/feed.xml')}; list the new address" in result.stderr


# -- reruns: conditional GET, idempotence, edits, vanished entries ------------------------------------------

def test_a_second_run_asks_conditionally_gets_304s_and_imports_nothing(tmp_path, server):
    by_etag = server.serve("/etag.xml", "rss2.xml")
    by_date = server.serve("/dated.xml", "atom.xml", etag=False, last_modified=LAST_MODIFIED,
                           content_type="application/atom+xml")
    root = community(tmp_path, [{"member": "ana", "url": by_etag}, {"member": "bo", "url": by_date}])
    first = fetch(root)
    assert first.code == 0, first.output
    before = snapshot(root)
    assert len(before) == 5
    state = json.loads((root / ".cache" / "agora" / "feeds.json").read_text())
    assert state["feeds"][by_etag]["etag"] == etag_of((FEEDS / "rss2.xml").read_bytes())
    assert state["feeds"][by_date]["last_modified"] == LAST_MODIFIED
    server.forget()

    second = fetch(root)

    assert second.code == 0, second.output
    assert snapshot(root) == before
    etag_request, = server.seen("/etag.xml")
    assert etag_request.headers["if-none-match"] == etag_of((FEEDS / "rss2.xml").read_bytes())
    assert etag_request.status == 304
    # The User-Agent names the software and the hub, so a member can tell who is asking.
    assert re.fullmatch(r"Agora/\S+ \(\+https://minimal\.example\.org/; feed fetcher\)",
                        etag_request.headers["user-agent"])
    date_request, = server.seen("/dated.xml")
    assert date_request.headers["if-modified-since"] == LAST_MODIFIED
    assert date_request.status == 304
    assert second.stderr.count(": not modified (") == 2
    assert "2 feeds: 2 not modified; 0 new posts, 0 updated" in second.stdout


def test_changed_feed_settings_download_the_feed_in_full(tmp_path, server):
    url = server.serve("/ana.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "ana", "url": url, "content": "excerpt"}])
    assert fetch(root).code == 0
    excerpt = by_title(imported(root), "Welcome rituals that work")
    assert "first-week guide" not in excerpt.content
    server.forget()

    write_feeds(root, [{"member": "ana", "url": url, "content": "full"}])
    result = fetch(root)

    assert result.code == 0, result.output
    request, = server.seen("/ana.xml")
    assert "if-none-match" not in request.headers and request.status == 200
    full = by_title(imported(root), "Welcome rituals that work")
    assert "first-week guide" in full.content  # untouched files follow the feed's new settings
    assert re.search(r"^ana .*ana\.xml\s+0\s+3\s+0\s+0\s+0\s+ok$", result.stdout, re.M), result.stdout


def test_fetching_the_same_bytes_twice_writes_identical_files(tmp_path, server):
    urls = [server.serve("/a.xml", "rss2.xml"), server.serve("/b.xml", "atom.xml"),
            server.serve("/c.xml", "no-dates.xml")]
    feeds = [{"member": "ana", "url": urls[0]}, {"member": "bo", "url": urls[1], "content": "full"},
             {"member": "bo", "url": urls[2]}]
    one, two = community(tmp_path, feeds, "one"), community(tmp_path, feeds, "two")

    assert fetch(one, "--concurrency", "1").code == 0
    assert fetch(two, "--concurrency", "3").code == 0

    assert snapshot(one) == snapshot(two)
    assert len(snapshot(one)) == 7


def test_an_editors_change_is_detected_and_never_overwritten(tmp_path, server):
    original = (FEEDS / "rss2.xml").read_text()
    url = server.serve("/ana.xml", original.encode())
    root = community(tmp_path, [{"member": "ana", "url": url}])
    assert fetch(root).code == 0
    posts = imported(root)
    approved = root / IMPORTED / path_of(posts, "Office hours for newcomers")
    untouched = root / IMPORTED / path_of(posts, "Gardening notes")
    approved.write_text(approved.read_text().replace("status: pending", "status: published")
                        .replace("Every Tuesday", "Every Tuesday afternoon"))
    edited_text = approved.read_bytes()

    # The member revises both posts on their blog.
    revised = original.replace("Every Tuesday we open the doors.", "Every Tuesday and Thursday.") \
        .replace("Tomatoes, mostly.", "Tomatoes and beans.")
    server.serve("/ana.xml", revised.encode())
    result = fetch(root)

    assert result.code == 0, result.output
    assert approved.read_bytes() == edited_text
    rel = approved.relative_to(root).as_posix()
    assert f"{rel}: note: changed by an editor since it was imported; left as is" in result.stderr
    assert "Tomatoes and beans." in untouched.read_text()
    assert re.search(r"^ana .*ana\.xml\s+0\s+1\s+1\s+1\s+0\s+ok$", result.stdout, re.M), result.stdout
    assert len(imported(root)) == 3
    check_passes(root)


def test_a_post_that_vanished_from_the_feed_is_kept(tmp_path, server):
    original = (FEEDS / "rss2.xml").read_text()
    url = server.serve("/ana.xml", original.encode())
    root = community(tmp_path, [{"member": "ana", "url": url}])
    assert fetch(root).code == 0
    before = snapshot(root)

    only_first = re.sub(r"</item>.*</channel>", "</item></channel>", original, flags=re.S)
    assert only_first.count("<item>") == 1
    server.serve("/ana.xml", only_first.encode())
    result = fetch(root)

    assert result.code == 0, result.output
    assert snapshot(root) == before
    assert re.search(r"^ana .*ana\.xml\s+0\s+0\s+1\s+0\s+0\s+ok$", result.stdout, re.M), result.stdout


# -- selection and content errors ---------------------------------------------------------------------------

def test_only_and_the_tag_filter_select_what_is_fetched_and_imported(tmp_path, server):
    ana = server.serve("/ana.xml", "rss2.xml")
    bo = server.serve("/bo.xml", "atom.xml")
    root = community(tmp_path, [{"member": "ana", "url": ana, "tags": ["Community"]},
                                {"member": "bo", "url": bo}])

    result = fetch(root, "--only", "ana")

    assert result.code == 0, result.output
    assert server.seen("/bo.xml") == []
    titles = sorted(p["title"] for p in imported(root).values())
    assert titles == ["Office hours for newcomers", "Welcome rituals that work"]  # no "Gardening notes"
    assert re.search(r"^ana .*ana\.xml\s+2\s+0\s+0\s+0\s+1\s+ok$", result.stdout, re.M), result.stdout

    unknown = fetch(root, "--only", "nobody")
    assert unknown.code == 2
    assert "--only nobody: no feed of that member in feeds.yml; members with feeds: ana, bo" in unknown.stderr


def test_content_errors_stop_fetch_before_any_request(tmp_path, server):
    url = server.serve("/ana.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "ana", "url": url}, {"member": "ana-k", "url": url + "?2"}])

    result = fetch(root)

    assert result.code == 1
    assert "content/feeds.yml: feeds.1.member: unknown member 'ana-k'" in result.stderr
    assert "fetch stopped: 1 error in the content" in result.stderr
    assert server.requests == []
    assert not (root / IMPORTED).exists()


def test_a_content_error_elsewhere_stops_fetch_before_anything_is_written(tmp_path, server):
    url = server.serve("/ana.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "ana", "url": url}])
    event = root / "content" / "events" / "2026-12-03-ama.md"
    event.write_text(event.read_text().replace("duration: 60", "duration: soon"))

    result = fetch(root)

    assert result.code == 1
    assert "content/events/2026-12-03-ama.md:4: duration:" in result.stderr
    assert "fetch stopped: 1 error in the content (see `agora check`); nothing was written" in result.stderr
    assert not (root / IMPORTED).exists()
    assert not (root / ".cache" / "agora" / "feeds.json").exists()  # so the next run downloads it again


# -- on the hub ---------------------------------------------------------------------------------------------

class Elements(html.parser.HTMLParser):
    """Every start tag of a page, with its attributes (entities decoded) and whether it sits in the content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], bool]] = []
        self.scripts: list[str] = []
        self.depth = 0  # inside <article class="md-content__inner">: the page's own content
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        values = {k: v or "" for k, v in attrs}
        if self.depth:
            self.depth += tag not in VOID
        elif tag == "article" and "md-content__inner" in values.get("class", ""):
            self.depth = 1
        self.elements.append((tag, values, bool(self.depth)))
        if tag == "script":
            self._script = [values.get("src", "")]

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}, bool(self.depth)))

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}
NEVER_IN_CONTENT = {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta", "link",
                    "frame", "frameset"}


def elements(page: Path) -> Elements:
    parser = Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def canonical(page: Elements) -> str:
    return next(a["href"] for tag, a, _ in page.elements if tag == "link" and a.get("rel") == "canonical")


def build(root: Path, out: Path):
    result = run_agora("build", "--root", root, "--out", out, "--lang", "en", env=ENV, timeout=600)
    assert result.code == 0, result.output
    return out


def test_imported_posts_credit_the_member_and_link_the_original(tmp_path, server):
    atom = server.serve("/bo.xml", "atom.xml")
    rdf = server.serve("/ana.rdf", "rss1.rdf")
    pending = server.serve("/ana.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "bo", "url": atom, "policy": "auto", "content": "full"},
                                {"member": "ana", "url": rdf, "policy": "auto", "content": "excerpt"},
                                {"member": "ana", "url": pending, "policy": "review"}])
    assert fetch(root).code == 0
    posts = imported(root)
    out = build(root, tmp_path / "site")

    full_page = out / "posts" / Path(path_of(posts, "Moderation ladders revisited")).stem / "index.html"
    full = full_page.read_text()
    assert "Originally published at" in full
    assert '<a href="https://bo.example.net/posts/ladders/" rel="canonical noopener">' in full
    assert canonical(elements(full_page)) == "https://bo.example.net/posts/ladders/"
    assert re.search(r'<a href="[./]*members/bo/">Bo Lind</a>', full)
    assert 'href="https://bo.example.net/posts/ladders/rungs/"' in full

    excerpt_page = out / "posts" / Path(path_of(posts, "RDF lives on")).stem / "index.html"
    excerpt = excerpt_page.read_text()
    assert "An excerpt. Read the whole post where it was originally published:" in excerpt
    assert '<a href="https://old.example.com/2026/rdf-lives" rel="noopener">' in excerpt
    # An excerpt is the hub's own page: the canonical URL stays the hub's.
    own = f"https://minimal.example.org/posts/{Path(path_of(posts, 'RDF lives on')).stem}/"
    assert canonical(elements(excerpt_page)) == own
    assert re.search(r'<a href="[./]*members/ana/">Ana Kovač</a>', excerpt)

    waiting = out / "posts" / Path(path_of(posts, "Welcome rituals that work")).stem / "index.html"
    assert not waiting.exists()  # pending review


def test_hostile_html_from_a_feed_is_inert_on_the_built_site(tmp_path, server):
    url = server.serve("/hostile.xml", "hostile.xml")
    root = community(tmp_path, [{"member": "bo", "url": url, "policy": "auto", "content": "full"}])
    result = fetch(root)
    assert result.code == 0, result.output
    posts = imported(root)
    assert len(posts) == 9
    out = build(root, tmp_path / "site")

    normal = elements(out / "posts" / "first-week" / "index.html")
    theme_scripts = sorted(normal.scripts)
    pages = {rel: out / "posts" / Path(rel).stem / "index.html" for rel in posts}
    for rel, page in pages.items():
        assert page.is_file(), rel
        parsed = elements(page)
        assert sorted(parsed.scripts) == theme_scripts, rel
        for tag, attrs, in_content in parsed.elements:
            handlers = [name for name in attrs if name.startswith("on")]
            assert not handlers, f"{rel}: <{tag} {handlers}>"
            for name in URL_ATTRIBUTES & set(attrs):
                value = re.sub(r"[\x00-\x20]", "", attrs[name]).lower()
                assert not value.startswith(("javascript:", "vbscript:", "data:")), f"{rel}: <{tag} {name}>"
            if in_content:
                assert tag not in NEVER_IN_CONTENT, f"{rel}: <{tag}> in the content"
                assert "style" not in attrs, f"{rel}: <{tag} style> in the content"
                # The payload's <p class="md-header" id="__search"> would restyle the page or clobber the theme.
                assert attrs.get("id") != "__search" and "md-header" not in attrs.get("class", ""), rel
    everything = "".join(p.read_text() for p in pages.values())
    assert "alert(" not in "".join(s for page in pages.values() for s in elements(page).scripts)
    assert "evil.example" not in everything
    # The payloads survive only as inert text: escaped markup and Markdown syntax shown as typed.
    assert "[click me](javascript:alert('md-link'))" in html_text(pages, "Markdown syntax")
    assert "<script>alert('double')</script>" in html_text(pages, "Entity-encoded markup")


def html_text(pages: dict[str, Path], title: str) -> str:
    """The visible text of the content of the post page titled `title`."""
    class Text(html.parser.HTMLParser):
        chunks: list[str] = []

        def handle_data(self, data):
            self.chunks.append(data)

    for page in pages.values():
        source = page.read_text()
        if f"<h1>{title}</h1>" in source:
            parser = Text()
            parser.chunks = []
            parser.feed(source.split('class="md-content__inner', 1)[1])
            return "".join(parser.chunks)
    raise AssertionError(f"no page titled {title!r}")
