"""`agora check`: every kind of editor mistake comes back as `path:line: field: message`, all at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, minimal_community, run_agora

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
LINE = re.compile(r"^(?P<path>[^:]+):(?:(?P<line>\d+):)? (?P<field>[^:]+): (?P<message>.+)$")


def community(tmp_path: Path, files: dict[str, str | bytes | None]) -> Path:
    return minimal_community(tmp_path, files)


def problems(root: Path) -> tuple[int, list[dict]]:
    result = run_agora("check", "--root", root)
    found = [m.groupdict() for line in result.stderr.splitlines() if (m := LINE.match(line))]
    return result.code, found


def test_minimal_fixture_is_clean(tmp_path):
    result = run_agora("check", "--root", community(tmp_path, {}))
    assert result.code == 0, result.output
    assert "0 errors" in result.stdout


def test_demo_content_is_clean_and_reports_coverage():
    result = run_agora("check")
    assert result.code == 0, result.output
    assert "translation coverage" in result.stdout
    header = next(line for line in result.stdout.splitlines() if line.startswith("translation coverage"))
    assert header.split()[2:] == ["en", "nb", "sv", "pl", "el", "sl"]
    assert re.search(r"^pages\s+\d+/\d+", result.stdout, re.M)


POST = "content/posts/2026/first-week.md"
GOOD_POST = (MINIMAL / POST).read_text()

CASES = {
    "malformed-yaml": (
        {POST: "---\ntitle: [unclosed\ndate: 2026-10-02\n---\nx\n"},
        (POST, "(front matter)", "malformed YAML"),
    ),
    "missing-field": (
        {POST: GOOD_POST.replace("author: ana\n", "")},
        (POST, "author", "required field is missing"),
    ),
    "unknown-field": (
        {POST: GOOD_POST.replace("summary:", "sumary:")},
        (POST, "sumary", "did you mean 'summary'"),
    ),
    "wrong-type": (
        {POST: GOOD_POST.replace("tags: [onboarding]", "tags: onboarding")},
        (POST, "tags", "valid list"),
    ),
    "invalid-date": (
        {POST: GOOD_POST.replace("date: 2026-10-02", "date: 2026-13-45")},
        (POST, "date", "expected a date"),
    ),
    "time-without-offset": (
        {POST: GOOD_POST.replace("date: 2026-10-02", "date: 2026-10-02 09:30")},
        (POST, "date", "no offset"),
    ),
    "invalid-time-zone": (
        {"content/events/2026-12-03-ama.md": (MINIMAL / "content/events/2026-12-03-ama.md").read_text()
         .replace("Europe/Oslo", "Europe/Atlantis")},
        ("content/events/2026-12-03-ama.md", "timezone", "unknown time zone 'Europe/Atlantis'"),
    ),
    "unknown-member": (
        {POST: GOOD_POST.replace("author: ana", "author: zoe")},
        (POST, "author", "unknown member 'zoe'"),
    ),
    "unknown-course": (
        {"content/academy/basics/index.md": (MINIMAL / "content/academy/basics/index.md").read_text()
         .replace("authors: [ana]", "authors: [ana]\nprerequisites: [advanced-stuff]")},
        ("content/academy/basics/index.md", "prerequisites", "unknown course 'advanced-stuff'"),
    ),
    "duplicate-slug": (
        {"content/posts/2025/first-week.md": GOOD_POST.replace("2026-10-02", "2025-10-02")},
        ("content/posts/2026/first-week.md", "(file name)", "duplicate post slug 'first-week'"),
    ),
    "duplicate-lesson-slug": (
        {"content/academy/basics/02-welcome.md": (MINIMAL / "content/academy/basics/01-welcome.md").read_text()},
        ("content/academy/basics/02-welcome.md", "(file name)", "duplicate lesson slug 'welcome'"),
    ),
    "unconfigured-translation": (
        {"content/pages/guidelines.de.md": "---\ntitle: Richtlinien\n---\nSei nett.\n"},
        ("content/pages/guidelines.de.md", "(file name)", "translation language 'de' is not configured"),
    ),
    "orphan-translation": (
        {"content/pages/about.sv.md": "---\ntitle: Om oss\n---\nHej.\n"},
        ("content/pages/about.sv.md", "(file name)", "translation without an original"),
    ),
    "slug-escapes": (
        {"content/pages/Über Uns.md": "---\ntitle: About\n---\nx\n"},
        ("content/pages/Über Uns.md", "(file name)", "expected a slug"),
    ),
    "path-escapes": (
        {POST: GOOD_POST.replace("tags:", "image: ../../../etc/passwd\nimage_alt: x\ntags:")},
        (POST, "image", "inside the site"),
    ),
    "not-utf8": (
        {POST: GOOD_POST.replace("What we do", "Vad vi gör").encode("latin-1")},
        (POST, "(encoding)", "not UTF-8"),
    ),
    "empty-title": (
        {POST: GOOD_POST.replace("title: The first week of a new member", "title: '   '")},
        (POST, "title", "must not be empty"),
    ),
    "translation-of-shared-field": (
        {"content/posts/2026/first-week.sv.md": "---\ntitle: Vecka\nauthor: bo\n---\nx\n"},
        ("content/posts/2026/first-week.sv.md", "author", "only translatable fields"),
    ),
    "spotlight-without-consent": (
        {"content/spotlights/2026-11-bo.md": "---\nmember: bo\nmonth: 2026-11\n---\nQ&A\n"},
        ("content/spotlights/2026-11-bo.md", "member", "has not agreed to a spotlight"),
    ),
    "stray-file": (
        {"content/notes.txt": "hello"},
        ("content/notes.txt", "(file)", "not part of any collection"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_is_located(tmp_path, case):
    files, (path, field, message) = CASES[case]
    code, found = problems(community(tmp_path, files))
    assert code == 1
    assert [p for p in found if p["path"] == path and p["field"] == field and message in p["message"]], found


def test_error_lines_point_at_the_field(tmp_path):
    schema = GOOD_POST.replace("date: 2026-10-02", "date: soon").replace("tags: [onboarding]", "tags: 7")
    reference = "---\ntitle: Second\ndate: 2026-10-03\nauthor: zoe\n---\nx\n"
    code, found = problems(community(tmp_path, {POST: schema, "content/posts/2026/second.md": reference}))
    lines = {(p["path"].rsplit("/", 1)[1], p["field"]): int(p["line"]) for p in found}
    assert lines == {("first-week.md", "date"): 3, ("first-week.md", "tags"): 5, ("second.md", "author"): 4}


def test_ten_mistakes_are_reported_at_once(tmp_path):
    files = {
        POST: GOOD_POST.replace("author: ana", "author: nobody"),
        "content/members/bo.md": "---\nname: Bo\njoined: yesterday\n---\nx\n",
        "content/events/2026-12-03-ama.md": "---\ntitle: AMA\nstart: 2026-12-03T17:00:00\nduration: 0\n"
                                            "timezone: Mars/Olympus\n---\nx\n",
        "content/academy/basics/01-welcome.md": "---\ntitle: Welcome\nquiz:\n  - question: Q\n"
                                                "    options: [a, b]\n    answer: 3\n---\nx\n",
        "content/pages/guidelines.md": "---\ntitle: ''\norder: first\n---\nx\n",
        "content/stories/faster-answers.md": "---\ntitle: S\ndate: 2026-10-20\nmembers: [ghost]\n---\nx\n",
        "content/pages/about.xx.md": "---\ntitle: X\n---\nx\n",
        "newsletters/2026-10.md": "---\nnumber: 1\nsubject: Hi\nmonth: 2026-10\nperiod: {start: 2026-10-01, "
                                  "end: 2026-10-31}\n---\nx\n",
    }
    code, found = problems(community(tmp_path, files))
    assert code == 1
    got = sorted((p["path"], p["field"]) for p in found)
    assert got == sorted([
        ("content/academy/basics/01-welcome.md", "quiz.0.answer"),
        ("content/events/2026-12-03-ama.md", "duration"),
        ("content/events/2026-12-03-ama.md", "timezone"),
        ("content/members/bo.md", "joined"),
        ("content/pages/about.xx.md", "(file name)"),
        ("content/pages/guidelines.md", "order"),
        ("content/pages/guidelines.md", "title"),
        ("content/posts/2026/first-week.md", "author"),
        ("content/stories/faster-answers.md", "members"),
        ("newsletters/2026-10.md", "period"),
    ])
    result = run_agora("check", "--root", tmp_path / "c")
    assert "10 errors" in result.stdout


def test_strict_turns_warnings_into_failure(tmp_path):
    root = community(tmp_path, {"content/pages/empty.md": "---\ntitle: Empty\n---\n"})
    assert run_agora("check", "--root", root).code == 0
    strict = run_agora("check", "--strict", "--root", root)
    assert strict.code == 1
    assert "content/pages/empty.md: (body): warning: the text is empty" in strict.stderr


def test_usage_errors_exit_2(tmp_path):
    assert run_agora("check", "--root", tmp_path).code == 2
    assert run_agora("frobnicate").code == 2


@pytest.mark.parametrize(("option", "value"), [("locales_dir", "../elsewhere"), ("content_dir", "/etc"),
                                               ("newsletter.out_dir", "..")])
def test_folders_in_settings_must_stay_inside_the_repository(tmp_path, option, value):
    root = community(tmp_path, {})
    settings = (root / "mkdocs.yml").read_text()
    if option.startswith("newsletter."):
        extra = f"      newsletter:\n        {option.split('.')[1]}: {value}\n"
    else:
        extra = f"      {option}: {value}\n"
    (root / "mkdocs.yml").write_text(settings.replace("      languages: [en, sv, pl]\n",
                                                      "      languages: [en, sv, pl]\n" + extra))
    result = run_agora("check", "--root", root)
    assert result.code == 1
    assert f"mkdocs.yml: plugins.agora.{option}: expected a folder inside the repository" in result.stderr
