"""`agora build` and the newsletter: every issue in every language written beside the site, every hub link of
every e-mail resolving in the built site, web copies with their archive and feed, the size limit, both outputs
replaced atomically, and the same bytes on every build.

Most tests build the small community of test_newsletter.py, where every expectation can be exact; the last
ones read the shipped demo as built once for the whole run (`built_demo` in conftest.py), and one builds it again.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel import Locale
from test_newsletter import SITE, links_of, write_community

from conftest import ROOT, BuiltDemo, run_agora

LANGS = ("en", "nb", "sv", "pl", "el", "sl")
SUBJECTS = {"sv": "November på Common Ground", "pl": "Listopad w Common Ground", "sl": "November v Common Ground"}
UTM = {"utm_source": ["newsletter"], "utm_medium": ["email"]}
MERGE_TAG = "{{unsubscribe_url}}"
# The note of issue 2026-11 shows this picture; it only has to exist in the built site.
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Built:
    root: Path
    site: Path

    @property
    def letters(self) -> Path:
        return self.root / "build" / "newsletters"


def build(root: Path, site: Path, *options: str):
    return run_agora("build", "--root", root, "--out", site, *options)


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def parse(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def parts(path: Path) -> tuple[str, str]:
    """The text and the HTML part of an .eml, with the line ends they have in the written files."""
    text, html = (part.get_content().replace("\r\n", "\n") for part in parse(path).iter_parts())
    return text, html


def prefix(lang: str) -> str:
    return "" if lang == "en" else f"{lang}/"


def site_file(site: Path, url: str) -> Path:
    """The file the site build writes for an absolute hub URL (query and fragment ignored)."""
    path = urlsplit(url).path.removeprefix(urlsplit(SITE).path)
    return site / path / "index.html" if path.endswith("/") or not path else site / path


def email_urls(message: EmailMessage) -> list[str]:
    """Every link and image address of both parts, the ESP's unsubscribe merge tag left out."""
    text, html = (part.get_content() for part in message.iter_parts())
    parsed = links_of(html)
    found = parsed.hrefs + [str(image.get("src")) for image in parsed.images] + re.findall(r"https://\S+", text)
    return [url for url in found if url != MERGE_TAG]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("built")
    root = write_community(base / "community")
    (root / "content" / "assets").mkdir(parents=True)
    (root / "content" / "assets" / "volunteers.jpg").write_bytes(JPEG)
    result = build(root, base / "site")
    assert result.code == 0, result.output
    return Built(root, base / "site")


# --- the e-mails ------------------------------------------------------------------------------------------


def test_build_writes_every_issue_in_every_language(built):
    assert sorted(files(built.letters)) == sorted(
        f"{issue}/{lang}.{ext}" for issue in ("2026-10", "2026-11") for lang in LANGS for ext in ("eml", "html", "txt")
    )


