"""Valid HTML: every page kind of the hub in two languages and every e-mail pass the Nu Html Checker (vnu).

The checker is the `vnu-jar` npm package run on Debian's Java; `make test` installs both (see the Makefile). Java
takes seconds to start, so one invocation checks everything at once: a sample of the demo's pages (the largest
page of each kind, in English and Greek), the HTML part of every `.eml`, the pages of a plain Material project,
and a canary that must fail.

What is allowed, and why:
- Pages: the errors Material's own base template produces (unlabelled toggles and the like). They are derived,
  not listed: a plain MkDocs project with the demo's `theme` and `markdown_extensions` but without the agora
  plugin is built and checked in the same run, and an error of ours whose message also appears there is
  Material's.
- E-mails: exactly what mail clients need and a browser's HTML does not know: Outlook's `mso-*` CSS properties
  (`mso-hide: all` keeps the preheader out of Outlook), Apple Mail's `<meta name="x-apple-disable-message-
  reformatting">` (a name-only meta), and the e-mail service's unsubscribe merge tag (a `newsletter.
  list_unsubscribe` target such as `{{unsubscribe_url}}`) as a link, replaced per recipient when sent.
"""

from __future__ import annotations

import email
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from email import policy
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from conftest import ROOT

VNU = ROOT / ".cache" / "tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGS = ("en", "el")

# Every page of the hub is one of these kinds (matched in order against its path below the language's folder).
KINDS = [
    ("home", r"index\.html"),
    ("not found", r"404\.html"),
    ("posts index", r"posts/(page/\d+/)?index\.html"),
    ("tag", r"posts/tags/[^/]+/(page/\d+/)?index\.html"),
    ("post", r"posts/[^/]+/index\.html"),
    ("leaderboard", r"members/leaderboard/index\.html"),
    ("members index", r"members/(page/\d+/)?index\.html"),
    ("member", r"members/[^/]+/index\.html"),
    ("spotlights index", r"spotlights/index\.html"),
    ("spotlight", r"spotlights/[^/]+/index\.html"),
    ("stories index", r"stories/index\.html"),
    ("story", r"stories/[^/]+/index\.html"),
    ("events index", r"events/index\.html"),
    ("past events", r"events/past/(page/\d+/)?index\.html"),
    ("event", r"events/[^/]+/index\.html"),
    ("academy", r"academy/index\.html"),
    ("course", r"academy/[^/]+/index\.html"),
    ("lesson", r"academy/[^/]+/[^/]+/index\.html"),
    ("figures", r"figures/index\.html"),
    ("newsletter archive", r"newsletter/index\.html"),
    ("newsletter issue", r"newsletter/[^/]+/index\.html"),
    ("page", r"[^/]+/index\.html"),
]

# Known invalid markup (what Agora used to emit); vnu must report it, or the run proves nothing.
CANARY = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>canary</title></head>
<body><h1>Posts</h1><h3>A card title one level too deep</h3><p><time>0:00</time> a chapter</p></body></html>
"""
CANARY_ERRORS = ("skipping 1 heading level", "element “time” was not in the required format")

# What e-mail clients need (see the module docstring); anything else in an e-mail is an error.
MSO_CSS = re.compile(r"CSS: “mso-[a-z-]+”: Property “mso-[a-z-]+” doesn't exist\.")
META_WITHOUT_CONTENT = "Element “meta” is missing one or more of the following attributes: “content”, “property”."
APPLE_META = '<meta name="x-apple-disable-message-reformatting">'
BAD_HREF = re.compile(r"Bad value “(?P<value>[^”]*)” for attribute “href” on element “a”")


@dataclass
class Checked:
    pages: dict[tuple[str, str], Path]  # (kind, lang) -> sampled page
    emails: list[Path]
    baseline_pages: list[Path]
    canary: Path
    errors: dict[Path, list[dict]]  # every file checked -> its errors (vnu's JSON messages)
    other: list[dict]  # messages about no file of ours (vnu failing to read one)


def demo_settings() -> dict:
    """The demo's mkdocs.yml (the one the demo site was built from), every value a string."""
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)


def agora_options() -> dict:
    return next(p["agora"] for p in demo_settings()["plugins"] if isinstance(p, dict) and "agora" in p)


def pages_of(site: Path, lang: str) -> dict[str, list[Path]]:
    """The built pages of `lang` by kind; a page of no known kind is listed under ""."""
    default, *others = agora_options()["languages"]
    folder = site if lang == default else site / lang
    by_kind: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*.html")):
        rel = path.relative_to(folder).as_posix()
        if lang == default and rel.split("/", 1)[0] in others:
            continue
        kind = next((name for name, pattern in KINDS if re.fullmatch(pattern, rel)), "")
        by_kind.setdefault(kind, []).append(path)
    return by_kind


