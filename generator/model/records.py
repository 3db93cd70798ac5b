"""One typed record per collection: the front matter schema editors write against.

Records hold exactly what front matter says (validated); the body lives beside them in `Item`. Unknown keys are
errors (`extra="forbid"`) so that a typo never silently drops data. `TRANSLATABLE` names the fields a translation
file (`<name>.<lang>.md`) may override; everything else is shared by all languages and set in the original.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from generator.model.fields import (
    DateOrDateTime,
    Day,
    Handle,
    ImageRef,
    Minutes,
    Month,
    Slug,
    Text,
    TimeZone,
    Title,
    Url,
    show,
)
from generator.model.occurrences import FREQUENCIES, rrule_problem

RRULE_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST", "BYMONTH", "BYMONTHDAY", "BYSETPOS"})
WEEKDAYS = frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})
# Dots split the domain into labels that cannot contain dots, so a failing match never backtracks (the former
# `[^@\s]+\.[^@\s]+$` took quadratic time on 'a@' followed by many dots).
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    TRANSLATABLE: ClassVar[frozenset[str]] = frozenset()


def _aware(value: dt.datetime | dt.date, field: str) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        raise ValueError(
            f"{field} has a time but no offset: write it as 2026-12-03T17:00:00+01:00, or add a timezone field"
        )
    return value


class Link(Record):
    label: Title
    url: Url


class Member(Record):
    TRANSLATABLE = frozenset({"location"})
    name: Title
    joined: Day
    avatar: ImageRef | None = None
    links: list[Link] = []
    roles: list[Literal["moderator", "ambassador", "mentor", "staff"]] = []
    languages: list[str] = []
    location: str | None = None
    timezone: TimeZone | None = None
    public: bool = True
    spotlight_consent: bool = False
    # Kept for the editors' address book; never rendered anywhere (tests scan every output file for it).
    email: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) <= 320 and EMAIL_PATTERN.fullmatch(value)):
            raise ValueError(f"expected an e-mail address, got {show(value)}")
        return value


class Post(Record):
    TRANSLATABLE = frozenset({"title", "summary", "image_alt"})
    title: Title
    date: DateOrDateTime
    author: Handle
    tags: list[Slug] = []
    summary: Text | None = None
    canonical_url: Url | None = None
    source: Url | None = None
    status: Literal["published", "pending", "draft"] = "published"
    image: ImageRef | None = None
    image_alt: str | None = None
    language: str | None = None
    # Written by `agora fetch`: the entry's identity in its feed, whether the body is the full text, and a
    # digest of the file as imported, which tells a later fetch whether an editor has changed it since.
    guid: str | None = Field(default=None, max_length=2000)
    content: Literal["excerpt", "full"] | None = None
    digest: str | None = Field(default=None, max_length=128)

    @field_validator("date")
    @classmethod
    def _date_aware(cls, value: dt.datetime | dt.date) -> dt.datetime | dt.date:
        return _aware(value, "date")

    @model_validator(mode="after")
    def _image_alt(self) -> Post:
        if self.image and not (self.image_alt or "").strip():
            raise ValueError("image_alt: an image needs alternative text for screen readers")
        return self

    @property
    def day(self) -> dt.date:
        return self.date.date() if isinstance(self.date, dt.datetime) else self.date


class Spotlight(Record):
    TRANSLATABLE = frozenset({"headline", "quote"})
    member: Handle
    month: Month
    headline: Title | None = None
    quote: Text | None = None


class Metric(Record):
    label: Title
    value: Title | int | float

    @field_validator("value")
    @classmethod
    def _finite(cls, value: str | int | float) -> str | int | float:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a number or a text such as '40 %', got {show(value)}")
        return value


class Story(Record):
    TRANSLATABLE = frozenset({"title", "summary", "quote", "metrics", "industry"})
    title: Title
    date: Day
    members: list[Handle] = Field(min_length=1)
    company: str | None = None
    industry: str | None = None
    metrics: list[Metric] = []
    quote: Text | None = None
    summary: Text | None = None


def _timestamp_seconds(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"(\d{1,2}:)?\d{1,2}:\d{2}", value.strip()):
        seconds = 0
        for part in value.strip().split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    raise ValueError(f"expected a timestamp as mm:ss or h:mm:ss, got {show(value)}")


class Chapter(Record):
    at: int
    title: Title

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: object) -> int:
        return _timestamp_seconds(value)


class Recording(Record):
    url: Url
    duration: Minutes | None = None
    chapters: list[Chapter] = []
    transcript: Text | None = None


EventKind = Literal["webinar", "ama", "workshop", "meetup", "weekly-session"]


class Event(Record):
    TRANSLATABLE = frozenset({"title", "summary", "location"})
    title: Title
    start: DateOrDateTime
    duration: Minutes
    timezone: TimeZone
    kind: EventKind = "webinar"
    hosts: list[Handle] = []
    speakers: list[Handle] = []
    summary: Text | None = None
    location: str | None = None
    join_url: Url | None = None
    rrule: str | None = Field(default=None, max_length=500)
    recording: Recording | None = None
    slides: Url | None = None

    @model_validator(mode="after")
    def _start_in_zone(self) -> Event:
        if not isinstance(self.start, dt.datetime):
            raise ValueError("start: expected a date with a time, such as 2026-12-03T17:00:00+01:00")
        if self.start.tzinfo is None:
            # A naive start is wall-clock time in the event's own zone, which is how organisers think of it.
            object.__setattr__(self, "start", self.start.replace(tzinfo=zoneinfo.ZoneInfo(self.timezone)))
        if self.rrule:
            from icalendar import vRecur  # (slow to import; few events recur)

            recur = vRecur.from_ical(self.rrule)
            count, until = (recur.get("COUNT") or [None])[0], (recur.get("UNTIL") or [None])[0]
            if isinstance(until, dt.date) and not isinstance(until, dt.datetime):
                until = dt.datetime.combine(until, dt.time(23, 59), self.start.tzinfo)
            if problem := rrule_problem(self.rrule, count, until, self.start):
                raise ValueError(f"rrule: {problem}")
        return self

    @field_validator("rrule")
    @classmethod
    def _rrule(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from icalendar import vRecur

        try:
            recur = vRecur.from_ical(value)
        except ValueError as exc:
            raise ValueError(f"expected an iCalendar RRULE such as 'FREQ=WEEKLY;COUNT=8', got {show(value)}") from exc
        if "COUNT" not in recur and "UNTIL" not in recur:
            raise ValueError("a recurrence needs COUNT or UNTIL so the calendar stays finite")
        frequency = (recur.get("FREQ") or [None])[0]
        if frequency not in FREQUENCIES:
            raise ValueError(f"expected FREQ={', '.join(FREQUENCIES)} (an event recurs at most daily), "
                             f"got {show(value)}")
        # A rule that never matches (every 30 February) keeps dateutil searching until the year 9999, which takes
        # seconds when it searches day by day: daily and weekly rules may only pick weekdays.
        allowed = RRULE_PARTS if frequency in ("MONTHLY", "YEARLY") else RRULE_PARTS - {"BYMONTH", "BYMONTHDAY",
                                                                                      "BYSETPOS"}
        if extra := sorted(set(recur) - allowed):
            raise ValueError(f"expected only {', '.join(sorted(allowed))} in a {frequency} rule, "
                             f"got {', '.join(extra)}")
        if frequency in ("DAILY", "WEEKLY") and not all(day in WEEKDAYS for day in recur.get("BYDAY", [])):
            raise ValueError(f"expected weekdays (MO, TU, …) in BYDAY of a {frequency} rule, got {show(value)}")
        return value

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration)


class Course(Record):
    TRANSLATABLE = frozenset({"title", "summary", "outcomes", "path"})
    title: Title
    level: Literal["beginner", "intermediate", "advanced"]
    summary: Text
    date: Day
    outcomes: list[Text] = []
    prerequisites: list[Slug] = []
    path: Title | None = None
    duration: Minutes | None = None
    authors: list[Handle] = []


class QuizQuestion(Record):
    question: Text
    options: list[Text] = Field(min_length=2, max_length=10)
    answer: int = Field(description="1-based number of the right option")
    explanation: Text | None = None

    @model_validator(mode="after")
    def _answer_in_range(self) -> QuizQuestion:
        if not 1 <= self.answer <= len(self.options):
            raise ValueError(f"answer: expected the number of an option, 1 to {len(self.options)}")
        return self


class Lesson(Record):
    TRANSLATABLE = frozenset({"title", "summary", "quiz"})
    title: Title
    duration: Minutes | None = None
    summary: Text | None = None
    date: Day | None = None
    quiz: list[QuizQuestion] = []


class Page(Record):
    TRANSLATABLE = frozenset({"title", "summary"})
    title: Title
    summary: Text | None = None
    order: int = 100


class Period(Record):
    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("end: the period ends before it starts")
        return self


class Newsletter(Record):
    TRANSLATABLE = frozenset({"subject", "preheader"})
    number: int = Field(ge=1)
    subject: Title
    preheader: str | None = Field(default=None, max_length=300)
    month: Month | None = None
    period: Period | None = None
    date: Day | None = None

    @model_validator(mode="after")
    def _one_period(self) -> Newsletter:
        if (self.month is None) == (self.period is None):
            raise ValueError("period: give either month (YYYY-MM) or period {start, end}, not both or neither")
        return self

    @property
    def span(self) -> Period:
        if self.period:
            return self.period
        year, month = map(int, self.month.split("-"))  # type: ignore[union-attr]
        start = dt.date(year, month, 1)
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        return Period(start=start, end=nxt - dt.timedelta(days=1))

    @property
    def send_date(self) -> dt.date:
        return self.date or self.span.end + dt.timedelta(days=1)


class FeedSource(Record):
    member: Handle
    url: Url
    policy: Literal["review", "auto"] = "review"
    content: Literal["excerpt", "full"] = "excerpt"
    tags: list[str] = []
    language: str | None = None
    # Images stay in imported posts only where the member allows it: each one is a request from every
    # reader's browser to the member's server (or any host the feed names).
    images: bool = False


class FeedList(Record):
    feeds: list[FeedSource] = []
