"""Newsletter issues on a small community written for these tests: selection, the .eml and its parts.

The community (see `COMMUNITY`) is small enough that every assertion can be exact: three November posts, one
of them by a member who is not public, a draft and a pending post that must not appear, a recording, an
upcoming workshop, a course, a spotlight and a story; issue 2026-11 translated into sv, pl and sl, with
catalogs for pl and sl so plural forms do not depend on the state of the demo's catalogs.
"""

from __future__ import annotations

import difflib
import email
import email.policy
import os
import re
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.config import load_settings
from generator.i18n import load_languages
from generator.model import load_community
from generator.newsletter import render_issues, write_renderings
from generator.newsletter.render import Rendering
from generator.problems import ContentError, Problems

from conftest import ROOT, run_agora

GOLDEN = Path(__file__).parent / "golden"
SITE = "https://commonground.example.org/"
EMAILS = ("ada@example.org", "hidden@example.org", "bo@example.org")

PL_PO = r'''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Language: pl\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

msgid "%(num)s new post"
msgid_plural "%(num)s new posts"
msgstr[0] "%(num)s nowy wpis"
msgstr[1] "%(num)s nowe wpisy"
msgstr[2] "%(num)s nowych wpisów"
'''
SL_PO = r'''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Language: sl\n"
"Plural-Forms: nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);\n"

msgid "%(num)s new post"
msgid_plural "%(num)s new posts"
msgstr[0] "%(num)s nova objava"
msgstr[1] "%(num)s novi objavi"
msgstr[2] "%(num)s nove objave"
msgstr[3] "%(num)s novih objav"
'''

