"""Synthetic communities for the benchmarks: N posts with members, events, lessons and stories in proportion.

Everything is derived from the index of the item, so the same N always gives the same files. Every fourth item
of each collection is translated into every other configured language ("a quarter translated"). Posts span
2024-01-01 to 2025-11-30; events run on into early 2027, so with the benchmarks' reference date
(2026-11-20) a few are upcoming. A spotlight per month and a weekly newsletter issue for each of the last three
weeks of posts make every section of the hub non-empty.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "nb", "sv", "pl", "el", "sl")
TAGS = ("moderation", "onboarding", "metrics", "events", "translation", "volunteers", "tooling", "governance",
        "growth", "support", "guidelines", "programs")
ZONES = ("Europe/Oslo", "America/New_York", "Asia/Tokyo", "Africa/Nairobi", "Europe/Warsaw")
START = dt.date(2024, 1, 1)

PARAGRAPH = ("A community grows when people who arrive find someone who answers, a reason to come back and a way to "
             "help the next person. We measured first-response time for a quarter, paired new moderators with "
             "mentors, and wrote down the replies that worked so the whole team could reuse them.")
BODY = "\n\n".join([
    PARAGRAPH,
    "## What we tried",
    "- A weekly triage rota with clear hand-overs\n- Saved replies for the ten most common questions\n"
    "- A monthly review of every escalation",
    PARAGRAPH,
    "## What we learnt",
    PARAGRAPH + " " + PARAGRAPH,
    "| Month | Threads | Median first reply |\n|---|---|---|\n| January | 412 | 3 h 10 min |\n"
    "| February | 389 | 2 h 45 min |",
    PARAGRAPH,
])


@dataclass(frozen=True)
class Sizes:
    posts: int
    members: int
    events: int
    courses: int
    lessons_per_course: int
    stories: int
    spotlights: int

    @classmethod
    def for_posts(cls, posts: int) -> Sizes:
        return cls(posts=posts, members=max(12, posts // 8), events=max(6, posts // 10),
                   courses=max(1, posts // 100), lessons_per_course=8, stories=max(3, posts // 50),
                   spotlights=min(24, max(3, posts // 40)))

    @property
    def lessons(self) -> int:
        return self.courses * self.lessons_per_course


def _write(path: Path, front: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}\n", encoding="utf-8")


def _translations(path: Path, index: int, front: str, body: str, languages: tuple[str, ...]) -> int:
    """Write a translation of the item at `path` into each non-default language when it is a fourth item."""
    if index % 4:
        return 0
    for lang in languages[1:]:
        _write(path.with_name(f"{path.stem}.{lang}.md"), front.replace("TITLE", lang.upper()), f"[{lang}] {body}")
    return len(languages) - 1


def day(index: int, total: int, span_days: int = 700) -> dt.date:
    return START + dt.timedelta(days=index * span_days // max(total, 1))


def generate(target: Path, posts: int, languages: tuple[str, ...] = LANGUAGES) -> dict[str, int]:
    """Write a community with `posts` posts into `target` (replaced); returns file counts per collection."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "locales", target / "locales")
    settings = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    settings = settings.replace("languages: [en, nb, sv, pl, el, sl]", f"languages: [{', '.join(languages)}]")
    (target / "mkdocs.yml").write_text(settings, encoding="utf-8")
    content = target / "content"
    sizes = Sizes.for_posts(posts)
    counts = dict.fromkeys(("members", "posts", "events", "courses", "lessons", "stories", "spotlights",
                            "newsletters", "translations"), 0)

    handles = [f"member-{i:05d}" for i in range(sizes.members)]
    for i, handle in enumerate(handles):
        _write(content / "members" / f"{handle}.md",
               f"name: Member {i}\njoined: {day(i, sizes.members)}\nroles: [{'mentor' if i % 7 == 0 else ''}]\n"
               f"languages: [en]\nlocation: City {i % 40}\nspotlight_consent: true\nemail: m{i}@example.org",
               f"Member {i} runs a community of {i * 13 % 900 + 50} people.")
        counts["members"] += 1

    for i in range(posts):
        when = day(i, posts)
        tags = f"[{TAGS[i % len(TAGS)]}, {TAGS[(i * 5 + 3) % len(TAGS)]}]"
        front = (f"title: TITLE Post number {i} about {TAGS[i % len(TAGS)]}\ndate: {when}\n"
                 f"author: {handles[i % len(handles)]}\ntags: {tags}\nsummary: What we learnt, part {i}.")
        path = content / "posts" / str(when.year) / f"post-{i:05d}.md"
        _write(path, front.replace("TITLE ", ""), BODY)
        counts["translations"] += _translations(path, i, "title: TITLE Post", BODY, languages)
        counts["posts"] += 1

    for i in range(sizes.events):
        # About 4 % of the events fall after the reference date (START + 1,054 days): upcoming.
        when = day(i, sizes.events, 1100)
        zone = ZONES[i % len(ZONES)]
        recording = (f"recording:\n  url: https://www.youtube.com/watch?v=abcdefghi{i % 90:02d}\n  duration: 60\n"
                     f"  chapters:\n    - {{at: '0:00', title: Welcome}}\n    - {{at: '12:30', title: Questions}}"
                     if i % 3 else "")
        front = (f"title: TITLE Event {i}\nstart: {when}T17:00:00\ntimezone: {zone}\nduration: 60\n"
                 f"kind: {('webinar', 'ama', 'workshop', 'meetup')[i % 4]}\n"
                 f"hosts: [{handles[i % len(handles)]}]\nspeakers: [{handles[(i * 3 + 1) % len(handles)]}]\n"
                 f"summary: A session on {TAGS[i % len(TAGS)]}.\n{recording}")
        path = content / "events" / f"{when}-event-{i:05d}.md"
        _write(path, front.replace("TITLE ", ""), PARAGRAPH)
        counts["translations"] += _translations(path, i, "title: TITLE Event", PARAGRAPH, languages)
        counts["events"] += 1

    for c in range(sizes.courses):
        course = content / "academy" / f"course-{c:04d}"
        _write(course / "index.md",
               f"title: Course {c}\nlevel: {('beginner', 'intermediate', 'advanced')[c % 3]}\n"
               f"summary: Learn {TAGS[c % len(TAGS)]} step by step.\ndate: {day(c, sizes.courses)}\n"
               f"path: Path {c % 4}\nauthors: [{handles[c % len(handles)]}]\n"
               + (f"prerequisites: [course-{c - 1:04d}]" if c % 3 else ""), PARAGRAPH)
        counts["courses"] += 1
        for n in range(sizes.lessons_per_course):
            quiz = ("quiz:\n  - question: What comes first?\n    options: [Listening, Banning, Ignoring]\n"
                    "    answer: 1\n    explanation: Listening." if n % 2 else "")
            path = course / f"{n + 1:02d}-lesson-{n + 1}.md"
            _write(path, f"title: Lesson {n + 1} of course {c}\nduration: 15\n{quiz}", BODY)
            counts["translations"] += _translations(path, n, "title: TITLE Lesson", BODY, languages)
            counts["lessons"] += 1

    for i in range(sizes.stories):
        front = (f"title: TITLE Story {i}\ndate: {day(i, sizes.stories)}\nmembers: [{handles[i % len(handles)]}]\n"
                 f"company: Company {i}\nmetrics:\n  - {{label: Response time, value: '-{i % 60} %'}}")
        path = content / "stories" / f"story-{i:04d}.md"
        _write(path, front.replace("TITLE ", ""), PARAGRAPH)
        counts["translations"] += _translations(path, i, "title: TITLE Story", PARAGRAPH, languages)
        counts["stories"] += 1

    for i in range(sizes.spotlights):
        month = f"{2024 + i // 12}-{i % 12 + 1:02d}"
        handle = handles[(i * 5) % len(handles)]
        path = content / "spotlights" / f"{month}-{handle}.md"
        _write(path, f"member: {handle}\nmonth: '{month}'\nheadline: Member {i} on answering first\n"
                     "quote: Answer questions yourself for the first three months.", BODY)
        counts["translations"] += _translations(path, i, "headline: TITLE Member on answering first", BODY,
                                                  languages)
        counts["spotlights"] += 1

    # A weekly issue for the last three weeks of posts (a monthly one would list ~80 posts at N = 2,000 and go
    # over Gmail's clipping limit, which fails the build); the first is translated.
    for number in (1, 2, 3):
        first = dt.date(2025, 11, 10) + dt.timedelta(weeks=number - 1)
        path = target / "newsletters" / f"{first}.md"
        _write(path, f"number: {number}\nperiod: {{start: {first}, end: {first + dt.timedelta(days=6)}}}\n"
                     f"subject: Issue {number}\npreheader: What happened this week.", PARAGRAPH)
        counts["translations"] += _translations(path, number - 1, f"subject: TITLE Issue {number}", PARAGRAPH,
                                                languages)
        counts["newsletters"] += 1

    for slug in ("guidelines", "about"):
        path = content / "pages" / f"{slug}.md"
        _write(path, f"title: {slug.title()}", BODY)
        counts["translations"] += _translations(path, 0, "title: TITLE Page", BODY, languages)
    return counts
