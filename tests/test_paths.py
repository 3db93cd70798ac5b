"""Path safety (issue 8, point 4): names that come from content never write outside the output folder and never
collide silently.

Names become paths in several places: file names are slugs and handles (`posts/<slug>/`, `members/<handle>/`),
course folders and newsletter issue ids become folders of the site and of the newsletter output
(`<out>/<id>/<lang>.eml`), tags become `posts/tags/<tag>/`, and a feed's member becomes the folder
`content/posts/imported/<member>/` that `agora fetch` writes into. For each hostile name: `agora check` exits 1
with a problem naming the file and the field, and `agora build` refuses (exit 1) without writing anything, inside
or outside its output folder (the whole scratch tree is compared before and after).
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, minimal_community, run_agora

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
LINE = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+))?: (?P<field>[^:\s][^:]*): (?P<message>.+)$")
POST = "content/posts/2026/first-week.md"
GOOD_POST = (MINIMAL / POST).read_text()
PAGE = "---\ntitle: A page\n---\nText.\n"
MEMBER = "---\nname: Someone\njoined: 2025-01-01\n---\nBio.\n"
SECRET = "---\ntitle: A file from outside the content folder\n---\nSECRET-OUTSIDE\n"


def post(**fields: str) -> str:
    """The minimal fixture's post with some front matter lines replaced or added (raw YAML values)."""
    lines = dict(line.split(": ", 1) for line in GOOD_POST.split("---")[1].strip().splitlines())
    lines.update(fields)
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in lines.items()) + "---\nBody.\n"


NFC, NFD = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
LONG = "a" * 200

