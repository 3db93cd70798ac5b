"""Front matter through python-frontmatter, with a YAML handler that is fast on good input and safe on bad.

Fast: libyaml's CSafeLoader (a pure-Python loader takes ~10 s on a 2 MB file). Safe: YAML aliases are shared,
not copied, so loading a "billion laughs" is cheap, but anything that walks the result (validation, an error
message, a template) would expand it to billions of values. So the result is measured once, visiting each shared
value once, and refused when it is too deep, too big once expanded, refers to itself, or holds values that no
field takes. Duplicate keys are errors. Line numbers are recovered only when an error needs one.
"""

from __future__ import annotations

import re

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

from generator.model.fields import CONTROL, show

MAX_DEPTH = 40
MAX_VALUES = 100_000  # after expanding aliases; a hand-written front matter has a few dozen
MAX_NUMBER = 10**15
MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
# What a YAML constructor raises on a value it cannot convert (`!!int abc`, `!!bool maybe`, a 5,000-digit number).
CONSTRUCTOR_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError, IndexError)


class FrontMatterError(ValueError):
    """A problem with the front matter as a whole or with one value: `line` (when known) and `loc` (the keys and
    list indexes leading to the value, when known)."""

    def __init__(self, message: str, line: int | None = None, loc: tuple = ()):
        super().__init__(message)
        self.line = line
        self.loc = loc


def _lenient_timestamp(loader, node):
    """An impossible date (2026-13-45) stays text, so the schema reports it with its field and line."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, AttributeError, OverflowError):
        return loader.construct_scalar(node)


class _DuplicateKey(FrontMatterError):
    def __init__(self, key: object, line: int, first: int):
        super().__init__(f"duplicate key {show(key)}", line)
        self.first = first


class _Strict:
    """A key given twice is an error, not a silent last-one-wins (which drops what the first one said)."""

    def construct_mapping(self, node, deep=False):
        pairs = list(node.value) if isinstance(node, yaml.MappingNode) else []
        mapping = super().construct_mapping(node, deep)
        if len(mapping) < len(pairs):  # fewer keys than written: a repeat, or a merge key (`<<`) overridden
            seen: dict[object, int] = {}
            for key_node, _ in pairs:
                if key_node.tag != MERGE_TAG:
                    key = self.construct_object(key_node)  # built already: this is a lookup
                    if key in seen:
                        raise _DuplicateKey(key, key_node.start_mark.line, seen[key])
                    seen[key] = key_node.start_mark.line
        return mapping


class _PlainText:
    """Most front matter values are text: build those without the bookkeeping that aliases and recursive
    structures need (a text value has neither), the largest cost of loading a community."""

    def construct_object(self, node, deep=False):
        if node.tag == STR_TAG and type(node) is yaml.ScalarNode:
            return node.value
        return super().construct_object(node, deep)


class _Loader(_PlainText, _Strict, yaml.CSafeLoader):
    pass


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


class _LocatingLoader(_Loader):
    """Used only once a value could not be built: finds which one, and where."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except FrontMatterError:
            raise
        except CONSTRUCTOR_ERRORS:
            tag = node.tag.rsplit(":", 1)[-1]
            raise FrontMatterError(f"malformed YAML: expected a valid {tag}, got {show(node.value)}",
                                   node.start_mark.line) from None


