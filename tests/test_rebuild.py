"""A build with nothing changed is skipped; any change to the inputs, the options or the output builds again."""

from __future__ import annotations

import os
import time
from pathlib import Path

from generator.digests import RACY_NS

from conftest import minimal_community, run_agora

SKIPPED = "nothing changed since the last build"


def build(root: Path, *args: str, env: dict | None = None):
    result = run_agora("build", "--root", root, "--today", "2026-11-20", *args, env=env)
    assert result.code == 0, result.output
    return result


def snapshot(folder: Path) -> dict[str, int]:
    """Every file and its modification time: a skipped build touches none of them."""
    return {path.relative_to(folder).as_posix(): path.stat().st_mtime_ns
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_an_unchanged_build_is_skipped_and_every_change_builds_again(tmp_path: Path):
    root = minimal_community(tmp_path, {})
    site = root / "site"
    assert SKIPPED not in build(root).stderr
    before = snapshot(site)

    again = build(root)
    assert SKIPPED in again.stderr and "--force" in again.stderr
    assert snapshot(site) == before

    # A changed content file.
    page = next((root / "content" / "pages").glob("*.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\nA sentence added by an editor.\n", encoding="utf-8")
    assert SKIPPED not in build(root).stderr
    assert any("A sentence added by an editor." in path.read_text(encoding="utf-8")
               for path in site.rglob("index.html"))
    assert SKIPPED in build(root).stderr

    # A file in MkDocs' own docs/ folder (published as it is).
    (root / "docs" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    assert SKIPPED not in build(root).stderr
    assert (site / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\n"

    # A file removed from the output by hand, at the root and in a language's folder (each language's build lists
    # its own folder).
    for removed in (site / "index.html", site / "sv" / "index.html"):
        removed.unlink()
        assert SKIPPED not in build(root).stderr
        assert removed.is_file()
        assert SKIPPED in build(root).stderr

    # A package installed, then upgraded (its metadata folder on the import path, as pip writes it): a new
    # version of a library can change the output.
    packages = tmp_path / "packages"
    (packages / "example_theme_addon-1.0.dist-info").mkdir(parents=True)
    with_packages = {"PYTHONPATH": str(packages)}
    assert SKIPPED not in build(root, env=with_packages).stderr
    assert SKIPPED in build(root, env=with_packages).stderr
    (packages / "example_theme_addon-1.0.dist-info").rename(packages / "example_theme_addon-1.1.dist-info")
    assert SKIPPED not in build(root, env=with_packages).stderr

    # Different options, and --force.
    assert SKIPPED not in build(root, "--lang", "en").stderr
    assert not (site / "sv").exists()
    assert SKIPPED in build(root, "--lang", "en").stderr
    assert SKIPPED not in build(root, "--lang", "en", "--force").stderr


def test_restoring_the_inputs_after_a_failed_build_needs_no_rebuild(tmp_path: Path):
    root = minimal_community(tmp_path, {})
    build(root)
    member = root / "content" / "members" / "ana.md"
    good = member.read_text(encoding="utf-8")
    member.write_text(good.replace("joined:", "joined: not-a-date\nx_joined:"), encoding="utf-8")
    assert run_agora("build", "--root", root, "--today", "2026-11-20").code == 1
    # Restored: the inputs match the last successful build again, and its output is still in place.
    member.write_text(good, encoding="utf-8")
    assert SKIPPED in build(root).stderr


def test_a_file_rewritten_with_its_size_and_modification_time_kept_is_noticed(tmp_path: Path):
    """The fingerprint reuses the digests of files whose size, times and inode are unchanged (a stat cache):
    a change that keeps size and modification time still changes the change time, and is still seen."""
    root = minimal_community(tmp_path, {})
    page = next((root / "content" / "pages").glob("*.md"))
    build(root)
    # Files changed just before a build are digested again by the next one; these are old enough to be kept.
    time.sleep(max(0.0, (page.stat().st_ctime_ns + RACY_NS - time.time_ns()) / 1e9) + 0.1)
    assert SKIPPED in build(root).stderr
    text, before = page.read_text(encoding="utf-8"), page.stat()
    assert "Be kind." in text
    page.write_text(text.replace("Be kind.", "Be KIND.", 1), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert SKIPPED not in build(root).stderr
    assert "Be KIND." in (root / "site" / "guidelines" / "index.html").read_text(encoding="utf-8")
    assert SKIPPED in build(root).stderr
