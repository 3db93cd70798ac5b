"""Load the repository's content into one validated `Community`, collecting every problem on the way.

Reading is I/O; everything after `read_source` is pure. Problems never stop loading early: each file is read,
validated and cross-checked so `agora check` can report all mistakes at once.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
import pickle
import re
import stat
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, BeforeValidator, ValidationError, create_model

from generator import urls
from generator.config import Settings
from generator.digests import FileDigests
from generator.files import write_atomic
from generator.model import frontmatter_yaml
from generator.model.community import Community, Item, Version
from generator.model.fields import check_slug, show
from generator.model.records import (
    Course,
    Event,
    FeedList,
    Lesson,
    Member,
    Newsletter,
    Page,
    Post,
    Record,
    Spotlight,
    Story,
)
from generator.model.references import check_references
from generator.model.staleness import COLLECTION, check_digest, status
from generator.problems import Problems

MAX_FILE_BYTES = 2_000_000
MAX_PROBLEMS_PER_FILE = 20
# \Z, not $: `$` also matches before a final newline, so 'sv\n' would pass for 'sv'.
LANG_SUFFIX = re.compile(r"^[a-z]{2,3}(?:[_-][a-zA-Z0-9]{2,8})?\Z")
LESSON_NAME = re.compile(r"^(\d{1,3})-(.+)\Z")
FEEDS_FILE = "feeds.yml"
UNION_TAGS = frozenset({"str", "int", "float", "bool", "date", "datetime", "list", "dict", "none"})
ASSETS_DIR = "assets"

RECORDS: dict[str, type[Record]] = {
    "member": Member,
    "post": Post,
    "spotlight": Spotlight,
    "story": Story,
    "event": Event,
    "course": Course,
    "lesson": Lesson,
    "page": Page,
    "newsletter": Newsletter,
}
SIMPLE_FOLDERS = {"members": "member", "spotlights": "spotlight", "stories": "story", "events": "event",
                  "pages": "page"}


@dataclass(frozen=True)
class Source:
    """Where a file sits in the layout: which collection, which item, which language."""

    rel: str
    kind: str
    slug: str
    lang: str | None
    course: str | None = None
    order: int = 0


@dataclass(frozen=True)
class Parsed:
    source: Source
    record: Record
    body: str
    # A translation's line holding `source:` (the digest of the original it was made from), when it has one.
    source_line: int | None = None


SENT_RECORD_SUFFIX = ".sent.yml"
SAFE_FIELD = re.compile(r"[\w.()-]{1,100}")


def _split_name(name: str) -> tuple[str, str | None]:
    stem = name[: -len(".md")]
    base, dot, suffix = stem.rpartition(".")
    if dot and LANG_SUFFIX.match(suffix):
        return base, suffix
    return stem, None


def classify(rel: str, parts: tuple[str, ...], problems: Problems) -> Source | None:
    """Map a path under content/ (or newsletters/) to its collection, or report where it does not fit."""
    name = parts[-1]
    if not name.endswith(".md"):
        hint = "write the extension in lowercase, .md" if name.lower().endswith(".md") else \
            "expected a .md file (images go in assets/)"
        problems.error(rel, "(file)", f"not part of any collection: {hint}")
        return None
    slug, lang = _split_name(name)
    folder = parts[0]
    if folder == "newsletters" and len(parts) == 2:
        return Source(rel, "newsletter", slug, lang)
    if folder in SIMPLE_FOLDERS and len(parts) == 2:
        return Source(rel, SIMPLE_FOLDERS[folder], slug, lang)
    if folder == "posts" and len(parts) == 3 and re.fullmatch(r"\d{4}", parts[1]):
        return Source(rel, "post", slug, lang)
    if folder == "posts" and len(parts) == 4 and parts[1] == "imported":
        try:
            check_slug(parts[2])
        except ValueError as exc:
            problems.error(rel, "(file name)", f"the folder of imported posts is named after a member: {exc}")
            return None
        return Source(rel, "post", slug, lang)
    if folder == "academy" and len(parts) == 3:
        course = parts[1]
        if slug == "index":
            return Source(rel, "course", course, lang)
        match = LESSON_NAME.match(slug)
        if not match:
            problems.error(rel, "(file name)", "expected a lesson named <nn>-<slug>.md, e.g. 03-first-week.md")
            return None
        return Source(rel, "lesson", match.group(2), lang, course=course, order=int(match.group(1)))
    problems.error(rel, "(file)", "not part of any collection: see the content layout in README.md")
    return None


def _walk(base: Path) -> Iterator[tuple[str, bool]]:
    """(path relative to `base`, is a link) of every file, hidden ones and `assets/` left out, sorted.

    os.scandir, whose entries know their type, instead of Path.rglob + resolve or a stat per file: on a
    20,000-file community this is the difference between 0.05 s and 2 s. Links are reported as links (folders
    among them never followed); like os.walk, a folder that cannot be listed is passed over.
    """
    found: list[tuple[str, bool]] = []
    pending = [("", os.fspath(base))]
    while pending:
        prefix, folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:  # a link that loops
                is_dir = False
            if is_dir and not prefix and name == ASSETS_DIR:
                continue
            if entry.is_symlink():
                found.append((prefix + name, True))
            elif is_dir:
                pending.append((prefix + name + "/", entry.path))
            else:
                found.append((prefix + name, False))
    return iter(sorted(found))


def printable(rel: str) -> str:
    """A path as a problem names it: control, invisible and direction-changing characters escaped, so that a file
    name can neither break `path:line: field: message` over lines nor disguise itself as another path."""
    if rel.isprintable():
        return rel
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in rel)


def _link_problem(path: Path, inside: Path, where: str = "content") -> str | None:
    """Why the link at `path` may not be read, if it may not; links to files inside `inside` are fine."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a loop, before Python 3.13
        return "is a link to a file that does not exist (or a loop of links)"
    if not target.is_relative_to(inside):
        return f"is a link that points outside the {where} folder"
    if target.is_dir():
        return "is a link to a folder; links to folders are not followed"
    return None


