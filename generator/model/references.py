"""Cross-references: every handle, course and feed a record names must exist, and be allowed to be shown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from generator.model import frontmatter_yaml

if TYPE_CHECKING:
    from generator.model.community import Community, Item
    from generator.problems import Problems


def _line(community: Community, item: Item, field: str) -> int:
    """The line of `field` in the item's file; the top of the file when it cannot be found cheaply (a key written
    in an unusual way). The file is read again only here, on the error path, so loading stays fast."""
    text = (community.settings.root / item.path).read_text(encoding="utf-8", errors="replace")
    return frontmatter_yaml.key_lines(text).get(field, 1)


def _members(item: Item, field: str, handles: Iterable[str], community: Community, problems: Problems) -> None:
    for handle in handles:
        if handle not in community.members:
            problems.error(item.path, field, f"unknown member {handle!r}: expected a file "
                                             f"content/members/{handle}.md", _line(community, item, field))


def _language(code: str) -> bool:
    try:
        Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def check_references(community: Community, problems: Problems) -> None:
    settings = community.settings
    for member in community.members.values():
        for code in member.record.languages:
            if not _language(code):
                problems.error(member.path, "languages", f"unknown language code {code!r}",
                               _line(community, member, "languages"))
    for post in community.posts:
        _members(post, "author", [post.record.author], community, problems)
        if post.lang not in settings.languages:
            problems.error(post.path, "language", f"language {post.lang!r} is not configured; "
                                                  f"languages: {', '.join(settings.languages)}",
                           _line(community, post, "language"))
    for spotlight in community.spotlights:
        handle = spotlight.record.member
        _members(spotlight, "member", [handle], community, problems)
        member = community.members.get(handle)
        if member and not (member.record.public and member.record.spotlight_consent):
            problems.error(spotlight.path, "member", f"{handle!r} has not agreed to a spotlight: the member file "
                                                     "needs public: true and spotlight_consent: true",
                           _line(community, spotlight, "member"))
        expected = f"{spotlight.record.month}-{handle}"
        if spotlight.slug != expected:
            problems.error(spotlight.path, "(file name)", f"expected the file to be named {expected}.md, after its "
                                                          "month and member", _line(community, spotlight, "member"))
    for story in community.stories:
        _members(story, "members", story.record.members, community, problems)
    for event in community.events:
        _members(event, "hosts", event.record.hosts, community, problems)
        _members(event, "speakers", event.record.speakers, community, problems)
    for course in community.courses.values():
        _members(course, "authors", course.record.authors, community, problems)
        for prerequisite in course.record.prerequisites:
            if prerequisite == course.slug or prerequisite not in community.courses:
                problems.error(course.path, "prerequisites", f"unknown course {prerequisite!r}: expected a folder "
                                                             f"content/academy/{prerequisite}/ with an index.md",
                               _line(community, course, "prerequisites"))
    for course_slug, lessons in community.lessons.items():
        if course_slug not in community.courses:
            for lesson in lessons:
                problems.error(lesson.path, "(file)", f"lesson of an unknown course: expected "
                                                      f"content/academy/{course_slug}/index.md")
    numbers: dict[int, str] = {}
    for issue in community.newsletters:
        number = issue.record.number
        if number in numbers:
            problems.error(issue.path, "number", f"issue number {number} is also used by {numbers[number]}",
                           _line(community, issue, "number"))
        numbers.setdefault(number, issue.path)
    feeds_path = f"{settings.options.content_dir}/feeds.yml"
    seen_urls: set[str] = set()
    for index, feed in enumerate(community.feeds):
        where = f"feeds.{index}"
        if feed.member not in community.members:
            problems.error(feeds_path, f"{where}.member", f"unknown member {feed.member!r}")
        if feed.language and feed.language not in settings.languages:
            problems.error(feeds_path, f"{where}.language", f"language {feed.language!r} is not configured")
        if feed.url in seen_urls:
            problems.error(feeds_path, f"{where}.url", f"feed {feed.url} is listed twice")
        seen_urls.add(feed.url)
