"""A build is reproducible, atomic and private: the same commit gives the same bytes, a build killed halfway
leaves the previous output in place, and nothing private reaches any output file."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, BuiltDemo, copy_built_demo, copy_demo, run_agora, seed_cards

NEWSLETTERS = Path("build") / "newsletters"


def tree_hashes(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_two_builds_give_byte_identical_trees(tmp_path: Path, built_demo: BuiltDemo):
    """Different folders, different hash seeds, same SOURCE_DATE_EPOCH: every file is the same, sitemap, search
    index, feeds, calendars and e-mails included. Both are builds of a clean copy of the demo: the run's own (see
    `built_demo` in conftest.py, with a random hash seed) and one more here with another seed."""
    seeds = (built_demo.env["PYTHONHASHSEED"], str(int(built_demo.env["PYTHONHASHSEED"]) % (2**32 - 1) + 1))
    assert built_demo.env["SOURCE_DATE_EPOCH"] == "1795132800" and seeds[0] != seeds[1]
    root = copy_demo(tmp_path / "build-2")
    result = run_agora("build", "--root", root, env={"PYTHONHASHSEED": seeds[1], "SOURCE_DATE_EPOCH": "1795132800"})
    assert result.code == 0, result.output
    outputs = [(tree_hashes(built.site), tree_hashes(built.letters)) for built in (built_demo, BuiltDemo(root, {}))]
    (site_a, mail_a), (site_b, mail_b) = outputs
    print(f"hash seeds {seeds[0]} and {seeds[1]}")
    assert len(site_a) > 1000 and len(mail_a) >= 18 * 3
    for kind in ("sitemap.xml", "search/search_index.json", "feed.xml", "events/calendar.ics",
                 "sv/newsletter/feed.xml"):
        assert kind in site_a, kind
    assert any(name.endswith(".eml") for name in mail_a)
    assert site_a == site_b
    assert mail_a == mail_b
    print(f"reproducible: {len(site_a)} site files and {len(mail_a)} newsletter files")


def test_source_date_epoch_sets_the_reference_date(tmp_path: Path):
    root = copy_demo(tmp_path / "c")
    # 2027-02-01: every demo event is over, so the calendar feed lists none and the events page says so.
    result = run_agora("build", "--root", root, "--lang", "en", env={"SOURCE_DATE_EPOCH": "1801440000"})
    assert result.code == 0, result.output
    assert "reference date 2027-02-01" in result.stderr
    calendar = (root / "site" / "events" / "calendar.ics").read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" not in calendar


def test_killed_build_leaves_the_previous_output_intact(tmp_path: Path, built_demo: BuiltDemo):
    root = copy_built_demo(built_demo, tmp_path / "c")  # as its first `agora build` left it
    before_site, before_mail = tree_hashes(root / "site"), tree_hashes(root / NEWSLETTERS)
    (root / "content" / "pages" / "about.md").write_text("---\ntitle: Changed\n---\nNew text.\n", encoding="utf-8")

    def staging() -> list[Path]:
        return sorted(root.glob(".site.staging-*"))
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(root), "--jobs", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        # Kill once the build is writing pages into its staging folder: halfway, not before it started.
        while not (staging() and sum(1 for _ in staging()[0].rglob("*.html")) > 50):
            assert process.poll() is None, "the build finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert tree_hashes(root / "site") == before_site
    assert tree_hashes(root / NEWSLETTERS) == before_mail

    again = run_agora("build", "--root", root)
    assert again.code == 0, again.output
    assert not staging()  # the killed build's staging is cleared away
    # The replaced output is deleted by a process of its own (so the build does not wait for it): it goes too.
    deadline = time.monotonic() + 60
    while list(root.glob(".site.old-*")):
        assert time.monotonic() < deadline, "the replaced output was never deleted"
        time.sleep(0.1)
    assert "New text." in (root / "site" / "about" / "index.html").read_text(encoding="utf-8")


def test_failed_build_changes_nothing(tmp_path: Path, built_demo: BuiltDemo):
    root = copy_built_demo(built_demo, tmp_path / "c")  # as its first `agora build` left it
    before = tree_hashes(root / "site")
    broken = root / "content" / "posts" / "2026" / "first-response-time.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("author: dana-whitfield", "author: nobody"),
                      encoding="utf-8")
    result = run_agora("build", "--root", root)
    assert result.code == 1
    assert "content/posts/2026/first-response-time.md:4: author: unknown member 'nobody'" in result.stderr
    assert "nothing was written" in result.stderr
    assert tree_hashes(root / "site") == before


PRIVATE_MEMBER = """---
name: Hana Verborgen
joined: 2026-03-02
public: false
email: hana.verborgen@private.example
location: Ghent, Belgium
languages: [en, nl]
roles: [moderator]
---
Hana moderates quietly and does not want to be named anywhere.
"""


@pytest.fixture(scope="module")
def private_build(tmp_path_factory, built_demo: BuiltDemo) -> Path:
    """The demo plus a private member who speaks, hosts, writes and appears in a story."""
    root = copy_demo(tmp_path_factory.mktemp("privacy") / "c")
    seed_cards(built_demo, root)  # the demo's cards: fewer to draw, the same bytes written
    content = root / "content"
    (content / "members" / "hana-verborgen.md").write_text(PRIVATE_MEMBER, encoding="utf-8")
    event = content / "events" / "2026-12-03-ask-the-moderators.md"
    text = event.read_text(encoding="utf-8").replace("hosts: [ingrid-solberg]",
                                                     "hosts: [ingrid-solberg, hana-verborgen]")
    event.write_text(text.replace("speakers: [", "speakers: [hana-verborgen, "), encoding="utf-8")
    (content / "posts" / "2026" / "quiet-moderation.md").write_text(
        "---\ntitle: Quiet moderation\ndate: 2026-11-18\nauthor: hana-verborgen\ntags: [moderation]\n---\n"
        "Most moderation is invisible, and that is how it should be.\n", encoding="utf-8")
    story = content / "stories" / "tessera-maintainers.md"
    story.write_text(story.read_text(encoding="utf-8").replace("members: [", "members: [hana-verborgen, "),
                     encoding="utf-8")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    return root


def test_private_member_and_every_email_address_appear_in_no_output_file(private_build: Path):
    emails = set()
    for path in (private_build / "content" / "members").glob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("email:"):
                emails.add(line.split(":", 1)[1].strip())
    assert "hana.verborgen@private.example" in emails and len(emails) >= 15
    needles = {*emails, "Hana Verborgen", "hana-verborgen", "Verborgen"}
    outputs = [private_build / "site", private_build / NEWSLETTERS]
    files = [path for folder in outputs for path in sorted(folder.rglob("*")) if path.is_file()]
    kinds = {path.suffix for path in files}
    assert {".html", ".xml", ".json", ".ics", ".eml", ".txt", ".gz"} <= kinds
    leaks = []
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            data = gzip.decompress(data)
        if path.suffix == ".eml":
            import email
            from email import policy

            message = email.message_from_bytes(data, policy=policy.default)
            data = b"".join(part.get_content().encode() for part in message.walk() if not part.is_multipart())
        leaks += [(path.relative_to(private_build).as_posix(), needle) for needle in needles
                  if needle.encode() in data]
    assert leaks == []


def test_private_members_contributions_are_shown_without_a_name(private_build: Path):
    from conftest import soup

    page = soup(private_build / "site" / "posts" / "quiet-moderation" / "index.html")
    assert "A community member" in page.select_one(".agora-byline").get_text()
    assert not (private_build / "site" / "members" / "hana-verborgen").exists()


@pytest.mark.parametrize("out", [".", "..", "content", "content/posts", "locales", "newsletters", "docs"])
def test_build_refuses_an_output_folder_that_would_replace_its_inputs(tmp_path: Path, out: str):
    root = copy_demo(tmp_path / "c")
    if out == "docs":
        # MkDocs' own folder, once the settings name one (the demo uses Agora's empty one).
        (root / "docs").mkdir()
        (root / "docs" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
        settings = root / "mkdocs.yml"
        settings.write_text(re.sub(r"^docs_dir: .*$", "docs_dir: docs", settings.read_text(encoding="utf-8"),
                                   flags=re.M), encoding="utf-8")
    before = tree_hashes(tmp_path)
    result = run_agora("build", "--root", root, "--out", root / out)
    assert result.code == 2
    assert "refusing to write to" in result.stderr
    assert tree_hashes(tmp_path) == before


def test_a_page_markdown_cannot_render_is_named_by_its_content_file(tmp_path: Path):
    """Python-Markdown's HTML parser gives up on `<![` outside CDATA; the build says which file to fix."""
    root = tmp_path / "c"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", root)
    (root / "content" / "posts" / "2026" / "pasted.md").write_text(
        "---\ntitle: Pasted\ndate: 2026-10-05\nauthor: ana\n---\nFrom an e-mail: <![> and text.\n", encoding="utf-8")
    result = run_agora("build", "--root", root)
    assert result.code == 1
    assert "build failed: content/posts/2026/pasted.md: (body): cannot be rendered" in result.stderr
    assert not (root / "site").exists()
