"""The planner's own reuse: what a page template (or a calendar) produced, kept between builds by a key over
everything it was given.

Planning renders every page's Markdown with Jinja, and on a large hub that costs more than MkDocs restoring the
pages from the page cache. A template is a pure function of the values the planner passes it, of the language
and of the build context (settings, catalogs, templates, code: `context`); `render_key` digests exactly those,
with each content item standing for a digest of everything it holds (`Item.fingerprint`). Templates reach the
rest of the community only through `PlanView`, which is digested the same way, so a value a key does not cover
cannot reach a template: reading anything else of the plan is an undefined variable, an error.

An encoder that meets a type it does not know raises instead of guessing: a key must never be equal for two
different inputs. The store is one file per language (`generator.files.sealed`), replaced atomically; a missing,
truncated or foreign file is an empty memo, so the cost is a render, never a wrong page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Mapping
from pathlib import Path

from markupsafe import Markup

from generator.digests import digest
from generator.files import sealed, unsealed, write_atomic
from generator.i18n import Language
from generator.model import Community, Item
from generator.model.occurrences import next_start
from generator.model.records import Record

FORMAT = 3
FOLDER = Path(".cache") / "agora" / "plans" / f"v{FORMAT}"


class PlanView:
    """All a page template may read of the plan besides its own values: members, courses, events and stories (by
    their handles and slugs), and when an event next starts. Posts are not here on purpose: a page showing a
    post is given it, so editing one post changes only the keys of the pages that show it."""

    def __init__(self, community: Community, today: dt.date):
        self.community = _Collections(community.members, community.courses, community.events, community.stories)
        self.today = today
        items = [*community.members.values(), *community.courses.values(), *community.events,
                 *community.stories]
        self.fingerprint = digest([today.isoformat(), *(item.fingerprint for item in items)])

    def member(self, handle: str) -> Item | None:
        """A member who may be shown; private members are never named or linked."""
        item = self.community.members.get(handle)
        return item if item and item.record.public else None

    def next_start(self, event: Item) -> dt.datetime:
        """When an event is next on (for a weekly session, the coming meeting; for a past event, its start)."""
        return next_start(event.record, self.today)


@dataclasses.dataclass(frozen=True)
class _Collections:
    members: Mapping[str, Item]
    courses: Mapping[str, Item]
    events: tuple[Item, ...]
    stories: tuple[Item, ...]


def render_key(*parts: object) -> str:
    """The key of a template's output: a digest of `parts` (the context, the language, the template, the page's
    URL and the values it is given)."""
    return digest([_encode(part) for part in parts])


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _encode(value: object) -> object:
    """`value` as plain values (text, numbers, lists), tagged by type so that values of different types never
    encode alike."""
    # Exact types first: a page's values are mostly text and items, and a key is made for every page.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Item:
        return ["item", value.fingerprint]
    if isinstance(value, (int, float)):  # subclasses: IntEnum, say
        return value
    if isinstance(value, Markup):
        return ["markup", str(value)]
    if isinstance(value, str):
        return value
    if isinstance(value, Item):
        return ["item", value.fingerprint]
    if isinstance(value, PlanView):
        return ["plan", value.fingerprint]
    if isinstance(value, Language):
        return ["language", value.code]
    if isinstance(value, Record):
        return [type(value).__name__, value.model_dump_json()]
    if isinstance(value, Path):
        return ["path", value.as_posix()]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, enum.Enum):
        return [type(value).__name__, value.name]
    if isinstance(value, Mapping):
        # In their order: a template iterating a mapping shows it in that order.
        return ["map", [[_encode(k), _encode(v)] for k, v in value.items()]]
    if isinstance(value, (list, tuple)):
        return ["seq", [_encode(v) for v in value]]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted((_encode(v) for v in value), key=json.dumps)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, [[f.name, _encode(getattr(value, f.name))] for f in dataclasses.fields(value)]]
    raise TypeError(f"memo: cannot key a value of type {type(value).__qualname__}; teach generator/site/memo.py "
                    "to encode it (every value a template is given must be part of its key)")


def load(root: Path, code: str) -> dict[str, str]:
    """The memo the last build of language `code` left, or an empty one."""
    try:
        entries = unsealed((root / FOLDER / f"{code}.bin").read_bytes())
    except OSError:
        return {}
    return entries if isinstance(entries, dict) else {}


def save(root: Path, code: str, entries: dict[str, str]) -> None:
    """Keep `entries` (this build's outputs only, so the memo never outgrows the site); failing costs renders."""
    with contextlib.suppress(OSError):
        write_atomic(root / FOLDER / f"{code}.bin", sealed(entries))
