"""Property-based tests of the loader and `agora check` (issue 8, point 3).

Whatever an editor (or an attacker, or a broken tool) puts in the content folder, loading returns a model and a
list of located problems: never an uncaught exception, never a hang, never a file silently dropped, and every
problem names a file inside the content folder, a field, and fits on one `path:line: field: message` line.

Generated: front matter of random types and shapes (unicode with odd code points, right-to-left text, combining
marks, huge strings, deep nesting, lists and mappings where text belongs), hand-written YAML (anchors and aliases
including a "billion laughs", duplicate keys, tabs, tags, bad escapes), line endings, byte order marks, invalid
UTF-8 and NUL bytes, random file names in every collection folder with translation suffixes, and feeds.yml.

Each example is bounded twice: the Hypothesis profile's `deadline` (conftest.py) fails an example that completes
slowly, and a watchdog ends the run with every thread's traceback if an example does not complete at all (a regex
or a YAML expansion that never returns cannot be interrupted from Python).

The number of examples run is printed at the end of the session (see `pytest_terminal_summary` in conftest.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.config import load_settings
from generator.model import load_community

from conftest import EXAMPLE_COUNTS_DIR, ROOT, run_agora, watchdog

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
# The one-line format of `agora check`: path, optional line, field, message (the path may hold colons only when a
# file name does; the field never does).
LINE = re.compile(r"^(?P<path>(?:content|newsletters)/.+?)(?::(?P<line>\d+))?: (?P<field>[^:\s][^:]*): (?P<msg>.+)$")
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
HANG_SECONDS = 60  # the watchdog: far beyond the profile's deadline, so it only fires on a real hang
COUNTS: Counter[str] = Counter()

# -- what goes into a file ----------------------------------------------------------------------------------------

FIELD_NAMES = [
    "title", "date", "author", "tags", "summary", "canonical_url", "source", "status", "image", "image_alt",
    "language", "guid", "content", "digest", "name", "joined", "avatar", "links", "roles", "languages", "location",
    "timezone", "public", "spotlight_consent", "email", "member", "month", "headline", "quote", "members",
    "company", "industry", "metrics", "start", "duration", "kind", "hosts", "speakers", "join_url", "rrule",
    "recording", "slides", "level", "outcomes", "prerequisites", "path", "authors", "quiz", "order", "number",
    "subject", "preheader", "period", "feeds", "url", "label", "value", "question", "options", "answer",
]
ODD_TEXT = [
    "", " ", "\t", "مرحبا بالعالم", "שָׁלוֹם", "\u202eevil\u202c.md", "\u200f\u200e", "e\u0301\u0302\u0303",
    "Z\u0337\u0322a\u0334l\u0338g\u0336o", "ｆｕｌｌｗｉｄｔｈ", "ß", "İ", "ǅ", "\ufeff", "\U0001f600\u200d\U0001f4bb",
    "\U000e0041", "\ufffd", "\uffff", "\U0010fffd", "null", "~", "yes", "off", "2026-13-45", "2026-10-02",
    "2026-10-02T09:30", "12:30:45", "0x1F", "0o17", "1e400", ".nan", "-.inf", "../../etc/passwd", "/etc/passwd",
    "C:\\Windows", "con", "nul", "com1", "LPT9", "a/b", "javascript:alert(1)", "<script>alert(1)</script>",
    "https://example.org/", "mailto:a@b.c", "Europe/Oslo", "Europe", "ana", "bo", "Ana", "guide\n", "a\u2028b",
]
scalars = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(ODD_TEXT),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(timezones=st.none() | st.just(dt.UTC) | st.builds(
        lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)), st.integers(-1439, 1439))),
    st.just("x" * 301),  # (long texts go in HOSTILE: a YAML library writes them slowly)
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)


@st.composite
def dumped_front_matter(draw) -> str:
    """A mapping of known and unknown fields to values of any type, written by a YAML library."""
    data = draw(st.dictionaries(keys, values, max_size=10))
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False,
                          default_flow_style=draw(st.sampled_from([None, True, False])),
                          width=draw(st.sampled_from([20, 80, 10**6])))


# Pieces of hand-written YAML that libraries never write: anchors, aliases, tags, bad escapes, tabs, duplicates.
SNIPPETS = [
    "plain words", "&a anchored", "*a", "*undefined", "&a [1, 2, *a]", "!!int abc", "!!float abc", "!!bool maybe",
    "!!int " + "9" * 5000, "0x" + "f" * 5000, "!!binary AAECAwQ=", "!!binary ü", "!!set {a, b}", "!!omap [a: 1]",
    "!!pairs [a: 1, a: 2]", "!!timestamp soon", "!!timestamp 2026-02-30", "!!null x", "!!str [a]",
    "!!python/object/apply:os.system [echo]", "!custom x", "\"\\0\\a\\e\"", "\"\\x85\\u2028\\N\\L\\P\"",
    "\"\\ud800\"", "\"\\U0010ffff\"", "'unterminated", "\"unterminated", "@reserved", "`backtick", "%directive",
    "[1, [2, [3, [4]]]]", "{a: 1, a: 2}", "{? [a]: b}", "|\n  block\n  text", ">-\n  folded\n  text", "|-\n\ttab",
    "- a\n- b", "\n  - nested\n  - list", "\n  key: value\n  key: again", "\n\tkey: tab-indented", "'#not a comment'",
    "x # comment", "2026-10-02", "2026-10-02 17:00:00 +01:00", "1_000", "190:20:30", "0b101", "+.inf", "~",
    "\"\\\"\"", "{{}}", "[[[]]]", "[" * 60 + "]" * 60, "a: b: c", "- - - x", "? complex\n: key", "<<: {a: 1}",
]


@st.composite
def raw_front_matter(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        key = draw(st.sampled_from(FIELD_NAMES) | st.sampled_from(["<<", "? x", "'quoted'", '"dq"', "", "-", "a b"]))
        lines.append(f"{key}: {draw(st.sampled_from(SNIPPETS) | scalars.map(str))}")
    if lines and draw(st.booleans()):
        lines.append(draw(st.sampled_from(lines)))  # a duplicate key
    indent = draw(st.sampled_from(["", " ", "\t"]))
    return "\n".join(indent + line if index else line for index, line in enumerate(lines))


def _nested(depth: int) -> str:
    return "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "x"


# Front matter known to be hostile; Hypothesis mixes them with everything else.
EVENT = "title: x\nstart: 2026-01-01T10:00:00Z\nduration: 60\ntimezone: UTC\n"
HOSTILE = [
    # billion laughs: nine levels of nine aliases, ~387 million strings once expanded
    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "title: *i\n",
    "title: &t x\nsummary: [*t, *t]\n" + "".join(f"k{i}: *t\n" for i in range(150)),  # many aliases, harmless
    "title: &r [*r]\n",  # a value that contains itself
    "summary: &r {a: *r}\n",
    "title: x\nsummary: " + "[" * 5000 + "]" * 5000 + "\n",  # deep flow nesting
    "title: x\nsummary:\n" + _nested(200),  # deep block nesting
    "title: x\nduration: \"" + " " * 50_000 + "x\"\n",  # catastrophic backtracking in a duration pattern
    "name: x\njoined: 2025-01-01\nemail: \"a@" + "." * 200_000 + " \"\n",  # ... in an e-mail pattern
    "title: x\ntitle: y\n",
    "title: x\n\"title\": y\n",
    "<<: &base {title: x}\ntitle: y\n",
    "title: !!binary AAECAwQ=\n",
    "title: \"bell \\a and nul \\0\"\n",
    "subject: \"Hi\\r\\nBcc: evil@example.org\"\nnumber: 1\nmonth: 2026-10\n",
    "number: " + "9" * 4400 + "\n",
    "number: 0x" + "f" * 5000 + "\n",
    "month: 9999-12\nnumber: 1\nsubject: x\n",
    "period: {start: 9999-12-31, end: 9999-12-31}\nnumber: 1\nsubject: x\n",
    "title: x\nstart: 9999-12-31T23:59:59-12:00\nduration: 20160\ntimezone: Etc/GMT+12\n",
    "title: x\nstart: 0001-01-01T00:00:00+14:00\nduration: 1\ntimezone: UTC\n",
    # recurrences that never occur (dateutil would search day by day until the year 9999), or too often
    EVENT + "rrule: FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2\n",
    EVENT + "rrule: FREQ=SECONDLY;COUNT=100000\n",
    EVENT + "rrule: FREQ=WEEKLY;UNTIL=99991231T000000Z\n",
    EVENT + "rrule: FREQ=WEEKLY;UNTIL=20270101\n",
    "title: x\nstart: 2026-01-01T10:00:00+01:00\nduration: 60\ntimezone: " + "a" * 300 + "\n",
    "title: x\nstart: 2026-01-01T10:00:00+01:00\nduration: 60\ntimezone: Europe\n",
    "title: x\nstart: 2026-01-01T10:00:00+01:00\nduration: 60\ntimezone: ../../../etc/passwd\n",
    "member: zed\nmonth: 2026-10\n",
    "title: x\ndate: soon\n",  # a missing field and a wrong one, in one file
    "? [a, b]\n: c\n",
    "1: x\n",
    "[a, b]\n",
    "just text\n",
    "title: x\n---\ntitle: y\n",
    "title: x\nsummary: " + "y" * 100_001 + "\n",
    "title: x\nlocation: \"" + "\\u202e" * 1000 + "\"\n",
    "%YAML 1.1\n---\ntitle: x\n",
    "title: x\n...\n",
    "\ttitle: x\n",
    "title:\tx\n",
    "\"a: b\": 1\n\"line\\nbreak\": 2\n\"\\u202eevil\": 3\n",
    "metrics: [{label: x, value: .nan}, {label: y, value: 1e999}]\ntitle: x\ndate: 2026-01-01\nmembers: [ana]\n",
]

# Hostile and slow to load (seconds each on a busy machine): each is run once, as an explicit example.
BIG = [
    "title: x\ntags: [" + ", ".join(["A"] * 20_000) + "]\n",  # 20,000 errors in one field
    "title: x\ntags: [" + ", ".join(["a"] * 101_000) + "]\n",  # more values than a front matter may hold
    "title: " + "x" * 1_990_000 + "\n",  # just under the size limit
    "title: x\n" + "k: v\n" * 400_000,  # over it
    EVENT + "rrule: FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2\n",  # searched month by month: a second or two
]

front_matters = st.one_of(dumped_front_matter(), raw_front_matter(), st.sampled_from(HOSTILE))


@st.composite
def documents(draw) -> bytes:
    """A whole file: optional BOM or blank lines, front matter between (or not quite between) '---' lines, a body,
    any line endings, and now and then an encoding other than UTF-8 or a corrupted byte."""
    front = draw(front_matters)
    body = draw(st.text(st.characters(codec="utf-8"), max_size=200) | st.sampled_from(["", "Body.\n", "  \n"]))
    opening = draw(st.sampled_from(["---", "---", "----", "--- ", "---\t", "--", "+++", ""]))
    closing = draw(st.sampled_from(["---", "---", "---", "...", "--- trailing", ""]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r", "\n\r", "\u2028", "\x85"]))
    start = draw(st.sampled_from(["", "", "\ufeff", "\n\n", "   ", "\ufeff\ufeff"]))
    text = start + newline.join([opening, *front.split("\n"), closing, body])
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-16", "utf-8-sig", "latin-1", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # corrupt one byte: invalid UTF-8, NUL, a lone continuation byte
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.sampled_from([b"\x00", b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80"])) \
            + data[position:]
    return data


FOLDERS = [
    "content/members", "content/posts/2026", "content/posts/1999", "content/posts/imported/ana",
    "content/posts/imported/Ana", "content/spotlights", "content/stories", "content/events",
    "content/academy/basics", "content/academy/new-course", "content/academy/Basics", "content/pages",
    "newsletters", "content", "content/posts", "content/academy", "content/unknown",
]
STEMS = [
    "index", "01-welcome", "02-welcome", "001-next", "01-", "99", "guidelines", "Guidelines", "guide", "Guide",
    "GUIDE", "gu\u0131de", "ｇｕｉｄｅ", "caf\u00e9", "cafe\u0301", "con", "nul", "com1", "lpt9", "aux", "assets",
    "search", "tags", "feed", "posts", "members", "leaderboard", "past", "sv", "newsletter", "figures", "2026-10",
    "2026-10-ana", "2026-10-bo", "first-week", "ana", "bo", "zed", "faster-answers", "2026-12-03-ama", "a" * 80,
    "a" * 81, "b" * 240, "-lead", "trail-", "dou--ble", "x.", "x..", "...", "-", "_", "a b", "a\tb", "a\nb",
    "a\rb", "\u202egnp", "a:b", "a\\b", "a*b", "a?b", "\u00a0", "\ufeffbom", "\U0001f600",
]
SUFFIXES = [".md"] * 6 + [".sv.md", ".pl.md", ".en.md", ".de.md", ".SV.md", ".pt-BR.md", ".sv.sv.md", ".md.", ".MD",
                          ".Md", ".markdown", ".txt", "", ".md.md", ". md", ".sv\n.md"]
stems = st.sampled_from(STEMS) | st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1,
                                          max_size=30)


@st.composite
def file_names(draw) -> str:
    name = draw(stems) + draw(st.sampled_from(SUFFIXES))
    if name in (".", "..") or len(os.fsencode(name)) > 255:
        name = "too-long.md"
    rel = f"{draw(st.sampled_from(FOLDERS))}/{name}"
    return rel + ".md" if rel in FOLDERS or (MINIMAL / rel).is_dir() else rel  # a file, not a folder


# -- running the loader -------------------------------------------------------------------------------------------

@functools.cache
def scratch() -> Path:
    """One scratch copy of the minimal community for every example of this process (removed at the end)."""
    root = Path(tempfile.mkdtemp(prefix="agora-prop-")) / "c"
    shutil.copytree(MINIMAL, root)
    return root


@functools.cache
def scratch_settings():
    return load_settings(scratch())


@contextlib.contextmanager
def community(files: dict[str, bytes]):
    """The minimal community with `files` written over it (names are paths under the root), put back as it was
    afterwards: one scratch copy serves every example, so an example costs a load and not a copy."""
    root = scratch()
    saved: dict[Path, bytes | None] = {}
    made: list[Path] = []
    try:
        for rel, data in files.items():
            path = root / rel
            for parent in reversed(Path(rel).parents[:-1]):
                if not (root / parent).exists():
                    (root / parent).mkdir()
                    made.append(root / parent)
            saved.setdefault(path, path.read_bytes() if path.exists() else None)
            path.write_bytes(data)
        yield root
    finally:
        for path, data in saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)
        for folder in reversed(made):
            folder.rmdir()


@contextlib.contextmanager
def copied_community(files: dict[str, bytes]):
    """A scratch copy of the minimal community of its own, with `files` written over it (for a subprocess)."""
    with tempfile.TemporaryDirectory(prefix="agora-prop-") as scratch:
        root = Path(scratch) / "c"
        shutil.copytree(MINIMAL, root)
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        yield root


def shown(rel: str) -> str:
    """A path as `agora check` names it: characters that are not printable are escaped (\\uXXXX)."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in rel)