# case: (files written over the minimal community (None deletes), links (path -> target; "<outside>" is a folder
# beside the community), [(path (None: any), field, part of the message)] that `agora check` must report)
CASES: dict[str, tuple[dict[str, str | bytes | None], dict[str, str], list[tuple[str | None, str, str]]]] = {
    # ../ and absolute paths where a slug or handle is expected
    "dotdot-tag": ({POST: post(tags='["../../../../tmp/evil"]')}, {}, [(POST, "tags.0", "expected a slug")]),
    "absolute-tag": ({POST: post(tags='["/etc/cron.d"]')}, {}, [(POST, "tags.0", "expected a slug")]),
    "dotdot-author": ({POST: post(author="../../members/ana")}, {}, [(POST, "author", "expected a slug")]),
    "absolute-handle": ({"content/stories/faster-answers.md": "---\ntitle: S\ndate: 2026-10-20\n"
                                                              "members: [/root]\n---\nx\n"}, {},
                        [("content/stories/faster-answers.md", "members.0", "expected a slug")]),
    "dotdot-prerequisite": ({"content/academy/basics/index.md": "---\ntitle: Basics\nlevel: beginner\nsummary: S\n"
                                                                "date: 2026-01-01\nprerequisites: [..]\n---\nx\n"},
                            {}, [("content/academy/basics/index.md", "prerequisites.0", "expected a slug")]),
    "dot-tags": ({POST: post(tags='[".", ".."]')}, {},
                 [(POST, "tags.0", "expected a slug"), (POST, "tags.1", "expected a slug")]),
    "image-outside": ({POST: post(image="../../../etc/passwd", image_alt="x")}, {},
                      [(POST, "image", "inside the site")]),
    "absolute-image": ({POST: post(image="/etc/passwd", image_alt="x")}, {}, [(POST, "image", "inside the site")]),
    "encoded-dotdot-image": ({POST: post(image="assets/%2e%2e/%2E%2e/secret.md", image_alt="x")}, {},
                             [(POST, "image", "inside the site")]),
    "feed-member-escapes": ({"content/feeds.yml": "feeds:\n  - member: ../../../../tmp\n"
                                                  "    url: https://example.org/feed.xml\n"}, {},
                            [("content/feeds.yml", "feeds.0.member", "expected a slug")]),
    # NUL and other control characters (YAML escapes can produce them; a file name cannot hold NUL)
    "nul-in-tag": ({POST: post(tags='["a\\0b"]')}, {}, [(POST, "tags.0", "control character (U+0000)")]),
    "nul-in-file": ({POST: GOOD_POST.replace("Say hello", "Say\0hello")}, {}, [(POST, "(encoding)", "NUL")]),
    "newline-in-tag": ({POST: post(tags='["evil\\n"]')}, {}, [(POST, "tags.0", "expected a slug")]),
    "newline-in-file-name": ({"content/pages/guide\n.md": PAGE}, {},
                             [("content/pages/guide\\u000a.md", "(file name)", "expected a slug")]),
    "control-in-title": ({POST: post(title='"Hi\\r\\nBcc: someone@example.org"')}, {},
                         [(POST, "title", "expected a single line")]),
    # names Windows reserves
    "reserved-page": ({"content/pages/con.md": PAGE}, {}, [("content/pages/con.md", "(file name)", "reserved")]),
    "reserved-member": ({"content/members/nul.md": MEMBER}, {},
                        [("content/members/nul.md", "(file name)", "reserved")]),
    "reserved-newsletter": ({"newsletters/com1.md": "---\nnumber: 2\nsubject: S\nmonth: 2026-11\n---\nx\n"}, {},
                            [("newsletters/com1.md", "(file name)", "reserved")]),
    "reserved-course": ({"content/academy/lpt1/index.md": "---\ntitle: C\nlevel: beginner\nsummary: S\n"
                                                          "date: 2026-01-01\n---\nx\n"}, {},
                        [("content/academy/lpt1/index.md", "(file name)", "reserved")]),
    "reserved-tag": ({POST: post(tags="[aux]")}, {}, [(POST, "tags.0", "reserved")]),
    # names that differ only by letter case or Unicode form: two files on Linux, one on macOS and Windows
    "case-collision": ({"content/pages/Guidelines.md": PAGE}, {},
                       [("content/pages/Guidelines.md", "(file name)", "duplicate page name"),
                        ("content/pages/Guidelines.md", "(file name)", "expected a slug")]),
    "case-collision-member": ({"content/members/ANA.md": MEMBER}, {},
                              [("content/members/ANA.md", "(file name)", "duplicate member name")]),
    "case-collision-course": ({"content/academy/Basics/index.md": "---\ntitle: C\nlevel: beginner\nsummary: S\n"
                                                                  "date: 2026-01-01\n---\nx\n"}, {},
                              [("content/academy/Basics/index.md", "(file name)", "duplicate course name")]),
    "nfc-nfd-collision": ({f"content/pages/{NFC}.md": PAGE, f"content/pages/{NFD}.md": PAGE}, {},
                          [(None, "(file name)", "duplicate page name"),
                           (f"content/pages/{NFC}.md", "(file name)", "expected a slug"),
                           (f"content/pages/{NFD}.md", "(file name)", "expected a slug")]),
    "fullwidth-collision": ({"content/pages/ｇｕｉｄｅｌｉｎｅｓ.md": PAGE}, {},
                            [("content/pages/ｇｕｉｄｅｌｉｎｅｓ.md", "(file name)", "duplicate page name")]),
    "duplicate-translation": ({"content/posts/2025/first-week.sv.md": "---\ntitle: Veckan\n---\nx\n"}, {},
                              [("content/posts/2026/first-week.sv.md", "(file name)", "duplicate 'sv' translation")]),
    # names the site already uses for pages of its own
    "page-named-like-a-section": ({"content/pages/posts.md": PAGE}, {},
                                  [("content/pages/posts.md", "(file name)", "/posts/")]),
    "page-named-like-a-language": ({"content/pages/sv.md": PAGE}, {},
                                   [("content/pages/sv.md", "(file name)", "/sv/")]),
    "member-named-leaderboard": ({"content/members/leaderboard.md": MEMBER}, {},
                                 [("content/members/leaderboard.md", "(file name)", "/members/leaderboard/")]),
    "event-named-past": ({"content/events/past.md": (MINIMAL / "content/events/2026-12-03-ama.md").read_text()},
                         {}, [("content/events/past.md", "(file name)", "/events/past/")]),
    # very long names, and dots
    "long-file-name": ({f"content/pages/{LONG}.md": PAGE}, {},
                       [(f"content/pages/{LONG}.md", "(file name)", "1-80 characters")]),
    "long-tag": ({POST: post(tags=f"[{'t' * 81}]")}, {}, [(POST, "tags.0", "1-80 characters")]),
    "name-ending-in-a-dot": ({"content/pages/guide..md": PAGE}, {},
                             [("content/pages/guide..md", "(file name)", "expected a slug")]),
    "extension-with-a-dot": ({"content/pages/guide.md.": PAGE}, {},
                             [("content/pages/guide.md.", "(file)", "not part of any collection")]),
    "course-folder-ending-in-a-dot": ({"content/academy/basics./index.md": "---\ntitle: C\nlevel: beginner\n"
                                                                          "summary: S\ndate: 2026-01-01\n---\nx\n"},
                                      {}, [("content/academy/basics./index.md", "(file name)", "expected a slug")]),
    "newsletter-id-with-dots": ({"newsletters/2026-11..md": "---\nnumber: 2\nsubject: S\nmonth: 2026-11\n---\nx\n"},
                                {}, [("newsletters/2026-11..md", "(file name)", "expected a slug")]),
    "imported-folder-not-a-handle": ({"content/posts/imported/Ana B/x.md": post()}, {},
                                     [("content/posts/imported/Ana B/x.md", "(file name)", "named after a member")]),
    # links
    "link-to-a-file-outside": ({}, {"content/pages/leak.md": "<outside>/secret.md"},
                               [("content/pages/leak.md", "(file)", "points outside the content folder")]),
    "link-to-a-folder-outside": ({}, {"content/academy/leak": "<outside>"},
                                 [("content/academy/leak", "(file)", "points outside the content folder")]),
    "link-in-assets-to-outside": ({}, {"content/assets/leak.md": "<outside>/secret.md"},
                                  [("content/assets/leak.md", "(file)", "points outside the assets folder")]),
    "link-in-assets-to-content": ({}, {"content/assets/ana.md": "../members/ana.md"},
                                  [("content/assets/ana.md", "(file)", "points outside the assets folder")]),
    "dangling-link": ({}, {"content/pages/gone.md": "nowhere.md"},
                      [("content/pages/gone.md", "(file)", "does not exist")]),
    "link-loop": ({}, {"content/pages/loop.md": "loop.md"}, [("content/pages/loop.md", "(file)", "loop")]),
}


