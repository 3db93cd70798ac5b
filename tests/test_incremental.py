"""Incremental builds: after any sequence of edits, `agora build` with the page cache writes exactly what a
clean `agora build --force` without a cache writes, file for file and byte for byte.

The edit sequences are generated (hypothesis' stateful testing) over a small community in three languages:
posts added, edited, deleted, translated and published; a member renamed; a setting, a template override and a
catalog string changed; events added that change what is upcoming. After every step both trees are compared.
`HYPOTHESIS_PROFILE=long` runs many more sequences.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from generator.build import BuildOptions, build
from generator.files import sealed, unsealed
from generator.site import cache, manifest, memo

from conftest import EXAMPLE_COUNTS_DIR, ROOT, copy_parts, minimal_community, run_agora

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
INPUTS = ("mkdocs.yml", "content", "newsletters", "locales", "docs", "overrides")
WORDS = st.lists(st.sampled_from(["moderation", "rota", "newcomer", "mentor", "forum", "dziękuję", "Ἑλλάς",
                                  "välkommen", "## Heading", "*kind*", "`code`", "1,024"]), min_size=1, max_size=6)
# Two random sequences in `make test` (each step is an incremental build and, for inputs not seen before, a clean
# one); the long profile runs 40. Without a database, hypothesis' first example is its simplest (one rule, STEPS - 1
# times) and its second the initial community alone; random sequences start with the third, so two more run.
SEQUENCES = int(os.environ.get("AGORA_INCREMENTAL_SEQUENCES", "2" if os.environ.get("HYPOTHESIS_PROFILE") != "long"
                               else "40"))
STEPS = 6
COUNTS = {"sequences": 0, "steps": 0, "clean builds": 0}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None), by path: an empty folder left behind is a difference too."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def assert_same_tree(incremental: Path, clean: Path) -> None:
    got, want = tree(incremental), tree(clean)
    assert sorted(got) == sorted(want), (f"files only in the incremental build: {sorted(set(got) - set(want))[:5]}; "
                                         f"only in the clean build: {sorted(set(want) - set(got))[:5]}")
    differing = [name for name in want if got[name] != want[name]]
    assert not differing, f"{len(differing)} files differ from a clean build, e.g. {differing[:5]}"


def post(title: str, day: int, author: str, body: str, status: str = "published") -> str:
    return (f"---\ntitle: {json.dumps(title)}\ndate: 2026-10-{day:02d}\nauthor: {author}\nstatus: {status}\n"
            f"summary: {json.dumps(title + ' in short')}\n---\n{body}\n")


class EditSequence(RuleBasedStateMachine):
    """One community edited step by step (`work`), built incrementally; each step is also built clean."""

    def __init__(self) -> None:
        super().__init__()
        self.base: Path | None = None
        self.posts: dict[str, str] = {}  # slug -> status
        self.events = 0

    @initialize()
    def start(self) -> None:
        self.base = TMP.mkdir()
        self.work = self.base / "work"
        shutil.copytree(MINIMAL, self.work)
        shutil.copytree(ROOT / "locales", self.work / "locales")
        (self.work / "overrides" / "partials").mkdir(parents=True)
        self.write("overrides/partials/copyright.html", '<div class="md-copyright">Minimal</div>\n')
        config = (self.work / "mkdocs.yml").read_text()
        self.write("mkdocs.yml", config.replace("  font: false", "  font: false\n  custom_dir: overrides"))
        self.posts = {"first-week": "published"}
        COUNTS["sequences"] += 1
        self.check()

    def write(self, rel: str, text: str) -> None:
        path = self.work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def check(self) -> None:
        # Every other step with one job: the languages are built in this process, which keeps the manifests it
        # writes in memory for its next build (as `agora serve` does) and writes them after the output is in place.
        jobs = 1 if COUNTS["steps"] % 2 else 3
        assert build(self.work, BuildOptions(progress=False, jobs=jobs)) == 0
        clean = clean_build(self.work)
        assert_same_tree(self.work / "site", clean / "site")
        assert_same_tree(self.work / "build" / "newsletters", clean / "build" / "newsletters")
        COUNTS["steps"] += 1

    @rule(words=WORDS, day=st.integers(1, 28), author=st.sampled_from(["ana", "bo"]),
          status=st.sampled_from(["published", "published", "pending"]))
    def add_post(self, words, day, author, status) -> None:
        slug = f"p{len(self.posts)}"
        self.write(f"content/posts/2026/{slug}.md", post(" ".join(words[:3]), day, author, " ".join(words), status))
        self.posts[slug] = status

    @precondition(lambda self: self.posts)
    @rule(data=st.data(), words=WORDS)
    def edit_body(self, data, words) -> None:
        slug = data.draw(st.sampled_from(sorted(self.posts)))
        path = self.work / "content/posts/2026" / f"{slug}.md"
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + " ".join(words) + "\n",
                        encoding="utf-8")

    @precondition(lambda self: any(s.startswith("p") for s in self.posts))
    @rule(data=st.data(), words=WORDS)
    def edit_title(self, data, words) -> None:
        slug = data.draw(st.sampled_from(sorted(s for s in self.posts if s.startswith("p"))))
        path = self.work / "content/posts/2026" / f"{slug}.md"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[1] = f"title: {json.dumps(' '.join(words))}\n"
        path.write_text("".join(lines), encoding="utf-8")

    @precondition(lambda self: any(s.startswith("p") for s in self.posts))
    @rule(data=st.data())
    def delete_post(self, data) -> None:
        slug = data.draw(st.sampled_from(sorted(s for s in self.posts if s.startswith("p"))))
        for path in (self.work / "content/posts/2026").glob(f"{slug}.*md"):
            path.unlink()
        del self.posts[slug]

    @precondition(lambda self: self.posts)
    @rule(data=st.data(), lang=st.sampled_from(["sv", "pl"]), words=WORDS)
    def translate_post(self, data, lang, words) -> None:
        slug = data.draw(st.sampled_from(sorted(self.posts)))
        self.write(f"content/posts/2026/{slug}.{lang}.md",
                   f"---\ntitle: {json.dumps(' '.join(words[:2]))}\n---\n{' '.join(words)}\n")

    @precondition(lambda self: "pending" in self.posts.values())
    @rule(data=st.data())
    def publish(self, data) -> None:
        slug = data.draw(st.sampled_from(sorted(s for s, status in self.posts.items() if status == "pending")))
        path = self.work / "content/posts/2026" / f"{slug}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("status: pending", "status: published"),
                        encoding="utf-8")
        self.posts[slug] = "published"

    @rule(member=st.sampled_from(["ana", "bo"]), words=WORDS)
    def rename_member(self, member, words) -> None:
        path = self.work / "content/members" / f"{member}.md"
        text = path.read_text(encoding="utf-8")
        name = next(line for line in text.splitlines() if line.startswith("name:"))
        path.write_text(text.replace(name, f"name: {json.dumps(' '.join(words[:2]))}"), encoding="utf-8")

    @rule(size=st.integers(1, 4))
    def change_setting(self, size) -> None:
        config = (self.work / "mkdocs.yml").read_text()
        config = "\n".join(line for line in config.splitlines() if "posts_per_page" not in line) + "\n"
        self.write("mkdocs.yml", config.replace("      languages:", f"      posts_per_page: {size}\n      languages:"))

    @rule(words=WORDS)
    def change_template(self, words) -> None:
        self.write("overrides/partials/copyright.html", f'<div class="md-copyright">{" ".join(words)}</div>\n')

    @rule(lang=st.sampled_from(["sv", "pl"]), message=st.sampled_from(["Posts", "Events", "Members"]), words=WORDS)
    def change_catalog_string(self, lang, message, words) -> None:
        path = self.work / "locales" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle)
        catalog[message].string = " ".join(words[:2])
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False)

    @rule(day=st.integers(1, 28), month=st.sampled_from(["2026-09", "2026-10", "2026-11", "2027-01"]))
    def add_event(self, day, month) -> None:
        self.events += 1
        self.write(f"content/events/{month}-{day:02d}-e{self.events}.md",
                   f"---\ntitle: Event {self.events}\nstart: {month}-{day:02d}T18:00:00+01:00\nduration: 45\n"
                   f"timezone: Europe/Oslo\nkind: meetup\nhosts: [bo]\n---\nCome along.\n")

    @invariant()
    def incremental_equals_clean(self) -> None:
        if self.base is not None and (self.work / "site").exists():
            self.check()


# The latest clean builds, by the bytes of their inputs (a clean build depends on nothing else). Edit sequences
# come back to inputs just built: the invariant runs right after `start` has checked the unchanged community, a
# rule can leave every file as it was, and every sequence starts from the same community (hypothesis' second
# example is that community alone). Every incremental build still runs and is compared; only the reference is not
# built twice from the same bytes. The oldest are dropped (a long run goes through hundreds of inputs).
CLEAN: OrderedDict[str, Path] = OrderedDict()
KEEP_CLEAN = 8


def inputs_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for part in INPUTS:
        source = root / part
        for path in sorted(source.rglob("*")) if source.is_dir() else [source] if source.exists() else []:
            if path.is_file():
                digest.update(f"{path.relative_to(root).as_posix()}\0{path.stat().st_size}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def clean_build(work: Path) -> Path:
    """A folder with a clean `agora build --force`, without a cache, of a copy of `work`'s inputs."""
    key = inputs_digest(work)
    if key in CLEAN:
        CLEAN.move_to_end(key)
        return CLEAN[key]
    clean = copy_parts(work, TMP.mkdir("clean"), INPUTS)
    assert build(clean, BuildOptions(progress=False, jobs=3, force=True)) == 0
    COUNTS["clean builds"] += 1
    CLEAN[key] = clean
    while len(CLEAN) > KEEP_CLEAN:
        shutil.rmtree(CLEAN.popitem(last=False)[1])
    return clean


