"""Field types shared by the content records: slugs, handles, dates with time zones, URLs.

Each type validates one thing and says what it expected, because its message is what an editor reads.
"""

from __future__ import annotations

import datetime as dt
import re
import reprlib
import zoneinfo
from typing import Annotated
from urllib.parse import unquote

from pydantic import AfterValidator, BeforeValidator, StringConstraints

# Dates outside these years are typos (2062 for 2026 is fine, 20266 is not), and keeping them out means that date
# arithmetic later (an event's end, a newsletter's period, a UTC offset) can never overflow.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
SHOWN = 60
# \Z, not $: `$` also matches before a final newline, and 'guide\n' is no slug.
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?\Z")
# Names Windows refuses as files; a slug must stay portable because editors clone on every OS.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul", "assets", "search", "tags", "feed"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)


class _Shown(reprlib.Repr):
    """Short, bounded reprs: a 2 MB string, a huge number or a deep or self-containing list cost nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother = 3, SHOWN, SHOWN
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 4

    def repr_int(self, x: int, level: int) -> str:
        return repr(x) if x.bit_length() < 128 else f"<a number of {x.bit_length()} bits>"

    def repr_date(self, x: dt.date, level: int) -> str:
        return x.isoformat()

    repr_datetime = repr_date


def show(value: object) -> str:
    """`value` as an error message quotes it: one line, control characters escaped, at most about 60 characters."""
    return _SHOWN.repr(value)


_SHOWN = _Shown()


def check_slug(value: str) -> str:
    """A slug is one lowercase ASCII path segment: it can neither escape a directory nor collide by case."""
    if not isinstance(value, str) or not SLUG_PATTERN.fullmatch(value):
        raise ValueError(
            f"expected a slug of lowercase letters, digits and hyphens (1-80 characters), got {show(value)}"
        )
    if value in RESERVED_NAMES:
        raise ValueError(f"{value!r} is a reserved name; choose another slug")
    return value


# Control characters other than tab and line breaks (C0 and DEL, as the feed importer strips them): YAML escapes
# ("\0", "\e", "\a") can put them in a value, and in a page, a feed or an e-mail they are at best garbage.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\r\n\x85\u2028\u2029]")


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if match := CONTROL.search(value):
        raise ValueError(f"expected text, got a control character (U+{ord(match.group()):04X})")
    return value.strip()


def _title(value: str) -> str:
    value = _text(value)
    if LINE_BREAK.search(value):
        raise ValueError(f"expected a single line, got a line break in {show(value)}")
    return value


def _zone(value: str) -> str:
    if not isinstance(value, str) or not value or "\x00" in value or value.startswith(("/", ".")) or len(value) > 64:
        raise ValueError(f"expected an IANA time zone such as 'Europe/Oslo', got {show(value)}")
    try:
        zoneinfo.ZoneInfo(value)
    # OSError: a name such as 'Europe' (a folder of the zone database) or one too long for a file name.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {show(value)}; expected an IANA name such as 'Europe/Oslo'") from exc
    return value


def _in_range(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"expected a date between {FIRST_DAY.year} and {LAST_DAY.year}, got {value.isoformat()}")
    return value


def _parse_date_or_datetime(value: object) -> object:
    """YAML gives dates, aware datetimes, or strings (for `2026-12-03 17:00`, which has no seconds)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError as exc:
            raise ValueError(
                f"expected a date (2026-12-03) or a date with time and offset (2026-12-03T17:00+01:00), "
                f"got {show(value)}"
            ) from exc
    return value


def _month(value: object) -> str:
    text = value.isoformat()[:7] if isinstance(value, dt.date) else value if isinstance(value, str) else ""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) or not FIRST_DAY.year <= int(text[:4]) <= LAST_DAY.year:
        raise ValueError(f"expected a month as YYYY-MM between {FIRST_DAY.year} and {LAST_DAY.year}, "
                         f"got {show(value)}")
    return text


DURATION = re.compile(r"(?:(\d{1,4})\s*h)?\s*(?:(\d{1,6})\s*m(?:in)?)?")


def _minutes(value: object) -> int:
    """Durations are minutes; `1h30m`, `90m` and `90` are all accepted because editors write all three."""
    if isinstance(value, bool):
        raise ValueError("expected minutes as a number or as '1h30m'")
    if isinstance(value, int):
        minutes = value
    # Stripped and short before matching: three `\s*` around optional groups backtrack cubically on long blanks.
    elif isinstance(value, str) and len(value) < 40 and (
            match := DURATION.fullmatch(value.strip())) and any(match.groups()):
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    else:
        raise ValueError(f"expected minutes as a number or as '1h30m', got {show(value)}")
    if not 0 < minutes <= 24 * 60 * 14:
        raise ValueError(f"expected a duration between 1 minute and 14 days, got {minutes} minutes")
    return minutes


URL_PATTERN = re.compile(r"^(?:https?://[^\s/$.?#][^\s]*|mailto:[^\s]+)\Z")


def _url(value: str) -> str:
    if not isinstance(value, str) or not URL_PATTERN.fullmatch(value):
        raise ValueError(f"expected an absolute http(s) URL, got {show(value)}")
    return value


def _local_or_url(value: str) -> str:
    """Images may be a URL or a path under the docs' assets; never a path that climbs out."""
    if not isinstance(value, str):
        raise ValueError("expected a URL or a relative path")
    if value.startswith(("http://", "https://")):
        return _url(value)
    # As a browser reads it: '%2e%2e' is '..' and a backslash a slash.
    path = unquote(value).replace("\\", "/")
    if path.startswith("/") or ".." in path.split("/") or ":" in path or CONTROL.search(path) or \
            LINE_BREAK.search(path):
        raise ValueError(f"expected an https URL or a relative path inside the site, got {show(value)}")
    return value


Slug = Annotated[str, AfterValidator(check_slug)]
Handle = Slug
Text = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(_text)]
Title = Annotated[str, StringConstraints(max_length=300), AfterValidator(_title)]
TimeZone = Annotated[str, AfterValidator(_zone)]
Month = Annotated[str, BeforeValidator(_month)]
Minutes = Annotated[int, BeforeValidator(_minutes)]
Url = Annotated[str, AfterValidator(_url)]
ImageRef = Annotated[str, AfterValidator(_local_or_url)]
Day = Annotated[dt.date, AfterValidator(_in_range)]
DateOrDateTime = Annotated[dt.datetime | dt.date, BeforeValidator(_parse_date_or_datetime), AfterValidator(_in_range)]
