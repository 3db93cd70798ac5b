"""Jinja2 rendering of page bodies (Markdown with HTML blocks), with the page's language and URL bound in.

Templates live in `generator/templates/site/pages/`. They produce the Markdown MkDocs renders; chrome is HTML
blocks (autoescaped), item bodies are inserted as the editors' Markdown.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import zoneinfo
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from generator import urls
from generator.bytecode import SharedBytecode
from generator.i18n import Language
from generator.site.pages import marked_body, relative

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site" / "pages"
WORD = re.compile(r"\w+")


# Cached: a post's card shows its reading time on every list it is on (index, tags, author, home), about five
# times per language, and counting words was the planner's largest single cost (bench/run.py, N = 1,000).
@functools.lru_cache(maxsize=16384)
def reading_minutes(text: str) -> int:
    return max(1, math.ceil(len(WORD.findall(text)) / 220))


# Every Renderer's Environment has the same options, so their compiled code is interchangeable.
BYTECODE = SharedBytecode()


YOUTUBE = re.compile(r"^https://(?:www\.)?(?:youtube\.com/watch\?v=|youtu\.be/)([A-Za-z0-9_-]{6,20})")
VIMEO = re.compile(r"^https://(?:www\.)?vimeo\.com/(\d+)")


def youtube_id(url: str) -> str | None:
    match = YOUTUBE.match(url)
    return match.group(1) if match else None


def vimeo_id(url: str) -> str | None:
    match = VIMEO.match(url)
    return match.group(1) if match else None


def at_time(url: str, seconds: int) -> str:
    """A link that opens the recording at `seconds` (YouTube's t=, else a media fragment)."""
    if youtube_id(url):
        return f"https://www.youtube.com/watch?v={youtube_id(url)}&t={seconds}s"
    return f"{url.split('#')[0]}#t={seconds}"


def timestamp(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def iso_duration(seconds: int) -> str:
    """An offset into a recording as the machine-readable `datetime` of its `<time>`: "1:05" is not an HTML
    time (it reads as a clock time, and "39:30" as an invalid one), a duration string is.

    >>> iso_duration(0), iso_duration(270), iso_duration(4_530)
    ('PT0M0S', 'PT4M30S', 'PT1H15M30S')
    """
    hours, rest = divmod(seconds, 3600)
    return f"PT{hours}H{rest // 60}M{rest % 60}S" if hours else f"PT{rest // 60}M{rest % 60}S"


class Renderer:
    """Renders templates for one language; `here` (the page's URL from the site root) is passed per call."""

    def __init__(self, lang: Language, languages: dict[str, Language], timezones: list[str]):
        self.lang = lang
        self.languages = languages
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            bytecode_cache=BYTECODE,
            # A Renderer lives for one plan, during which templates do not change: skip a stat() per page.
            auto_reload=False,
        )
        self.env.install_gettext_callables(lang.catalog.gettext, lang.catalog.ngettext, newstyle=True)
        self.env.globals.update(
            lang=lang, urls=urls, timezones=timezones, link=self.link, full=self.full,
            reading_minutes=reading_minutes, zone_times=self.zone_times, member_links=self.member_links,
        )
        self.env.filters.update(date=lang.date, number=lang.number, month=lang.month, youtube_id=youtube_id,
                                vimeo_id=vimeo_id, at_time=at_time, timestamp=timestamp,
                                iso_duration=iso_duration, body=lambda text: Markup(marked_body(text)))

    def full(self, url: str, code: str | None = None) -> str:
        """`url` of the language `code` (default: this page's), from the site root."""
        return urls.prefix(code or self.lang.code, self.lang.default) + url

    @jinja2.pass_context
    def link(self, context: jinja2.runtime.Context, url: str, code: str | None = None) -> str:
        return relative(self.full(url, code), context["here"])

    @jinja2.pass_context
    def member_links(self, context: jinja2.runtime.Context, plan, handles: list[str]) -> Markup:
        """"Ana Kovač, Bo Nowak and a community member": public members linked, private ones unnamed, joined the
        way the page's language lists things (Babel's list patterns)."""
        names = []
        for handle in handles:
            member = plan.member(handle)
            if member:
                href = relative(self.full(urls.member(member.slug)), context["here"])
                names.append(str(Markup('<a href="{}">{}</a>').format(href, member.record.name)))
            else:
                names.append(str(escape(self.lang.gettext("a community member"))))
        return Markup(self.lang.join(names))

    def zone_times(self, start: dt.datetime, own_zone: str) -> list[dict]:
        """The start in the event's own zone and each configured zone, with the day shift spelled out."""
        own_day = start.astimezone(zoneinfo.ZoneInfo(own_zone)).date()
        rows = []
        for zone in dict.fromkeys([own_zone, *self.env.globals["timezones"]]):
            local = start.astimezone(zoneinfo.ZoneInfo(zone))
            shift = (local.date() - own_day).days
            rows.append({
                "zone": zone, "name": self.lang.zone_name(zone), "time": self.lang.time(start, zone),
                "day": self.lang.weekday_date(start, zone), "shift": shift, "iso": local.isoformat(),
                "own": zone == own_zone,
            })
        return rows

    def render(self, template: str, here: str, **values: object) -> str:
        return self.env.get_template(template).render(here=here, **values)
