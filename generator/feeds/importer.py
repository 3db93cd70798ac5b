"""Entries to post files: identity, slugs, front matter checked by the `Post` record, and the edit check.

Reading what content/posts holds (`scan_posts`) and writing (`write_outcomes`) are the I/O; `plan_feed`
between them decides every file from its inputs alone, so the same feed and library give the same bytes.

An entry's identity is scoped to its feed: a post is found by its `source` (the feed's URL in feeds.yml) and
its `guid` (see `identities`), so entries of two feeds never share a post, and no file is ever matched with two
entries. Posts written before identities were scoped are found by the identity they recorded then.

An imported file records `digest`: the hash of the file as written, without the digest line itself. A file
whose text no longer hashes to its digest was changed by an editor (approving a pending post is such a change)
and is never written again. A file is only ever rewritten when it is untouched and the feed's entry changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from generator.feeds.parse import Entry
from generator.feeds.slugs import slugify, unique_slug
from generator.files import write_atomic
from generator.model import frontmatter_yaml
from generator.model.loader import LANG_SUFFIX
from generator.model.records import FeedSource, Post

IMPORTED = "imported"
DIGEST_LINE = re.compile(r"^digest:[ \t]*(\S*)[ \t]*\n", re.M)
FIELD_LINE = r"^{}:[ \t]*['\"]?(.*?)['\"]?[ \t]*$"


@dataclass(frozen=True)
class Existing:
    """An imported post already in the repository."""

    path: str  # relative to the repository root
    guid: str  # the identity it was written with
    recorded: str | None  # the digest the file was written with
    edited: bool  # the text no longer matches that digest
    date: dt.date | dt.datetime | None
    source: str | None = None  # the feed it was imported from


@dataclass
class Library:
    """What content/posts holds, as far as fetch cares: every slug in use, and the imported posts by identity.

    `plan_feed` adds what it plans, so a later feed in the same run sees those slugs and claims too.
    """

    slugs: set[str] = field(default_factory=set)  # casefolded, as the loader compares them
    imported: dict[tuple[str, str], Existing] = field(default_factory=dict)  # (source, guid)
    # Posts whose source feeds.yml no longer lists (the feed moved to a new address): by (author, guid), for a
    # feed of the same member to take over.
    orphans: dict[tuple[str, str], Existing] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)  # paths matched with an entry in this run: one entry each


Kind = Literal["new", "updated", "unchanged", "edited", "skipped"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    path: str | None = None
    text: str | None = None
    warnings: tuple[str, ...] = ()  # something the member or an editor should fix
    note: str | None = None  # about the file at `path`: worth knowing, nothing to fix


def _fold(slug: str) -> str:
    return unicodedata.normalize("NFKC", slug).casefold()


def digest(text: str) -> str:
    """Hash of a post file without the digest line of its front matter; line endings normalised, as git may
    convert them on checkout."""
    text = text.replace("\r\n", "\n")
    end = text.find("\n---", 3) + 1 if text.startswith("---\n") else 0
    unsigned = DIGEST_LINE.sub("", text[:end], count=1) + text[end:]
    return "sha256:" + hashlib.sha256(unsigned.encode("utf-8")).hexdigest()


class _FrontMatterDumper(yaml.CSafeDumper):
    """Block style for the fields, flow style for lists (`tags: [a, b]`), as editors write them by hand.

    PyYAML's `default_flow_style=None` would do that only while some value is a list: without tags the whole
    front matter became one `{title: …, date: …}` line, which python-frontmatter cannot split. libyaml's
    emitter, as the loader uses libyaml's parser: the pure-Python one was a third of a first fetch's time.
    """


_FrontMatterDumper.add_representer(
    list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))


def render_post(meta: dict, body: str) -> str:
    """The post file: front matter, then the body kept raw by md_in_html; the digest line goes last."""
    front = yaml.dump(meta, Dumper=_FrontMatterDumper, sort_keys=False, allow_unicode=True, width=10_000,
                      default_flow_style=False)
    text = f'---\n{front}---\n\n<div markdown="0">\n{body}\n</div>\n'
    return text.replace("\n---\n", f"\ndigest: {digest(text)}\n---\n", 1)


def _scalar(pattern: str, text: str) -> str | None:
    match = re.search(FIELD_LINE.format(pattern), text, re.M)
    return match.group(1) if match else None


def read_existing(text: str, rel: str) -> tuple[str | None, Existing | None]:
    """(author, Existing) of a post file's text; None when it carries no guid. A file whose front matter no
    longer parses has been edited, and its guid and source are still found by a line match so its entry is not
    imported a second time."""
    try:
        meta, _, _ = frontmatter_yaml.parse(text)
    except frontmatter_yaml.FrontMatterError:
        guid = _scalar("guid", text)
        existing = Existing(rel, guid, None, True, None, _scalar("source", text)) if guid else None
        return _scalar("author", text), existing
    recorded = meta.get("digest") if isinstance(meta.get("digest"), str) else None
    date = meta.get("date") if isinstance(meta.get("date"), dt.date) else None
    author, guid, source = meta.get("author"), meta.get("guid"), meta.get("source")
    if guid is None:
        return None, None
    existing = Existing(rel, str(guid), recorded, recorded != digest(text), date,
                        source if isinstance(source, str) else None)
    return (author if isinstance(author, str) else None), existing


def scan_posts(root: Path, posts_dir: Path, sources: Container[str]) -> Library:
    """Every post's slug (translations count with their original), and every post that carries a guid:
    by feed when its source is one of `sources` (the feed URLs feeds.yml lists), else as an orphan."""
    library = Library()
    if not posts_dir.is_dir():
        return library
    for path in sorted(posts_dir.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(posts_dir).parts) or not path.is_file():
            continue
        stem = path.name[: -len(".md")]
        base, dot, suffix = stem.rpartition(".")
        library.slugs.add(_fold(base if dot and LANG_SUFFIX.match(suffix) else stem))
        if dot and LANG_SUFFIX.match(suffix):
            continue
        text = path.read_text(encoding="utf-8", errors="replace").removeprefix("\ufeff")
        if "guid:" not in text:
            continue
        author, existing = read_existing(text, path.relative_to(root).as_posix())
        if existing and existing.source in sources:
            library.imported.setdefault((existing.source, existing.guid), existing)
        elif existing and author:
            library.orphans.setdefault((author, existing.guid), existing)
    return library


def identities(entries: Sequence[Entry]) -> list[tuple[str, str | None]]:
    """Each entry's identity within its feed, and a warning for an entry told apart only by its place.

    The feed's id for the entry, else its link, else the fingerprint of what it carries (title, date, text).
    A link that several entries share tells none of them apart, so each is then known by link and fingerprint.
    Entries without an id that carry exactly the same are numbered by occurrence (`#2`, `#3`, …): each stays a
    post of its own, the same one on every fetch, however the feed orders them.
    """
    links = Counter(entry.link for entry in entries if not entry.id and entry.link)
    first: dict[str, Entry] = {}
    count: Counter[str] = Counter()
    result: list[tuple[str, str | None]] = []
    for entry in entries:
        if entry.id:
            result.append((entry.id, None))
            continue
        if entry.link and links[entry.link] == 1:
            base = entry.link
        elif entry.link:
            base = "sha256:" + hashlib.sha256(f"{entry.link}\n{entry.fingerprint}".encode()).hexdigest()
        else:
            base = entry.fingerprint
        count[base] += 1
        if count[base] == 1:
            first[base] = entry
            result.append((base, None))
        else:
            same = "link, title, date and text" if entry.link else "title, date and text, and no id or link,"
            result.append((f"{base}#{count[base]}",
                           f"entry {entry.position} has the same {same} as entry {first[base].position}; "
                           f"imported as a post of its own (occurrence {count[base]} of that entry)"))
    return result


def _front_matter(entry: Entry, feed: FeedSource, language: str, date: dt.date | dt.datetime, title: str,
                  guid: str) -> dict:
    meta: dict = {"title": title, "date": date, "author": feed.member, "language": language}
    if entry.tags:
        meta["tags"] = list(entry.tags)
    meta["status"] = "pending" if feed.policy == "review" else "published"
    if entry.link:
        meta["canonical_url"] = entry.link
    meta.update(source=feed.url, guid=guid, content=feed.content)
    return meta


def _invalid(text: str) -> str | None:
    """Why the file would fail `agora check`, read back exactly as the loader will read it."""
    try:
        meta, _, _ = frontmatter_yaml.parse(text)
        Post.model_validate(meta)
    except frontmatter_yaml.FrontMatterError as exc:
        return str(exc)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or '-'}: {e['msg']}" for e in exc.errors())
    return None


@dataclass(frozen=True)
class _Planned:
    entry: Entry
    identity: str
    twin: str | None  # why the entry is told apart by its place (see `identities`)
    existing: Existing | None = None
    adopted: bool = False  # found as an orphan: imported from a feed address feeds.yml no longer lists


def _render(item: _Planned, feed: FeedSource, language: str, untitled: str, fetch_date: dt.date) -> str:
    existing = item.existing
    date = item.entry.published or (existing.date if existing and existing.date else fetch_date)
    # A post keeps the guid it was found by, so a post written before identities were scoped stays unchanged.
    guid = existing.guid if existing and not item.adopted else item.identity
    meta = _front_matter(item.entry, feed, language, date, item.entry.title or untitled, guid)
    return render_post(meta, item.entry.body)


def _match(todo: list[_Planned], feed: FeedSource, library: Library,
           render: Callable[[_Planned], str]) -> list[_Planned]:
    """Each entry with the post it already has, if any: by its identity first; then, for the entries still
    without one, by the identity an earlier importer recorded, or as an orphan of the same member. When several
    entries could take the same earlier post, the one whose rendering is that post unchanged takes it, else
    the first in the feed. A post is matched with one entry at most."""
    matched = []
    for item in todo:
        existing = library.imported.get((feed.url, item.identity))
        if existing and existing.path not in library.claimed:
            library.claimed.add(existing.path)
            item = replace(item, existing=existing)
        matched.append(item)
    wanting: dict[str, list[int]] = {}
    for index, item in enumerate(matched):
        if item.existing:
            continue
        keys = [(library.imported, (feed.url, item.entry.legacy), False),
                (library.orphans, (feed.member, item.identity), True),
                (library.orphans, (feed.member, item.entry.legacy), True)]
        for posts, key, adopted in keys:
            candidate = posts.get(key)
            if candidate and candidate.path not in library.claimed:
                matched[index] = replace(item, existing=candidate, adopted=adopted)
                wanting.setdefault(candidate.path, []).append(index)
                break
    for path, indexes in wanting.items():
        unchanged = [i for i in indexes if digest(render(matched[i])) == matched[i].existing.recorded]
        winner = (unchanged or indexes)[0]
        for index in indexes:
            if index != winner:
                matched[index] = replace(matched[index], existing=None, adopted=False)
        library.claimed.add(path)
    return matched


def plan_feed(
    feed: FeedSource,
    entries: Sequence[Entry],
    library: Library,
    *,
    language: str,
    untitled: str,
    fetch_date: dt.date,
    posts_rel: str,
) -> list[Outcome]:
    """What to do with each entry of one feed, in feed order; `posts_rel` is content/posts relative to the
    root, `untitled` the title of an entry that has neither a title nor text to make one from."""
    wanted = {s for t in feed.tags if (s := slugify(t))}
    seen: set[str] = set()
    outcomes: dict[int, Outcome] = {}
    todo: list[_Planned] = []
    for entry, (identity, twin) in zip(entries, identities(entries), strict=True):
        if wanted and not wanted.intersection(entry.tags):
            outcomes[entry.position] = Outcome("skipped")
        elif identity in seen:
            repeat = f"{_label(entry)} repeats the id {identity[:80]!r} of an earlier entry; kept the earlier one"
            outcomes[entry.position] = Outcome("skipped", warnings=(repeat,))
        else:
            seen.add(identity)
            todo.append(_Planned(entry, identity, twin))

    def render(item: _Planned) -> str:
        return _render(item, feed, language, untitled, fetch_date)

    for item in _match(todo, feed, library, render):
        outcomes[item.entry.position] = _outcome(item, render(item), feed, library, fetch_date, posts_rel)
    return [outcomes[position] for position in sorted(outcomes)]


def _label(entry: Entry) -> str:
    return f"entry {entry.position} {entry.title[:60]!r}" if entry.title else f"entry {entry.position}"


def _outcome(item: _Planned, text: str, feed: FeedSource, library: Library, fetch_date: dt.date,
             posts_rel: str) -> Outcome:
    entry, existing = item.entry, item.existing
    if problem := _invalid(text):
        return Outcome("skipped", warnings=(f"{_label(entry)} does not make a valid post ({problem}); skipped",))
    if existing is None:
        link_name = urlsplit(entry.link).path.rstrip("/").rsplit("/", 1)[-1] if entry.link else ""
        slug = unique_slug([entry.title, link_name], library.slugs)
        path = f"{posts_rel}/{IMPORTED}/{feed.member}/{slug}.md"
        library.slugs.add(slug)
        library.claimed.add(path)
        undated = None if entry.published else f"{_label(entry)} has no date; dated {fetch_date}, the fetch date"
        return Outcome("new", path, text, warnings=tuple(filter(None, [item.twin, undated])))
    moved = f"imported from {existing.source}, which feeds.yml no longer lists; now {feed.url}'s" \
        if item.adopted else None
    if existing.edited:
        # Counted every time, but only worth a line when the feed's version differs from the imported one.
        note = None if digest(text) == existing.recorded else \
            "changed by an editor since it was imported; left as is, though the feed has a newer version"
        return Outcome("edited", existing.path, note=note)
    if digest(text) == existing.recorded:
        return Outcome("unchanged", existing.path)
    return Outcome("updated", existing.path, text, note=moved)


def write_outcomes(root: Path, outcomes: Sequence[Outcome]) -> list[str]:
    """Write the new and updated files; returns an error message per file that could not be written."""
    errors = []
    for outcome in outcomes:
        if outcome.kind in ("new", "updated") and outcome.path and outcome.text is not None:
            try:
                write_atomic(root / outcome.path, outcome.text)
            except OSError as exc:
                errors.append(f"{outcome.path}: could not write ({exc.strerror or exc})")
    return errors