def loaded_paths(model) -> set[str]:
    paths = set()
    for items in model.collections().values():
        for item in items:
            paths.add(item.path)
            paths.update(version.path for version in item.translations.values())
    return paths


def check_loading(files: dict[str, bytes], test: str) -> list:
    """Load the community with `files`; assert the result is a model plus well-formed, located problems, and
    that no written file is silently dropped. Returns the problems."""
    COUNTS[test] += 1
    with community(files), watchdog(HANG_SECONDS):
        model, problems = load_community(scratch_settings())
    for problem in problems.items:
        line = str(problem)
        assert not LINE_BREAKS.search(line), line
        assert LINE.match(line), line
        assert problem.field, line
        assert problem.line is None or problem.line >= 1, line
        parts = problem.path.split("/")
        assert parts[0] in {"content", "newsletters"} and ".." not in parts, line
    errors = problems.errors  # sorts them, as `agora check` does: the problems of one file must be comparable
    loaded = loaded_paths(model)
    named = {problem.path for problem in problems.items}
    named_files = {path.rsplit("/", 1)[-1] for path in named}
    for rel in files:
        if not visible(rel) or rel == "content/feeds.yml":
            continue
        # A translation of a broken original is not reported on its own: fixing the original brings it in.
        original = TRANSLATION.sub(".md", rel).rsplit("/", 1)[-1]
        assert rel in loaded or shown(rel) in named or original in named_files, \
            f"{rel!r} was neither loaded nor reported: {errors}"
    return errors