COMMUNITY = {
    "content/members/ada.md": """---
name: Ada Lindqvist
joined: 2025-02-01
email: ada@example.org
spotlight_consent: true
---
Runs the Oslo meetup.
""",
    "content/members/bo.md": """---
name: Bo Nowak
joined: 2025-05-10
email: bo@example.org
---
""",
    "content/members/hidden.md": """---
name: Quiet Quokka
joined: 2025-06-01
public: false
email: hidden@example.org
---
""",
    "content/pages/guidelines.md": """---
title: Community guidelines
---
Be kind.
""",
    "content/posts/2026/october-recap.md": """---
title: October recap
date: 2026-10-20
author: bo
---
October.
""",
    "content/posts/2026/welcome-back.md": """---
title: Welcome back to the forum
date: 2026-11-03
author: ada
summary: What changed while the forum was being moved, and what did not.
---
Body.
""",
    "content/posts/2026/welcome-back.sv.md": """---
title: Välkommen tillbaka till forumet
summary: Vad som ändrades medan forumet flyttades.
---
Text.
""",
    "content/posts/2026/moderation-notes.md": """---
title: Notes from a year of moderation
date: 2026-11-15T18:30:00+01:00
author: bo
---
Body.
""",
    "content/posts/2026/quiet-post.md": """---
title: A post by someone who keeps a low profile
date: 2026-11-20
author: hidden
---
Body.
""",
    "content/posts/2026/draft-post.md": """---
title: Draft that must not be sent
date: 2026-11-21
author: ada
status: draft
---
Body.
""",
    "content/posts/2026/pending-post.md": """---
title: Pending review that must not be sent
date: 2026-11-22
author: bo
status: pending
---
Body.
""",
    "content/spotlights/2026-11-ada.md": """---
member: ada
month: 2026-11
headline: From lurker to meetup host
quote: Say yes to the second coffee.
---
Q and A.
""",
    "content/stories/oslo-library.md": """---
title: How the Oslo library doubled its volunteers
date: 2026-11-18
members: [ada, hidden]
company: Oslo Public Library
summary: A volunteer programme run through the community.
---
Story.
""",
    "content/events/2026-11-12-office-hours.md": """---
title: Office hours on onboarding
start: 2026-11-12T17:00:00+01:00
duration: 60
timezone: Europe/Oslo
kind: webinar
speakers: [bo]
hosts: [hidden]
recording:
  url: https://video.example.org/office-hours
  duration: 58
---
""",
    "content/events/2026-12-03-planning-workshop.md": """---
title: Planning workshop for 2027
start: 2026-12-03T17:00:00+01:00
duration: 90
timezone: Europe/Oslo
kind: workshop
hosts: [ada]
summary: Bring one idea and one worry.
---
""",
    "content/events/2027-01-14-new-year-ama.md": """---
title: New year AMA
start: 2027-01-14T18:00:00+01:00
duration: 60
timezone: Europe/Oslo
kind: ama
---
""",
    "content/academy/moderation-101/index.md": """---
title: Moderation 101
level: beginner
summary: The first month as a moderator.
date: 2026-11-20
duration: 120
authors: [ada]
---
""",
    "content/academy/moderation-101/01-first-steps.md": """---
title: First steps
duration: 15
date: 2026-11-20
---
Lesson.
""",
    "content/academy/moderation-101/02-hard-calls.md": """---
title: Hard calls
duration: 20
date: 2026-11-20
---
Lesson.
""",
    "content/academy/onboarding/index.md": """---
title: Onboarding newcomers
level: intermediate
summary: Welcome people so they stay.
date: 2026-03-01
---
""",
    "content/academy/onboarding/01-the-first-hour.md": """---
title: The first hour
date: 2026-03-01
---
Lesson.
""",
    "content/academy/onboarding/02-buddies.md": """---
title: Buddy systems
duration: 10
date: 2026-11-25
---
Lesson.
""",
    "newsletters/2026-10.md": """---
number: 1
month: 2026-10
subject: The first issue
preheader: Hello from the editors.
---
Welcome to the first issue.
""",
    "newsletters/2026-11.md": """---
number: 2
month: 2026-11
subject: November at Common Ground
preheader: A new course, a workshop to plan 2027, and the member of the month.
---
Dear members,

November was busy. Before you post, please read the [community guidelines](/guidelines/) again, and look at
[the events](events/) coming up. Our friends at [the library](https://library.example.net/volunteers) have
written about the programme too.

![Volunteers around a table](https://commonground.example.org/assets/volunteers.jpg)

- Thank you to everyone who hosted.
- See you in December.
""",
    "newsletters/2026-11.sv.md": """---
subject: November på Common Ground
preheader: En ny kurs, en workshop och månadens medlem.
---
Kära medlemmar,

november var full av aktivitet. Läs gärna [riktlinjerna](/sv/guidelines/) igen. Våra vänner på
[biblioteket](https://library.example.net/volunteers) har också skrivit om programmet.

![Volontärer runt ett bord](https://commonground.example.org/assets/volunteers.jpg)
""",
    "newsletters/2026-11.pl.md": """---
subject: Listopad w Common Ground
---
Drodzy członkowie, listopad był pracowity. [Biblioteka](https://library.example.net/volunteers) też o tym
napisała.

![Wolontariusze przy stole](https://commonground.example.org/assets/volunteers.jpg)
""",
    "newsletters/2026-11.sl.md": """---
subject: November v Common Ground
---
Dragi člani, november je bil pester. O programu je pisala tudi [knjižnica](https://library.example.net/volunteers).

![Prostovoljci okoli mize](https://commonground.example.org/assets/volunteers.jpg)
""",
    "locales/pl/LC_MESSAGES/messages.po": PL_PO,
    "locales/sl/LC_MESSAGES/messages.po": SL_PO,
}


def write_community(root: Path, files: dict[str, str] | None = None, settings: str = "") -> Path:
    """The test community at `root`: the demo's mkdocs.yml (plus `settings` under `newsletter:`) and files."""
    root.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    if settings:
        config = config.replace("        untranslated: default\n", settings)
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    (root / "docs").mkdir(exist_ok=True)
    for rel, text in (COMMUNITY if files is None else files).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def render(root: Path, **kwargs) -> list[Rendering]:
    problems = Problems()
    settings = load_settings(root, problems)
    community, found = load_community(settings)
    assert not found.errors, found.errors
    languages = load_languages(settings.languages, settings.locales_dir, root, problems)
    return render_issues(community, languages, **kwargs)


def by_key(renderings: list[Rendering]) -> dict[tuple[str, str], Rendering]:
    return {(r.issue_id, r.lang): r for r in renderings}


@pytest.fixture(scope="module")
def community_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_community(tmp_path_factory.mktemp("newsletter") / "community")


@pytest.fixture(scope="module")
def renderings(community_root: Path) -> dict[tuple[str, str], Rendering]:
    return by_key(render(community_root))


def parse(eml: bytes) -> EmailMessage:
    return email.message_from_bytes(eml, policy=email.policy.default)  # type: ignore[return-value]