def _check_assets(base: Path, base_rel: str, problems: Problems) -> None:
    """Assets are published as they are, so a link in assets/ must not publish a file from outside it (a member
    file with an e-mail address, or anything else on the machine that builds the site)."""
    assets = base / ASSETS_DIR
    if assets.is_symlink():
        problems.error(f"{base_rel}/{ASSETS_DIR}", "(file)", "is a link; assets/ must be a real folder")
        return
    inside = assets.resolve()
    for folder, dirs, files in os.walk(assets):
        for name in dirs + files:
            path = Path(folder, name)
            if path.is_symlink() and (problem := _link_problem(path, inside, ASSETS_DIR)):
                problems.error(printable(f"{base_rel}/{path.relative_to(base).as_posix()}"), "(file)", problem)


def discover(settings: Settings, problems: Problems) -> list[tuple[str | Path, Source]]:
    found: list[tuple[str | Path, Source]] = []
    roots = [(settings.content_dir, (), "content_dir"), (settings.newsletters_dir, ("newsletters",), "newsletters_dir")]
    root = settings.root.resolve()
    for base, prefix, option in roots:
        if not base.is_dir():
            continue
        base_rel = base.relative_to(settings.root).as_posix() if base.is_relative_to(settings.root) else ".."
        inside = base.resolve()
        if ".." in base_rel.split("/") or not inside.is_relative_to(root):
            problems.error("mkdocs.yml", f"plugins.agora.{option}", f"expected a folder inside the repository, got "
                                                                     f"{show(getattr(settings.options, option))}")
            continue
        if not prefix:
            _check_assets(base, base_rel, problems)
        base_text = os.fspath(base)
        for rel_path, is_link in _walk(base):
            path = Path(base, rel_path) if is_link else os.path.join(base_text, rel_path)
            rel = printable(f"{base_rel}/{rel_path}")
            rel_parts = tuple(rel_path.split("/"))
            if is_link and (problem := _link_problem(path, inside)):
                problems.error(rel, "(file)", problem)
                continue
            if not prefix and rel_parts == (FEEDS_FILE,):
                continue
            if prefix and len(rel_parts) == 1 and rel_parts[0].endswith(SENT_RECORD_SUFFIX):
                continue  # `agora send`'s record of a sent issue, committed beside its note
            source = classify(rel, prefix + rel_parts, problems)
            if source:
                found.append((path, source))
    return found


