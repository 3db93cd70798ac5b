"""Community figures: the numbers a community manager tracks, drawn as static SVG at build time.

Every chart comes with its numbers as a table (folded into `<details>` on the page), so nothing depends on
seeing the picture, and with a `<title>` and a `<desc>` that say what it shows.

The charts are hand-written SVG, not a charting library's: drawn by pygal or matplotlib the same charts were 5 to
7 times the bytes and took 10 to 200 times as long per language (`bench/figures.py --compare`; README, "Community
figures"), pygal's ids are random, and both fix colours and text sizes at build time, where ours follow
Material's light and dark schemes and the reader's column through CSS.

The SVG has no viewBox, on purpose: a viewBox scales the whole drawing, text included, so a chart readable in a
1280 px window has 6 px text in a 375 px one. Without it, user units are CSS pixels: x positions are
percentages of the content column's width, y positions are pixels and text keeps its CSS size at any width.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate

import jinja2

from generator.bytecode import SharedBytecode
from generator.i18n import Language
from generator.model import Community
from generator.model.occurrences import occurrences
from generator.site.render import TEMPLATES

ACTIVITY_MONTHS = 12
QUARTERS = 8
# More labels than this under a time axis would touch in a 750 px column; the rest are thinned out.
MAX_LABELS = 12
# Vertical layout of a time chart, in CSS pixels: room for the top tick's label, the plot, two label rows.
TOP, PLOT_HEIGHT, LABEL_ROW, YEAR_ROW = 24, 150, 194, 212
HEIGHT = 222
# A chart of categories: one row per category (its name above its bar).
ROW_HEIGHT, BAR_SHARE = 44, 80

# The charts' compiled templates, kept with the pages' by `agora build` (this environment's options are its own).
BYTECODE = SharedBytecode()
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                          lstrip_blocks=True, undefined=jinja2.StrictUndefined, bytecode_cache=BYTECODE)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: str  # "line" (cumulative), "bars" (one slot per period, a bar per series) or "rows" (categories)
    axis: str  # heading of the table's first column: "Month", "Quarter", "Kind"
    labels: tuple[str, ...]  # one per slot, as the table shows them ("Nov 2026")
    series: tuple[Series, ...]
    description: str
    svg: str
    note: str = ""

    @property
    def rows(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        return tuple((label, tuple(s.values[i] for s in self.series)) for i, label in enumerate(self.labels))


@dataclass(frozen=True)
class Tick:
    """A label under one slot of a time axis: "Sep" and, where the year changes, "2026" below it."""

    text: str
    year: str
    minor: bool  # hidden on narrow screens, where every other label would touch its neighbours


# -- periods -------------------------------------------------------------------------------------------------

def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def _shift_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _count_by(keys: Iterable[dt.date], slots: list[dt.date]) -> tuple[int, ...]:
    counts = Counter(keys)
    return tuple(counts[s] for s in slots)


def _per_month(days: Iterable[dt.date], months: list[dt.date]) -> tuple[int, ...]:
    return _count_by((d.replace(day=1) for d in days), months)


# -- geometry (pure; the template only places what is computed here) ---------------------------------------

def _num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: "12.5", "174"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
    return _num(value) + "%"


def nice_ticks(peak: int) -> list[int]:
    """0 and at most four round steps (1, 2 or 5 × 10ⁿ) up to the first one at or above `peak`.

    >>> nice_ticks(7), nice_ticks(30), nice_ticks(0)
    ([0, 2, 4, 6, 8], [0, 10, 20, 30], [0, 1])
    """
    if peak <= 0:
        return [0, 1]
    magnitude = 1
    while True:
        for unit in (1, 2, 5):
            step = unit * magnitude
            if math.ceil(peak / step) <= 4:
                return list(range(0, math.ceil(peak / step) * step + 1, step))
        magnitude *= 10


def _ticks(slots: list[dt.date], tick_text: Callable[[dt.date], str], lang: Language) -> list[Tick | None]:
    """Labels for a time axis, counted back from the newest slot (which is always labelled); None where a slot
    goes unlabelled. The year is written under the first major label and wherever it changes."""
    every = max(1, math.ceil(len(slots) / MAX_LABELS))
    labelled = [(len(slots) - 1 - i) % every == 0 for i in range(len(slots))]
    shown = [i for i, on in enumerate(labelled) if on]
    # Alternate labels are minor when there are more than a narrow screen can hold (about six).
    minor = {i for n, i in enumerate(reversed(shown)) if len(shown) > 6 and n % 2}
    ticks: list[Tick | None] = []
    last_year = None
    for i, slot in enumerate(slots):
        if not labelled[i]:
            ticks.append(None)
            continue
        year = ""
        if i not in minor and slot.year != last_year:
            year, last_year = lang.year(slot), slot.year
        ticks.append(Tick(tick_text(slot), year, i in minor))
    return ticks


def _time_svg(chart_id: str, head: dict[str, str], shape: str, labels: list[str], ticks: list[Tick | None],
              series: tuple[Series, ...], lang: Language) -> str:
    """`head`: the chart's title and description."""
    scale = nice_ticks(max((v for s in series for v in s.values), default=0))
    base = TOP + PLOT_HEIGHT

    def y(value: int) -> float:
        return base - PLOT_HEIGHT * value / scale[-1]

    width = 100 / len(labels)
    bar = width * 0.7 / len(series)
    # Babel formats a number in about 0.1 ms; a chart repeats the same few values dozens of times.
    number = {v: lang.number(v) for v in {*scale, *(v for s in series for v in s.values)}}
    marks = []
    for n, s in enumerate(series):
        for i, value in enumerate(s.values):
            last = i + 1 == len(s.values)
            marks.append({
                "series": n + 1, "x": _pct(width * (i + 0.5)), "left": _pct(width * (i + 0.15) + bar * n),
                "width": _pct(bar), "y": _num(y(value)), "height": _num(base - y(value)),
                "title": f"{labels[i]}, {s.name}: {number[value]}",
                "next_x": None if last else _pct(width * (i + 1.5)),
                "next_y": None if last else _num(y(s.values[i + 1])),
            })
    return _env.get_template("chart.svg.j2").render(
        id=chart_id, **head, shape=shape, height=HEIGHT, marks=marks, label_row=LABEL_ROW, year_row=YEAR_ROW,
        grid=[{"y": _num(y(v)), "label_y": _num(y(v) - 5), "label": number[v]} for v in scale],
        ticks=[{"x": _pct(width * (i + 0.5)), "tick": t} for i, t in enumerate(ticks) if t],
    )


