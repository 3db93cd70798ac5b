"""iCalendar files for events, made with `icalendar`: one per event and one feed of all upcoming events.

UIDs derive from the event's slug and the site's domain so calendar apps update an event instead of adding it
twice; DTSTAMP is the build's reference time, never the wall clock, so the same commit gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from generator.model import Item
from generator.model.occurrences import last_end
from generator.model.records import Event as EventRecord

# icalendar is imported where a calendar is made: an edit build takes every calendar from the planner's memo
# and never needs it (its import was a twentieth of a second before the language builds could start).
if TYPE_CHECKING:
    from icalendar import Event, Timezone

PRODID = "-//Agora//Community hub//EN"


def uid(slug: str, site_url: str) -> str:
    return f"{slug}@{urlsplit(site_url).hostname or 'agora.invalid'}"


def _event(item: Item[EventRecord], title: str, summary: str | None, url: str, site_url: str,
           stamp: dt.datetime) -> Event:
    from icalendar import Event, vRecur

    record = item.record
    zone = zoneinfo.ZoneInfo(record.timezone)
    event = Event()
    event.add("uid", uid(item.slug, site_url))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", record.start.astimezone(zone))
    event.add("dtend", record.end.astimezone(zone))
    event.add("summary", title)
    event.add("description", "\n\n".join(filter(None, [summary, url])))
    event.add("url", url)
    if record.location or record.join_url:
        event.add("location", record.location or record.join_url)
    if record.rrule:
        event.add("rrule", vRecur.from_ical(record.rrule))
    return event


def calendar(events: Iterable[tuple[Item[EventRecord], str, str | None, str]], site_url: str, name: str,
             stamp: dt.datetime) -> bytes:
    """`events` holds (item, localized title, localized summary, absolute page URL) tuples."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    events = list(events)
    for item, title, summary, url in events:
        cal.add_component(_event(item, title, summary, url, site_url, stamp))
    if events:
        # VTIMEZONE rules only for the years the events span, instead of every transition since 1970.
        first = min(item.record.start for item, *_ in events).date()
        last = max(last_end(item.record) for item, *_ in events).date()
        # Added here, not by `add_missing_timezones`: it walks a set, so the order would change between runs.
        for position, tzid in enumerate(sorted(cal.get_missing_tzids())):
            cal.subcomponents.insert(position, _timezone(tzid, first.year, last.year + 1))
    return cal.to_ical()


@functools.cache
def _timezone(tzid: str, first_year: int, end_year: int) -> Timezone:
    """A VTIMEZONE with the rules from `first_year` up to `end_year`.

    Cached because walking a zone's transitions is the slowest part of a calendar and every language's events
    share the same few zones; callers only serialize it, never change it.
    """
    from icalendar import Timezone

    return Timezone.from_tzid(tzid, first_date=dt.date(first_year, 1, 1), last_date=dt.date(end_year, 1, 1))