def read_text(path: str | Path, rel: str, problems: Problems) -> str | None:
    try:
        # Non-blocking, so that a named pipe among the files cannot stall the run: it is refused below.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        problems.error(rel, "(file)", f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            problems.error(rel, "(file)", "not a regular file (a pipe, socket or device); expected a .md file")
            return None
        data = os.read(handle, min(info.st_size, MAX_FILE_BYTES) + 1)
        while info.st_size < len(data) <= MAX_FILE_BYTES and (more := os.read(handle, MAX_FILE_BYTES)):
            data += more  # the file grew while we read it
    except OSError as exc:
        problems.error(rel, "(file)", f"cannot be read: {exc.strerror or exc}")
        return None
    finally:
        os.close(handle)
    if len(data) > MAX_FILE_BYTES:
        problems.error(rel, "(file)", f"larger than {MAX_FILE_BYTES // 1_000_000} MB; split it up")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(rel, "(encoding)", f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                       line)
        return None
    if "\x00" in text:
        problems.error(rel, "(encoding)", "contains a NUL character", text[: text.index("\x00")].count("\n") + 1)
        return None
    return text.removeprefix("\ufeff")


def _translation_model(record: type[Record]) -> type[BaseModel]:
    fields: dict[str, tuple] = {
        name: (record.model_fields[name].rebuild_annotation() | None, None) for name in record.TRANSLATABLE
    }
    # Not a field of the record (a post's own `source` is its feed): it says which original was translated.
    fields["source"] = (Annotated[str, BeforeValidator(check_digest)] | None, None)
    return create_model(f"{record.__name__}Translation", __base__=Record, __module__=__name__, **fields)


# Made once at import and bound to module names, so that translated records can be pickled like the others.
TRANSLATIONS: dict[type[Record], type[BaseModel]] = {record: _translation_model(record) for record in RECORDS.values()}
globals().update({model.__name__: model for model in TRANSLATIONS.values()})


def translation_model(record: type[Record]) -> type[BaseModel]:
    """The schema of a translation file: only the record's translatable fields, all optional, and `source`."""
    return TRANSLATIONS[record]


def _message(error: dict, model: type[BaseModel]) -> tuple[tuple, str]:
    # Pydantic inserts union member names ("datetime", "function-after[...]") into locations; drop them.
    loc = error["loc"][:1] + tuple(p for p in error["loc"][1:] if isinstance(p, int) or not (
        "[" in p or p in UNION_TAGS))
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    # Validators that check several fields together name the field at the start of their message.
    if kind == "value_error" and (match := re.match(r"^(\w+): (.*)$", message)):
        loc, message = loc + (match.group(1),), match.group(2)
    if kind == "missing":
        return loc, "required field is missing"
    if kind == "extra_forbidden":
        known = list(model.model_fields) if len(loc) == 1 else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(sorted(known))}" \
            if known else ""
        if model.__name__.endswith("Translation"):
            hint += " (a translation may set only translatable fields; set the rest in the original)"
        return loc, f"unknown field{hint}"
    message = message.replace("Input should be", "expected")
    if kind.endswith(("_type", "_parsing")) or kind == "literal_error":
        value = error.get("input")
        message += f", got {type(value).__name__} {show(value)}"
    return loc, message


def field_name(loc: tuple) -> str:
    """`loc` as the field of a problem; a key that is not a plain name is quoted so it cannot break the line."""
    name = ".".join(str(p) for p in loc)
    return name if SAFE_FIELD.fullmatch(name) else show(name).replace(":", "\\x3a")