TRANSLATION = re.compile(r"\.[^./]+\.md$")


def visible(rel: str) -> bool:
    """Hidden files and folders (an editor's swap file, .git) are not content."""
    return not any(part.startswith(".") for part in rel.split("/"))


# -- the properties -----------------------------------------------------------------------------------------------

@settings(max_examples=300)
@given(name=file_names(), data=documents())
@example(name="content/pages/x.md", data=("---\n" + HOSTILE[0] + "---\n").encode())  # billion laughs
@example(name="content/posts/2026/big.md", data=f"---\n{BIG[0]}---\n".encode())
@example(name="content/posts/2026/big.md", data=f"---\n{BIG[1]}---\n".encode())
@example(name="content/pages/big.md", data=f"---\n{BIG[2]}---\n".encode())
@example(name="content/pages/big.md", data=f"---\n{BIG[3]}---\n".encode())
@example(name="content/events/2027-02-30-never.md", data=f"---\n{BIG[4]}---\n".encode())
@example(name="content/posts/2026/first-week.md", data=b"---\ntitle: x\ndate: soon\n---\n")
@example(name="content/spotlights/2026-10-ana.md", data=b"---\nmember: zed\nmonth: 2026-10\n---\n")
@example(name="content/pages/guide\n.md", data=b"---\ntitle: x\n---\n")
def test_any_file_loads_or_is_reported(name: str, data: bytes):
    check_loading({name: data}, "any file")


