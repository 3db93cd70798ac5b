"""The planner's own reuse: what a page template (or a calendar) produced, kept between builds by a key over
everything it was given.

Planning renders every page's Markdown with Jinja, and on a large hub that costs more than MkDocs restoring the
pages from the page cache. A template is a pure function of the values the planner passes it, of the language
and of the build context (settings, catalogs, templates, code: `context`); `render_key` digests exactly those,
with each content item standing for a digest of everything it holds (`Item.fingerprint`). Templates reach the
rest of the community only through `PlanView`, which is digested the same way, so a value a key does not cover
cannot reach a template: reading anything else of the plan is an undefined variable, an error.

An encoder that meets a type it does not know raises instead of guessing: a key must never be equal for two
different inputs. The renders are kept in one SQLite database per language (`Memo`, `generator/site/store.py`);
a missing, damaged or foreign entry is a miss, so the cost is a render, never a wrong page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from markupsafe import Markup

from generator.digests import digest
from generator.i18n import Language
from generator.model import Community, Item
from generator.model.occurrences import next_start
from generator.model.records import Record
from generator.site.store import Store

FORMAT = 5
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
    # Exact types first: a page's values are mostly text, items and dicts and lists of them, and a key is made
    # for every page.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Item:
        return ["item", value.fingerprint]
    if kind is dict:
        return ["map", [[_encode(k), _encode(v)] for k, v in value.items()]]
    if kind is tuple or kind is list:
        return ["seq", [_encode(v) for v in value]]
    if kind is PlanView:
        return ["plan", value.fingerprint]
    # Then by kind, in an order where no value matches a branch meant for another.
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


@dataclasses.dataclass
class Render:
    """What a render is known by without its text: a digest of the text (a page's key covers its Markdown by it)
    and whether the text names a `.md` file (a page linking to another page's Markdown file depends on the list
    of files too). `text` is None until it is read from the memo (`Memo.text`)."""

    digest: str
    links_to_files: bool
    text: str | None = None

    @classmethod
    def of(cls, text: str) -> Render:
        return cls(digest(text), ".md" in text, text)


class Memo:
    """One language's renders by key, kept in a `Store` (`<lang>.sqlite`): only new ones are written, so an edit
    build does not rewrite the whole plan (megabytes of Markdown on a large hub). Each entry's name carries the
    render's key, its text's digest and whether it links to files, so a plan learns what it needs of every render
    from one query of the names, and reads a text only for a page that is rendered again (a few in an edit build).
    Open it in the process that uses it."""

    def __init__(self, root: Path, code: str):
        self.path = root / FOLDER / f"{code}.sqlite"
        self.store = Store(self.path, "renders")
        self._known: dict[str, Render] | None = None

    def get(self, key: str) -> Render | None:
        """The render kept under `key`, its text not read yet."""
        if self._known is None:
            self._known = {}
            for name in self.store.keys():
                key_, _, rest = name.partition(" ")
                text_digest, _, links = rest.partition(" ")
                if text_digest and links in ("0", "1"):
                    self._known[key_] = Render(text_digest, links == "1")
        found = self._known.get(key)
        # A copy: the plan sets the copy's text when it reads it.
        return Render(found.digest, found.links_to_files) if found is not None else None

    def text(self, key: str, render: Render) -> str | None:
        """The text of `render` (kept under `key`); None when its entry is missing, damaged or not that text."""
        text = self.store.get(_name(key, render))
        return text if isinstance(text, str) and digest(text) == render.digest else None

    def keep(self, rendered: Mapping[str, Render], new: Iterable[str]) -> None:
        """Store the `new` renders of `rendered` (this build's, by key) and drop what no recent build used;
        failing to costs renders next time."""
        for key in new:
            self.store.put(_name(key, rendered[key]), rendered[key].text)
        self.store.keep_only(_name(key, render) for key, render in rendered.items())
        self.store.close()


def _name(key: str, render: Render) -> str:
    return f"{key} {render.digest} {int(render.links_to_files)}"
