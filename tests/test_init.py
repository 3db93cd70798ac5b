"""`agora init`: a new community, minimal or the demo, that checks clean and builds; and no repository needs a
docs/ folder of its own (MkDocs' docs_dir is an empty folder inside Agora)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_agora, soup

LANGUAGES = ("en", "nb", "sv", "pl", "el", "sl")


def files_under(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


@pytest.mark.parametrize("form", ["minimal", "demo"])
def test_init_creates_a_community_that_checks_clean_and_builds(tmp_path: Path, form: str):
    target = tmp_path / "new-hub"
    created = run_agora("init", *(["--demo"] if form == "demo" else []), target)
    assert created.code == 0, created.output
    for part in ("mkdocs.yml", "README.md", ".gitignore", "locales/messages.pot",
                 *(f"locales/{code}/LC_MESSAGES/messages.po" for code in LANGUAGES[1:])):
        assert (target / part).is_file(), part
    assert not (target / "docs").exists()
    counts = {folder: len(list((target / folder).rglob("*.md")))
              for folder in ("content/members", "content/posts", "content/pages", "newsletters")}
    if form == "minimal":
        assert counts == dict.fromkeys(counts, 1)
        assert not (target / "content" / "events").exists()
        assert "minimal community" in (target / "README.md").read_text(encoding="utf-8")
    else:
        assert counts["content/members"] == len(list((ROOT / "content" / "members").glob("*.md")))
        assert (target / ".github" / "workflows" / "publish.yml").is_file()

    checked = run_agora("check", "--strict", "--root", target)
    assert checked.code == 0, checked.output
    assert "0 errors, 0 warnings" in checked.stdout

    built = run_agora("build", "--root", target)
    assert built.code == 0, built.output
    site = target / "site"
    for code in LANGUAGES:
        home = site / ("" if code == "en" else code) / "index.html"
        assert soup(home).html["lang"] == code
    if form == "minimal":
        post = soup(site / "posts" / "welcome" / "index.html")
        assert post.select_one("article h1").get_text(strip=True) == "Welcome to our community hub"
        assert sorted(path.name for path in (target / "build" / "newsletters" / "2026-12").glob("*.eml")) == \
            sorted(f"{code}.eml" for code in LANGUAGES)
    assert not (target / "docs").exists()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    for args in ([], ["--demo"]):
        result = run_agora("init", *args, tmp_path)
        assert result.code == 2
        assert "not an empty folder" in result.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_plain_mkdocs_builds_without_a_docs_folder_and_writes_nothing_into_the_repository(tmp_path: Path):
    target = tmp_path / "hub"
    assert run_agora("init", target).code == 0
    before = files_under(target)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet"], cwd=target, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert soup(target / "site" / "about" / "index.html").select_one("article h1").get_text(strip=True) == "About"
    # Besides site/, only caches in .cache/ (which the scaffold's .gitignore lists): the sharing cards drawn.
    assert ".cache/" in (target / ".gitignore").read_text()
    assert {name: data for name, data in files_under(target).items()
            if not name.startswith(("site/", ".cache/agora/"))} == before


def test_a_docs_dir_that_does_not_exist_is_a_located_error_with_the_way_out(tmp_path: Path):
    target = tmp_path / "hub"
    assert run_agora("init", target).code == 0
    settings = target / "mkdocs.yml"
    settings.write_text(re.sub(r"^docs_dir: .*$", "docs_dir: docs", settings.read_text(encoding="utf-8"),
                               flags=re.M), encoding="utf-8")
    checked = run_agora("check", "--root", target)
    assert checked.code == 1
    assert ("mkdocs.yml: docs_dir: folder 'docs' not found: create it, or let Agora supply an empty one with "
            "`docs_dir: !!python/name:generator.site.EMPTY_DOCS_DIR`") in checked.stderr
    (target / "docs").mkdir()
    assert run_agora("check", "--root", target).code == 0