def validate(
    model: type[BaseModel], meta: dict, rel: str, text: str, offset: int, problems: Problems
) -> BaseModel | None:
    try:
        return model.model_validate(meta)
    except ValidationError as exc:
        seen: set[tuple] = set()
        node = frontmatter_yaml.compose(text)  # once per file, not per problem: a list can hold 100,000 of them
        for error in exc.errors(include_url=False):
            loc, message = _message(error, model)
            if loc in seen:
                continue
            if len(seen) == MAX_PROBLEMS_PER_FILE:
                problems.error(rel, "(front matter)", f"more problems than these {MAX_PROBLEMS_PER_FILE}; fix them "
                                                      "and check again", offset or 1)
                break
            seen.add(loc)
            problems.error(rel, field_name(loc), message, frontmatter_yaml.field_line(node, loc, offset))
        return None


def _front_matter_problem(exc: frontmatter_yaml.FrontMatterError, rel: str, text: str, offset: int,
                          problems: Problems, whole: str = "(front matter)") -> None:
    """A problem of the YAML as a whole is reported against `whole`; one of a value, against its field."""
    message = printable(str(exc))
    if not exc.loc:
        problems.error(rel, whole, message, exc.line)
        return
    problems.error(rel, field_name(exc.loc), message, frontmatter_yaml.field_line(text, exc.loc, offset))


def read_source(path: str | Path, source: Source, problems: Problems) -> Parsed | None:
    # The name first: a file that cannot be published under its name is not worth reading (and its problems then
    # all concern the file as a whole, without lines).
    for name in filter(None, (source.slug, source.course)):
        try:
            check_slug(name)
        except ValueError as exc:
            problems.error(source.rel, "(file name)", str(exc))
            return None
    text = read_text(path, source.rel, problems)
    if text is None:
        return None
    try:
        meta, body, offset = frontmatter_yaml.parse(text)
    except frontmatter_yaml.FrontMatterError as exc:
        offset = text[: len(text) - len(text.lstrip())].count("\n") + 1
        _front_matter_problem(exc, source.rel, text, offset, problems)
        return None
    record_type = RECORDS[source.kind]
    model = translation_model(record_type) if source.lang else record_type
    record = validate(model, meta, source.rel, text, offset, problems)
    if record is None:
        return None
    if not body.strip() and source.kind in {"post", "page", "lesson"} and not source.lang:
        problems.warning(source.rel, "(body)", "the text is empty")
    source_line = frontmatter_yaml.key_lines(text).get("source") if source.lang and "source" in meta else None
    return Parsed(source, record, body, source_line)


def _key(slug: str) -> str:
    """Two slugs that differ only by case or Unicode form would land on one URL on most file systems."""
    return slug.lower() if slug.isascii() else unicodedata.normalize("NFKC", slug).casefold()


def _identity(source: Source) -> tuple[str, str | None, str]:
    return source.kind, source.course, _key(source.slug)


# The last load's items, by identity, with the parses and languages each was made of (`assemble`): `agora serve`
# loads the community again after every save, and made and fingerprinted every item again.
_ASSEMBLED: dict[tuple, tuple] = {}


