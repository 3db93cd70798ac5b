"""Entries to post files: identity, slugs, front matter checked by the `Post` record, and the edit check.

Reading what content/posts holds (`scan_posts`) and writing (`write_outcomes`) are the I/O; `plan_feed`
between them decides every file from its inputs alone, so the same feed and library give the same bytes.

An imported file records `digest`: the hash of the file as written, without the digest line itself. A file
whose text no longer hashes to its digest was changed by an editor (approving a pending post is such a change)
and is never written again. A file is only ever rewritten when it is untouched and the feed's entry changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from generator.feeds.files import write_atomic
from generator.feeds.parse import Entry
from generator.feeds.slugs import slugify, unique_slug
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
    recorded: str | None  # the digest the file was written with
    edited: bool  # the text no longer matches that digest
    date: dt.date | dt.datetime | None


@dataclass
class Library:
    """What content/posts holds, as far as fetch cares: every slug in use, and the imported posts by identity.

    `plan_feed` adds what it plans, so a later feed in the same run sees those posts too.
    """

    slugs: set[str] = field(default_factory=set)  # casefolded, as the loader compares them
    imported: dict[tuple[str, str], Existing] = field(default_factory=dict)  # (author, guid)


Kind = Literal["new", "updated", "unchanged", "edited", "skipped"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    path: str | None = None
    text: str | None = None
    warning: str | None = None  # something the member or an editor should fix
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


def read_existing(text: str, rel: str) -> tuple[str | None, str | None, Existing]:
    """(author, guid, Existing) of a post file's text; a file whose front matter no longer parses has been
    edited, and its guid is still found by a line match so its entry is not imported a second time."""
    try:
        meta, _, _ = frontmatter_yaml.parse(text)
    except frontmatter_yaml.FrontMatterError:
        return _scalar("author", text), _scalar("guid", text), Existing(rel, None, True, None)
    recorded = meta.get("digest") if isinstance(meta.get("digest"), str) else None
    date = meta.get("date") if isinstance(meta.get("date"), dt.date) else None
    existing = Existing(rel, recorded, recorded != digest(text), date)
    author, guid = meta.get("author"), meta.get("guid")
    return (author if isinstance(author, str) else None), (str(guid) if guid is not None else None), existing


def scan_posts(root: Path, posts_dir: Path) -> Library:
    """Every post's slug (translations count with their original), and every post that carries a guid."""
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
        author, guid, existing = read_existing(text, path.relative_to(root).as_posix())
        if author and guid:
            library.imported.setdefault((author, guid), existing)
    return library


def _front_matter(entry: Entry, feed: FeedSource, language: str, date: dt.date | dt.datetime) -> dict:
    meta: dict = {"title": entry.title, "date": date, "author": feed.member, "language": language}
    if entry.tags:
        meta["tags"] = list(entry.tags)
    meta["status"] = "pending" if feed.policy == "review" else "published"
    if entry.link:
        meta["canonical_url"] = entry.link
    meta.update(source=feed.url, guid=entry.identity, content=feed.content)
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


def plan_feed(
    feed: FeedSource,
    entries: Sequence[Entry],
    library: Library,
    *,
    language: str,
    fetch_date: dt.date,
    posts_rel: str,
) -> list[Outcome]:
    """What to do with each entry of one feed; `posts_rel` is content/posts relative to the root."""
    wanted = {s for t in feed.tags if (s := slugify(t))}
    seen: set[str] = set()
    outcomes: list[Outcome] = []
    for entry in entries:
        label = f"entry {entry.position} {entry.title[:60]!r}"
        if wanted and not wanted.intersection(entry.tags):
            outcomes.append(Outcome("skipped"))
            continue
        if entry.identity in seen:
            outcomes.append(Outcome("skipped", warning=f"{label} repeats the id {entry.identity[:80]!r} of "
                                                       f"an earlier entry; kept the earlier one"))
            continue
        seen.add(entry.identity)
        key = (feed.member, entry.identity)
        existing = library.imported.get(key)
        date = entry.published or (existing.date if existing and existing.date else fetch_date)
        text = render_post(_front_matter(entry, feed, language, date), entry.body)
        if problem := _invalid(text):
            outcomes.append(Outcome("skipped",
                                    warning=f"{label} does not make a valid post ({problem}); skipped"))
            continue
        if existing is None:
            link_name = urlsplit(entry.link).path.rstrip("/").rsplit("/", 1)[-1] if entry.link else ""
            slug = unique_slug([entry.title, link_name], library.slugs)
            path = f"{posts_rel}/{IMPORTED}/{feed.member}/{slug}.md"
            library.slugs.add(slug)
            library.imported[key] = Existing(path, digest(text), False, date)
            warning = None if entry.published else f"{label} has no date; dated {fetch_date}, the fetch date"
            outcomes.append(Outcome("new", path, text, warning=warning))
        elif existing.edited:
            # Counted every time, but only worth a line when the feed's version differs from the imported one.
            note = None if digest(text) == existing.recorded else \
                "changed by an editor since it was imported; left as is, though the feed has a newer version"
            outcomes.append(Outcome("edited", existing.path, note=note))
        elif digest(text) == existing.recorded:
            outcomes.append(Outcome("unchanged", existing.path))
        else:
            library.imported[key] = Existing(existing.path, digest(text), False, date)
            outcomes.append(Outcome("updated", existing.path, text))
    return outcomes


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
