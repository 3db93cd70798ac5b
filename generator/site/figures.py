"""Community figures: member growth and activity per month, drawn as static SVG at build time.

Every chart comes with the same numbers as a table, so nothing depends on seeing the picture. SVG is written
through a template: a handful of bars and a polyline need no plotting library and no JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

import jinja2

from generator.i18n import Language
from generator.model import Community
from generator.model.occurrences import occurrences
from generator.site.render import TEMPLATES

ACTIVITY_MONTHS = 12
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                          lstrip_blocks=True, undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: str  # "line" (cumulative) or "bar"
    rows: tuple[tuple[str, int], ...]
    svg: str


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def _shift_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _per_month(dates: list[dt.date], months: list[dt.date]) -> list[int]:
    counts = Counter(d.replace(day=1) for d in dates)
    return [counts[m] for m in months]


def _svg(chart_id: str, title: str, kind: str, labels: list[str], values: list[int], lang: Language) -> str:
    width, height, left, bottom, top = 640, 260, 44, 40, 16
    plot_w, plot_h = width - left - 12, height - bottom - top
    peak = max(values, default=0) or 1
    step = plot_w / max(len(values), 1)
    points = [
        {"x": round(left + step * i + step / 2, 1), "y": round(top + plot_h - plot_h * v / peak, 1),
         "h": round(plot_h * v / peak, 1), "label": label, "value": lang.number(v)}
        for i, (label, v) in enumerate(zip(labels, values, strict=True))
    ]
    ticks = [{"y": round(top + plot_h - plot_h * f, 1), "label": lang.number(round(peak * f))}
             for f in (0, 0.5, 1)]
    every = max(1, len(points) // 8)
    return _env.get_template("chart.svg.j2").render(
        id=chart_id, title=title, kind=kind, points=points, ticks=ticks, width=width, height=height,
        left=left, top=top, plot_h=plot_h, bar_w=round(step * 0.7, 1), every=every,
    )


def _chart(chart_id: str, title: str, kind: str, labels: list[str], values: list[int], lang: Language) -> Chart:
    return Chart(chart_id, title, kind, tuple(zip(labels, values, strict=True)),
                 _svg(chart_id, title, kind, labels, values, lang))


def figures(community: Community, lang: Language, today: dt.date) -> list[Chart]:
    """The charts of the figures page, counted up to `today`'s month (planned events are not activity yet).

    Member growth covers the whole history; activity per month covers the last `ACTIVITY_MONTHS` months, so
    the page stays the same size however old the community is.
    """
    this_month = today.replace(day=1)
    members = [m.record.joined for m in community.public_members if m.record.joined <= today]
    posts = [p.record.day for p in community.published_posts if p.record.day <= today]
    # A weekly session counts once per meeting: each occurrence is an event members could attend.
    events = [d for e in community.events for start in occurrences(e.record) if (d := start.date()) <= today]
    if not members and not posts and not events:
        return []
    history = _months(min([*members, this_month]), this_month)
    recent = [_shift_months(this_month, -back) for back in reversed(range(ACTIVITY_MONTHS))]
    lessons = sum(len(ls) for ls in community.lessons.values())
    kinds = [
        (lang.gettext("Posts"), len(posts)),
        (lang.gettext("Event talks"), sum(len(e.record.speakers) for e in community.events
                                          if e.record.start.date() <= today)),
        (lang.gettext("Success stories"), sum(1 for s in community.stories if s.record.date <= today)),
        (lang.gettext("Lessons"), lessons),
        (lang.gettext("Spotlights"), len(community.spotlights)),
    ]
    history_labels = [lang.month_short(m) for m in history]
    recent_labels = [lang.month_short(m) for m in recent]
    return [
        _chart("member-growth", lang.gettext("Members (cumulative)"), "line", history_labels,
               list(accumulate(_per_month(members, history))), lang),
        _chart("posts-per-month", lang.gettext("Posts per month"), "bar", recent_labels,
               _per_month(posts, recent), lang),
        _chart("events-per-month", lang.gettext("Events per month"), "bar", recent_labels,
               _per_month(events, recent), lang),
        _chart("contributions", lang.gettext("Contributions by kind"), "bar", [k for k, _ in kinds],
               [v for _, v in kinds], lang),
    ]