@pytest.mark.parametrize("lang", LANGS)
def test_built_eml_parts_and_headers(built, lang):
    message = parse(built.letters / "2026-11" / f"{lang}.eml")
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert parts(built.letters / "2026-11" / f"{lang}.eml") == (
        (built.letters / "2026-11" / f"{lang}.txt").read_text(encoding="utf-8"),
        (built.letters / "2026-11" / f"{lang}.html").read_text(encoding="utf-8"),
    )
    assert len(html.get_content().encode("utf-8")) < 102_000
    assert message["Subject"] == SUBJECTS.get(lang, "November at Common Ground")
    assert f"<title>{message['Subject']}</title>" in html.get_content()
    assert message["From"] == "Common Ground <newsletter@commonground.example.org>"
    assert message["Reply-To"] == "editors@commonground.example.org"
    assert message["Date"] == "Tue, 01 Dec 2026 00:00:00 +0000"
    assert message["Message-ID"] == f"<newsletter.2026-11.{lang}@commonground.example.org>"
    assert message["List-Unsubscribe"].strip() == (
        "<{{unsubscribe_url}}>, <mailto:unsubscribe@commonground.example.org?subject=unsubscribe>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == lang


def test_every_link_is_https_with_utm_tags_and_every_hub_link_exists_in_the_built_site(built):
    checked, missing = set(), []
    for eml in sorted(built.letters.rglob("*.eml")):
        issue = eml.parent.name
        for url in email_urls(parse(eml)):
            assert url.startswith("https://"), f"{eml.relative_to(built.letters)}: {url}"
            if not url.startswith(SITE):
                continue
            assert parse_qs(urlsplit(url).query) == {**UTM, "utm_campaign": [f"issue-{issue}"]}, url
            checked.add(urlsplit(url).path)
            if not site_file(built.site, url).is_file():
                missing.append(f"{eml.relative_to(built.letters)}: {url}")
    assert not missing, "\n".join(missing)
    # posts, events, courses, the picture, web copies and archives in all six languages
    assert len(checked) > 60 and "/assets/volunteers.jpg" in checked and "/sl/newsletter/2026-11/" in checked


def test_polish_and_slovenian_plurals_in_the_built_email(built):
    for lang, heading in (("pl", "3 nowe wpisy"), ("sl", "3 nove objave")):
        text, html = parts(built.letters / "2026-11" / f"{lang}.eml")
        assert f"\n{heading}\n" in text
        assert re.search(rf"<h2[^>]*>{heading}</h2>", html)


# --- the hub ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_web_copy_archive_and_feed_per_language(built, lang):
    home = built.site / prefix(lang)
    for issue in ("2026-10", "2026-11"):
        subject = parse(built.letters / issue / f"{lang}.eml")["Subject"]
        page = (home / "newsletter" / issue / "index.html").read_text(encoding="utf-8")
        assert re.search(rf"<h1[^>]*>{re.escape(subject)}</h1>", page)
        assert 'class="agora-issue"' in page and "utm_" not in page
    # The reference date (the newest content, 2026-11-22) is before issue 2026-11 is sent on 1 December:
    # its web copy exists for its e-mail to link to, but the archive and the feed do not announce it yet.
    archive = (home / "newsletter" / "index.html").read_text(encoding="utf-8")
    up = "../" * (1 + (lang != "en"))  # relative links, from <lang>/newsletter/ to the site root
    assert f'href="{up}{prefix(lang)}newsletter/2026-10/"' in archive
    assert "newsletter/2026-11/" not in archive
    feed = ET.parse(home / "newsletter" / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed" and feed.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    assert links == [f"{SITE}{prefix(lang)}newsletter/2026-10/"]
    assert all(site_file(built.site, link).is_file() for link in links)


# --- determinism and atomic output ------------------------------------------------------------------------


def test_building_again_gives_the_same_bytes_and_a_later_post_changes_no_earlier_issue(built, tmp_path):
    root = tmp_path / "community"
    shutil.copytree(built.root, root, ignore=shutil.ignore_patterns("build"))
    again = build(root, tmp_path / "site")
    assert again.code == 0, again.output
    assert files(root / "build" / "newsletters") == files(built.letters)
    for lang in LANGS:
        web = f"{prefix(lang)}newsletter"
        assert files(tmp_path / "site" / web) == files(built.site / web)

    (root / "content" / "posts" / "2026" / "december-news.md").write_text(
        "---\ntitle: December news\ndate: 2026-12-02\nauthor: ada\n---\nLater.\n", encoding="utf-8")
    later = build(root, tmp_path / "site", "--lang", "en", "--lang", "pl")
    assert later.code == 0, later.output
    assert files(root / "build" / "newsletters") == {
        name: data for name, data in files(built.letters).items() if name.split("/")[1][:2] in ("en", "pl")
    }


def test_an_issue_is_rendered_again_only_when_what_it_shows_changes(built, tmp_path):
    """Renderings are kept between builds by what the issue shows in a language (its view), the settings, and the
    templates, catalogs and code: a build renders only the views that changed, and writes what a build without
    any cache writes."""
    root = tmp_path / "community"
    shutil.copytree(built.root, root, ignore=shutil.ignore_patterns("build", "site"))

    def counts(result) -> tuple[int, int, int]:
        assert result.code == 0, result.output
        found = re.search(r"newsletters: (\d+) renderings \(issue × language; (\d+) rendered, (\d+) reused\)",
                          result.stderr)
        assert found, result.stderr
        return tuple(map(int, found.groups()))

    total, _, _ = counts(build(root, tmp_path / "site", "--force"))  # renders all, and keeps them
    # A post's body: no issue shows it (the entries show titles and summaries).
    post = root / "content" / "posts" / "2026" / "moderation-notes.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Body.", "Body, longer."), encoding="utf-8")
    assert counts(build(root, tmp_path / "site")) == (total, 0, total)
    # The November note in English, which English, Norwegian and Greek show (the others have their own).
    note = root / "newsletters" / "2026-11.md"
    note.write_text(note.read_text(encoding="utf-8").replace("November was busy.", "November was very busy."),
                    encoding="utf-8")
    assert counts(build(root, tmp_path / "site")) == (total, 3, total - 3)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("build", ".cache", ".site*"))
    assert counts(build(clean, tmp_path / "clean-site"))[1] == total
    assert files(root / "build" / "newsletters") == files(clean / "build" / "newsletters")
    assert b"November was very busy." in (root / "build" / "newsletters" / "2026-11" / "el.eml").read_bytes()


