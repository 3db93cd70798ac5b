"""`agora fetch` speed: 200 member feeds of 20 entries each over loopback, a first run and a no-change rerun.

    .venv/bin/python bench/fetch.py [--feeds 200] [--entries 20] [--concurrency 8] [--keep DIR]

Target (feeds issue): the rerun, where every feed answers 304 Not Modified, in at most 2 s on the 2-core
reference machine. The script builds a temporary community (one member per feed), serves generated RSS 2.0 feeds
with ETags from a threaded HTTP server on 127.0.0.1, and runs the real CLI twice as a subprocess, so the
figures include interpreter start-up and loading the community (which holds every imported post on the rerun).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
TARGET_RERUN_S = 2.0
EPOCH = int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp())
MKDOCS = """site_name: Fetch bench
site_url: https://bench.example.org/
docs_dir: docs
theme:
  name: material
plugins:
  - agora:
      languages: [en]
"""
PARAGRAPH = ("<p>A community grows when people who arrive find someone who answers, a reason to come back and a "
             "way to help the next person. See <a href=\"notes/\">the notes</a> and "
             "<img src=\"img/chart.png\" alt=\"a chart\">.</p>")


def feed_xml(number: int, entries: int, base: str) -> bytes:
    """RSS 2.0 for feed `number`: the same bytes every time, so a rerun is a 304 for every feed."""
    items = []
    for entry in range(entries):
        published = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=entry, hours=number % 24)
        link = f"{base}/m{number:03d}/posts/{entry:02d}/"
        items.append(
            f"<item><title>Member {number} on topic {entry}: what we learnt</title><link>{link}</link>"
            f"<guid>{link}</guid><pubDate>{format_datetime(published)}</pubDate>"
            f"<category>community</category><category>topic-{entry % 5}</category>"
            f"<description>{escape(PARAGRAPH * 3)}</description></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed {number}</title>'
            f"<link>{base}/m{number:03d}/</link><description>bench</description>{''.join(items)}"
            f"</channel></rss>").encode()


def serve(feeds: dict[str, bytes]) -> tuple[ThreadingHTTPServer, dict[str, int]]:
    """A loopback server for `feeds` (path → body) answering If-None-Match; counts responses by status."""
    counts = {"200": 0, "304": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real feed hosts do
        # http.server writes headers and body separately; with Nagle on, each response waits for a delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            body = feeds[self.path]
            tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            status = 304 if self.headers.get("If-None-Match") == tag else 200
            with lock:
                counts[str(status)] += 1
            self.send_response(status)
            self.send_header("ETag", tag)
            if status == 304:
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counts


def community(root: Path, urls: list[str]) -> None:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS)
    members = root / "content" / "members"
    members.mkdir(parents=True)
    lines = ["feeds:"]
    for number, url in enumerate(urls):
        handle = f"m{number:03d}"
        (members / f"{handle}.md").write_text(f"---\nname: Member {number}\njoined: 2025-01-01\n---\nHello.\n")
        lines.append(f"  - member: {handle}\n    url: {url}\n    policy: auto")
    (root / "content" / "feeds.yml").write_text("\n".join(lines) + "\n")


def run_fetch(root: Path, concurrency: int) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the fetch process, its result); CPU time is what a busy machine inflates
    least, so it is printed beside the wall time."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "generator", "fetch", "--root", str(root),
                           "--concurrency", str(concurrency)], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, done


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--feeds", type=int, default=200, help="member feeds (default 200)")
    options.add_argument("--entries", type=int, default=20, help="entries per feed (default 20)")
    options.add_argument("--concurrency", type=int, default=8, help="agora fetch --concurrency (default 8)")
    options.add_argument("--keep", type=Path, help="build the community here and keep it (default: a temp dir)")
    args = options.parse_args()

    feeds: dict[str, bytes] = {}
    server, counts = serve(feeds)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for number in range(args.feeds):
        feeds[f"/m{number:03d}/feed.xml"] = feed_xml(number, args.entries, base)
    with tempfile.TemporaryDirectory(prefix="agora-fetch-bench-") as scratch:
        root = args.keep.resolve() if args.keep else Path(scratch) / "community"
        community(root, [base + path for path in feeds])
        first, first_cpu, first_run = run_fetch(root, args.concurrency)
        fetched = dict(counts)
        rerun, rerun_cpu, second_run = run_fetch(root, args.concurrency)
        posts = sum(1 for _ in (root / "content" / "posts" / "imported").rglob("*.md"))
    server.shutdown()
    for name, run in (("first run", first_run), ("rerun", second_run)):
        if run.returncode != 0:
            print(f"{name} failed (exit {run.returncode}):\n{run.stderr[-2000:]}", file=sys.stderr)
            return 1
    not_modified = counts["304"] - fetched["304"]
    print(f"feeds {args.feeds}  entries/feed {args.entries}  concurrency {args.concurrency}  posts {posts}")
    print(f"first_run_s {first:.2f}  (cpu {first_cpu:.2f} s; {fetched['200']} feeds downloaded)")
    print(f"rerun_s {rerun:.2f}  (cpu {rerun_cpu:.2f} s; {not_modified} answered 304)  "
          f"(target: <= {TARGET_RERUN_S:g})")
    return 0 if rerun <= TARGET_RERUN_S and posts == args.feeds * args.entries else 1


if __name__ == "__main__":
    raise SystemExit(main())
