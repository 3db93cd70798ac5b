"""`agora fetch` keeps one post per feed entry: identities scoped to the feed, a corpus of feeds served on
127.0.0.1 whose entries lack ids, links, titles and dates, honest counts, and posts of the earlier importer.

The server, the minimal community and the helpers are test_fetch.py's.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from html import escape

import pytest
from babel.messages.pofile import read_po
from test_fetch import (
    ENV,
    EPOCH,
    FEEDS,
    IMPORTED,
    FeedServer,
    check_passes,
    community,
    fetch,
    imported,
    snapshot,
    write_feeds,
)

from conftest import ROOT

FEED_COUNT = 120
LANGUAGES = ("en", "sv", "pl")  # the minimal community's languages; feed i is in LANGUAGES[i % 3]
THOUGHTS = "Thoughts of the week: listen more than you post."
LEGACY = FEEDS / "legacy"
LEGACY_SERVER = "http://127.0.0.1:8123"  # where the legacy fixture's feeds were served from


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer()
    yield running
    running.close()


def untitled(lang: str) -> str:
    """"Untitled post" as the catalog of `lang` says it (the corpus community has Agora's catalogs)."""
    if lang == "en":
        return "Untitled post"
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        text = read_po(handle)["Untitled post"].string
    assert text and text != "Untitled post", lang
    return text


# -- the corpus ---------------------------------------------------------------------------------------------

def corpus_feed(i: int) -> tuple[bytes, list[tuple[str | None, str]]]:
    """Feed number `i` and what each of its entries should become: (title, a text its post must contain);
    a title of None is the localized "Untitled post"."""
    items = [
        # No id, no link, no title, no date: the same text in every feed, and twice in each.
        (f"<description>{THOUGHTS}</description>", (THOUGHTS, THOUGHTS)),
        (f"<description>{THOUGHTS}</description>", (THOUGHTS, THOUGHTS)),
        # The same title in every feed, with and without a date.
        (f"<title>Weekly update</title><pubDate>Mon, 05 Oct 2026 08:00:00 GMT</pubDate>"
         f"<description>Feed {i}'s week.</description>", ("Weekly update", f"Feed {i}'s week.")),
        (f"<title>Weekly update</title><description>Undated, feed {i}.</description>",
         ("Weekly update", f"Undated, feed {i}.")),
        # The same guid in the feeds of both members.
        (f'<guid isPermaLink="false">post-1</guid><title>Shared id, feed {i}</title>'
         f"<pubDate>Tue, 06 Oct 2026 08:00:00 GMT</pubDate><description>Post one of feed {i}.</description>",
         (f"Shared id, feed {i}", f"Post one of feed {i}.")),
        # Only a link: no title, no text.
        (f"<link>https://feed{i}.example.org/only-a-link</link>", (None, f"https://feed{i}.example.org/only-a-link")),
        # Two entries that share one link (a blog linking every entry to its home page).
        (f"<link>https://feed{i}.example.org/</link><description>Home, first of feed {i}.</description>",
         (f"Home, first of feed {i}.", f"Home, first of feed {i}.")),
        (f"<link>https://feed{i}.example.org/</link><description>Home, second of feed {i}.</description>",
         (f"Home, second of feed {i}.", f"Home, second of feed {i}.")),
        # Only a title.
        ("<title>Just a title</title>", ("Just a title", "")),
    ]
    body = "".join(f"<item>{item}</item>" for item, _ in items)
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed {i}</title>'
           f"<link>https://feed{i}.example.org/</link><description>Corpus feed</description>{body}"
           f"</channel></rss>")
    return xml.encode(), [expected for _, expected in items]


def serve_corpus(server: FeedServer, count: int) -> tuple[list[dict], dict[str, list]]:
    feeds, expected = [], {}
    for i in range(count):
        data, entries = corpus_feed(i)
        url = server.serve(f"/corpus/{i}.xml", data)
        feeds.append({"member": ("ana", "bo")[i % 2], "url": url, "policy": "auto", "language": LANGUAGES[i % 3]})
        titles = untitled(LANGUAGES[i % 3])
        expected[url] = [(title or titles, text) for title, text in entries]
    return feeds, expected


def total_row(stdout: str) -> tuple[int, ...]:
    """new, updated, unchanged, edited, skipped of the summary table's total row."""
    match = re.search(r"^total \(\d+ feeds?\)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s", stdout, re.M)
    assert match, stdout
    return tuple(int(n) for n in match.groups())


