"""Languages: gettext catalogs read from `locales/*.po` at build time, and Babel formatting per locale.

Catalogs are compiled when read (no `.mo` files in git; the compiled ones are kept under `.cache/agora/`). Every
formatting call takes its locale from the `Language` it is called on; nothing here touches the process-wide
`locale` module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import zoneinfo
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import babel
from babel import Locale, dates, lists, numbers, units
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from generator.files import write_atomic
from generator.problems import Problems

DOMAIN = "messages"
# The compiled catalogs, kept between runs (`read_catalog`).
COMPILED_CATALOGS = Path(".cache") / "agora" / "catalogs"


@dataclass(frozen=True)
class Language:
    """One language of the hub: its Babel locale and its UI catalog."""

    code: str
    default: str
    catalog: NullTranslations

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def is_default(self) -> bool:
        return self.code == self.default

    @cached_property
    def name(self) -> str:
        """The language's own name for itself, capitalised as a menu entry ("Svenska", "Ελληνικά")."""
        name = self.locale.get_display_name(self.locale) or self.code
        return name[:1].upper() + name[1:]

    @property
    def direction(self) -> str:
        return self.locale.character_order == "right-to-left" and "rtl" or "ltr"

    def gettext(self, message: str, **values: object) -> str:
        text = self.catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self.catalog.ngettext(singular, plural, count)
        return text % {"num": self.number(count), **values}

    def date(self, value: dt.date, form: str = "long") -> str:
        if type(value) is not dt.date:  # a datetime: equal to another in another zone, which may be another day
            return dates.format_date(value, form, locale=self.locale)
        return _format_date(value, form, self.locale)

    def month(self, value: dt.date) -> str:
        """"November 2026" in the locale's own stand-alone form."""
        return dates.format_skeleton("yMMMM", value, locale=self.locale)

    def month_short(self, value: dt.date) -> str:
        return dates.format_skeleton("yMMM", value, locale=self.locale)

    def month_abbr(self, value: dt.date) -> str:
        """The month alone, abbreviated in its stand-alone form ("Sep", "wrz", "Σεπ"): a chart's axis tick."""
        return dates.format_skeleton("MMM", value, locale=self.locale)

    def quarter(self, value: dt.date) -> str:
        """The quarter `value` falls in, with its year: "Q3 2026", "III kw. 2026", "K3 2026"."""
        return dates.format_skeleton("yQQQ", value, locale=self.locale)

    def quarter_abbr(self, value: dt.date) -> str:
        """The quarter alone, in its stand-alone form ("Q3", "III kw."): a chart's axis tick."""
        return dates.format_date(value, "qqq", locale=self.locale)

    def year(self, value: dt.date) -> str:
        return dates.format_skeleton("y", value, locale=self.locale)

    def datetime(self, value: dt.datetime, zone: str, form: str = "full") -> str:
        """Weekday, date and time in `zone`, with the locale's own 12/24-hour convention."""
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
        return f"{dates.format_date(local, form, locale=self.locale)}, {self.time(value, zone)}"

    def time(self, value: dt.datetime, zone: str) -> str:
        return dates.format_time(value, "short", tzinfo=zoneinfo.ZoneInfo(zone), locale=self.locale)

    def weekday_date(self, value: dt.datetime, zone: str) -> str:
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
        return dates.format_skeleton("MMMEd", local, locale=self.locale)

    def zone_name(self, zone: str) -> str:
        if zone == "UTC":
            return "UTC"
        return dates.get_timezone_location(zoneinfo.ZoneInfo(zone), locale=self.locale, return_city=True)

    def number(self, value: float) -> str:
        if type(value) is not int:
            return numbers.format_decimal(value, locale=self.locale)
        # Counts repeat on every page (a card's minutes, a list's total): Babel takes ~40 µs to format one.
        text = self._integers.get(value)
        if text is None:
            text = self._integers[value] = numbers.format_decimal(value, locale=self.locale)
        return text

    @cached_property
    def _integers(self) -> dict[int, str]:
        return {}

    def percent(self, value: float) -> str:
        return numbers.format_percent(value, locale=self.locale)

    def duration(self, minutes: int) -> str:
        """Exact, in the locale's short units: "75 min", "2 hr, 20 min", "2 godz. i 20 min".

        Not `format_timedelta`, which rounds 2 h 20 min to "2 hours": course and recording lengths are exact.
        """
        hours, rest = divmod(minutes, 60)
        parts = [units.format_unit(hours, "duration-hour", length="short", locale=self.locale)] if hours else []
        if rest or not hours:
            parts.append(units.format_unit(rest, "duration-minute", length="short", locale=self.locale))
        return lists.format_list(parts, style="unit-short", locale=self.locale)

    def join(self, items: list[str]) -> str:
        """"A, B and C" in this language ("A, B i C" in Polish)."""
        return lists.format_list(items, locale=self.locale) if items else ""

    def language_name(self, code: str) -> str:
        """Another language's name in this language ("svenska" read by a Pole is "szwedzki")."""
        names = self._language_names
        if code not in names:
            names[code] = Locale.parse(code).get_display_name(self.locale) or code
        return names[code]

    @cached_property
    def _language_names(self) -> dict[str, str]:
        return {}

    def language_mark(self, code: str) -> str:
        """The mark beside text shown in another language, named in this one: "(angielski)" on a Polish page.

        One helper for the site's cards and the newsletter's entries, so both mark the same way.
        """
        return self.gettext("(%(language)s)", language=self.language_name(code))