def load_yaml(text: str) -> object:
    """YAML text to Python values, guarded; raises yaml.YAMLError or FrontMatterError (lines are 0-based)."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except FrontMatterError:
        raise
    except CONSTRUCTOR_ERRORS as exc:
        raise _locate(text) or FrontMatterError(f"malformed YAML: {show(str(exc))}") from None
    except (RecursionError, MemoryError):
        raise FrontMatterError("YAML nested too deeply") from None
    check_values(data)
    return data


def _locate(text: str) -> FrontMatterError | None:
    """The value that could not be built, with its line, if a second, slower reading can tell."""
    try:
        yaml.load(text, Loader=_LocatingLoader)
    except FrontMatterError as located:
        return located
    except (yaml.YAMLError, RecursionError, MemoryError, *CONSTRUCTOR_ERRORS):
        return None
    return None


def check_values(data: object) -> None:
    """Refuse what no field takes, and what would be costly for everything that later walks `data`."""
    if type(data) in CONTAINERS:
        _walk(data, 1, [], {}, set())
    else:
        _scalar(data, [])


CONTAINERS = frozenset({dict, list, tuple})


def _walk(value: dict | list | tuple, depth: int, path: list, memo: dict[int, tuple[int, int]],
          active: set[int]) -> tuple[int, int]:
    """(number of values once aliases are expanded, height) of a mapping or list; an aliased value (the same
    object in several places) is measured once."""
    key = id(value)
    known = memo.get(key)
    if known is None:
        if key in active:
            raise FrontMatterError("a YAML alias refers to the value that contains it", None, tuple(path))
        if depth >= MAX_DEPTH:
            raise FrontMatterError(f"nested deeper than {MAX_DEPTH} levels", None, tuple(path))
        active.add(key)
        count, height, leaves = 1, 1, False
        for name, child in value.items() if type(value) is dict else enumerate(value):
            path.append(name)
            kind = type(child)
            if kind is str:  # most values: checked here rather than by a call
                if CONTROL.search(child):
                    _scalar(child, path)
                count, leaves = count + 1, True
            elif kind in CONTAINERS:
                values, child_height = _walk(child, depth + 1, path, memo, active)
                count += values
                height = max(height, child_height + 1)
            else:
                _scalar(child, path)
                count, leaves = count + 1, True
            path.pop()
            if count > MAX_VALUES:
                raise FrontMatterError(f"holds more than {MAX_VALUES:,} values once YAML aliases are expanded",
                                       None, tuple(path))
        active.discard(key)
        memo[key] = known = (count, max(height, 2) if leaves else height)  # (its plain values are a level below)
    if depth + known[1] - 1 > MAX_DEPTH:
        raise FrontMatterError(f"nested deeper than {MAX_DEPTH} levels", None, tuple(path))
    return known


def _scalar(value: object, path: list) -> None:
    kind = type(value)
    if kind is str and (match := CONTROL.search(value)):
        raise FrontMatterError(f"expected text, got a control character (U+{ord(match.group()):04X})", None,
                               tuple(path))
    if kind is int and not -MAX_NUMBER < value < MAX_NUMBER:
        raise FrontMatterError(f"expected a number below 10^15, got {show(value)}", None, tuple(path))
    if kind is set or kind is bytes:
        what = "sets (!!set)" if kind is set else "binary values (!!binary)"
        raise FrontMatterError(f"YAML {what} are not supported; write a list or text", None, tuple(path))


class GuardedYAMLHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: object):
        meta = load_yaml(fm)
        if meta is None:
            return {}
        if not isinstance(meta, dict):
            raise FrontMatterError(f"front matter must be a mapping of fields, got {type(meta).__name__}", 1)
        bad_keys = [k for k in meta if not isinstance(k, str)]
        if bad_keys:
            raise FrontMatterError(f"field names must be text, got {show(bad_keys[0])}", 1)
        return meta


HANDLER = GuardedYAMLHandler()


def located(exc: FrontMatterError, offset: int) -> FrontMatterError:
    """`exc` with file lines: YAML lines count from 0 at the line `offset` (the opening '---' line)."""
    message = str(exc)
    if isinstance(exc, _DuplicateKey):
        message += f" (also on line {offset + exc.first}); keep one"
    return FrontMatterError(message, offset + exc.line if exc.line is not None else None, exc.loc)


def parse(text: str) -> tuple[dict, str, int]:
    """Split `text` into (front matter, body, line offset); the offset turns a YAML line into a file line."""
    stripped = text.lstrip()
    # python-frontmatter strips the text first; count what it drops so reported lines match the file.
    offset = text[: len(text) - len(stripped)].count("\n") + 1
    if not HANDLER.detect(stripped):
        raise FrontMatterError("expected front matter between '---' lines at the top of the file", 1)
    # One search for the closing line, not a scan of the whole body (files can be long).
    if not HANDLER.FM_BOUNDARY.search(stripped, stripped.index("\n") + 1 if "\n" in stripped else len(stripped)):
        hint = " (the file has old Mac line endings, CR only; save it with LF)" if "\n" not in stripped else ""
        raise FrontMatterError(f"front matter is not closed by a '---' line{hint}", offset)
    try:
        meta, body = frontmatter.parse(stripped, handler=HANDLER)
    except FrontMatterError as exc:
        raise located(exc, offset) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"malformed YAML: {reason}", offset + mark.line if mark else offset) from None
    except (RecursionError, MemoryError):
        raise FrontMatterError("YAML nested too deeply", offset) from None
    return meta, body, offset


def compose(text: str) -> yaml.Node | None:
    """The front matter's node tree (with line marks), or None when it cannot be had."""
    try:
        return yaml.compose(HANDLER.split(text.lstrip())[0], Loader=yaml.CSafeLoader)
    except (ValueError, yaml.YAMLError, RecursionError):
        return None


def field_line(text: str | yaml.Node | None, loc: tuple, offset: int) -> int:
    """The file line of the value at `loc` (field names and list indexes), or of its nearest parent; the opening
    '---' line (`offset`) for a top-level field that is not there (a missing required field).

    `text` is the file's text or, when several lines of one file are wanted, its `compose`d front matter.
    """
    node = compose(text) if isinstance(text, str) else text
    line = 0  # YAML line 0 is the rest of the opening '---' line
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line
        else:
            break
    return max(offset + line, 1)


TOP_LEVEL_KEY = re.compile(r"^([\"']?)([A-Za-z_][\w-]*)\1\s*:")


def key_lines(text: str) -> dict[str, int]:
    """File lines of the front matter's top-level keys, found cheaply (for problems found after validation)."""
    stripped = text.lstrip()
    offset = text[: len(text) - len(stripped)].count("\n") + 1
    lines: dict[str, int] = {}
    for number, line in enumerate(stripped.split("\n")[1:], start=offset + 1):
        if line.startswith("---"):
            break
        if match := TOP_LEVEL_KEY.match(line):
            lines.setdefault(match.group(2), number)
    return lines
