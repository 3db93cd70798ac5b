"""Which items an issue carries: what appeared in its own period, and the events of the period after it.

Pure functions of the model and of the issue's own dates — never of today's date or of other issues — so
rebuilding an old issue after new content has arrived selects exactly what it selected before.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from generator.model.community import Community, Item
from generator.model.occurrences import occurrences
from generator.model.records import Course, Event, Lesson, Newsletter, Period, Post, Spotlight, Story


@dataclass(frozen=True)
class Selection:
    """An issue's items per section, each in its stable reading order."""

    posts: tuple[Item[Post], ...]
    spotlights: tuple[Item[Spotlight], ...]
    stories: tuple[Item[Story], ...]
    courses: tuple[Item[Course], ...]
    lessons: tuple[Item[Lesson], ...]
    recordings: tuple[Item[Event], ...]
    # Each event with the start it is announced for: a weekly session that began earlier is announced by its
    # first session in the following period.
    upcoming: tuple[tuple[Item[Event], dt.datetime], ...]


def following_period(issue: Newsletter) -> Period:
    """The period whose events an issue announces: the next calendar month for a monthly issue, else a period
    of the same length starting the day after this one ends.

    >>> following_period(Newsletter(number=1, subject="x", month="2026-12")).end
    datetime.date(2027, 1, 31)
    """
    span = issue.span
    start = span.end + dt.timedelta(days=1)
    if issue.month:
        nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return Period(start=start, end=nxt - dt.timedelta(days=1))
    return Period(start=start, end=start + (span.end - span.start))


def _within(day: dt.date, period: Period) -> bool:
    return period.start <= day <= period.end


def _local_day(start: dt.datetime, event: Event) -> dt.date:
    """The day `start` falls on where the event is held, which is the day its organisers announce."""
    return start.astimezone(zoneinfo.ZoneInfo(event.timezone)).date()


def announced_start(event: Event, period: Period, not_before: dt.date) -> dt.datetime | None:
    """The first start of `event` (of any occurrence, for a recurring one) on a day within `period` and not
    before `not_before`, or None when it has none."""
    days = ((start, _local_day(start, event)) for start in occurrences(event))
    return next((start for start, day in days if _within(day, period) and day >= not_before), None)


def _event_end_day(event: Event) -> dt.date:
    return _local_day(event.end, event)


def _month_start(month: str) -> dt.date:
    year, number = map(int, month.split("-"))
    return dt.date(year, number, 1)


# The selections made in the community last asked about, by issue: each issue is shown in every language, by its
# e-mail and its web copy, and choosing its items scans every post (at N = 2,000, choosing them again for each
# of six languages was most of the newsletter step of an edit build). One community at a time is kept: a build
# asks about one, and `agora serve` loads a new one for every save.
_chosen: tuple[Community, dict[str, Selection]] | None = None


def select(community: Community, issue: Item[Newsletter]) -> Selection:
    """The items of `issue`, chosen by its own period (see `_choose`), once per community."""
    global _chosen
    if _chosen is None or _chosen[0] is not community:
        _chosen = (community, {})
    made = _chosen[1]
    if issue.slug not in made:
        made[issue.slug] = _choose(community, issue)
    return made[issue.slug]


def _choose(community: Community, issue: Item[Newsletter]) -> Selection:
    """The items of `issue`, chosen by its own period.

    - posts with `status: published` dated in the period, newest first;
    - spotlights whose month starts in the period; success stories dated in it, newest first;
    - courses dated in the period, and lessons dated in it whose course is not itself new (the course entry
      already announces those);
    - recordings: events that ended in the period and have a recording, in the order they took place;
    - upcoming: events with an occurrence starting in the following period (see `following_period`), but not
      before the issue's send date, in the order they take place.
    """
    record = issue.record
    span = record.span
    nxt = following_period(record)
    posts = sorted(
        (p for p in community.published_posts if _within(p.record.day, span)),
        key=lambda p: (p.record.day, str(p.record.date), p.slug), reverse=True,
    )
    spotlights = sorted(
        (s for s in community.spotlights
         if _within(_month_start(s.record.month), span) and community.is_public(s.record.member)),
        key=lambda s: (s.record.month, s.slug),
    )
    stories = sorted(
        (s for s in community.stories if _within(s.record.date, span)),
        key=lambda s: (s.record.date, s.slug), reverse=True,
    )
    courses = sorted(
        (c for c in community.courses.values() if _within(c.record.date, span)),
        key=lambda c: (c.record.date, c.slug),
    )
    new_courses = {c.slug for c in courses}
    lessons = sorted(
        (lesson for course, lessons in community.lessons.items() if course not in new_courses
         and course in community.courses for lesson in lessons
         if lesson.record.date and _within(lesson.record.date, span)),
        key=lambda lesson: (lesson.record.date, lesson.course, lesson.order, lesson.slug),
    )
    recordings = sorted(
        (e for e in community.events if e.record.recording and _within(_event_end_day(e.record), span)),
        key=lambda e: (e.record.start, e.slug),
    )
    starts = ((e, announced_start(e.record, nxt, record.send_date)) for e in community.events)
    upcoming = sorted(((e, start) for e, start in starts if start is not None),
                      key=lambda pair: (pair[1], pair[0].slug))
    return Selection(tuple(posts), tuple(spotlights), tuple(stories), tuple(courses), tuple(lessons),
                     tuple(recordings), tuple(upcoming))