def test_a_corpus_of_feeds_gives_one_post_per_entry_and_a_second_fetch_changes_nothing(tmp_path, server):
    feeds, expected = serve_corpus(server, FEED_COUNT)
    root = community(tmp_path, feeds)
    shutil.copytree(ROOT / "locales", root / "locales")
    entries = sum(len(e) for e in expected.values())

    first = fetch(root, "--concurrency", "8")

    assert first.code == 0, first.output
    posts = imported(root)
    assert len(posts) == entries == 9 * FEED_COUNT
    assert total_row(first.stdout) == (entries, 0, 0, 0, 0)
    assert f"{FEED_COUNT} feeds: {FEED_COUNT} fetched; {entries} new posts, 0 updated" in first.stdout
    # One post per entry: each feed's posts are exactly its entries, told apart by (source, guid).
    identities = Counter((p["source"], p["guid"]) for p in posts.values())
    assert max(identities.values()) == 1
    for url, wanted in expected.items():
        mine = [p for p in posts.values() if p["source"] == url]
        got = sorted((p["title"], p.content) for p in mine)
        assert len(got) == len(wanted), url
        for (title, text), (got_title, content) in zip(sorted(wanted), got, strict=True):
            assert got_title == title, url
            assert escape(text, quote=False) in content, (url, title, text)
        assert {p["author"] for p in mine} == {next(f["member"] for f in feeds if f["url"] == url)}
    assert all(p["title"].strip() for p in posts.values())
    # The twin of each feed is kept, and a warning says why.
    twins = re.findall(r"entry 2 has the same title, date and text, and no id or link, as entry 1; imported as "
                       r"a post of its own", first.stderr)
    assert len(twins) == FEED_COUNT, first.stderr[-3000:]
    check_passes(root)

    # The next day, with the validators gone so that every feed is downloaded and read again in full.
    before = snapshot(root)
    shutil.rmtree(root / ".cache")
    second = fetch(root, "--concurrency", "8", env={"SOURCE_DATE_EPOCH": str(int(EPOCH) + 86_400)})

    assert second.code == 0, second.output
    assert snapshot(root) == before
    assert total_row(second.stdout) == (0, 0, entries, 0, 0)
    assert "0 new posts, 0 updated" in second.stdout
    assert "has the same title" not in second.stderr and "has no date" not in second.stderr

    # At the source: feed 0's guid entry is revised, and the twin entry appears a third time.
    data, _ = corpus_feed(0)
    revised = data.replace(b"Post one of feed 0.", b"Post one of feed 0, revised.") \
        .replace(b"<item>", f"<item><description>{THOUGHTS}</description></item><item>".encode(), 1)
    server.serve("/corpus/0.xml", revised)
    third = fetch(root, "--only", "ana")

    assert third.code == 0, third.output
    after = snapshot(root)
    added = sorted(set(after) - set(before))
    changed = sorted(rel for rel in before if after[rel] != before[rel])
    assert len(added) == 1 and len(changed) == 1, (added, changed)
    assert THOUGHTS in after[added[0]].decode()
    assert "Post one of feed 0, revised." in after[changed[0]].decode()
    assert re.search(rf"^ana\s+{re.escape(server.url('/corpus/0.xml'))}\s+1\s+1\s+8\s+0\s+0\s+ok$",
                     third.stdout, re.M), third.stdout
    assert "1 new post, 1 updated" in third.stdout


def test_entries_of_two_feeds_never_share_a_post(tmp_path, server):
    """The same guid, and the same untitled undated text, in two feeds of one member and in a feed of another."""
    urls = {name: server.serve(f"/{name}", (LEGACY / name).read_bytes()) for name in
            ("ana-a.xml", "ana-b.xml", "bo-c.xml")}
    root = community(tmp_path, [{"member": "ana", "url": urls["ana-a.xml"]},
                                {"member": "ana", "url": urls["ana-b.xml"]},
                                {"member": "bo", "url": urls["bo-c.xml"]}])

    result = fetch(root)

    assert result.code == 0, result.output
    posts = imported(root)
    assert len(posts) == 6 + 3 + 2
    by_source = Counter(p["source"] for p in posts.values())
    assert by_source == {urls["ana-a.xml"]: 6, urls["ana-b.xml"]: 3, urls["bo-c.xml"]: 2}
    dup = sorted(p.content.strip() for p in posts.values() if p["guid"] == "dup-guid")
    assert dup == ['<div markdown="0">\nFeed A\'s version.\n</div>', '<div markdown="0">\nFeed B\'s version.\n</div>']
    assert sum(THOUGHTS in p.content for p in posts.values()) == 4
    assert "11 new posts, 0 updated" in result.stdout