class _Tmp:
    """Fresh folders for the state machine, which hypothesis constructs without fixtures."""

    root: Path | None = None
    count = 0

    def mkdir(self, name: str = "seq") -> Path:
        self.count += 1
        path = self.root / f"{name}{self.count}"
        path.mkdir()
        return path


TMP = _Tmp()


def test_incremental_build_equals_clean_build(tmp_path, monkeypatch):
    # The reference date comes from the content (the newest post), as in an editor's build.
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    TMP.root = tmp_path
    CLEAN.clear()
    machine = EditSequence.TestCase
    machine.settings = settings(max_examples=SEQUENCES + 2, stateful_step_count=STEPS, deadline=None,
                                database=None)
    machine().runTest()
    EXAMPLE_COUNTS_DIR.mkdir(parents=True, exist_ok=True)
    (EXAMPLE_COUNTS_DIR / f"incremental-{os.getpid()}.json").write_text(
        json.dumps({"incremental edit sequences": COUNTS["sequences"], "incremental steps": COUNTS["steps"],
                    "incremental clean builds": COUNTS["clean builds"]}))
    assert COUNTS["steps"] > COUNTS["sequences"]


def test_a_corrupt_or_foreign_cache_falls_back_to_a_full_build(tmp_path):
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    shutil.copytree(ROOT / "locales", root / "locales")  # compiled catalogs are kept too
    assert run_agora("build", "--root", root).code == 0
    expected = tree(root / "site")
    pages = root / ".cache" / "agora" / "pages" / f"v{cache.FORMAT}"
    with contextlib.closing(sqlite3.connect(pages / "en.sqlite")) as db, db:
        records = db.execute("SELECT key, value FROM pages ORDER BY key LIMIT 3").fetchall()
        assert len(records) == 3, "the build left no page records"
        # Corrupt: a truncated record, garbage, and a record whose HTML was edited behind its digest.
        digest, _, _ = records[2][1].partition(b"\n")
        raw = unsealed(records[2][1])
        raw["html"] = raw["html"].replace("<body", "<body data-poisoned")
        for (key, _), broken in zip(records, (records[0][1][:50], b"\x00garbage",
                                               digest + b"\n" + marshal.dumps(raw)), strict=True):
            db.execute("UPDATE pages SET value = ? WHERE key = ?", (broken, key))
    # A language's database that is not one (damaged on disk): deleted and started afresh.
    (pages / "sv.sqlite").write_bytes(b"\x00not a database" * 100)
    # Foreign: another format's cache beside it is never read.
    (root / ".cache" / "agora" / "pages" / "v0").mkdir()
    # Without the record of the last build, the same inputs are built again (not skipped); without the output,
    # nothing can be taken over from it, so every page comes from the page cache or is rendered.
    (root / ".cache" / "agora" / "build.json").unlink()
    shutil.rmtree(root / "site")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    rendered = {line.split(":")[0].strip(): re.search(r"(\d+) pages \((\d+) rendered", line).groups()
                for line in result.stderr.splitlines() if " pages (" in line}
    assert rendered["en"][1] == "3", result.stderr  # the three broken records, and only they, were rendered again
    assert rendered["sv"][0] == rendered["sv"][1], result.stderr  # the damaged database: everything
    assert rendered["pl"][1] == "0", result.stderr
    assert tree(root / "site") == expected

    # The manifests of the output in place (what can be taken over from it) and of the replaced output kept
    # beside it (which the next build updates in place): of each, one truncated, one of another format, and a
    # page of the third language's output edited behind its manifest's back.
    assert run_agora("build", "--root", root, "--force").code == 0  # now there is a spare
    manifests = sorted((root / ".cache" / "agora" / "manifests").rglob("*.bin"))
    assert len(manifests) == 6, manifests
    for spare, folder in ((True, root / ".site.spare"), (False, root / "site")):
        described = [path for path in manifests if path.name.endswith(".spare.bin") == spare]
        described.sort(key=lambda path: not path.name.endswith(("-pl.bin", "-pl.spare.bin")))  # Polish first
        described[1].write_bytes(described[1].read_bytes()[:50])
        raw = unsealed(described[2].read_bytes())
        described[2].write_bytes(sealed({**raw, "format": 0}))
        # A page entry of the third reshaped by hand (its digest made to match): that page is built as if it
        # had changed.
        raw = unsealed(described[0].read_bytes())
        first_page = next(iter(raw["pages"]))
        raw["pages"][first_page]["search"] = ["not", "text"]
        described[0].write_bytes(sealed(raw))
        edited = folder / "pl" / "members" / "index.html"
        text = edited.read_text("utf-8").replace("<body", "<body data-edited")
        edited.unlink()  # not written through: the two trees share the file
        edited.write_text(text, "utf-8")
        # Its search index, where unchanged pages' entries are read from, edited without moving any of them.
        index = folder / "pl" / "search" / "search_index.json"
        text = index.read_text("ascii")
        at = text.index("e", text.index('"text":"', len(text) // 2) + len('"text":"'))  # a page not rebuilt
        index.unlink()
        index.write_text(text[:at] + "E" + text[at + 1:], "ascii")
    # And the kept parses, input digests and planned Markdown: garbage and damaged entries.
    (root / ".cache" / "agora" / "parsed.pickle").write_bytes(b"\x80\x05garbage")
    (root / ".cache" / "agora" / "parsed.pickle.delta").write_bytes(b"\x80\x05garbage")
    # The compiled catalogs: one damaged behind its header (the digest of its .po), one garbage.
    catalogs = root / ".cache" / "agora" / "catalogs"
    header, _, _ = (catalogs / "sv.mo").read_bytes().partition(b"\n")
    (catalogs / "sv.mo").write_bytes(header + b"\n\x00garbage")
    (catalogs / "pl.mo").write_bytes(b"garbage")
    (root / ".cache" / "agora" / "digests.bin").write_bytes(b"garbage\n")
    plans = root / ".cache" / "agora" / "plans" / f"v{memo.FORMAT}"
    with contextlib.closing(sqlite3.connect(plans / "en.sqlite")) as db, db:
        renders = db.execute("SELECT key, value FROM renders ORDER BY key LIMIT 2").fetchall()
        assert len(renders) == 2, "the build kept no planned Markdown"
        db.execute("UPDATE renders SET value = ? WHERE key = ?", (renders[0][1][:40], renders[0][0]))
        digest, _, _ = renders[1][1].partition(b"\n")  # edited behind its digest
        poisoned = digest + b"\n" + marshal.dumps(unsealed(renders[1][1]) + "\n\npoisoned")
        db.execute("UPDATE renders SET value = ? WHERE key = ?", (poisoned, renders[1][0]))
    (plans / "sv.sqlite").write_bytes(b"\x00not a database" * 100)
    (root / ".cache" / "agora" / "build.json").unlink()
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    assert tree(root / "site") == expected


def test_a_build_updates_the_replaced_output_and_never_writes_through_the_one_in_place(tmp_path):
    """A build stages in the output the build before it replaced (kept as `.site.spare`), which shares most
    files with the output in place (hard links). Whatever it changes, the output in place keeps its bytes: once
    replaced, it is the spare, and holds exactly what was published."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    post, translation = (root / "content" / "posts" / "2026" / name for name in ("first-week.md", "first-week.sv.md"))
    assert run_agora("build", "--root", root).code == 0
    edits = [(post, "within a day.", "within the hour."), (translation, "\n---\n", "\n---\nHej! "),
             (post, "within the hour", "within ten minutes"),
             (root / "mkdocs.yml", "site_name: Minimal", "site_name: Mini")]
    for step, (edited, old, new) in enumerate(edits):
        published = tree(root / "site")
        assert old in edited.read_text("utf-8")
        edited.write_text(edited.read_text("utf-8").replace(old, new, 1), "utf-8")
        result = run_agora("build", "--root", root)
        assert result.code == 0, result.output
        assert tree(root / ".site.spare") == published, f"step {step}: the published output was written through"
        assert tree(root / "site") != published
    # The spare is worth staging in: an unchanged page is neither written nor linked afresh but stays where it
    # is, in the folder two builds made before; and so does each of the theme's files (Material's script here),
    # which MkDocs would otherwise copy again.
    unchanged = root / "site" / "guidelines"
    folder = unchanged.stat().st_ino
    [theme_file] = (root / "site" / "sv" / "assets" / "javascripts").glob("bundle.*.js")
    theme_inode = theme_file.stat().st_ino
    for _ in range(2):
        post.write_text(post.read_text("utf-8") + "\nOne more line.\n", "utf-8")
        assert run_agora("build", "--root", root).code == 0
    assert unchanged.stat().st_ino == folder
    assert theme_file.stat().st_ino == theme_inode, (theme_inode, theme_file.stat().st_ino, theme_file)
    # Deleting the spare is safe: the next build stages in an empty folder.
    published = tree(root / "site")
    shutil.rmtree(root / ".site.spare")
    post.write_text(post.read_text("utf-8").replace("One more line.", "One line more.", 1), "utf-8")
    assert run_agora("build", "--root", root).code == 0
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", ".site.spare", ".cache", "build"))
    assert run_agora("build", "--root", clean, "--force").code == 0
    assert_same_tree(root / "site", clean / "site")
    assert tree(root / ".site.spare") == published


def test_files_added_to_the_output_by_hand_are_gone_once_it_is_built_in_again(tmp_path):
    """A build deletes from the spare it stages in the files its manifest lists, without walking its folders, only
    while every folder is as the manifest recorded it and its top holds nothing else. Files added to the published
    output by hand (or by a deploy step) make the build after next, which stages in that output, walk it and
    delete them: the output stays what a clean build writes."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    post = root / "content" / "posts" / "2026" / "first-week.md"

    def edit_and_build(times: int) -> None:
        for _ in range(times):
            post.write_text(post.read_text("utf-8") + "\nOne more line.\n", "utf-8")
            assert run_agora("build", "--root", root).code == 0

    edit_and_build(3)  # from the third build on, the spare is updated from its manifest
    for step, strays in enumerate([["site/.nojekyll"],  # at the top, which is listed
                                   ["site/guidelines/notes.txt", "site/sv/posts/first-week/draft/index.html"],
                                   ["site/404.html/index.html"]]):  # a folder where a listed file was
        for stray in strays:
            if (root / stray).parent.is_file():
                (root / stray).parent.unlink()  # not written through: the two trees share the file
            (root / stray).parent.mkdir(exist_ok=True)
            (root / stray).write_text("added by hand\n", "utf-8")
        edit_and_build(2)  # the first replaces the output with the strays (kept as the spare); the next stages in it
        clean = tmp_path / f"clean-{step}"
        shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", ".site.spare", ".cache", "build"))
        assert run_agora("build", "--root", clean, "--force").code == 0
        assert_same_tree(root / "site", clean / "site")


def test_a_manifest_never_makes_a_build_delete_outside_its_output(tmp_path):
    """The files a build deletes from the spare come from the spare's manifest, a cache file: one that names a
    path outside the output (restored from a poisoned CI cache, say, with its digest made to match) deletes
    nothing there; the spare is walked instead, and the output is still a clean build's."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    post = root / "content" / "posts" / "2026" / "first-week.md"
    for _ in range(3):  # from the third build on, the spare is updated from its manifest
        post.write_text(post.read_text("utf-8") + "\nOne more line.\n", "utf-8")
        assert run_agora("build", "--root", root).code == 0
    victim = root / "victim.txt"
    victim.write_text("not Agora's\n", "utf-8")
    spare = manifest.location(root, root / "site", "en", spare=True)
    described = unsealed(spare.read_bytes())
    # The default language's part of the spare is staged one folder below the staging folder, beside `site/`.
    described["present"].append("../../victim.txt")
    spare.write_bytes(sealed(described))
    post.write_text(post.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    assert run_agora("build", "--root", root).code == 0
    assert victim.read_text("utf-8") == "not Agora's\n"
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", ".site.spare", ".cache", "build", "victim.txt"))
    assert run_agora("build", "--root", clean, "--force").code == 0
    assert_same_tree(root / "site", clean / "site")


def test_per_language_builds_assemble_into_the_single_build(tmp_path):
    """Large communities build each language on its own machine, then assemble the parts."""
    single = tmp_path / "single"
    shutil.copytree(MINIMAL, single)
    assert run_agora("build", "--root", single).code == 0
    parted = tmp_path / "parted"
    shutil.copytree(MINIMAL, parted)
    site_parts, letter_parts = [], []
    for code in ("en", "sv", "pl"):
        # On separate machines: nothing shared but the commit (no cache, separate newsletter folders).
        shutil.rmtree(parted / ".cache", ignore_errors=True)
        result = run_agora("build", "--root", parted, "--lang", code, "--out", tmp_path / f"site-{code}")
        assert result.code == 0, result.output
        (parted / "build" / "newsletters").rename(tmp_path / f"letters-{code}")
        site_parts.append(tmp_path / f"site-{code}")
        letter_parts.append(tmp_path / f"letters-{code}")
    assert run_agora("assemble", *site_parts, "--out", tmp_path / "site").code == 0
    assert run_agora("assemble", *letter_parts, "--out", tmp_path / "letters").code == 0
    assert_same_tree(tmp_path / "site", single / "site")
    assert_same_tree(tmp_path / "letters", single / "build" / "newsletters")
    # Parts that disagree (another reference date) are refused, naming the file; nothing is written.
    other = run_agora("build", "--root", parted, "--lang", "sv", "--today", "2027-06-01", "--out", tmp_path / "late")
    assert other.code == 0, other.output
    clash = run_agora("assemble", *site_parts, tmp_path / "late", "--out", tmp_path / "mixed")
    assert clash.code == 1 and "differs between" in clash.stderr, clash.output
    assert not (tmp_path / "mixed").exists()


def test_build_output_counts_pages_and_has_no_control_characters_off_a_terminal(tmp_path):
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    first = run_agora("build", "--root", root)
    assert first.code == 0, first.output
    post = root / "content" / "posts" / "2026" / "first-week.md"
    post.write_text(post.read_text() + "\nOne more line.\n")
    second = run_agora("build", "--root", root)
    assert second.code == 0, second.output
    # Only the post's own page shows its body; the rest is reused. The Swedish page shows the Swedish
    # translation's body, so in Swedish nothing changed.
    for code, rendered in (("en", 1), ("sv", 0), ("pl", 1)):
        line = next(line for line in second.stderr.splitlines() if line.strip().startswith(f"{code}:"))
        assert f" ({rendered} rendered, " in line, line
    # Progress counts an unchanged page as done once it is known to be: at most the one edited page is left
    # (counting only rendered pages, a build reusing thousands estimated an hour at its first page).
    progress = [line for line in second.stderr.splitlines() if line.strip().startswith("pages:")]
    assert progress, second.stderr
    for line in progress:
        for done, total in re.findall(r" [a-z]{2} (\d+)/(\d+)", line):
            assert int(done) >= int(total) - 1, line
    assert not any(ch in second.stderr for ch in "\r\x1b"), repr(second.stderr)


def test_a_theme_sitemap_of_its_own_turns_the_page_cache_off(tmp_path):
    """MkDocs' sitemap reads each page's URLs and date, which unchanged pages have without being rendered; a
    theme's own sitemap.xml may read more (a page's title here): every page is rendered, as in a clean build."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    (root / "overrides").mkdir()
    (root / "overrides" / "sitemap.xml").write_text(
        "<urlset>{% for file in pages %}<url><loc>{{ file.page.canonical_url }}</loc>"
        "<title>{{ file.page.title }}</title></url>{% endfor %}</urlset>\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  font: false", "  font: false\n  custom_dir: overrides"))
    assert run_agora("build", "--root", root).code == 0
    post = root / "content" / "posts" / "2026" / "first-week.md"
    post.write_text(post.read_text() + "\nOne more line.\n")
    second = run_agora("build", "--root", root)
    assert second.code == 0, second.output
    assert " 0 reused)" in second.stderr and "(1 rendered," not in second.stderr, second.stderr
    clean = copy_parts(root, tmp_path / "clean", INPUTS)
    assert build(clean, BuildOptions(progress=False, force=True)) == 0
    assert_same_tree(root / "site", clean / "site")
    assert (root / "site" / "sitemap.xml").read_text().count("<title>") > 10