def _rows_svg(chart_id: str, head: dict[str, str], labels: list[str], values: tuple[int, ...],
              lang: Language) -> str:
    peak = max(values, default=0) or 1
    rows = [{"label": label, "value": lang.number(v), "top": ROW_HEIGHT * i, "width": _pct(BAR_SHARE * v / peak)}
            for i, (label, v) in enumerate(zip(labels, values, strict=True))]
    return _env.get_template("chart_rows.svg.j2").render(id=chart_id, **head, rows=rows,
                                                          height=ROW_HEIGHT * len(rows))


# -- charts ----------------------------------------------------------------------------------------------------

def _describe(lang: Language, labels: list[str], series: tuple[Series, ...]) -> str:
    """The chart in a sentence or two, for `<desc>`: the span, and each series' highest and latest value."""
    parts = [lang.gettext("From %(start)s to %(end)s.", start=labels[0], end=labels[-1])]
    for s in series:
        peak = max(range(len(s.values)), key=lambda i: (s.values[i], i))
        parts.append(lang.gettext("%(series)s: highest %(value)s (%(label)s), latest %(latest)s.", series=s.name,
                                  value=lang.number(s.values[peak]), label=labels[peak],
                                  latest=lang.number(s.values[-1])))
    return " ".join(parts)


def _time_chart(chart_id: str, title: str, period: str, slots: list[dt.date], series: tuple[Series, ...],
                lang: Language, *, cumulative: bool = False, note: str = "") -> Chart:
    """A chart over time; `period` is "month" or "quarter", the length of one slot."""
    if period == "quarter":
        axis, labels = lang.gettext("Quarter"), [lang.quarter(s) for s in slots]
        ticks = _ticks(slots, lang.quarter_abbr, lang)
    else:
        axis, labels = lang.gettext("Month"), [lang.month_short(s) for s in slots]
        ticks = _ticks(slots, lang.month_abbr, lang)
    shape = "line" if cumulative else "bars"
    head = {"title": title, "description": _describe(lang, labels, series)}
    return Chart(chart_id, title, shape, axis, tuple(labels), series, head["description"],
                 _time_svg(chart_id, head, shape, labels, ticks, series, lang), note)