# The catalogs this process compiled, by file, with the digest of what they were compiled from: `agora serve`
# loads the languages again after every save, and parsing and compiling the catalogs was a twentieth of a
# preview. A catalog that failed is not kept.
_COMPILED: dict[str, tuple[bytes, Translations]] = {}


# A hub's list pages show the same few hundred dates again and again (every post's, in every index, tag and member
# page that lists it): Babel parses the pattern and formats each anew.
@lru_cache(maxsize=4096)
def _format_date(value: dt.date, form: str, locale: Locale) -> str:
    return dates.format_date(value, form, locale=locale)


def read_catalog(path: Path, rel: str, problems: Problems, kept_at: Path | None = None) -> NullTranslations:
    """Compile one `.po` file in memory; a broken catalog is a located error, a missing one a warning.

    `kept_at`: where the compiled catalog is kept between runs, with the digest of its `.po` file (and Babel's
    version): parsing the catalogs was a tenth of the work `agora build` does before its workers start."""
    if not path.exists():
        problems.warning(rel, "(catalog)", "missing: the interface falls back to English")
        return NullTranslations()
    data = path.read_bytes()
    digest = hashlib.sha256(data).digest()
    kept = _COMPILED.get(str(path))
    if kept is not None and kept[0] == digest:
        return kept[1]
    header = f"{digest.hex()} babel {babel.__version__}\n".encode("ascii")
    if kept_at is not None:
        with contextlib.suppress(OSError):
            stored = kept_at.read_bytes()
            if stored.startswith(header):
                try:
                    compiled = Translations(io.BytesIO(stored[len(header):]), domain=DOMAIN)
                except Exception:  # noqa: BLE001 - a damaged file is compiled again
                    compiled = None
                if compiled is not None:
                    _COMPILED[str(path)] = (digest, compiled)
                    return compiled
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as exc:
        problems.error(rel, "(catalog)", str(exc), getattr(exc, "lineno", None))
        return NullTranslations()
    except (UnicodeDecodeError, ValueError) as exc:
        problems.error(rel, "(catalog)", f"unreadable: {exc}")
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    if kept_at is not None:
        with contextlib.suppress(OSError):  # failing costs compiling it next time
            write_atomic(kept_at, header + buffer.getvalue())
    buffer.seek(0)
    compiled = Translations(buffer, domain=DOMAIN)
    _COMPILED[str(path)] = (digest, compiled)
    return compiled


def load_languages(codes: tuple[str, ...], locales_dir: Path, root: Path, problems: Problems) -> dict[str, Language]:
    default = codes[0]
    result = {}
    for code in codes:
        path = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        catalog = NullTranslations() if code == default and not path.exists() else read_catalog(
            path, path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path), problems,
            root / COMPILED_CATALOGS / f"{code}.mo")
        result[code] = Language(code, default, catalog)
    return result