def test_a_body_shown_in_several_languages_is_converted_once(tmp_path):
    """An untranslated post shows its original's body in every language: one worker converts it once."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)

    def bodies(result) -> tuple[int, int]:
        assert result.code == 0, result.output
        line = next(line for line in result.stderr.splitlines() if line.strip().startswith("bodies:"))
        converted, pages = re.fullmatch(r"\s*bodies: (\d+) converted for (\d+) rendered pages? .*", line).groups()
        return int(converted), int(pages)

    converted, pages = bodies(run_agora("build", "--root", root, "--jobs", "1"))
    assert converted < pages
    # The edited post shows the edited body in English and, untranslated, in Polish (Swedish has its own).
    post = root / "content" / "posts" / "2026" / "first-week.md"
    post.write_text(post.read_text("utf-8").replace("within a day", "within the hour"), "utf-8")
    assert bodies(run_agora("build", "--root", root, "--jobs", "1")) == (1, 2)
    polish = (root / "site" / "pl" / "posts" / "first-week" / "index.html").read_text("utf-8")
    assert "within the hour" in polish


def test_two_builds_of_different_outputs_at_once_share_the_cache_safely(tmp_path):
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    reference = tmp_path / "reference"
    shutil.copytree(MINIMAL, reference)
    assert run_agora("build", "--root", reference, "--force").code == 0
    # Both write every page record at once (same keys, same bytes) into one cache.
    command = [sys.executable, "-m", "generator", "build", "--root", str(root), "--out"]
    builds = [subprocess.Popen([*command, str(tmp_path / name)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True) for name in ("one", "two")]
    for build_process in builds:
        _, errors = build_process.communicate(timeout=900)
        assert build_process.returncode == 0, errors
    for name in ("one", "two"):
        assert_same_tree(tmp_path / name, reference / "site")
    # And the cache they wrote is sound: a build from it reuses every page and equals the clean build.
    (root / ".cache" / "agora" / "build.json").unlink()
    again = run_agora("build", "--root", root, "--out", tmp_path / "three")
    assert again.code == 0, again.output
    counts = [line for line in again.stderr.splitlines() if " pages (" in line]
    assert len(counts) == 3 and all("(0 rendered," in line for line in counts), again.stderr
    assert_same_tree(tmp_path / "three", reference / "site")


def test_two_builds_of_the_same_output_at_once_both_succeed(tmp_path):
    """Each takes unchanged pages over from the output in place, which the other may swap out meanwhile: the
    one left behind writes those pages from the page cache instead, and whichever finishes last is whole."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    assert run_agora("build", "--root", root).code == 0
    post = next((root / "content" / "posts").rglob("*.md"))
    post.write_text(post.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    reference = tmp_path / "reference"
    shutil.copytree(root, reference, ignore=shutil.ignore_patterns(".cache", "site"))
    assert run_agora("build", "--root", reference, "--force").code == 0
    command = [sys.executable, "-m", "generator", "build", "--root", str(root)]
    builds = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    for build_process in builds:
        _, errors = build_process.communicate(timeout=900)
        assert build_process.returncode == 0, errors
    assert_same_tree(root / "site", reference / "site")


def test_a_checkout_moved_elsewhere_keeps_its_page_cache(tmp_path):
    """Keys name input files by their place in the repository, not on the disk: another CI workspace or a copy
    of the repository restores every page, and writes what a clean build writes."""
    first = tmp_path / "first"
    shutil.copytree(MINIMAL, first)
    assert run_agora("build", "--root", first).code == 0
    moved = tmp_path / "elsewhere" / "moved"
    shutil.copytree(first, moved, ignore=shutil.ignore_patterns("site", "build.json"))
    result = run_agora("build", "--root", moved)
    assert result.code == 0, result.output
    counts = [line for line in result.stderr.splitlines() if " pages (" in line]
    assert len(counts) == 3 and all("(0 rendered," in line for line in counts), result.stderr
    assert_same_tree(moved / "site", first / "site")


def test_a_catalog_edited_after_a_build_shows_in_the_next_one(tmp_path):
    """Compiled catalogs are kept between runs by the digest of their .po file: an edited catalog is compiled
    again, never served from the copy compiled before."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    shutil.copytree(ROOT / "locales", root / "locales")
    assert run_agora("build", "--root", root).code == 0
    assert "Inlägg" in (root / "site" / "sv" / "index.html").read_text("utf-8")
    path = root / "locales" / "sv" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    catalog["Posts"].string = "Skrivelser"
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False)
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    assert "Skrivelser" in (root / "site" / "sv" / "index.html").read_text("utf-8")


def test_kept_parses_follow_every_edit_of_a_file(tmp_path):
    """Parses are kept between builds by the bytes of each file: a file made invalid after a build is refused
    with its problem named, and once mended it builds again."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    assert run_agora("build", "--root", root).code == 0
    assert (root / ".cache" / "agora" / "parsed.pickle").is_file()
    page = root / "content" / "pages" / "guidelines.md"
    valid = page.read_text("utf-8")
    page.write_text(valid.replace("title: Guidelines", "title: [not, a, title]"), "utf-8")
    refused = run_agora("build", "--root", root)
    assert refused.code == 1
    assert "content/pages/guidelines.md" in refused.stderr and "title" in refused.stderr, refused.stderr
    page.write_text(valid.replace("title: Guidelines", "title: Mended guidelines"), "utf-8")
    mended = run_agora("build", "--root", root)
    assert mended.code == 0, mended.output
    assert "Mended guidelines" in (root / "site" / "guidelines" / "index.html").read_text("utf-8")


FORMATS = {"pages": cache.FORMAT, "plans": memo.FORMAT, "manifests": manifest.FORMAT}


def test_caches_of_other_formats_are_removed(tmp_path):
    """Nothing reads a cache of another format, and a large hub's page cache is gigabytes: a build removes them."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    agora = root / ".cache" / "agora"
    stale = [agora / "pages" / "v1" / "ab" / "old.json", agora / "plans" / "v2" / "en.json",
             agora / "manifests" / "v1" / "old-en.json"]
    # And what a killed deleter of an earlier build left (its process is gone).
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale.append(agora / "pages" / f".v0.old-{gone.pid}-abc" / "ab" / "old.json")
    for path in stale:
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    for kind in ("pages", "plans", "manifests"):
        # Only this format's folder is left; the others were renamed away at once and deleted in the background.
        deadline = time.monotonic() + 60
        while len(list((agora / kind).iterdir())) > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [entry.name for entry in (agora / kind).iterdir()] == [f"v{FORMATS[kind]}"], kind


def test_a_killed_builds_pending_manifests_are_removed_and_a_running_builds_kept(tmp_path):
    """A manifest is written as `<name>.pending-<pid>` and put in place once the output is: a build killed in
    between leaves it behind (megabytes on a large hub). The next build removes those whose process is gone, and
    leaves those of a build still running."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    assert run_agora("build", "--root", root).code == 0
    folder = root / manifest.FOLDER
    current = sorted(folder.glob("*.bin"))
    assert current, "the build kept no manifest"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    abandoned = [path.with_name(f"{path.name}.pending-{gone.pid}") for path in current]
    running = current[0].with_name(f"{current[0].name}.pending-{os.getpid()}")  # this test's process runs
    for path in (*abandoned, running):
        path.write_bytes(current[0].read_bytes())
    page = root / "content" / "pages" / "guidelines.md"
    page.write_text(page.read_text("utf-8") + "\nMore.\n", "utf-8")  # else the build is skipped: nothing changed
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    assert sorted(folder.glob("*.pending-*")) == [running]


def test_the_caches_drop_what_no_recent_build_used(tmp_path):
    """Every edit adds page records and planned Markdown under new keys; once a language's store holds more than
    twice what a build uses, the build drops the rest, so a cache kept for long (CI restores it) stays bounded."""
    root = tmp_path / "c"
    shutil.copytree(MINIMAL, root)
    assert run_agora("build", "--root", root).code == 0
    stores = {root / ".cache" / "agora" / "pages" / f"v{cache.FORMAT}" / "en.sqlite": "pages",
              root / ".cache" / "agora" / "plans" / f"v{memo.FORMAT}" / "en.sqlite": "renders"}
    used = {}
    for path, table in stores.items():
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            used[path] = {key for (key,) in db.execute(f"SELECT key FROM {table}")}
            assert used[path], table
            stale = [(f"stale-{index}", sealed("left by an earlier build")) for index in range(3 * len(used[path]))]
            db.executemany(f"INSERT INTO {table} (key, value) VALUES (?, ?)", stale)
    (root / ".cache" / "agora" / "build.json").unlink()  # build again with the same inputs
    shutil.rmtree(root / "site")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    assert re.search(r"en: \d+ pages \(0 rendered", result.stderr), result.stderr  # this build's entries kept
    for path, table in stores.items():
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert {key for (key,) in db.execute(f"SELECT key FROM {table}")} == used[path], table


def test_links_to_anchors_of_pages_not_rendered_are_checked_as_in_a_clean_build(tmp_path):
    """MkDocs checks every link to an anchor on every build (`validation.links.anchors: warn` makes a missing one a
    warning, which `--strict` fails on). An incremental build leaves most unchanged pages out of MkDocs' build; it
    must still warn of what a clean build warns of: a link from a page being rendered to another page's file, and
    a link from an unchanged page to another unchanged one."""
    root = minimal_community(tmp_path, {
        "content/posts/2026/second-week.md": post("The second week", 9, "ana", "Meet the mentors.\n\n## Mentors\n"),
        "content/posts/2026/first-week.md": post(
            "The first week", 2, "ana", "Say hello, then read [the next week](../second-week/index.md#pairs)."),
    })
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "validation:\n  links:\n    anchors: warn\n")
    missing = ("warning: content/posts/2026/first-week.md: Doc file 'posts/first-week/index.md' contains a link "
               "'../second-week/index.md#pairs', but the doc 'posts/second-week/index.md' does not contain an anchor "
               "'#pairs'. (en, pl)")  # the Swedish translation has no such link

    def warnings(result) -> list[str]:
        assert result.code == 0, result.output
        return [line for line in result.stderr.splitlines() if line.startswith("warning:")]

    assert warnings(run_agora("build", "--root", root)) == [missing]
    # The linking page is rendered again; the page it links to is unchanged.
    linking = root / "content" / "posts" / "2026" / "first-week.md"
    linking.write_text(linking.read_text().replace("Say hello", "Say hello to everyone"))
    first = run_agora("build", "--root", root)
    assert "(1 rendered, 22 reused)" in first.stderr and warnings(first) == [missing], first.output
    # Both are unchanged: another page is edited, twice (a page rendered in the last build comes from the page cache
    # in the next; from then on it is unchanged in the output being updated too).
    guidelines = root / "content" / "pages" / "guidelines.md"
    for line in ("Be kind.", "Be patient."):
        guidelines.write_text(guidelines.read_text() + f"\n{line}\n")
        later = run_agora("build", "--root", root)
        assert "(1 rendered, 22 reused)" in later.stderr and warnings(later) == [missing], later.output
    clean = copy_parts(root, tmp_path / "clean", INPUTS)
    assert warnings(run_agora("build", "--root", clean, "--force")) == [missing]
    assert_same_tree(root / "site", clean / "site")
    # And with --strict, both fail alike, naming the content file.
    for folder in (root, clean):
        failed = run_agora("build", "--root", folder, "--strict")
        assert failed.code == 1 and "--strict and 1 warning in 'en'" in failed.stderr, failed.output
        assert "content/posts/2026/first-week.md: Doc file" in failed.stderr


def test_links_to_anchors_of_the_html_around_a_body_are_checked(tmp_path):
    """Agora's templates write HTML around a page's body, which is not converted as Markdown; its anchors (an
    event's "when", say) are still found for MkDocs' link check, as when it was: a link to one passes `--strict`,
    a link to an anchor that is not there warns."""
    event = "../../events/2026-12-03-ama/index.md"
    root = minimal_community(tmp_path, {"content/posts/2026/first-week.md": post(
        "The first week", 2, "ana", f"See [when it starts]({event}#when) and [the rest]({event}#nowhere).")})
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "validation:\n  links:\n    anchors: warn\n")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and f"'{event}#nowhere'" in warned[0], result.stderr
    assert "does not contain an anchor '#nowhere'" in warned[0]
    assert 'id="when"' in (root / "site" / "events" / "2026-12-03-ama" / "index.html").read_text("utf-8")
