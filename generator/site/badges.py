"""Contributions, badges and the leaderboard: pure functions of the community and the badge rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from generator.config import AgoraConfig
from generator.model import Community


@dataclass(frozen=True)
class Contributions:
    posts: tuple[str, ...] = ()
    talks: tuple[str, ...] = ()
    hosted: tuple[str, ...] = ()
    stories: tuple[str, ...] = ()
    courses: tuple[str, ...] = ()
    lessons: int = 0
    spotlights: tuple[str, ...] = ()


@dataclass(frozen=True)
class Badge:
    id: str
    rule: str
    min: int


def contributions(community: Community) -> dict[str, Contributions]:
    """Each public member's contributions (slugs, newest first where the collection is dated)."""
    found: defaultdict[str, defaultdict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for post in community.published_posts:
        found[post.record.author]["posts"].append(post.slug)
    for event in community.events:
        for handle in event.record.speakers:
            found[handle]["talks"].append(event.slug)
        for handle in event.record.hosts:
            found[handle]["hosted"].append(event.slug)
    for story in community.stories:
        for handle in story.record.members:
            found[handle]["stories"].append(story.slug)
    lessons: Counter[str] = Counter()
    for slug, course in community.courses.items():
        for handle in course.record.authors:
            found[handle]["courses"].append(slug)
            lessons[handle] += len(community.lessons.get(slug, ()))
    for spotlight in community.spotlights:
        found[spotlight.record.member]["spotlights"].append(spotlight.slug)
    return {
        handle: Contributions(**{k: tuple(v) for k, v in kinds.items()}, lessons=lessons[handle])
        for handle, kinds in found.items()
        if community.is_public(handle)
    }


def _count(rule: str, handle: str, c: Contributions, community: Community) -> int:
    if rule == "mentor":
        return int("mentor" in community.members[handle].record.roles)
    return len({
        "posts": c.posts, "event_speaker": c.talks, "event_host": c.hosted, "story": c.stories,
        "academy_author": c.courses, "spotlight": c.spotlights,
    }[rule])


def badges(community: Community, options: AgoraConfig) -> dict[str, tuple[Badge, ...]]:
    """Badges earned per public member, in the order the rules are declared."""
    rules = [Badge(b["id"], b["rule"], b["min"]) for b in options.badges]
    found = contributions(community)
    result = {}
    for member in community.public_members:
        c = found.get(member.slug, Contributions())
        earned = tuple(r for r in rules if _count(r.rule, member.slug, c, community) >= r.min)
        if earned:
            result[member.slug] = earned
    return result


def points(c: Contributions, weights: dict[str, int]) -> int:
    return (
        len(c.posts) * weights.get("post", 0) + len(c.talks) * weights.get("talk", 0)
        + len(c.hosted) * weights.get("host", 0) + len(c.stories) * weights.get("story", 0)
        + c.lessons * weights.get("lesson", 0) + len(c.spotlights) * weights.get("spotlight", 0)
    )


def leaderboard(community: Community, options: AgoraConfig, size: int = 20) -> list[tuple[str, int]]:
    """Top public members by points; ties broken by handle so the order is stable."""
    scored = [(handle, points(c, options.points)) for handle, c in contributions(community).items()]
    return sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0]))[:size]