class Links(HTMLParser):
    """Every href and every <img> (with its attributes) of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.tags: set[str] = set()
        self.link_rels: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "a" and "href" in values:
            self.hrefs.append(values["href"] or "")
        if tag == "img":
            self.images.append(values)
        if tag == "link":
            self.link_rels.append(values.get("rel") or "")


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def hub_paths(urls: list[str], site_url: str = SITE) -> list[str]:
    """The site-root-relative paths of the hub links among `urls` (query and fragment dropped)."""
    return sorted({urlsplit(u)._replace(query="", fragment="").geturl()[len(site_url):]
                   for u in urls if u.startswith(site_url)})


# --- the .eml -----------------------------------------------------------------------------------------------


def test_every_issue_is_rendered_in_every_language(renderings):
    assert sorted(renderings) == sorted(
        (issue, lang) for issue in ("2026-10", "2026-11") for lang in ("en", "nb", "sv", "pl", "el", "sl")
    )


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "pl", "el", "sl"])
def test_eml_is_multipart_alternative_text_then_html(renderings, lang):
    message = parse(renderings["2026-11", lang].eml)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # on the wire every line ends in CRLF
    assert parts[0].get_content().replace("\r\n", "\n") == renderings["2026-11", lang].text
    assert parts[1].get_content().replace("\r\n", "\n") == renderings["2026-11", lang].html


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "pl", "el", "sl"])
def test_eml_headers(renderings, lang):
    rendering = renderings["2026-11", lang]
    raw = rendering.eml
    message = parse(raw)
    subject = {"sv": "November på Common Ground", "pl": "Listopad w Common Ground",
               "sl": "November v Common Ground"}.get(lang, "November at Common Ground")
    assert message["Subject"] == subject == rendering.subject
    assert message["From"] == "Common Ground <newsletter@commonground.example.org>"
    assert message["Reply-To"] == "editors@commonground.example.org"
    assert message["Date"] == "Tue, 01 Dec 2026 00:00:00 +0000"
    assert message["Message-ID"] == f"<newsletter.2026-11.{lang}@commonground.example.org>"
    assert message["Content-Language"] == lang
    assert message["MIME-Version"] == "1.0"
    assert message["List-Unsubscribe"] == (
        "<{{unsubscribe_url}}>, <mailto:unsubscribe@commonground.example.org?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Every header line is 7-bit and at most 78 characters; a non-ASCII subject is RFC 2047 encoded.
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 and line.isascii() for line in head.split(b"\r\n"))
    if lang == "sv":  # RFC 2047 lets the encoder encode only the words that need it
        subject_line = re.search(rb"\r\nSubject: (.*?)\r\n(?! )", b"\r\n" + head).group(1)
        assert b"=?utf-8?" in subject_line and "på".encode() not in subject_line
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_only_mailto_unsubscribe_has_no_one_click(tmp_path):
    root = write_community(tmp_path / "c")
    config = (root / "mkdocs.yml").read_text()
    config = config.replace('          - "{{unsubscribe_url}}"\n', "")
    (root / "mkdocs.yml").write_text(config)
    message = parse(by_key(render(root, ids=["2026-11"], langs=["en"]))["2026-11", "en"].eml)
    # Too long for one 78-column line, the header is folded right after its colon; the parser keeps the
    # folding white space, which RFC 5322 unfolding turns back into the usual single space.
    assert message["List-Unsubscribe"].strip() == (
        "<mailto:unsubscribe@commonground.example.org?subject=unsubscribe>")
    assert message["List-Unsubscribe-Post"] is None
    html = by_key(render(root, ids=["2026-11"], langs=["en"]))["2026-11", "en"].html
    assert "unsubscribe@commonground.example.org" in html
    assert "{{unsubscribe_url}}" not in html


# --- the HTML part ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "pl", "el", "sl"])
def test_html_part_follows_the_email_rules(renderings, lang):
    html = renderings["2026-11", lang].html
    assert len(html.encode("utf-8")) < 102_000
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}" dir="ltr"' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "prefers-color-scheme: dark" in html
    assert re.search(r'<div class="preheader" style="[^"]*display: none', html)
    links = links_of(html)
    assert not links.tags & {"script", "form", "input", "button", "iframe", "link"}
    assert "max-width: 600px" in html and 'width="600"' in html
    assert not re.search(r'width="(\d+)"', html.replace('width="600"', "").replace('width="100%"', ""))
    assert links.images and all((img.get("alt") or "").strip() for img in links.images)
    assert all(img["src"].startswith("https://") for img in links.images)


@pytest.mark.parametrize("lang", ["en", "nb", "sv", "pl", "el", "sl"])
def test_links_are_absolute_https_with_utm_tags(renderings, lang):
    for part in (renderings["2026-11", lang].html, renderings["2026-11", lang].text):
        hrefs = links_of(part).hrefs if part.startswith("<") else re.findall(r"(?:https?://|\{\{)\S+", part)
        hrefs = [h for h in hrefs if h != "{{unsubscribe_url}}"]  # the ESP's merge tag, replaced when sent
        assert hrefs and all(h.startswith("https://") for h in hrefs)
        hub = [h for h in hrefs if h.startswith(SITE)]
        assert len(hub) > 10
        for href in hub:
            query = parse_qs(urlsplit(href).query)
            assert query == {"utm_source": ["newsletter"], "utm_medium": ["email"],
                             "utm_campaign": ["issue-2026-11"]}, href
        external = set(hrefs) - set(hub)
        assert external == {"https://library.example.net/volunteers"}


def test_hub_links_point_at_pages_in_the_issue_language(renderings):
    paths = hub_paths(links_of(renderings["2026-11", "sv"].html).hrefs)
    assert "sv/posts/welcome-back/" in paths
    assert "sv/newsletter/2026-11/" in paths
    assert "sv/guidelines/" in paths  # the note's root-relative link as written, not prefixed a second time
    assert not any(p.startswith("sv/sv/") for p in paths)
    en = hub_paths(links_of(renderings["2026-11", "en"].html).hrefs)
    assert "posts/welcome-back/" in en and "events/" in en and "guidelines/" in en
    assert not any(p.startswith(("sv/", "nb/", "pl/", "el/", "sl/")) for p in en)
    # nb gets the English note: its root-relative link stays as written, its relative link reads against the
    # nb home, and every link the issue itself makes is to an nb page.
    nb = hub_paths(links_of(renderings["2026-11", "nb"].html).hrefs)
    assert "guidelines/" in nb and "nb/events/" in nb and "events/" not in nb
    assert [p for p in nb if not p.startswith("nb/")] == ["guidelines/"]


# --- selection ----------------------------------------------------------------------------------------------


def test_selection_by_period(renderings):
    text = renderings["2026-11", "en"].text
    for wanted in ("Welcome back to the forum", "Notes from a year of moderation",
                   "A post by someone who keeps a low profile", "From lurker to meetup host",
                   "How the Oslo library doubled its volunteers", "Office hours on onboarding",
                   "Planning workshop for 2027", "Moderation 101", "Buddy systems"):
        assert wanted in text
    for unwanted in ("Draft that must not be sent", "Pending review", "October recap", "New year AMA",
                     "First steps", "The first hour"):
        assert unwanted not in text
    # newest post first; events and recordings in the order they happen
    assert text.index("A post by someone") < text.index("Notes from a year") < text.index("Welcome back")
    october = renderings["2026-10", "en"].text
    assert "October recap" in october and "Office hours on onboarding" in october  # November's events
    assert "Welcome back" not in october


def test_a_weekly_session_is_announced_by_its_first_session_in_the_following_period(tmp_path):
    files = dict(COMMUNITY)
    files["content/events/2026-11-03-office-hours.md"] = """---