def assemble(
    parsed: list[Parsed], sources: list[Source], settings: Settings, problems: Problems
) -> dict[str, list[Item]]:
    """Join translations to their originals and reject duplicates; returns items per kind.

    `sources` lists every file found, valid or not, so a translation of a broken original is not also
    reported as an orphan.
    """
    originals: dict[tuple[str, str | None, str], Parsed] = {}
    translations: defaultdict[tuple[str, str | None, str], list[Parsed]] = defaultdict(list)
    site_pages = urls.fixed_pages(settings.languages, settings.default_language)
    for p in parsed:
        key = _identity(p.source)
        if p.source.lang:
            translations[key].append(p)
        elif (url := urls.item_page(p.source.kind, p.source.slug)) is not None and url.casefold() in site_pages:
            problems.error(p.source.rel, "(file name)", f"{p.source.slug!r} would be published at /{url}, where the "
                                                        f"site already has a page of its own; choose another name")
        elif key in originals:
            first = originals[key].source.rel
            problems.error(p.source.rel, "(file name)", f"duplicate {p.source.kind} slug {p.source.slug!r}; "
                                                        f"also used by {first}")
        else:
            originals[key] = p
    default = settings.default_language
    strict = settings.options.translations.strict_collections
    items: dict[str, list[Item]] = defaultdict(list)
    context = (default, tuple(settings.languages))
    assembled: dict[tuple, tuple] = {}
    for key, p in originals.items():
        lang = getattr(p.record, "language", None) or default
        versions: dict[str, Version] = {}
        source_lines: dict[str, int | None] = {}
        found = sorted(translations.pop(key, []), key=lambda t: t.source.rel)
        parts = (p, *found)
        kept = _ASSEMBLED.get(key)
        # The same parses (the very objects: the parse cache hands out one per unchanged file) with the same
        # languages make the same item: take the last load's, with its fingerprint already computed.
        same = kept is not None and kept[0] == context and len(kept[1]) == len(parts) \
            and all(a is b for a, b in zip(kept[1], parts, strict=True))
        for t in found:
            tlang = t.source.lang
            if tlang in versions:
                problems.error(t.source.rel, "(file name)", f"duplicate {tlang!r} translation: {versions[tlang].path} "
                                                            f"translates the same {p.source.kind}")
                continue
            if tlang not in settings.languages:
                problems.error(t.source.rel, "(file name)", f"translation language {tlang!r} is not configured; "
                                                            f"languages: {', '.join(settings.languages)}")
                continue
            if tlang == lang:
                problems.error(t.source.rel, "(file name)", f"translates into {tlang!r}, the language of the "
                                                            f"original; edit {p.source.rel} instead")
                continue
            source_lines[tlang] = t.source_line
            if same:
                versions[tlang] = kept[2].translations[tlang]
                continue
            update = {k: v for k in t.record.model_fields_set - {"source"} if (v := getattr(t.record, k)) is not None}
            record = p.record.model_copy(update=update)
            versions[tlang] = Version(record, t.body if t.body.strip() else p.body, tlang, t.source.rel,
                                      source=t.record.source)
        item = kept[2] if same else Item(
            kind=p.source.kind, slug=p.source.slug, path=p.source.rel, lang=lang, record=p.record, body=p.body,
            translations=versions, course=p.source.course, order=p.source.order,
        )
        assembled[key] = (context, parts, item)
        items[p.source.kind].append(item)
        for tlang, version in item.translations.items():
            if status(item, tlang) == "stale":
                # A stale guideline holds members to rules that changed: a warning (an error with --strict) in the
                # collections the settings name; elsewhere a note that never fails a run.
                report = problems.warning if COLLECTION[item.kind] in strict else problems.note
                report(version.path, "source", f"the original changed since this translation; update it (`agora "
                                               f"translations --diff` shows how {item.path} changed), then run "
                                               f"`agora translations mark {version.path}`", source_lines[tlang])
    _ASSEMBLED.clear()
    _ASSEMBLED.update(assembled)
    originals_found = {_identity(s) for s in sources if not s.lang}
    for key, orphans in translations.items():
        if key in originals_found:
            continue
        for t in orphans:
            problems.error(t.source.rel, "(file name)", f"translation without an original: expected "
                                                        f"{t.source.rel.rsplit('.', 2)[0]}.md beside it")
    return items


