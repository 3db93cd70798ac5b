"""Events across time zones, calendar files, recordings, the academy and the figures page, on the built demo."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import Counter
from itertools import accumulate
from pathlib import Path

import frontmatter
import vobject

from conftest import ROOT, copy_demo, run_agora, soup

AMA = "2026-12-03-ask-the-moderators"
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def text(element) -> str:
    """Visible text with CLDR's (narrow) no-break spaces read as spaces."""
    return element.get_text(" ", strip=True).replace("\u202f", " ").replace("\xa0", " ")


def zone_rows(page: Path) -> dict[str, list[str]]:
    table = soup(page).select_one("table.agora-times")
    return {row["data-zone"]: [text(cell) for cell in row.select("td")] for row in table.select("tbody tr")}


def test_event_time_in_every_configured_zone_in_english(demo_site: Path):
    rows = zone_rows(demo_site / "events" / AMA / "index.html")
    assert list(rows) == ["Europe/Oslo", "UTC", "America/New_York", "Asia/Tokyo"]
    assert rows["Europe/Oslo"] == ["Thu, Dec 3", "5:00 PM"]
    assert rows["UTC"] == ["Thu, Dec 3", "4:00 PM"]
    assert rows["America/New_York"] == ["Thu, Dec 3", "11:00 AM"]
    assert rows["Asia/Tokyo"] == ["Fri, Dec 4 (next day)", "1:00 AM"]


def test_event_time_in_polish_and_greek_formatting(demo_site: Path):
    polish = zone_rows(demo_site / "pl" / "events" / AMA / "index.html")
    assert polish["UTC"][1] == "16:00"
    assert polish["America/New_York"][1] == "11:00"
    assert polish["Asia/Tokyo"] == ["pt., 4 gru (następnego dnia)", "01:00"]
    greek_page = demo_site / "el" / "events" / AMA / "index.html"
    greek = zone_rows(greek_page)
    assert greek["America/New_York"][1] == "11:00 π.μ."
    assert greek["Asia/Tokyo"][0].startswith("Παρ 4 Δεκ")
    assert "επόμενη" in greek["Asia/Tokyo"][0]
    when = soup(greek_page).select_one(".agora-when time").get_text()
    assert "Πέμπτη" in when and "Δεκεμβρίου" in when and "2026" in when  # weekday and month name in Greek


def test_ics_parses_with_an_independent_parser(demo_site: Path):
    data = (demo_site / "events" / AMA / f"{AMA}.ics").read_text(encoding="utf-8")
    calendar = vobject.readOne(data)
    event = calendar.vevent
    assert event.dtstart.value == dt.datetime(2026, 12, 3, 17, 0, tzinfo=OSLO)
    assert event.dtstart.value.utcoffset() == dt.timedelta(hours=1)
    assert event.uid.value == f"{AMA}@commonground.example.org"
    assert event.url.value == f"https://commonground.example.org/events/{AMA}/"
    assert calendar.vtimezone.tzid.value == "Europe/Oslo"
    greek = vobject.readOne((demo_site / "el" / "events" / AMA / f"{AMA}.ics").read_text(encoding="utf-8"))
    assert greek.vevent.uid.value == event.uid.value  # one event, whatever the language it was saved from


def test_weekly_session_has_its_recurrence_in_the_calendar_feed(demo_site: Path):
    calendar = vobject.readOne((demo_site / "events" / "calendar.ics").read_text(encoding="utf-8"))
    uids = [e.uid.value for e in calendar.vevent_list]
    assert f"{AMA}@commonground.example.org" in uids
    weekly = next(e for e in calendar.vevent_list if "office-hours" in e.uid.value)
    starts = list(weekly.getrruleset(addRDate=True))
    assert len(starts) == 10 and starts[1] - starts[0] == dt.timedelta(days=7)
    past = [e for e in calendar.vevent_list if "2026-08-20" in e.uid.value]
    assert past == []  # the feed lists upcoming events only


def test_uid_is_stable_across_builds(tmp_path: Path, demo_site: Path):
    root = copy_demo(tmp_path / "again")
    assert run_agora("build", "--root", root, "--lang", "en").code == 0
    first = (demo_site / "events" / AMA / f"{AMA}.ics").read_bytes()
    assert (root / "site" / "events" / AMA / f"{AMA}.ics").read_bytes() == first


def test_past_event_without_recording_says_so(demo_site: Path):
    english = soup(demo_site / "events" / "2026-09-17-krakow-meetup" / "index.html")
    assert english.select_one(".agora-no-recording").get_text(strip=True) == "This event was not recorded."
    swedish = soup(demo_site / "sv" / "events" / "2026-09-17-krakow-meetup" / "index.html")
    text = swedish.select_one(".agora-no-recording").get_text(strip=True)
    assert text and text != "This event was not recorded."


def test_past_event_with_recording_loads_nothing_until_played(demo_site: Path):
    page = soup(demo_site / "events" / "2026-08-20-onboarding-teardown" / "index.html")
    video = page.select_one(".agora-video")
    assert video["data-embed"].startswith("https://www.youtube-nocookie.com/embed/")
    assert not page.select("iframe")
    chapters = page.select(".agora-chapters a")
    assert len(chapters) == 6
    assert chapters[1]["href"].endswith("&t=270s") and chapters[1]["data-seconds"] == "270"
    assert page.select_one("details.agora-transcript")