def plain_material(root: Path) -> list[Path]:
    """A plain Material project with the demo's theme settings and no agora plugin, built: its pages.

    A home page, sections of pages without an index (Material draws those as toggles), pages with the Markdown
    the hub's pages use, and a page with a table of contents that the navigation does not list (as the hub's
    posts, events and lessons are not listed), so that every part of Material's base template is checked."""
    demo = demo_settings()
    config = {key: demo[key] for key in ("site_name", "site_url", "copyright", "theme", "markdown_extensions")}
    config["plugins"] = ["search"]
    docs = root / "docs"
    pages = {
        "index.md": "# Home\n\nA plain page.\n",
        "about/people.md": "# People\n\n## Who\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        "about/history.md": "# History\n\n!!! note\n    A note.\n\n## Then\n\nText.\n",
        "guide/one.md": "# One\n\nText.\n",
        "guide/two.md": "# Two\n\nText.\n",
        "apart.md": "# Apart\n\n## A heading\n\nText.\n\n## Another\n\nText.\n",
    }
    config["nav"] = [{"Home": "index.md"}, {"About": ["about/people.md", "about/history.md"]},
                     {"Guide": ["guide/one.md", "guide/two.md"]}]
    for rel, text in pages.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(text)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return sorted((root / "site").rglob("*.html"))


def email_html_parts(letters: Path, target: Path) -> list[Path]:
    """The HTML part of every `.eml`, as the reader's client gets it, one file each."""
    target.mkdir()
    files = []
    for eml in sorted(letters.glob("*/*.eml")):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        body = message.get_body(("html",))
        assert body is not None, f"{eml}: no HTML part"
        path = target / f"{eml.parent.name}-{eml.stem}.html"
        path.write_text(body.get_content(), encoding="utf-8")
        files.append(path)
    return files


def run_vnu(files: list[Path]) -> dict:
    if not VNU.is_file():
        pytest.fail(f"{VNU} is missing: `make test` installs the Nu Html Checker (npm package vnu-jar) there")
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", "--no-langdetect", "--exit-zero-always",
         *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stderr)  # vnu writes its report to stderr


@pytest.fixture(scope="module")
def checked(demo_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    scratch = tmp_path_factory.mktemp("vnu")
    pages = {}
    for lang in LANGS:
        for kind, paths in pages_of(demo_site, lang).items():
            # The largest page of a kind is the one with the most parts (a past event with its recording,
            # chapters and transcript; a post with images and tags).
            pages[kind, lang] = max(paths, key=lambda path: (path.stat().st_size, path.as_posix()))
    emails = email_html_parts(demo_site.parent / "build" / "newsletters", scratch / "emails")
    baseline = plain_material(scratch / "material")
    canary = scratch / "canary.html"
    canary.write_text(CANARY)
    report = run_vnu([*pages.values(), *emails, *baseline, canary])
    errors: dict[Path, list[dict]] = {path: [] for path in [*pages.values(), *emails, *baseline, canary]}
    other = []
    for message in report["messages"]:
        path = Path(unquote(urlsplit(message.get("url", "")).path))
        if message["type"] == "error" and path in errors:
            errors[path].append(message)
        else:
            other.append(message)
    return Checked(pages, emails, baseline, canary, errors, other)


def describe(path: Path, messages: list[dict], root: Path) -> list[str]:
    return [f"{path.relative_to(root)}:{m.get('lastLine', '?')}: {m['message']}  [{m.get('extract', '').strip()}]"
            for m in messages]


def test_the_checker_ran_and_reports_what_agora_used_to_get_wrong(checked: Checked):
    assert checked.other == [], "vnu could not check some files"
    found = [m["message"] for m in checked.errors[checked.canary]]
    for expected in CANARY_ERRORS:
        assert any(expected in message for message in found), (expected, found)


def test_the_sample_holds_every_page_kind_in_both_languages(demo_site: Path, checked: Checked):
    for lang in LANGS:
        kinds = pages_of(demo_site, lang)
        assert "" not in kinds, f"pages of no known kind in {lang} (add the kind to KINDS): {kinds.get('')}"
        assert set(kinds) == {name for name, _ in KINDS}, (lang, sorted(kinds))
    assert len(checked.pages) == len(KINDS) * len(LANGS)


def test_every_page_kind_in_two_languages_is_valid_beyond_material_s_own_errors(demo_site: Path,
                                                                                  checked: Checked):
    materials = {m["message"] for path in checked.baseline_pages for m in checked.errors[path]}
    problems = []
    for (kind, lang), path in sorted(checked.pages.items()):
        ours = [m for m in checked.errors[path] if m["message"] not in materials]
        problems += [f"{kind} ({lang}): {line}" for line in describe(path, ours, demo_site)]
    assert problems == [], "\n".join(problems)


def test_every_email_is_valid_html_beyond_what_mail_clients_need(checked: Checked):
    options = agora_options()
    merge_tags = {t for t in options["newsletter"]["list_unsubscribe"] if not t.startswith(("https://", "mailto:"))}
    issues = list((ROOT / "newsletters").glob("????-??.md"))
    assert issues and len(checked.emails) == len(issues) * len(options["languages"])

    def needed(message: dict) -> bool:
        text = message["message"]
        if MSO_CSS.fullmatch(text):
            return True
        if text == META_WITHOUT_CONTENT:
            return APPLE_META in message.get("extract", "")
        bad_href = BAD_HREF.match(text)
        return bool(bad_href) and bad_href["value"] in merge_tags

    problems = []
    for path in checked.emails:
        problems += describe(path, [m for m in checked.errors[path] if not needed(m)], path.parent)
    assert problems == [], "\n".join(problems)
