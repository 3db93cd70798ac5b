"""Event timing relative to the build's reference date, including weekly sessions given by an RRULE."""

from __future__ import annotations

import datetime as dt

from dateutil.rrule import rrulestr

from generator.model.records import Event

MAX_OCCURRENCES = 500


def occurrences(event: Event) -> list[dt.datetime]:
    """Every start of the event; one for a plain event. Bounded: `check` requires COUNT or UNTIL."""
    if not event.rrule:
        return [event.start]
    local = event.start.astimezone(event.start.tzinfo)
    rule = rrulestr(event.rrule, dtstart=local)
    return [start for _, start in zip(range(MAX_OCCURRENCES), rule, strict=False)]


def last_end(event: Event) -> dt.datetime:
    return occurrences(event)[-1] + dt.timedelta(minutes=event.duration)


def next_start(event: Event, today: dt.date) -> dt.datetime:
    """The first occurrence that has not ended before `today`; the last one when all have."""
    starts = occurrences(event)
    duration = dt.timedelta(minutes=event.duration)
    return next((s for s in starts if (s + duration).date() >= today), starts[-1])


def is_upcoming(event: Event, today: dt.date) -> bool:
    return last_end(event).date() >= today