def test_upcoming_and_past_split_on_the_reference_date(demo_site: Path):
    index = soup(demo_site / "events" / "index.html")
    upcoming = index.select_one("#upcoming").find_next_sibling()
    titles = " ".join(h.get_text() for h in index.select(".agora-card h3"))
    assert "ask the moderators" in titles.lower()
    assert upcoming is not None
    past_page = soup(demo_site / "events" / "past" / "index.html")
    past_links = [a["href"] for a in past_page.select(".agora-card__title a")]
    assert any("2026-08-20-onboarding-teardown" in href for href in past_links)
    assert not any(AMA in href for href in past_links)


def lessons_of(course: str) -> list[str]:
    return sorted(p.stem.split("-", 1)[1] for p in (ROOT / "content" / "academy" / course).glob("[0-9]*.md")
                  if p.stem.count(".") == 0)


def test_lesson_three_links_to_lessons_two_and_four(demo_site: Path):
    course = "community-foundations"
    ordered = [p.stem.split("-", 1)[1] for p in sorted((ROOT / "content" / "academy" / course).glob("[0-9]*.md"))
               if "." not in p.stem]
    page = soup(demo_site / "academy" / course / ordered[2] / "index.html")
    assert f"Lesson 3 of {len(ordered)}" in page.select_one(".agora-lesson-of").get_text()
    prev_link = page.select_one('.agora-lesson-nav a[rel="prev"]')["href"]
    next_link = page.select_one('.agora-lesson-nav a[rel="next"]')["href"]
    assert prev_link == f"../{ordered[1]}/" and next_link == f"../{ordered[3]}/"
    syllabus = [a["href"] for a in page.select(".agora-syllabus a")]
    assert len(syllabus) == len(ordered) - 1  # every lesson of this course but the current one, nothing else


def test_quiz_is_plain_html_details(demo_site: Path):
    quizzes = [p for p in (demo_site / "academy").rglob("index.html") if soup(p).select(".agora-quiz")]
    assert quizzes
    question = soup(quizzes[0]).select_one(".agora-quiz__question")
    assert question.select("ol.agora-quiz__options li")
    assert question.select_one("details.agora-quiz__answer summary")


def test_course_page_links_its_prerequisites(demo_site: Path):
    courses = {p.parent.name: frontmatter.load(p) for p in (ROOT / "content" / "academy").glob("*/index.md")}
    with_prerequisite = next(slug for slug, post in courses.items() if post.get("prerequisites"))
    required = courses[with_prerequisite]["prerequisites"][0]
    page = soup(demo_site / "academy" / with_prerequisite / "index.html")
    links = [a["href"] for a in page.select("#prerequisites + ul a, section[aria-labelledby=prerequisites] a")]
    assert f"../{required}/" in links


def figure_table(page, chart: str) -> list[tuple[str, int]]:
    """The first column of a chart's data table: (label, number) per row."""
    table = page.select_one(f'table[data-chart="{chart}"]')
    return [(row.th.get_text(strip=True), int(row.td["data-value"])) for row in table.select("tbody tr")]


def figure_columns(page, chart: str) -> dict[str, dict[str, int]]:
    """A chart's data table as {column heading: {row label: number}}."""
    table = page.select_one(f'table[data-chart="{chart}"]')
    headings = [th.get_text(strip=True) for th in table.select("thead th")][1:]
    rows = [(row.th.get_text(strip=True), [int(td["data-value"]) for td in row.select("td")])
            for row in table.select("tbody tr")]
    return {h: {label: values[i] for label, values in rows} for i, h in enumerate(headings)}


def originals(folder: str):
    """(path, front matter) of every original (not a translation) under content/<folder>."""
    for path in sorted((ROOT / "content" / folder).rglob("*.md")):
        if not re.search(r"\.[a-z]{2}\.md$", path.name):
            yield path, frontmatter.load(path)


