"""Field types shared by the content records: slugs, handles, dates with time zones, URLs.

Each type validates one thing and says what it expected, because its message is what an editor reads.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
# Names Windows refuses as files; a slug must stay portable because editors clone on every OS.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul", "assets", "search", "tags", "feed"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)


def check_slug(value: str) -> str:
    """A slug is one lowercase ASCII path segment: it can neither escape a directory nor collide by case."""
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        raise ValueError(
            f"expected a slug of lowercase letters, digits and hyphens (1-80 characters), got {value!r}"
        )
    if value in RESERVED_NAMES:
        raise ValueError(f"{value!r} is a reserved name; choose another slug")
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _zone(value: str) -> str:
    if not isinstance(value, str) or not value or "\x00" in value or value.startswith(("/", ".")):
        raise ValueError(f"expected an IANA time zone such as 'Europe/Oslo', got {value!r}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as 'Europe/Oslo'") from exc
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
                f"got {value!r}"
            ) from exc
    return value


def _month(value: object) -> str:
    text = value.isoformat()[:7] if isinstance(value, dt.date) else str(value)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ValueError(f"expected a month as YYYY-MM, got {value!r}")
    return text


def _minutes(value: object) -> int:
    """Durations are minutes; `1h30m`, `90m` and `90` are all accepted because editors write all three."""
    if isinstance(value, bool):
        raise ValueError("expected minutes as a number or as '1h30m'")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (match := re.fullmatch(r"\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*", value)):
        if not any(match.groups()):
            raise ValueError(f"expected minutes as a number or as '1h30m', got {value!r}")
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    else:
        raise ValueError(f"expected minutes as a number or as '1h30m', got {value!r}")
    if not 0 < minutes <= 24 * 60 * 14:
        raise ValueError(f"expected a duration between 1 minute and 14 days, got {minutes} minutes")
    return minutes


def _url(value: str) -> str:
    if not isinstance(value, str) or not re.match(r"^(https?://[^\s/$.?#][^\s]*|mailto:[^\s]+)$", value):
        raise ValueError(f"expected an absolute http(s) URL, got {value!r}")
    return value


def _local_or_url(value: str) -> str:
    """Images may be a URL or a path under the docs' assets; never a path that climbs out."""
    if not isinstance(value, str):
        raise ValueError("expected a URL or a relative path")
    if value.startswith(("http://", "https://")):
        return value
    parts = value.replace("\\", "/").split("/")
    if value.startswith("/") or ".." in parts or "\x00" in value or ":" in value:
        raise ValueError(f"expected an https URL or a relative path inside the site, got {value!r}")
    return value


Slug = Annotated[str, AfterValidator(check_slug)]
Handle = Slug
Text = Annotated[str, StringConstraints(max_length=100_000), AfterValidator(_non_blank)]
Title = Annotated[str, StringConstraints(max_length=300), AfterValidator(_non_blank)]
TimeZone = Annotated[str, AfterValidator(_zone)]
Month = Annotated[str, BeforeValidator(_month)]
Minutes = Annotated[int, BeforeValidator(_minutes)]
Url = Annotated[str, AfterValidator(_url)]
ImageRef = Annotated[str, AfterValidator(_local_or_url)]
DateOrDateTime = Annotated[dt.datetime | dt.date, BeforeValidator(_parse_date_or_datetime)]
