"""One issue as read in one language: its texts, its sections and entries, all localized and linked by path.

This is the plan step between selection and rendering. It decides what each reader sees — translated titles or
the original with a language marker, which member names may be shown, how dates and counts read — so the
e-mail HTML, the text part, the web copy and the feed all say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from babel import dates, lists

from generator import urls
from generator.i18n import Language
from generator.model.community import Community, Item, Version
from generator.model.records import Event, Newsletter
from generator.newsletter import note
from generator.newsletter.selection import Selection, select
from generator.problems import Problems


def N_(message: str) -> str:
    """Marks a string for extraction (`pybabel -k N_`); it is translated where it is shown."""
    return message


EVENT_KINDS = {
    "webinar": N_("Webinar"),
    "ama": N_("Ask me anything"),
    "workshop": N_("Workshop"),
    "meetup": N_("Meetup"),
    "weekly-session": N_("Weekly session"),
}
NBSP = "\u00a0"
LEVELS = {"beginner": N_("Beginner"), "intermediate": N_("Intermediate"), "advanced": N_("Advanced")}


@dataclass(frozen=True)
class Entry:
    """One item of a section. `path` is the hub page, relative to the site root and with the language prefix;
    `original` is the language of `title` and `summary` when the item is not translated (else None) and
    `marker` the localized notice that goes with it, e.g. "(English)"."""

    title: str
    path: str
    meta: tuple[str, ...] = ()
    summary: str | None = None
    original: str | None = None
    marker: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    heading: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class IssueView:
    """Everything a rendering of one issue in one language shows."""

    issue_id: str
    number: int
    lang: Language
    source: str  # the note file the text comes from, for problem messages
    site_name: str
    site_url: str
    subject: str
    preheader: str
    label: str  # "Issue 12"
    period: str  # "November 2026"
    sent: str  # the localized send date
    send_date: dt.date
    contents: str  # "3 new posts, 2 upcoming events"
    note_html: str  # the note's Markdown as HTML, links as the editor wrote them
    note_original: str | None  # the note's language when it falls back to the default, else None
    note_notice: str  # says so, in the reader's language
    sections: tuple[Section, ...]

    @property
    def prefix(self) -> str:
        return urls.prefix(self.lang.code, self.lang.default)

    @property
    def home(self) -> str:
        return self.prefix + urls.home()

    @property
    def page(self) -> str:
        """The web copy of this issue."""
        return self.prefix + urls.newsletter_issue(self.issue_id)

    @property
    def archive(self) -> str:
        return self.prefix + urls.newsletter_archive()

    @property
    def page_url(self) -> str:
        """The address relative links in the note are read against: the hub's home in this language."""
        return self.site_url + self.home


def _marker(lang: Language, version: Version) -> tuple[str | None, str]:
    if not version.fallback:
        return None, ""
    return version.lang, lang.language_mark(version.lang)


def _names(community: Community, handles: Iterable[str]) -> list[str]:
    """Display names of the members who may be shown; members with `public: false` are never named."""
    return [community.members[h].record.name for h in handles if community.is_public(h)]


def _join(lang: Language, values: Sequence[str]) -> str:
    return lists.format_list(list(values), locale=lang.locale) if values else ""


def _period(lang: Language, issue: Newsletter) -> str:
    if issue.month:
        return lang.month(issue.span.start)
    return dates.format_interval(issue.span.start, issue.span.end, "yMMMd", locale=lang.locale)


def _times(lang: Language, event: Event, start: dt.datetime, zones: Sequence[str]) -> tuple[str, ...]:
    """When an event starts where it is held, then in the hub's other time zones. Each zone's time is held
    together with no-break spaces, so wrapping (text part, narrow screens) breaks only between zones."""
    here = f"{lang.datetime(start, event.timezone)} ({lang.zone_name(event.timezone)})"
    others = [f"{lang.weekday_date(start, zone)} {lang.time(start, zone)} {lang.zone_name(zone)}"
              .replace(" ", NBSP) for zone in zones if zone != event.timezone]
    return (here, " · ".join(others)) if others else (here,)


