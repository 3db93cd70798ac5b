"""Event timing relative to the build's reference date, including weekly sessions given by an RRULE."""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from itertools import islice
from typing import TYPE_CHECKING

from dateutil.rrule import rrule as Rule
from dateutil.rrule import rrulestr

if TYPE_CHECKING:
    from generator.model.records import Event

MAX_OCCURRENCES = 500
HORIZON_YEARS = 10
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


@functools.lru_cache(maxsize=4096)
def expand(rrule: str, start: dt.datetime) -> tuple[dt.datetime, ...]:
    """The starts of a recurrence: at most MAX_OCCURRENCES + 1 (so that more can be told apart), none later than
    HORIZON_YEARS after `start`. Raises ValueError for a rule dateutil cannot use.

    Bounded in time too: dateutil looks for the next occurrence until year 9999, so a rule that never matches
    (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`) would take many seconds; an UNTIL at the horizon stops it there.
    """
    local = start.astimezone(start.tzinfo)
    rule = rrulestr(rrule, dtstart=local)
    if not isinstance(rule, Rule):
        raise ValueError("expected a single RRULE")
    horizon = local + dt.timedelta(days=366 * HORIZON_YEARS)
    until = rule._until  # noqa: SLF001 - dateutil has no public reader for it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # COUNT with UNTIL: fine for dateutil, not for RFC 5545
        bounded = rule.replace(until=horizon if until is None or until > horizon else until)
    return tuple(islice(bounded, MAX_OCCURRENCES + 1))


def rrule_problem(rrule: str, count: int | None, until: dt.datetime | None, start: dt.datetime) -> str | None:
    """Why the recurrence cannot be shown in full, if it cannot: the calendar lists every occurrence."""
    try:
        starts = expand(rrule, start)
    except (ValueError, TypeError, OverflowError) as exc:
        return f"expected an iCalendar RRULE such as 'FREQ=WEEKLY;COUNT=8', got {rrule!r} ({exc})"
    if not starts:
        return f"the recurrence has no occurrence within {HORIZON_YEARS} years of the start"
    if len(starts) > MAX_OCCURRENCES or (count or 0) > MAX_OCCURRENCES:
        return f"expected at most {MAX_OCCURRENCES} occurrences"
    horizon = start + dt.timedelta(days=366 * HORIZON_YEARS)
    if (count and len(starts) < count) or (until and until.astimezone(start.tzinfo) > horizon):
        return f"expected a recurrence that ends within {HORIZON_YEARS} years of the start"
    return None


def occurrences(event: Event) -> list[dt.datetime]:
    """Every start of the event; one for a plain event. Bounded: `check` refuses a rule that cannot be listed."""
    if not event.rrule:
        return [event.start]
    return list(expand(event.rrule, event.start)[:MAX_OCCURRENCES]) or [event.start]


def last_end(event: Event) -> dt.datetime:
    return occurrences(event)[-1] + dt.timedelta(minutes=event.duration)


def next_start(event: Event, today: dt.date) -> dt.datetime:
    """The first occurrence that has not ended before `today`; the last one when all have."""
    starts = occurrences(event)
    duration = dt.timedelta(minutes=event.duration)
    return next((s for s in starts if (s + duration).date() >= today), starts[-1])


def is_upcoming(event: Event, today: dt.date) -> bool:
    return last_end(event).date() >= today