def _active_contributors(community: Community, today: dt.date) -> list[tuple[dt.date, str]]:
    """(month, handle) for every contribution up to `today`: a post, a talk or hosted meeting, a success story,
    a lesson (its course's authors, in the lesson's month).

    Members with `public: false` count too: their contributions are on the site (as "a community member"), and
    a count names no one.
    """
    found = [(p.record.day, p.record.author) for p in community.published_posts]
    for event in community.events:
        # Each meeting of a weekly session is a month its hosts and speakers were active in.
        for start in occurrences(event.record):
            found += [(start.date(), h) for h in (*event.record.hosts, *event.record.speakers)]
    found += [(s.record.date, h) for s in community.stories for h in s.record.members]
    for slug, course in community.courses.items():
        for lesson in community.lessons.get(slug, ()):
            found += [(lesson.record.date or course.record.date, h) for h in course.record.authors]
    return [(day.replace(day=1), handle) for day, handle in found if day <= today]


def figures(community: Community, lang: Language, today: dt.date) -> list[Chart]:
    """The charts of the figures page, counted up to `today` (planned events are not activity yet).

    Member growth covers the whole history; the monthly figures cover the last `ACTIVITY_MONTHS` months and
    events the last `QUARTERS` quarters, so the page stays the same size however old the community is.
    """
    this_month = today.replace(day=1)
    joined = [m.record.joined for m in community.public_members if m.record.joined <= today]
    posts = [p.record.day for p in community.published_posts if p.record.day <= today]
    # A weekly session counts once per meeting: each occurrence is an event members could attend.
    meetings = [d for e in community.events for start in occurrences(e.record) if (d := start.date()) <= today]
    if not joined and not posts and not meetings:
        return []
    history = _months(min([*joined, this_month]), this_month)
    recent = [_shift_months(this_month, -back) for back in reversed(range(ACTIVITY_MONTHS))]
    quarters = [_shift_months(_quarter_start(today), -3 * back) for back in reversed(range(QUARTERS))]
    recordings = [e.record.start.date() for e in community.events
                  if e.record.recording and e.record.start.date() <= today]
    active: defaultdict[dt.date, set[str]] = defaultdict(set)
    for month, handle in _active_contributors(community, today):
        active[month].add(handle)
    kinds = [
        (lang.gettext("Posts"), len(posts)),
        (lang.gettext("Event talks"), sum(len(e.record.speakers) for e in community.events
                                          if e.record.start.date() <= today)),
        (lang.gettext("Success stories"), sum(1 for s in community.stories if s.record.date <= today)),
        (lang.gettext("Lessons"), sum(len(ls) for ls in community.lessons.values())),
        (lang.gettext("Spotlights"), len(community.spotlights)),
    ]
    kind_labels = [k for k, _ in kinds]
    kind_values = tuple(v for _, v in kinds)
    kinds_head = {"title": lang.gettext("Contributions by kind"),
                  "description": lang.join([f"{k}: {lang.number(v)}" for k, v in kinds])}
    return [
        _time_chart("member-growth", lang.gettext("Members (cumulative)"), "month", history,
                    (Series(lang.gettext("Members"), tuple(accumulate(_per_month(joined, history)))),), lang,
                    cumulative=True),
        _time_chart("new-members", lang.gettext("New members per month"), "month", recent,
                    (Series(lang.gettext("New members"), _per_month(joined, recent)),), lang),
        _time_chart("active-contributors", lang.gettext("Active contributors per month"), "month", recent,
                    (Series(lang.gettext("Active contributors"), tuple(len(active[m]) for m in recent)),), lang,
                    note=lang.gettext("Members with a post, a talk or hosted event, a success story or a lesson "
                                      "that month.")),
        _time_chart("posts-per-month", lang.gettext("Posts per month"), "month", recent,
                    (Series(lang.gettext("Posts"), _per_month(posts, recent)),), lang),
        _time_chart("events-per-quarter", lang.gettext("Events and recordings per quarter"), "quarter", quarters,
                    (Series(lang.gettext("Events"), _count_by(map(_quarter_start, meetings), quarters)),
                     Series(lang.gettext("Recordings"), _count_by(map(_quarter_start, recordings), quarters))),
                    lang),
        Chart("contributions", kinds_head["title"], "rows", lang.gettext("Kind"), tuple(kind_labels),
              (Series(lang.gettext("Count"), kind_values),), kinds_head["description"],
              _rows_svg("contributions", kinds_head, kind_labels, kind_values, lang)),
    ]