def _posts(community: Community, lang: Language, selection: Selection) -> list[Entry]:
    entries = []
    for post in selection.posts:
        version = post.version(lang.code)
        original, marker = _marker(lang, version)
        author = _names(community, [post.record.author])
        meta = lang.date(post.record.day)
        if author:
            meta += " · " + lang.gettext("by %(name)s", name=author[0])
        entries.append(Entry(version.record.title, _path(lang, urls.post(post.slug)), (meta,),
                             version.record.summary, original, marker))
    return entries


def _spotlights(community: Community, lang: Language, selection: Selection) -> list[Entry]:
    entries = []
    for spotlight in selection.spotlights:
        version = spotlight.version(lang.code)
        original, marker = _marker(lang, version)
        name = community.members[spotlight.record.member].record.name
        title, headline = name, version.record.headline
        if headline:
            # Headlines often name the member already ("Eleni Papadaki wants …"); say the name once.
            title = headline if name in headline else f"{name}: {headline}"
        month = lang.month(dt.date.fromisoformat(spotlight.record.month + "-01"))
        entries.append(Entry(title, _path(lang, urls.spotlight(spotlight.slug)), (month,),
                             version.record.quote, original, marker))
    return entries


def _stories(community: Community, lang: Language, selection: Selection) -> list[Entry]:
    entries = []
    for story in selection.stories:
        version = story.version(lang.code)
        original, marker = _marker(lang, version)
        meta = [lang.date(story.record.date)]
        if story.record.company:
            meta.append(story.record.company)
        if names := _names(community, story.record.members):
            meta.append(_join(lang, names))
        entries.append(Entry(version.record.title, _path(lang, urls.story(story.slug)), (" · ".join(meta),),
                             version.record.summary, original, marker))
    return entries


def _academy(community: Community, lang: Language, selection: Selection) -> list[Entry]:
    entries = []
    for course in selection.courses:
        version = course.version(lang.code)
        original, marker = _marker(lang, version)
        count = len(community.lessons.get(course.slug, ()))
        meta = [lang.gettext(LEVELS[course.record.level]),
                lang.ngettext("%(num)s lesson", "%(num)s lessons", count)]
        if course.record.duration:
            meta.append(lang.duration(course.record.duration))
        entries.append(Entry(version.record.title, _path(lang, urls.course(course.slug)), (" · ".join(meta),),
                             version.record.summary, original, marker))
    for lesson in selection.lessons:
        version = lesson.version(lang.code)
        original, marker = _marker(lang, version)
        course = community.courses[lesson.course or ""].version(lang.code)
        meta = [lang.gettext("Course: %(title)s", title=course.record.title)]
        if lesson.record.duration:
            meta.append(lang.duration(lesson.record.duration))
        entries.append(Entry(version.record.title, _path(lang, urls.lesson(lesson.course or "", lesson.slug)),
                             (" · ".join(meta),), version.record.summary, original, marker))
    return entries


def _event_people(community: Community, lang: Language, event: Event) -> list[str]:
    people = _names(community, dict.fromkeys([*event.speakers, *event.hosts]))
    return [lang.gettext("With %(names)s", names=_join(lang, people))] if people else []


def _recordings(community: Community, lang: Language, selection: Selection) -> list[Entry]:
    entries = []
    for event in selection.recordings:
        version = event.version(lang.code)
        original, marker = _marker(lang, version)
        recording = event.record.recording
        assert recording is not None
        meta = [lang.gettext(EVENT_KINDS[event.record.kind]), lang.date(event.record.start.date())]
        if recording.duration:
            meta.append(lang.duration(recording.duration))
        entries.append(Entry(version.record.title, _path(lang, urls.event(event.slug)),
                             (" · ".join(meta), *_event_people(community, lang, event.record)),
                             version.record.summary, original, marker))
    return entries


def _upcoming(community: Community, lang: Language, selection: Selection) -> list[Entry]:
    zones = community.settings.options.timezones
    entries = []
    for event, start in selection.upcoming:
        version = event.version(lang.code)
        original, marker = _marker(lang, version)
        meta = (lang.gettext(EVENT_KINDS[event.record.kind]), *_times(lang, event.record, start, zones),
                *_event_people(community, lang, event.record))
        entries.append(Entry(version.record.title, _path(lang, urls.event(event.slug)), meta,
                             version.record.summary, original, marker))
    return entries