def test_an_email_over_the_size_limit_fails_the_build_and_keeps_both_previous_outputs(built, tmp_path):
    root, site = tmp_path / "community", tmp_path / "site"
    shutil.copytree(built.root, root)
    shutil.copytree(built.site, site)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "        untranslated: default\n", "        untranslated: default\n        max_html_bytes: 12000\n"),
        encoding="utf-8")
    letters_before, site_before = files(root / "build" / "newsletters"), files(site)
    result = build(root, site)
    assert result.code == 1
    for lang in LANGS:
        note = "2026-11.md" if lang in ("en", "nb", "el") else f"2026-11.{lang}.md"  # the note the issue shows
        assert re.search(rf"^newsletters/{re.escape(note)}: \(html\): issue 2026-11 in '{lang}': the HTML "
                         rf"e-mail is [\d,]+ bytes, over the 12,000-byte limit \(newsletter\.max_html_bytes\)",
                         result.stderr, flags=re.M)
    assert "issue 2026-10" not in result.stderr
    assert "the previous site/ and newsletters/ are unchanged" in result.stderr
    assert files(root / "build" / "newsletters") == letters_before and files(site) == site_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["community", "site"]
    assert sorted(p.name for p in (root / "build").iterdir()) == ["newsletters"]


def test_untranslated_skip_leaves_the_same_languages_out_of_the_site_and_the_email(tmp_path):
    root = write_community(tmp_path / "community", settings="        untranslated: skip\n")
    # A reference date after both send dates, so that the archives list every issue sent.
    result = build(root, tmp_path / "site", "--today", "2027-01-01")
    assert result.code == 0, result.output
    assert "warning: issue 2026-11 is not sent in 'nb'" in result.stderr
    expected = {("2026-10", "en"), *(("2026-11", lang) for lang in ("en", "sv", "pl", "sl"))}
    sent = {(path.parent.name, path.stem) for path in (root / "build" / "newsletters").rglob("*.eml")}
    assert sent == expected
    pages, listed = set(), set()
    for lang in LANGS:
        folder = tmp_path / "site" / prefix(lang) / "newsletter"
        pages |= {(p.parent.name, lang) for p in folder.glob("*/index.html")}
        archive = (folder / "index.html").read_text(encoding="utf-8")
        listed |= {(issue, lang) for issue in re.findall(r'<h2><a href="[./]*(?:\w\w/)?newsletter/([\d-]+)/"',
                                                         archive)}
    assert pages == expected and listed == expected
    # The switcher and hreflang alternates of a skipped issue's pages lead only to languages it exists in.
    issue_page = tmp_path / "site" / "sv" / "newsletter" / "2026-11" / "index.html"
    html = issue_page.read_text(encoding="utf-8")
    hreflangs = re.findall(r'<link rel="alternate" hreflang="([\w-]+)"', html)
    assert hreflangs == ["en", "sv", "pl", "sl", "x-default"]
    switcher = re.findall(r'class="md-select__link"|hreflang="(\w\w)" lang="\w\w" class="md-select__link"', html)
    assert [code for code in switcher if code] == ["en", "sv", "pl", "sl"]


# --- the demo ---------------------------------------------------------------------------------------------


def plural_category(lang: str, count: int) -> str:
    return Locale.parse(lang).plural_form(count)


# What the demo's catalogs say for "%(num)s new post" in each CLDR plural category.
NEW_POSTS = {
    "pl": {"one": "nowy wpis", "few": "nowe wpisy", "many": "nowych wpisów"},
    "sl": {"one": "nova objava", "two": "novi objavi", "few": "nove objave", "other": "novih objav"},
}


@pytest.fixture(scope="module")
def demo_built(built_demo: BuiltDemo) -> Built:
    """The demo as `agora build` builds it (conftest's one build of the run)."""
    if not (ROOT / "newsletters").is_dir():
        pytest.fail("the demo has no newsletters/ folder")
    return Built(built_demo.root, built_demo.site)