# -- posts of the earlier importer --------------------------------------------------------------------------

def resign(text: str) -> str:
    """The file with its digest recomputed the way the importer computes it: the sha256 of the file without
    its digest line. The legacy files' `source` names the address they were fetched from, which this test's
    server does not have; everything else is byte for byte what that importer wrote."""
    unsigned = re.sub(r"^digest: \S+\n", "", text, count=1, flags=re.M)
    return re.sub(r"^digest: \S+$", "digest: sha256:" + hashlib.sha256(unsigned.encode()).hexdigest(), text,
                  count=1, flags=re.M)


def test_posts_written_by_the_earlier_importer_are_recognised_and_kept(tmp_path, server):
    urls = {name: server.serve(f"/{name}", (LEGACY / name).read_bytes()) for name in
            ("ana-a.xml", "ana-b.xml", "bo-c.xml")}
    root = community(tmp_path, [{"member": "ana", "url": urls["ana-a.xml"]},
                                {"member": "ana", "url": urls["ana-b.xml"]},
                                {"member": "bo", "url": urls["bo-c.xml"]}])
    base = server.url("")
    for path in sorted((LEGACY / "imported").rglob("*.md")):
        target = root / IMPORTED / path.relative_to(LEGACY / "imported")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(resign(path.read_text(encoding="utf-8").replace(LEGACY_SERVER, base)), encoding="utf-8")
    legacy = snapshot(root)
    assert len(legacy) == 8

    result = fetch(root)

    assert result.code == 0, result.output
    after = snapshot(root)
    assert {rel: after[rel] for rel in legacy} == legacy  # every file the earlier importer wrote, untouched
    assert len(after) == 11  # and the three entries it lost, added
    assert total_row(result.stdout) == (3, 0, 8, 0, 0)
    assert re.search(rf"^ana\s+{re.escape(urls['ana-a.xml'])}\s+3\s+0\s+3\s+0\s+0\s+ok$", result.stdout, re.M)
    posts = imported(root)
    assert max(Counter((p["source"], p["guid"]) for p in posts.values()).values()) == 1
    check_passes(root)

    shutil.rmtree(root / ".cache")
    again = fetch(root)
    assert again.code == 0, again.output
    assert snapshot(root) == after
    assert total_row(again.stdout) == (0, 0, 11, 0, 0)


def test_a_feed_that_moved_keeps_its_posts(tmp_path, server):
    old = server.serve("/old.xml", "rss2.xml")
    root = community(tmp_path, [{"member": "ana", "url": old}])
    assert fetch(root).code == 0
    before = snapshot(root)

    new = server.serve("/new.xml", "rss2.xml")
    write_feeds(root, [{"member": "ana", "url": new}])
    moved = fetch(root)

    assert moved.code == 0, moved.output
    after = snapshot(root)
    assert sorted(after) == sorted(before)  # no duplicates: the same files, now recorded under the new address
    assert {p["source"] for p in imported(root).values()} == {new}
    assert total_row(moved.stdout) == (0, 3, 0, 0, 0)
    assert moved.stderr.count(f"note: imported from {old}, which feeds.yml no longer lists") == 3

    again = fetch(root, env={**ENV})
    assert again.code == 0 and snapshot(root) == after


def test_an_entry_that_comes_to_share_its_link_keeps_its_post(tmp_path, server):
    """A link known as one entry's identity stops telling entries apart once a second entry carries it: the post
    stays with the entry it was written for, and the newcomer gets a post of its own."""
    def feed(*texts: str) -> bytes:
        items = "".join(f"<item><link>https://home.example.org/</link><description>{text}</description></item>"
                        for text in texts)
        return f'<rss version="2.0"><channel><title>Home</title>{items}</channel></rss>'.encode()

    url = server.serve("/home.xml", feed("The first entry."))
    root = community(tmp_path, [{"member": "bo", "url": url}])
    assert fetch(root).code == 0
    before = snapshot(root)

    server.serve("/home.xml", feed("A newer entry.", "The first entry."))  # newest first, as feeds list them
    result = fetch(root)

    assert result.code == 0, result.output
    after = snapshot(root)
    assert {rel: after[rel] for rel in before} == before
    new, = set(after) - set(before)
    assert "A newer entry." in after[new].decode()
    assert total_row(result.stdout) == (1, 0, 1, 0, 0)
    shutil.rmtree(root / ".cache")
    again = fetch(root)
    assert again.code == 0 and snapshot(root) == after
    assert total_row(again.stdout) == (0, 0, 2, 0, 0)