title: Tuesday office hours
start: 2026-11-03T10:00:00+01:00
duration: 60
timezone: Europe/Oslo
kind: weekly-session
rrule: FREQ=WEEKLY;COUNT=6
---
"""
    rendered = by_key(render(write_community(tmp_path / "c", files), langs=["en"]))
    october, november = rendered["2026-10", "en"].text, rendered["2026-11", "en"].text
    assert "Tuesday office hours\n  Weekly session\n  Tuesday, November 3, 2026, 10:00" in october
    # Sessions run to 8 December: the November issue, sent on 1 December, announces that day's session.
    assert "Tuesday office hours\n  Weekly session\n  Tuesday, December 1, 2026, 10:00" in november
    assert "2 upcoming events\n" in november
    assert november.index("Tuesday office hours") < november.index("Planning workshop for 2027")


def test_spotlight_names_the_member_once(tmp_path, renderings):
    assert "* Ada Lindqvist: From lurker to meetup host\n" in renderings["2026-11", "en"].text
    files = dict(COMMUNITY)
    files["content/spotlights/2026-11-ada.md"] = files["content/spotlights/2026-11-ada.md"].replace(
        "headline: From lurker to meetup host", "headline: Ada Lindqvist went from lurker to meetup host")
    text = by_key(render(write_community(tmp_path / "c", files), ids=["2026-11"], langs=["en"]))["2026-11", "en"].text
    assert "* Ada Lindqvist went from lurker to meetup host\n" in text


def test_counts_in_headings(renderings):
    text = renderings["2026-11", "en"].text
    assert "3 new posts\n" in text
    assert "1 new success story\n" in text
    assert "1 upcoming event\n" in text
    assert "1 new recording\n" in text
    assert "2 new courses and lessons\n" in text
    assert "2 lessons" in text  # Moderation 101 has two
    html = renderings["2026-11", "en"].html
    assert ">3 new posts</h2>" in html
    assert "In this issue: 3 new posts, 1 new success story, 1 upcoming event, 1 new recording" in " ".join(
        text.split())  # the text part is wrapped


def test_polish_and_slovenian_plurals(renderings):
    assert "3 nowe wpisy" in renderings["2026-11", "pl"].text
    assert ">3 nowe wpisy</h2>" in renderings["2026-11", "pl"].html
    assert "3 nove objave" in renderings["2026-11", "sl"].text
    assert ">3 nove objave</h2>" in renderings["2026-11", "sl"].html


@pytest.mark.parametrize(("lang", "count", "expected"), [
    ("pl", 1, "1 nowy wpis"), ("pl", 2, "2 nowe wpisy"), ("pl", 5, "5 nowych wpisów"),
    ("pl", 12, "12 nowych wpisów"), ("pl", 22, "22 nowe wpisy"),
    ("sl", 1, "1 nova objava"), ("sl", 2, "2 novi objavi"), ("sl", 3, "3 nove objave"),
    ("sl", 5, "5 novih objav"), ("sl", 101, "101 nova objava"), ("sl", 102, "102 novi objavi"),
    ("en", 1, "1 new post"), ("en", 1000, "1,000 new posts"),
])
def test_post_count_heading_uses_the_plural_form_of_the_count(community_root, lang, count, expected):
    from generator.newsletter.selection import Selection
    from generator.newsletter.view import sections

    settings = load_settings(community_root)
    community, _ = load_community(settings)
    language = load_languages(settings.languages, settings.locales_dir, community_root, Problems())[lang]
    post = community.published_posts[0]
    selection = Selection((post,) * count, (), (), (), (), (), ())
    (section,) = sections(community, language, selection)
    assert section.heading == expected


def test_private_members_are_never_named_and_no_email_is_shown(renderings):
    for rendering in renderings.values():
        for part in (rendering.html, rendering.text, rendering.eml.decode("ascii")):
            assert "Quiet Quokka" not in part and "members/hidden/" not in part
            assert not any(address in part for address in EMAILS)
    text = renderings["2026-11", "en"].text
    assert "A post by someone who keeps a low profile" in text  # the post is there, its author is not named
    assert "With Bo Nowak" in text  # speaker named, the hidden host left out
    assert "Ada Lindqvist" in text


# --- translations -------------------------------------------------------------------------------------------


def test_untranslated_items_fall_back_with_a_language_marker(renderings):
    sv = renderings["2026-11", "sv"]
    assert "Välkommen tillbaka till forumet" in sv.text
    assert "Notes from a year of moderation (engelska)" in sv.text
    assert '<a href="https://commonground.example.org/sv/posts/moderation-notes/?' in sv.html
    # css-inline adds a style attribute after lang
    assert re.search(r'lang="en"[^>]*>Notes from a year of moderation</a> '
                     r'<span class="marker"[^>]*>\(engelska\)', sv.html)
    assert "Välkommen tillbaka till forumet (" not in sv.text
    en = renderings["2026-11", "en"]
    assert "(English)" not in en.text


def test_untranslated_note_default_sends_the_default_note(renderings):
    nb = renderings["2026-11", "nb"]
    assert nb.subject == "November at Common Ground"
    assert "November was busy" in nb.text
    assert "<div lang=\"en\">" in nb.html
    assert "engelsk" in nb.text  # the notice names the language the note is in


def test_untranslated_note_skip_leaves_the_language_out_with_a_warning(tmp_path):
    root = write_community(tmp_path / "c", settings="        untranslated: skip\n")
    problems = Problems()
    settings = load_settings(root, problems)
    community, _ = load_community(settings)
    languages = load_languages(settings.languages, settings.locales_dir, root, problems)
    renderings = by_key(render_issues(community, languages, problems=problems))
    assert sorted(lang for issue, lang in renderings if issue == "2026-11") == ["en", "pl", "sl", "sv"]
    assert [lang for issue, lang in renderings if issue == "2026-10"] == ["en"]
    skipped = [str(w) for w in problems.warnings if w.field == "(translation)"]
    assert len(skipped) == 2 + 5
    assert any("issue 2026-11 is not sent in 'nb'" in w and "newsletters/2026-11.nb.md" in w for w in skipped)


# --- failures -----------------------------------------------------------------------------------------------


def test_oversized_html_fails_naming_issue_and_language(tmp_path):
    files = dict(COMMUNITY)
    files["newsletters/2026-11.md"] += "\n" + "A long paragraph of the editor's thoughts. " * 2500 + "\n"
    root = write_community(tmp_path / "c", files)
    with pytest.raises(ContentError) as raised:
        render(root, ids=["2026-11"])
    messages = [str(p) for p in raised.value.problems]
    assert any("newsletters/2026-11.md" in m and "issue 2026-11 in 'en'" in m and "Gmail" in m
               and "newsletter.max_html_bytes" in m for m in messages)
    assert any("issue 2026-11 in 'nb'" in m for m in messages)  # all languages reported in one run


def test_insecure_and_alt_less_links_in_a_note_are_located_errors(tmp_path):
    files = dict(COMMUNITY)
    files["newsletters/2026-10.md"] += "\n[old site](http://old.example.org/) ![](https://x.example.org/a.png)\n"
    root = write_community(tmp_path / "c", files)
    with pytest.raises(ContentError) as raised:
        render(root)
    messages = [str(p) for p in raised.value.problems]
    assert len(messages) == 2, messages  # reported once, not once per language that shows the note
    assert messages[0].startswith(
        "newsletters/2026-10.md: (body): image 'https://x.example.org/a.png' has no")
    assert messages[1].startswith("newsletters/2026-10.md: (body): link 'http://old.example.org/'")


def test_scripts_and_forms_in_a_note_are_dropped(tmp_path):
    files = dict(COMMUNITY)
    files["newsletters/2026-10.md"] += '\n<script>alert(1)</script>\n\n<form action="https://x.org"><input></form>\n'
    root = write_community(tmp_path / "c", files)
    html = by_key(render(root, ids=["2026-10"], langs=["en"]))["2026-10", "en"].html
    assert "<script" not in html and "alert(1)" not in html and "<form" not in html and "<input" not in html


def test_unknown_issue_and_language_are_rejected(community_root):
    with pytest.raises(ValueError, match="unknown newsletter issue '2030-01'"):
        render(community_root, ids=["2030-01"])
    with pytest.raises(ValueError, match="unknown language 'de'"):
        render(community_root, langs=["de"])


# --- determinism --------------------------------------------------------------------------------------------


def test_rendering_twice_gives_identical_bytes(community_root, renderings):
    again = by_key(render(community_root))
    assert again.keys() == renderings.keys()
    for key, rendering in renderings.items():
        assert again[key] == rendering


def test_later_content_does_not_change_an_issue(tmp_path, renderings):
    files = dict(COMMUNITY)
    files["content/posts/2026/december-news.md"] = """---