def load_feeds(settings: Settings, problems: Problems) -> FeedList:
    path = settings.content_dir / FEEDS_FILE
    rel = path.relative_to(settings.root).as_posix()
    if not path.exists():
        return FeedList()
    text = read_text(path, rel, problems)
    if text is None:
        return FeedList()
    try:
        raw = frontmatter_yaml.load_yaml(text) or {}
    except frontmatter_yaml.FrontMatterError as exc:
        # As front matter without its opening '---' line: YAML line 0 is file line 1.
        _front_matter_problem(frontmatter_yaml.located(exc, 1), rel, "---\n" + text + "\n---\n", 0, problems, "(file)")
        return FeedList()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.error(rel, "(file)", f"malformed YAML: {printable(reason)}", mark.line + 1 if mark else 1)
        return FeedList()
    if not isinstance(raw, dict):
        problems.error(rel, "(file)", f"expected a mapping with a `feeds:` list, got {type(raw).__name__}", 1)
        return FeedList()
    feeds = validate(FeedList, raw, rel, "---\n" + text + "\n---\n", 0, problems)
    return feeds if isinstance(feeds, FeedList) else FeedList()


def collisions(sources: list[Source], problems: Problems) -> None:
    """Names that differ only by letter case or Unicode form (`Guide.md` and `guide.md`, NFC and NFD, fullwidth
    letters) are two files on Linux but one on macOS and Windows, and one URL: a duplicate, whatever else is wrong
    with them. The error goes on each but one, the one whose name is a valid slug if there is one. (Names that are
    exactly the same, in two folders, are reported once both are read.)"""
    first: dict[tuple, Source] = {}
    groups: dict[tuple, list[Source]] = {}
    for source in sources:
        key = (source.kind, source.course and _key(source.course), _key(source.slug), source.lang)
        if (seen := first.setdefault(key, source)) is not source:
            groups.setdefault(key, [seen]).append(source)
    for (_, course, slug, _), group in groups.items():
        if len({(s.slug, s.course) for s in group}) < 2:
            continue
        keeper = next((s for s in group if (s.slug, s.course) == (slug, course)), group[0])
        for source in group:
            if (source.slug, source.course) != (keeper.slug, keeper.course):
                problems.error(source.rel, "(file name)", f"duplicate {source.kind} name: differs from {keeper.rel} "
                                                          f"only by letter case or Unicode form; rename one")


class _Parses:
    """Each file's parse and validation, by the digest of its bytes: `agora serve` loads the community again after
    every save, and `agora build` keeps them between builds (`keep`), so only changed files are parsed again. A
    file's problems are reported again each time.

    Kept as one file of every parse, plus one of the parses changed or gone since that file was written (`.delta`,
    read on top of it): rewriting every parse after each edit was 0.2 s of pickling per build at N = 2,000. Each
    entry carries the digest of the bytes it was parsed from, so an entry from any build is right for its file."""

    FORMAT = 3
    # The share of the parses that may have changed since the full file was written before it is written again.
    DELTA_SHARE = 0.1

    def __init__(self) -> None:
        self.by_source: dict[Source, tuple[bytes, Parsed | None, Problems]] = {}
        self.changed = False  # since they were last taken from or stored in a file
        self.base: str | None = None  # the identity of the full file last taken or written
        self.since: set[Source] = set()  # changed or gone since then

    def read(self, path: str | Path, source: Source, problems: Problems, files: FileDigests) -> Parsed | None:
        digest = files.of(path)
        if digest is None:
            return read_source(path, source, problems)  # which says why it cannot be read
        known = self.by_source.get(source)
        if known is None or known[0] != digest:
            own = Problems()
            known = self.by_source[source] = (digest, read_source(path, source, own), own)
            self.changed = True
            self.since.add(source)
        problems.extend(known[2])
        return known[1]

    def only(self, sources: list[Source]) -> None:
        """Forget the files that are gone: what is kept is the last load's files."""
        wanted = set(sources)
        for source in [source for source in self.by_source if source not in wanted]:
            del self.by_source[source]
            self.changed = True
            self.since.add(source)

    def take(self, path: Path) -> None:
        """Take the parses stored at `path` and its delta (none if missing, unreadable or of another version)."""
        stored = self._load(path)
        if stored is None or not isinstance(stored.get("id"), str):
            return
        self.by_source.update(stored["parsed"])
        self.base = stored["id"]
        delta = self._load(_delta(path))
        if delta is not None and delta.get("base") == self.base:
            for source, known in delta["parsed"].items():
                if known is None:
                    self.by_source.pop(source, None)
                else:
                    self.by_source[source] = known
            self.since = set(delta["parsed"])

    def _load(self, path: Path) -> dict | None:
        try:
            with open(path, "rb") as handle:
                stored = pickle.load(handle)
        except Exception:  # noqa: BLE001 - a cache that cannot be read is a cache miss
            return None
        if not isinstance(stored, dict) or stored.get("format") != self.FORMAT or stored.get("code") != _code_version():
            return None
        return stored if isinstance(stored.get("parsed"), dict) else None

    def store(self, path: Path) -> None:
        if not self.changed:
            return
        head = {"format": self.FORMAT, "code": _code_version()}
        with contextlib.suppress(OSError):  # failing costs parses next time
            if self.base is not None and len(self.since) <= self.DELTA_SHARE * len(self.by_source):
                changes = {source: self.by_source.get(source) for source in self.since}
                write_atomic(_delta(path), pickle.dumps({**head, "base": self.base, "parsed": changes},
                                                        protocol=pickle.HIGHEST_PROTOCOL))
            else:
                base = os.urandom(8).hex()
                write_atomic(path, pickle.dumps({**head, "id": base, "parsed": self.by_source},
                                                protocol=pickle.HIGHEST_PROTOCOL))
                self.base, self.since = base, set()
                with contextlib.suppress(FileNotFoundError):
                    _delta(path).unlink()  # of the file replaced (and ignored with this one anyway)
            self.changed = False