@settings(max_examples=120)
@given(files=st.dictionaries(file_names(), documents(), min_size=2, max_size=4))
def test_several_files_interact_without_crashing(files: dict[str, bytes]):
    """Duplicates, case collisions, translations and references between random files."""
    check_loading(files, "several files")


@settings(max_examples=150)
@given(name=file_names(), data=st.binary(max_size=3000))
@example(name="content/pages/x.md", data=b"---\ntitle: \xff\n---\n")
@example(name="content/pages/x.md", data=b"---\ntitle: a\x00b\n---\n")
@example(name="content/pages/x.md", data=b"\xef\xbb\xbf\xef\xbb\xbf---\ntitle: x\n---\n")
def test_random_bytes_are_reported_not_raised(name: str, data: bytes):
    check_loading({name: data}, "random bytes")


@settings(max_examples=80)
@given(front=front_matters | st.sampled_from(["feeds:\n  - member: ana\n    url: https://a.example/feed\n"
                                               "    tags: " + "[" * 100 + "]" * 100, "feeds: 7", "- a"]))
def test_feeds_file_is_reported_not_raised(front: str):
    check_loading({"content/feeds.yml": front.encode()}, "feeds.yml")


@settings(max_examples=120)
@given(value=values, field=st.sampled_from(FIELD_NAMES), name=st.sampled_from([
    "content/members/zoe.md", "content/posts/2026/new.md", "content/events/2027-01-01-x.md", "content/stories/s.md",
    "content/academy/basics/02-next.md", "content/academy/basics/index.md", "content/pages/about.md",
    "content/spotlights/2026-11-bo.md", "newsletters/2026-11.md", "content/posts/2026/first-week.sv.md",
]))
def test_any_value_in_any_field_of_a_valid_file(value: object, field: str, name: str):
    """Start from a valid file of the collection and put a random value in one field: the value is validated
    against its schema (not just rejected as malformed YAML), so this reaches every field type's validator."""
    valid = {
        "content/members/zoe.md": {"name": "Zoe", "joined": dt.date(2026, 1, 1)},
        "content/posts/2026/new.md": {"title": "T", "date": dt.date(2026, 1, 2), "author": "ana"},
        "content/events/2027-01-01-x.md": {"title": "T", "start": "2027-01-01T10:00:00+01:00", "duration": 60,
                                           "timezone": "Europe/Oslo"},
        "content/stories/s.md": {"title": "T", "date": dt.date(2026, 1, 3), "members": ["ana"]},
        "content/academy/basics/02-next.md": {"title": "T"},
        "content/academy/basics/index.md": {"title": "T", "level": "beginner", "summary": "S",
                                            "date": dt.date(2026, 1, 4)},
        "content/pages/about.md": {"title": "T"},
        "content/spotlights/2026-11-bo.md": {"member": "ana", "month": "2026-11"},
        "newsletters/2026-11.md": {"number": 2, "subject": "S", "month": "2026-11"},
        "content/posts/2026/first-week.sv.md": {"title": "T"},
    }[name]
    front = yaml.safe_dump({**valid, field: value}, allow_unicode=True, sort_keys=False)
    check_loading({name: f"---\n{front}---\nBody.\n".encode()}, "any value in any field")