def day_of(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def meetings(event) -> list[dt.date]:
    """The days an event meets: its start, or every start of its recurrence (dateutil, as RFC 5545 reads it)."""
    from dateutil.rrule import rrulestr

    start = event["start"]
    if "rrule" not in event.keys():
        return [start.date()]
    return [d.date() for d in rrulestr(event["rrule"], dtstart=start)]


def test_figures_page_has_a_chart_and_a_table_per_figure_with_the_contents_numbers(demo_site: Path):
    page = soup(demo_site / "figures" / "index.html")
    charts = page.select("section.agora-chart")
    assert [c["aria-labelledby"] for c in charts] == [
        "member-growth", "new-members", "active-contributors", "posts-per-month", "events-per-quarter",
        "contributions"]
    for chart in charts:
        svg = chart.select_one("figure svg")
        assert svg["role"] == "img" and svg["width"] == "100%" and not svg.get("viewbox")
        title, desc = svg.find("title", recursive=False), svg.find("desc", recursive=False)
        assert svg["aria-labelledby"] == title["id"] and svg["aria-describedby"] == desc["id"]
        assert title.get_text() == chart.h2.get_text() and desc.get_text(strip=True)
        # The numbers fold away under a summary; the table is the chart's data, titled like it.
        details = chart.select_one("details")
        assert details.summary.get_text(strip=True) == "Show the data" and not details.has_attr("open")
        assert details.table.caption.get_text() == chart.h2.get_text()
    today = dt.date(2026, 11, 20)
    joined = Counter()
    for _, member in originals("members"):
        if member.get("public", True) and member["joined"] <= today:
            joined[member["joined"].strftime("%Y-%m")] += 1
    growth = figure_table(page, "member-growth")
    assert growth[-1] == ("Nov 2026", sum(joined.values()))
    months = sorted(joined)
    expected_cumulative = dict(zip(months, accumulate(joined[m] for m in months), strict=True))
    by_label = dict(growth)
    for month, total in expected_cumulative.items():
        label = dt.date.fromisoformat(month + "-01").strftime("%b %Y")
        assert by_label[label] == total
    new_members = dict(figure_table(page, "new-members"))
    assert list(new_members)[0] == "Dec 2025" and list(new_members)[-1] == "Nov 2026"
    assert new_members == {label: joined[dt.datetime.strptime(label, "%b %Y").strftime("%Y-%m")]
                           for label in new_members}
    posts = Counter()
    for path in (ROOT / "content" / "posts").rglob("*.md"):
        if re.search(r"\.[a-z]{2}\.md$", path.name):
            continue
        post = frontmatter.load(path)
        day = post["date"].date() if isinstance(post["date"], dt.datetime) else post["date"]
        if post.get("status", "published") == "published" and day <= today:
            posts[day.strftime("%b %Y")] += 1
    per_month = dict(figure_table(page, "posts-per-month"))
    assert len(per_month) == 12
    assert {k: v for k, v in per_month.items() if v} == {k: v for k, v in posts.items() if k in per_month}


def test_figures_count_active_contributors_and_events_per_quarter_from_the_content(demo_site: Path):
    page = soup(demo_site / "figures" / "index.html")
    today = dt.date(2026, 11, 20)
    active: dict[str, set[str]] = {}

    def contributed(day: dt.date, handle: str) -> None:
        if day <= today:
            active.setdefault(day.strftime("%b %Y"), set()).add(handle)

    for _, post in originals("posts"):
        if post.get("status", "published") == "published":
            contributed(day_of(post["date"]), post["author"])
    events = [event for _, event in originals("events")]
    for event in events:
        for day in meetings(event):
            for handle in [*event.get("hosts", []), *event.get("speakers", [])]:
                contributed(day, handle)
    for _, story in originals("stories"):
        for handle in story["members"]:
            contributed(story["date"], handle)
    for course_path, course in originals("academy"):
        if course_path.name == "index.md":
            for lesson_path in sorted(course_path.parent.glob("[0-9]*.md")):
                if not re.search(r"\.[a-z]{2}\.md$", lesson_path.name):
                    for handle in course.get("authors", []):
                        contributed(frontmatter.load(lesson_path).get("date") or course["date"], handle)
    shown = dict(figure_table(page, "active-contributors"))
    assert len(shown) == 12 and list(shown)[-1] == "Nov 2026"
    assert shown == {label: len(active.get(label, ())) for label in shown}
    assert max(shown.values()) > 1  # the demo has months with several contributors: the count is per member

    def quarter(day: dt.date) -> str:
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"

    held = Counter(quarter(d) for e in events for d in meetings(e) if d <= today)
    recorded = Counter(quarter(e["start"].date()) for e in events if e.get("recording") and e["start"].date() <= today)
    columns = figure_columns(page, "events-per-quarter")
    assert list(columns) == ["Events", "Recordings"]
    assert list(columns["Events"]) == ["Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026",
                                       "Q4 2026"]
    assert columns["Events"] == {q: held[q] for q in columns["Events"]}
    assert columns["Recordings"] == {q: recorded[q] for q in columns["Recordings"]}
    assert sum(recorded.values()) >= 2


def test_figures_speak_the_pages_language(demo_site: Path):
    page = soup(demo_site / "pl" / "figures" / "index.html")
    growth = page.select_one("section[aria-labelledby=member-growth]")
    assert growth.h2.get_text() == "Członkowie (narastająco)"
    assert growth.select_one("details summary").get_text(strip=True) == "Pokaż dane"
    assert figure_table(page, "member-growth")[-1][0] == "lis 2026"
    assert list(figure_columns(page, "events-per-quarter")) == ["Wydarzenia", "Nagrania"]
    assert [r[0] for r in figure_table(page, "events-per-quarter")][-1] == "IV kw. 2026"
    # Axis labels are the month alone ("lis"), the year written where it changes.
    labels = [t.get_text() for t in page.select("section[aria-labelledby=posts-per-month] svg text")]
    assert "lis" in labels and "2026" in labels
    assert page.select_one("#active-contributors-svg-desc").get_text().startswith("Od gru 2025 do lis 2026.")