def _path(lang: Language, path: str) -> str:
    return urls.prefix(lang.code, lang.default) + path


def sections(community: Community, lang: Language, selection: Selection) -> tuple[Section, ...]:
    """The sections of an issue in reading order, each headed by its count in the language's plural form for
    that count; a section without entries is left out."""
    spotlights = _spotlights(community, lang, selection)
    posts = _posts(community, lang, selection)
    stories = _stories(community, lang, selection)
    upcoming = _upcoming(community, lang, selection)
    recordings = _recordings(community, lang, selection)
    academy = _academy(community, lang, selection)
    built = (
        Section("spotlights", lang.ngettext("Member of the month", "Members of the month", len(spotlights)),
                tuple(spotlights)),
        Section("posts", lang.ngettext("%(num)s new post", "%(num)s new posts", len(posts)), tuple(posts)),
        Section("stories", lang.ngettext("%(num)s new success story", "%(num)s new success stories",
                                         len(stories)), tuple(stories)),
        Section("upcoming", lang.ngettext("%(num)s upcoming event", "%(num)s upcoming events", len(upcoming)),
                tuple(upcoming)),
        Section("recordings", lang.ngettext("%(num)s new recording", "%(num)s new recordings",
                                            len(recordings)), tuple(recordings)),
        Section("academy", lang.ngettext("%(num)s new course or lesson", "%(num)s new courses and lessons",
                                         len(academy)), tuple(academy)),
    )
    return tuple(section for section in built if section.entries)


def _contents(lang: Language, parts: tuple[Section, ...]) -> str:
    counted = [s.heading for s in parts if s.name != "spotlights"]
    if not counted:
        return lang.gettext("No new items this time; the editor's note below says what is coming.")
    return lang.gettext("In this issue: %(contents)s.", contents=_join(lang, counted))


def issue_view(community: Community, issue: Item[Newsletter], lang: Language) -> IssueView:
    """The view of `issue` in `lang`, whether or not its note is translated (see `issue_languages`)."""
    version = issue.version(lang.code)
    record = version.record
    selection = select(community, issue)
    parts = sections(community, lang, selection)
    original, _ = _marker(lang, version)
    notice = lang.gettext("The editor's note is not yet translated; here it is in %(language)s.",
                          language=lang.language_name(original)) if original else ""
    contents = _contents(lang, parts)
    settings = community.settings
    return IssueView(
        issue_id=issue.slug,
        number=record.number,
        lang=lang,
        source=version.path,
        site_name=settings.site_name,
        site_url=settings.site_url,
        subject=record.subject,
        preheader=record.preheader or contents,
        label=lang.gettext("Issue %(number)s", number=lang.number(record.number)),
        period=_period(lang, record),
        sent=lang.date(record.send_date),
        send_date=record.send_date,
        contents=contents,
        note_html=note.to_html(version.body),
        note_original=original,
        note_notice=notice,
        sections=parts,
    )


def published_in(community: Community, issue: Item[Newsletter], code: str) -> bool:
    """Whether `issue` exists in language `code`: its note is translated, or `newsletter.untranslated` is
    `default` (the default-language note is sent, with a notice). The e-mail and the hub both ask this, so the
    archive lists exactly the issues that are sent, and every e-mail's link to its web copy resolves."""
    return not (issue.version(code).fallback and community.settings.options.newsletter.untranslated == "skip")


def issue_languages(community: Community, issue: Item[Newsletter], languages: Mapping[str, Language],
                    langs: Iterable[str] | None, problems: Problems) -> list[Language]:
    """The languages `issue` is rendered in, in the hub's order: all of `langs` (default: every language),
    less those it is not `published_in` (with a warning)."""
    settings = community.settings
    wanted = set(langs) if langs is not None else set(settings.languages)
    chosen = []
    for code in settings.languages:
        if code not in wanted:
            continue
        if not published_in(community, issue, code):
            expected = f"{settings.options.newsletters_dir}/{issue.slug}.{code}.md"
            problems.warning(issue.path, "(translation)",
                             f"issue {issue.slug} is not sent in {code!r}: its note has no translation "
                             f"({expected}) and newsletter.untranslated is 'skip'")
            continue
        chosen.append(languages[code])
    return chosen