def test_demo_every_issue_in_every_language_is_a_valid_email(demo_built):
    issues = sorted(p.stem for p in (demo_built.root / "newsletters").glob("*.md") if "." not in p.stem)
    assert issues, "the demo has no issues"
    emls = sorted(demo_built.letters.rglob("*.eml"))
    assert {(p.parent.name, p.stem) for p in emls} == {(i, lang) for i in issues for lang in LANGS}
    missing = []
    for eml in emls:
        message = parse(eml)
        issue, lang = eml.parent.name, eml.stem
        assert message.get_content_type() == "multipart/alternative"
        text, html = message.iter_parts()
        assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        title = re.search(r"<title>(.*?)</title>", html.get_content()).group(1)
        # A subject too long for its line is folded right after "Subject:"; Python's parser keeps that
        # folding white space, which RFC 5322 unfolding makes the usual single space after the colon.
        subject = message["Subject"].strip()
        assert subject == unescape(title) and len(subject) > 10
        assert message["From"] == "Common Ground <newsletter@commonground.example.org>"
        assert message["Reply-To"] == "editors@commonground.example.org"
        year, month = map(int, issue.split("-"))  # monthly issues are sent on the 1st of the next month
        assert parsedate_to_datetime(message["Date"]).date() == dt.date(year + month // 12, month % 12 + 1, 1)
        assert message["List-Unsubscribe"].startswith("<{{unsubscribe_url}}>, <mailto:")
        assert message["Message-ID"] == f"<newsletter.{issue}.{lang}@commonground.example.org>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Content-Language"] == lang
        assert len(html.get_content().encode("utf-8")) < 102_000
        assert f'<html lang="{lang}"' in html.get_content()
        for url in email_urls(message):
            assert url.startswith("https://"), (eml, url)
            if url.startswith(SITE):
                assert parse_qs(urlsplit(url).query) == {**UTM, "utm_campaign": [f"issue-{issue}"]}, url
                if not site_file(demo_built.site, url).is_file():
                    missing.append(f"{issue}/{lang}: {url}")
    assert not missing, "\n".join(missing)


# The language names the List-Id phrases carry: each language's own name for itself.
LIST_NAMES = {"en": "English", "nb": "Norsk bokmål", "sv": "Svenska", "pl": "Polski", "el": "Ελληνικά",
              "sl": "Slovenščina"}


def test_demo_each_language_is_a_list_of_its_own_with_a_list_id(demo_built):
    """RFC 2919: every issue of one language carries that language's List-Id, in the hub's domain; subscribers'
    filters and the e-mail service tell the lists apart by it."""
    seen: dict[str, set[str]] = {}
    for eml in sorted(demo_built.letters.rglob("*.eml")):
        lang, raw = eml.stem, eml.read_bytes()
        list_id = f"{lang}.newsletter.commonground.example.org"
        header = re.search(rb"^List-Id:(.*?)\r\n(?![ \t])", raw, re.MULTILINE | re.DOTALL)
        assert header and header[1].isascii() and header[1].rstrip().endswith(f"<{list_id}>".encode()), (eml, header)
        value = str(parse(eml)["List-Id"]).strip()
        assert value in (f'"Common Ground ({LIST_NAMES[lang]})" <{list_id}>',
                         f"Common Ground ({LIST_NAMES[lang]}) <{list_id}>"), (eml, value)
        seen.setdefault(lang, set()).add(value)
    assert set(seen) == set(LANGS) and all(len(values) == 1 for values in seen.values()), seen


@pytest.mark.parametrize("lang", ["pl", "sl"])
def test_demo_post_counts_use_the_plural_form_of_their_number(demo_built, lang):
    forms = NEW_POSTS[lang]
    seen = set()
    for eml in sorted(demo_built.letters.glob(f"*/{lang}.eml")):
        text, _ = parts(eml)
        found = re.search(rf"^(\d+) ({'|'.join(forms.values())})$", text, flags=re.M)
        assert found, f"{eml}: no posts heading in {lang}"
        category = plural_category(lang, int(found.group(1)))
        assert found.group(2) == forms[category], (eml, found.group(0))
        seen.add(category)
    assert seen - {"one"}, f"no issue of the demo shows a {lang} plural"


def test_demo_builds_the_same_bytes_again_and_a_later_post_changes_no_issue(demo_built, tmp_path):
    root = tmp_path / "community"
    shutil.copytree(demo_built.root, root, ignore=shutil.ignore_patterns("build", "site"))
    (root / "content" / "posts" / "2026" / "a-later-post.md").write_text(
        "---\ntitle: A post after the last issue\ndate: 2026-12-02\nauthor: ingrid-solberg\n---\nLater.\n",
        encoding="utf-8")
    result = build(root, tmp_path / "site")
    assert result.code == 0, result.output
    assert files(root / "build" / "newsletters") == files(demo_built.letters)
