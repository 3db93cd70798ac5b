"""A build with nothing changed is skipped; any change to the inputs, the options or the output builds again."""

from __future__ import annotations

from pathlib import Path

from conftest import minimal_community, run_agora

SKIPPED = "nothing changed since the last build"


def build(root: Path, *args: str):
    result = run_agora("build", "--root", root, "--today", "2026-11-20", *args)
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
