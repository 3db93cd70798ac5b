"""Translations that keep up: a translation records the digest of the original it was made from (`source:`), and
`agora check`, `agora translations` and the hub tell current, stale, unknown and missing translations apart.

Everything goes through the CLI and the built HTML, on copies of the minimal community (English, Swedish, Polish).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, minimal_community, run_agora, soup

STALE = "source: warning: the original changed since this translation"
STALE_NOTE = "source: note: the original changed since this translation"
GUIDELINES_SV = "content/pages/guidelines.sv.md"
POST_SV = "content/posts/2026/first-week.sv.md"
REPO = "https://github.com/example/minimal"


def community(tmp_path: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """The minimal community with a Swedish translation of the guidelines (and of the post it already has)."""
    return minimal_community(tmp_path, {GUIDELINES_SV: "---\ntitle: Riktlinjer\n---\nVar snäll.\n", **(files or {})})


def mark_all(root: Path) -> None:
    result = run_agora("translations", "mark", "--all", "--root", root)
    assert result.code == 0, result.output


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


def statuses(root: Path, lang: str, missing: bool = False) -> dict[str, str]:
    """The status of each translation file into `lang` (and of each one to create, with `missing`)."""
    result = run_agora("translations", "--lang", lang, "--json", "--root", root)
    assert result.code == 0, result.output
    return {row["path"]: row["status"] for row in json.loads(result.stdout)["files"]
            if missing or row["status"] != "missing"}


def test_marked_translations_are_current_and_check_is_quiet(tmp_path):
    root = community(tmp_path)
    mark_all(root)
    assert statuses(root, "sv") == {GUIDELINES_SV: "current", POST_SV: "current"}
    assert set(statuses(root, "pl", missing=True).values()) == {"missing"}
    checked = run_agora("check", "--strict", "--root", root)
    assert checked.code == 0, checked.output
    assert "the original changed" not in checked.output


def test_editing_the_body_makes_translations_stale_until_marked(tmp_path):
    root = community(tmp_path)
    mark_all(root)
    edit(root, "content/pages/guidelines.md", "Be kind.", "Be kind. Assume good intent.")

    checked = run_agora("check", "--root", root)
    assert checked.code == 0, checked.output  # a warning, not an error
    # The line is the translation's `source:` line.
    lines = (root / GUIDELINES_SV).read_text().splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("source:"))
    assert f"{GUIDELINES_SV}:{line}: {STALE}" in checked.stderr
    assert "1 warning" in checked.stdout

    report = run_agora("translations", "--lang", "sv", "--root", root)
    assert re.search(rf"^stale +{re.escape(GUIDELINES_SV)}  \(original: content/pages/guidelines.md\)$",
                     report.stdout, re.M), report.stdout
    assert re.search(r"^pages +0 +1 +0 +0$", report.stdout, re.M), report.stdout
    assert statuses(root, "sv")[POST_SV] == "current"

    before = (root / GUIDELINES_SV).read_bytes()
    marked = run_agora("translations", "mark", root / GUIDELINES_SV, "--root", root)
    assert marked.code == 0, marked.output
    assert f"{GUIDELINES_SV}: marked current" in marked.stdout
    after = (root / GUIDELINES_SV).read_bytes()
    assert [a for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b] == [lines[line - 1]
                                                                                                  .encode()]
    assert statuses(root, "sv")[GUIDELINES_SV] == "current"
    assert "the original changed" not in run_agora("check", "--root", root).output
    again = run_agora("translations", "mark", root / GUIDELINES_SV, "--root", root)
    assert f"{GUIDELINES_SV}: already current" in again.stdout
    assert (root / GUIDELINES_SV).read_bytes() == after


@pytest.mark.parametrize(("old", "new"), [
    ("title: The first week of a new member", "title: A new member's first week"),
    ("summary: What we do in a newcomer's first seven days.", "summary: What we do in a newcomer's first week."),
], ids=["title", "summary"])
def test_editing_a_translatable_field_makes_translations_stale(tmp_path, old, new):
    root = community(tmp_path)
    mark_all(root)
    edit(root, "content/posts/2026/first-week.md", old, new)
    assert statuses(root, "sv")[POST_SV] == "stale"
    checked = run_agora("check", "--strict", "--root", root)
    # Posts are not among the strict collections (pages are, by default): a note, which --strict lets pass.
    assert checked.code == 0, checked.output
    assert f"{POST_SV}:" in checked.stderr and STALE_NOTE in checked.stderr
    assert "1 note" in checked.stdout


def test_editing_shared_fields_changes_no_translation(tmp_path):
    root = community(tmp_path)
    mark_all(root)
    edit(root, "content/posts/2026/first-week.md", "date: 2026-10-02", "date: 2026-10-05")
    edit(root, "content/posts/2026/first-week.md", "tags: [onboarding]", "tags: [onboarding, welcome]")
    edit(root, "content/pages/guidelines.md", "order: 1", "order: 7")
    # Rewriting a translatable value in another YAML style is no change to the text either.
    edit(root, "content/pages/guidelines.md", "title: Guidelines", 'title: "Guidelines"')
    assert statuses(root, "sv") == {GUIDELINES_SV: "current", POST_SV: "current"}
    checked = run_agora("check", "--strict", "--root", root)
    assert checked.code == 0 and "the original changed" not in checked.output, checked.output


def test_translations_without_source_are_unknown(tmp_path):
    root = community(tmp_path)
    assert statuses(root, "sv") == {GUIDELINES_SV: "unknown", POST_SV: "unknown"}
    report = run_agora("translations", "--lang", "sv", "--root", root)
    assert f"unknown  {GUIDELINES_SV}" in report.stdout
    summary = json.loads(run_agora("translations", "--json", "--root", root).stdout)["languages"]
    assert summary["sv"]["pages"] == {"missing": 0, "stale": 0, "unknown": 1, "current": 0}
    assert summary["pl"]["pages"] == {"missing": 1, "stale": 0, "unknown": 0, "current": 0}
    # Not knowing is not a problem for check: existing translations start unknown until they are marked.
    checked = run_agora("check", "--strict", "--root", root)
    assert checked.code == 0, checked.output


def test_strict_fails_on_a_stale_guideline_page(tmp_path):
    root = community(tmp_path)
    mark_all(root)
    edit(root, "content/pages/guidelines.md", "Be kind.", "Be kind and patient.")
    strict = run_agora("check", "--strict", "--root", root)
    assert strict.code == 1
    assert f"{GUIDELINES_SV}:" in strict.stderr and STALE in strict.stderr


def test_the_strict_collections_are_a_setting(tmp_path):
    root = community(tmp_path)
    mark_all(root)
    edit(root, "content/pages/guidelines.md", "Be kind.", "Be kind and patient.")
    edit(root, "content/posts/2026/first-week.md", "Say hello", "Say hi")
    edit(root, "mkdocs.yml", "languages: [en, sv, pl]", "languages: [en, sv, pl]\n"
                                                        "      translations:\n        strict_collections: [posts]")
    strict = run_agora("check", "--strict", "--root", root)
    assert strict.code == 1
    assert f"{GUIDELINES_SV}:" in strict.stderr and STALE_NOTE in strict.stderr
    assert f"{POST_SV}:" in strict.stderr and STALE in strict.stderr
    edit(root, "mkdocs.yml", "[posts]", "[pagez]")
    wrong = run_agora("check", "--root", root)
    assert wrong.code == 1
    assert "mkdocs.yml: plugins.agora.translations: Sub-option 'strict_collections':" in wrong.stderr
    assert "received: 'pagez'" in wrong.stderr


def test_mark_rewrites_only_the_source_line(tmp_path):
    crlf = ("---\r\n# kept: a comment\r\ntitle:   'Riktlinjer'   \r\nsource: 0123456789ab\r\nsummary: >\r\n"
            "  Hur vi\r\n  pratar.\r\n---\r\nVar snäll.  \r\n\r\n")
    fresh = "\ufeff\n---\ntitle: Riktlinjer\n---\n\nVar snäll.\n---\nsource: not front matter\n"
    root = community(tmp_path, {GUIDELINES_SV: crlf.encode(), POST_SV: fresh.encode()})
    mark_all(root)
    digests = {}
    for rel in (GUIDELINES_SV, POST_SV):
        match = re.search(rb"\nsource: (\w+)\r?\n", (root / rel).read_bytes())
        assert match, (root / rel).read_bytes()
        digests[rel] = match.group(1).decode()
    assert (root / GUIDELINES_SV).read_bytes() == crlf.replace("0123456789ab", digests[GUIDELINES_SV]).encode()
    assert (root / POST_SV).read_bytes() == fresh.replace(
        "title: Riktlinjer\n", f"title: Riktlinjer\nsource: {digests[POST_SV]}\n", 1).encode()
    assert statuses(root, "sv") == {GUIDELINES_SV: "current", POST_SV: "current"}


def test_mark_refuses_what_it_cannot_mark(tmp_path):
    root = community(tmp_path)
    original = run_agora("translations", "mark", root / "content/pages/guidelines.md", "--root", root)
    assert original.code == 1
    assert "content/pages/guidelines.md: (file): is an original" in original.stderr
    missing = run_agora("translations", "mark", root / "content/pages/about.sv.md", "--root", root)
    assert missing.code == 1 and "content/pages/about.sv.md: (file): no such file" in missing.stderr
    outside = run_agora("translations", "mark", tmp_path / "elsewhere.sv.md", "--root", root)
    assert outside.code == 1 and "not inside the repository" in outside.stderr
    assert run_agora("translations", "mark", "--root", root).code == 2
    assert run_agora("translations", "--lang", "xx", "--root", root).code == 2
    assert "source:" not in (root / GUIDELINES_SV).read_text()


def test_a_source_that_is_no_digest_is_an_error(tmp_path):
    root = community(tmp_path, {GUIDELINES_SV: "---\ntitle: Riktlinjer\nsource: https://example.org/x\n---\nx\n"})
    checked = run_agora("check", "--root", root)
    assert checked.code == 1
    assert (f"{GUIDELINES_SV}:3: source: expected the 12-character digest that `agora translations mark` records"
            in checked.stderr)


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Ed",
           "GIT_AUTHOR_EMAIL": "ed@example.org", "GIT_COMMITTER_NAME": "Ed", "GIT_COMMITTER_EMAIL": "ed@example.org"}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_diff_shows_how_the_original_changed_since_the_translation(tmp_path):
    root = community(tmp_path)
    mark_all(root)
    report = run_agora("translations", "--lang", "sv", "--diff", "--root", root)
    assert report.code == 0
    assert "is not in a git repository" in report.stderr and "without diffs" in report.stderr
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Swedish guidelines")
    edit(root, "content/pages/guidelines.md", "Be kind.", "Be kind.\n\nAssume good intent.")
    git(root, "commit", "-q", "-am", "Guidelines: good intent")
    report = run_agora("translations", "--lang", "sv", "--diff", "--root", root)
    assert report.code == 0, report.output
    assert f"== {GUIDELINES_SV}: content/pages/guidelines.md changed since the translation" in report.stdout
    assert "+Assume good intent." in report.stdout
    assert "first-week.md" not in report.stdout.split("==", 1)[1]  # current translations have no diff
    data = json.loads(run_agora("translations", "--lang", "sv", "--diff", "--json", "--root", root).stdout)
    row = next(row for row in data["files"] if row["path"] == GUIDELINES_SV)
    assert row["status"] == "stale" and "+Assume good intent." in row["diff"]


# -- On the hub ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    """Built once: the Swedish guidelines stale, the Swedish post current although its date and tags changed, no
    Polish translations at all, and the repository named in mkdocs.yml."""
    root = community(tmp_path_factory.mktemp("hub"))
    shutil.copytree(ROOT / "locales", root / "locales")  # the UI in Swedish and Polish
    mark_all(root)
    edit(root, "content/pages/guidelines.md", "Be kind.", "Be kind. Assume good intent.")
    edit(root, "content/posts/2026/first-week.md", "date: 2026-10-02", "date: 2026-10-03")
    edit(root, "content/posts/2026/first-week.md", "tags: [onboarding]", "tags: [onboarding, welcome]")
    edit(root, "mkdocs.yml", "site_url: https://minimal.example.org/\n",
         f"site_url: https://minimal.example.org/\nrepo_url: {REPO}\nedit_uri: edit/main/docs/\n")
    edit(root, "mkdocs.yml", "  name: material\n", "  name: material\n  features: [content.action.edit]\n")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    return root / "site"


def test_a_stale_page_says_so_in_its_language_and_links_to_the_original(hub):
    page = hub / "sv" / "guidelines" / "index.html"
    notice = soup(page).select_one(".agora-stale")
    assert notice is not None
    assert "Originalet till den här sidan har ändrats sedan den översattes." in notice.get_text()
    original = notice.find("a", hreflang="en")
    assert original.get_text() == "Läs originalet på engelska"
    target = (page.parent / original["href"]).resolve() / "index.html"
    assert target == (hub / "guidelines" / "index.html").resolve()
    assert soup(target).select_one(".agora-stale") is None
    # A current translation (its original's date and tags changed, nothing translatable) shows no notice.
    post = soup(hub / "sv" / "posts" / "first-week" / "index.html")
    assert post.select_one(".agora-stale") is None and post.select_one(".agora-fallback") is None


def test_help_translate_lists_what_is_missing_or_stale_most_important_first(hub):
    swedish = soup(hub / "sv" / "translate" / "index.html")
    assert swedish.h1.get_text() == "Hjälp till att översätta"
    stale = swedish.select('li[data-status="stale"]')
    assert [li.code.get_text() for li in stale] == [GUIDELINES_SV]
    assert stale[0].select_one("a.agora-edit")["href"] == f"{REPO}/edit/main/{GUIDELINES_SV}"
    assert POST_SV not in swedish.get_text()  # current: nothing to do

    polish = soup(hub / "pl" / "translate" / "index.html")
    rows = polish.select("ul.agora-translate li")
    assert [li.code.get_text() for li in rows] == [
        "content/pages/guidelines.pl.md", "content/academy/basics/index.pl.md",
        "content/academy/basics/01-welcome.pl.md", "content/posts/2026/first-week.pl.md"]
    assert {li["data-status"] for li in rows} == {"missing"}
    assert [h2.get_text() for h2 in polish.select("article h2")] == ["Strony", "Akademia", "Wpisy"]
    assert rows[0].select_one("a.agora-create")["href"] == f"{REPO}/new/main/content/pages?filename=guidelines.pl.md"
    page_link = rows[0].a
    assert page_link["lang"] == "en" and page_link.get_text() == "Guidelines"
    assert (hub / "pl" / "translate" / page_link["href"] / "index.html").resolve() == \
        (hub / "pl" / "guidelines" / "index.html").resolve()


def test_the_edit_button_points_at_the_content_file_the_page_shows(hub):
    def edit_link(*parts: str) -> str | None:
        link = soup(hub.joinpath(*parts, "index.html")).select_one("a[rel=edit]")
        return link and link["href"]

    assert edit_link("sv", "posts", "first-week") == f"{REPO}/edit/main/{POST_SV}"
    assert edit_link("posts", "first-week") == f"{REPO}/edit/main/content/posts/2026/first-week.md"
    # An untranslated page: the button edits the original it shows, and the notice offers the translation.
    assert edit_link("pl", "posts", "first-week") == f"{REPO}/edit/main/content/posts/2026/first-week.md"
    create = soup(hub / "pl" / "posts" / "first-week" / "index.html").select_one(".agora-fallback a.agora-create")
    assert create["href"] == f"{REPO}/new/main/content/posts/2026?filename=first-week.pl.md"
    assert create.get_text() == "Przetłumacz tę stronę"
    # A page made of many items is no file's: no button rather than a link to a virtual path.
    assert edit_link("posts") is None
    assert edit_link("sv", "translate") is None
