"""Slugs for imported posts and their tags, made from whatever text a feed offers.

Every slug returned here passes `check_slug`, because the loader checks file names and tags with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

from generator.model.fields import RESERVED_NAMES, check_slug

MAX_LENGTH = 80
NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = MAX_LENGTH) -> str:
    """Lowercase ASCII words joined by hyphens; "" when nothing is left (e.g. a title in Greek script).

    >>> slugify("Ünïcode & Friends: a *Field* Guide")
    'unicode-friends-a-field-guide'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug.strip("-")


def tag_slugs(terms: list[str], limit: int = 20) -> tuple[str, ...]:
    """Categories as tags: slugged, de-duplicated, in feed order; at most `limit` (some feeds list dozens)."""
    tags: list[str] = []
    for term in terms:
        slug = slugify(term)
        if slug and slug not in tags and slug not in RESERVED_NAMES:
            tags.append(slug)
    return tuple(tags[:limit])


def unique_slug(candidates: list[str], taken: Container[str]) -> str:
    """The first usable candidate, numbered (`-2`, `-3`, …) until no post in `taken` has it.

    `taken` holds existing slugs casefolded, as the loader compares them.
    """
    base = next((s for c in candidates if (s := slugify(c))), "post")
    if base in RESERVED_NAMES:
        base = f"{base}-post"
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = slugify(base, MAX_LENGTH - len(suffix)) + suffix
    return check_slug(slug)