def community(tmp_path: Path, files: dict[str, str | bytes | None], links: dict[str, str]) -> Path:
    root = minimal_community(tmp_path, files)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(SECRET)
    for rel, target in links.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target.replace("<outside>", str(outside)))
    return root


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file, folder and link under `folder` (links not followed), with what would show a change."""
    found = {}
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(parent, name)
            info = path.lstat()
            target = os.readlink(path) if path.is_symlink() else None
            found[path.relative_to(folder).as_posix()] = (info.st_mode, info.st_size, info.st_mtime_ns, target)
    return found


def problems(output: str) -> list[dict]:
    return [m.groupdict() for line in output.splitlines() if (m := LINE.match(line))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_name_is_refused_by_check_and_build(tmp_path: Path, case: str):
    files, links, expected = CASES[case]
    root = community(tmp_path, files, links)

    check = run_agora("check", "--root", root)
    assert check.code == 1, check.output
    assert "Traceback" not in check.stderr, check.stderr
    found = problems(check.stderr)
    for path, field, message in expected:
        assert [p for p in found if path in (p["path"], None) and p["field"] == field and message in p["message"]], \
            (path, field, message, found)

    before = snapshot(tmp_path)
    build = run_agora("build", "--root", root, "--out", tmp_path / "site")
    assert build.code == 1, build.output
    assert "Traceback" not in build.stderr, build.stderr
    assert "nothing was written" in build.stderr
    assert snapshot(tmp_path) == before  # nothing written, moved or removed: not in site/, not beside it


def test_a_build_writes_only_into_its_output_folders(tmp_path: Path):
    """The control: a valid community whose names sit right next to the refused ones (a post and a member named
    `page`, an event `calendar`, a page `index`, tags `con-x` and `sv`, titles in other scripts) builds, and
    everything it writes lands in `--out` and in the newsletter folder; nothing else in the tree changes."""
    files = {
        "content/posts/2026/page.md": post(title='"Ἀρχή — مرحبا — e\u0301"', tags="[con-x, sv, page]"),
        "content/members/page.md": MEMBER,
        "content/events/calendar.md": (MINIMAL / "content/events/2026-12-03-ama.md").read_text(),
        "content/pages/index.md": PAGE,
        "content/pages/about.sv.md": "---\ntitle: Om\n---\nx\n",
        "content/pages/about.md": PAGE,
    }
    root = community(tmp_path, files, {})
    assert run_agora("check", "--root", root).code == 0
    before = snapshot(tmp_path)
    out = tmp_path / "out" / "site"
    build = run_agora("build", "--root", root, "--out", out, "--jobs", "1")
    assert build.code == 0, build.output
    after = snapshot(tmp_path)
    letters = "c/build/newsletters"
    changed = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
    assert changed, "the build wrote nothing"
    # (c: its folder listing changes as build/ appears; .cache/agora/build.json is the record of the last build;
    # .cache/agora/ also holds the sharing cards drawn, the page cache, compiled templates and catalogs, planned
    # Markdown, the manifests of the output, the newsletter renderings and the files' parses)
    caches = ("c/.cache/agora/cards", "c/.cache/agora/pages", "c/.cache/agora/jinja", "c/.cache/agora/plans",
              "c/.cache/agora/manifests", "c/.cache/agora/letters", "c/.cache/agora/catalogs")
    expected = {"out", "out/site", "c", "c/build", letters, "c/.cache", "c/.cache/agora", "c/.cache/agora/build.json",
                "c/.cache/agora/parsed.pickle", *caches}
    outside = {path for path in changed
               if not (path.startswith(("out/site/", letters + "/", *(cache + "/" for cache in caches)))
                       or path in expected)}
    assert not outside
    for url in ("posts/page/index.html", "members/page/index.html", "events/calendar/index.html",
                "events/calendar/calendar.ics", "index/index.html", "posts/tags/con-x/index.html",
                "posts/tags/sv/index.html", "sv/about/index.html", "posts/index.html", "members/leaderboard/index.html",
                "sv/index.html", "newsletter/2026-10/index.html"):
        assert (out / url).is_file(), url
    assert any(path.endswith(".eml") for path in changed)
    assert not list(out.rglob("*SECRET*")) and b"SECRET-OUTSIDE" not in b"".join(
        p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_a_content_folder_outside_the_repository_is_refused(tmp_path: Path):
    root = community(tmp_path, {}, {})
    shutil.copytree(root / "content", tmp_path / "elsewhere")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("languages: [en, sv, pl]",
                                                 "languages: [en, sv, pl]\n      content_dir: ../elsewhere"))
    check = run_agora("check", "--root", root)
    assert check.code == 1
    assert [p for p in problems(check.stderr) if p["path"] == "mkdocs.yml" and
            p["field"] == "plugins.agora.content_dir" and "inside the repository" in p["message"]], check.stderr
    before = snapshot(tmp_path)
    assert run_agora("build", "--root", root, "--out", tmp_path / "site").code == 1
    assert snapshot(tmp_path) == before


def test_fetch_refuses_a_feed_member_that_is_not_a_handle(tmp_path: Path):
    """`agora fetch` writes into content/posts/imported/<member>/: a member that is a path stops it before it
    fetches or writes anything (no network is needed to show it)."""
    root = community(tmp_path, {"content/feeds.yml": "feeds:\n  - member: ../../../outside\n"
                                                     "    url: http://127.0.0.1:9/feed.xml\n"}, {})
    before = snapshot(tmp_path)
    fetch = run_agora("fetch", "--root", root, "--timeout", "1")
    assert fetch.code == 1, fetch.output
    assert [p for p in problems(fetch.stderr) if p["path"] == "content/feeds.yml" and
            p["field"] == "feeds.0.member"], fetch.stderr
    assert snapshot(tmp_path) == before


def test_newsletter_refuses_an_issue_named_like_a_path(tmp_path: Path):
    """`agora newsletter` writes <out>/<id>/<lang>.eml: an issue whose file name is not a slug stops it."""
    root = community(tmp_path, {"newsletters/2026 11 ..md": "---\nnumber: 2\nsubject: S\nmonth: 2026-11\n---\nx\n"},
                     {})
    before = snapshot(tmp_path)
    letters = run_agora("newsletter", "--root", root, "--out", tmp_path / "letters")
    assert letters.code == 1, letters.output
    assert [p for p in problems(letters.stderr) if p["path"] == "newsletters/2026 11 ..md" and
            p["field"] == "(file name)"], letters.stderr
    assert snapshot(tmp_path) == before
    unknown = run_agora("newsletter", "--root", community(tmp_path / "again", {}, {}), "../../etc",
                        "--out", tmp_path / "letters")
    assert unknown.code != 0 and not (tmp_path / "letters").exists()