# -- through the command line -------------------------------------------------------------------------------------

CLI_DOCUMENTS = st.one_of(
    st.sampled_from(HOSTILE).map(lambda front: f"---\n{front}---\nBody.\n".encode()),
    documents().map(lambda data: data + b"\xff"),  # always invalid: not UTF-8
    st.binary(max_size=500).map(lambda data: b"\x00" + data),  # always invalid: NUL
)


@settings(max_examples=12, deadline=dt.timedelta(seconds=60))
@given(name=file_names().filter(visible), data=CLI_DOCUMENTS)
def test_check_reports_every_problem_on_one_line_and_exits_1(name: str, data: bytes):
    COUNTS["agora check"] += 1
    with copied_community({name: data}) as root:
        result = run_agora("check", "--root", root, timeout=HANG_SECONDS)
    assert result.code == 1, result.output
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert lines
    for line in lines:
        assert LINE.match(line), line
    assert any(line.startswith(shown(name)) for line in lines), (name, lines)
    assert re.search(r"^\d+ errors?, \d+ warnings?$", result.stdout, re.M), result.stdout


# -- the figure ---------------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True, scope="module")
def _record_counts():
    """Leave the number of examples run for conftest's terminal summary (works under xdist too)."""
    yield
    if scratch.cache_info().currsize:
        shutil.rmtree(scratch().parent, ignore_errors=True)
    EXAMPLE_COUNTS_DIR.mkdir(parents=True, exist_ok=True)
    (EXAMPLE_COUNTS_DIR / f"{os.getpid()}.json").write_text(json.dumps(dict(COUNTS)))