title: December news
date: 2026-12-02
author: ada
---
Later.
"""
    # After the issue's window (November, and December's events): an event added later *within* the window
    # would be listed, as selection is by date alone (the model has no "announced on" date).
    files["content/events/2027-01-10-late-meetup.md"] = """---
title: A meetup announced after the issue went out
start: 2027-01-10T18:00:00+01:00
duration: 60
timezone: Europe/Oslo
---
"""
    files["newsletters/2026-12.md"] = """---
number: 3
month: 2026-12
subject: December
---
Later issue.
"""
    root = write_community(tmp_path / "c", files)
    later = by_key(render(root, ids=["2026-11"], langs=["en"]))
    assert later["2026-11", "en"].eml == renderings["2026-11", "en"].eml


# --- the CLI and the output folder --------------------------------------------------------------------------


def test_cli_writes_every_file_and_rebuilds_identically(tmp_path):
    root = write_community(tmp_path / "c")
    out = tmp_path / "out"
    first = run_agora("newsletter", "--root", root, "--out", out)
    assert first.code == 0, first.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 2 * 6 * 3
    assert "2026-11/sv.eml" in files and "2026-10/el.txt" in files
    before = {name: (out / name).read_bytes() for name in files}
    second = run_agora("newsletter", "--root", root, "--out", out)
    assert second.code == 0, second.output
    assert {name: (out / name).read_bytes() for name in files} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging folder left


def test_cli_default_out_dir_and_partial_runs_keep_other_files(tmp_path):
    root = write_community(tmp_path / "c")
    result = run_agora("newsletter", "--root", root)
    assert result.code == 0, result.output
    out = root / "build" / "newsletters"
    assert (out / "2026-10" / "en.eml").is_file()
    result = run_agora("newsletter", "2026-11", "--lang", "sv", "--root", root)
    assert result.code == 0, result.output
    assert "1 rendering written" in result.stdout
    assert (out / "2026-10" / "en.eml").is_file() and (out / "2026-11" / "pl.eml").is_file()


def test_cli_failure_leaves_previous_output(tmp_path):
    root = write_community(tmp_path / "c")
    out = tmp_path / "out"
    assert run_agora("newsletter", "--root", root, "--out", out).code == 0
    before = (out / "2026-11" / "en.eml").read_bytes()
    note = root / "newsletters" / "2026-11.md"
    note.write_text(note.read_text() + "\n[insecure](http://example.org/)\n")
    result = run_agora("newsletter", "--root", root, "--out", out)
    assert result.code == 1
    assert "newsletters/2026-11.md: (body): link 'http://example.org/'" in result.stderr
    assert (out / "2026-11" / "en.eml").read_bytes() == before


def test_cli_usage_errors(tmp_path):
    root = write_community(tmp_path / "c")
    result = run_agora("newsletter", "2030-01", "--root", root)
    assert result.code == 2 and "unknown issue '2030-01'" in result.stderr
    result = run_agora("newsletter", "--lang", "de", "--root", root)
    assert result.code == 2 and "unknown language 'de'" in result.stderr


def test_cli_strict_fails_on_skipped_languages(tmp_path):
    root = write_community(tmp_path / "c", settings="        untranslated: skip\n")
    out = tmp_path / "out"
    result = run_agora("newsletter", "--strict", "--root", root, "--out", out)
    assert result.code == 1
    assert "warning: issue 2026-11 is not sent in 'nb'" in result.stderr
    assert not out.exists()


def test_write_renderings_replaces_the_folder(tmp_path, renderings):
    out = tmp_path / "out"
    (out / "stale").mkdir(parents=True)
    (out / "stale" / "en.eml").write_bytes(b"old")
    written = write_renderings([renderings["2026-11", "en"]], out)
    assert [p.relative_to(out).as_posix() for p in written] == ["2026-11/en.eml", "2026-11/en.html",
                                                                 "2026-11/en.txt"]
    assert sorted(p.name for p in out.iterdir()) == ["2026-11"]
    with pytest.raises(ValueError, match="two renderings"):
        write_renderings([renderings["2026-11", "en"]] * 2, out)
    assert (out / "2026-11" / "en.eml").read_bytes() == renderings["2026-11", "en"].eml


# --- golden file --------------------------------------------------------------------------------------------


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>; `AGORA_UPDATE_GOLDEN=1 pytest tests/test_newsletter.py` rewrites
    it (then read the diff before committing it)."""
    path = GOLDEN / name
    if os.environ.get("AGORA_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{name}", "rendered"))
        pytest.fail(f"{name} differs from the golden file (AGORA_UPDATE_GOLDEN=1 to accept):\n{diff}")


def test_text_part_golden(renderings):
    assert_golden("newsletter-2026-11-en.txt", renderings["2026-11", "en"].text)


@pytest.mark.parametrize("lang", ["en", "sv", "el"])
def test_text_part_is_wrapped(renderings, lang):
    for line in renderings["2026-11", lang].text.splitlines():
        assert len(line) <= 76 or re.fullmatch(r"\s*(\[\d+\] |\S+: )?https://\S+", line), line