def _delta(path: Path) -> Path:
    return path.with_name(path.name + ".delta")


_PARSES = _Parses()


def keep(path: Path) -> None:
    """Store the last load's parses at `path` when any changed. Called once a build has accepted its inputs: a
    refused build writes nothing."""
    _PARSES.store(path)


@functools.cache
def _code_version() -> str:
    """The parses depend on the code that made them (the records' validation)."""
    from generator.stamp import environment

    return environment()


def load_community(settings: Settings, memo: Path | None = None,
                   files: FileDigests | None = None) -> tuple[Community, Problems]:
    """Read and validate everything; the community holds only the items that validated. `memo`: a file where
    each file's parse is kept between runs, so that only changed files are parsed again; `files`: the files'
    digests, kept between runs too (generator/digests.py)."""
    files = files or FileDigests()
    problems = Problems()
    found = discover(settings, problems)
    collisions([source for _, source in found], problems)
    if memo is not None and not _PARSES.by_source:
        _PARSES.take(memo)
    parsed = [p for path, source in found if (p := _PARSES.read(path, source, problems, files))]
    _PARSES.only([source for _, source in found])
    items = assemble(parsed, [source for _, source in found], settings, problems)
    feeds = load_feeds(settings, problems)

    members = {m.slug: m for m in sorted(items["member"], key=lambda m: m.slug)}
    lessons: defaultdict[str, list[Item]] = defaultdict(list)
    for lesson in items["lesson"]:
        lessons[lesson.course].append(lesson)
    courses = {c.slug: c for c in sorted(items["course"], key=lambda c: c.slug)}
    community = Community(
        settings=settings,
        members=members,
        posts=tuple(sorted(items["post"], key=lambda p: (p.record.day, str(p.record.date), p.slug), reverse=True)),
        spotlights=tuple(sorted(items["spotlight"], key=lambda s: (s.record.month, s.slug), reverse=True)),
        stories=tuple(sorted(items["story"], key=lambda s: (s.record.date, s.slug), reverse=True)),
        events=tuple(sorted(items["event"], key=lambda e: (e.record.start, e.slug))),
        courses=courses,
        lessons={c: tuple(sorted(ls, key=lambda s: (s.order, s.slug))) for c, ls in sorted(lessons.items())},
        pages=tuple(sorted(items["page"], key=lambda p: (p.record.order, p.slug))),
        newsletters=tuple(sorted(items["newsletter"], key=lambda n: (n.record.span.start, n.slug))),
        feeds=tuple(feeds.feeds),
    )
    check_references(community, problems)
    return community, problems
