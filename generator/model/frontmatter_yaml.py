"""Front matter through python-frontmatter, with a YAML handler that is fast on good input and safe on bad.

Fast: libyaml's CSafeLoader when the text has no anchors. Safe: with anchors, a pure-Python loader that counts
alias expansions, because a few lines of nested aliases (a "billion laughs") expand to billions of nodes as soon
as anything walks the result. Line numbers are recovered only when an error needs one.
"""

from __future__ import annotations

import re

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

MAX_ALIASES = 100
MAX_DEPTH = 40
ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]")


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _lenient_timestamp(loader, node):
    """An impossible date (2026-13-45) stays text, so the schema reports it with its field and line."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


class _FastLoader(yaml.CSafeLoader):
    pass


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


class _CountingLoader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise FrontMatterError(f"more than {MAX_ALIASES} YAML aliases; refusing to expand", mark.line)
        return super().compose_node(parent, index)


_CountingLoader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


class GuardedYAMLHandler(YAMLHandler):
    @staticmethod
    def loader_for(text: str) -> type:
        return _CountingLoader if ANCHOR.search(text) else _FastLoader

    def load(self, fm: str, **kwargs: object):
        meta = yaml.load(fm, Loader=self.loader_for(fm))
        if meta is None:
            return {}
        if not isinstance(meta, dict):
            raise FrontMatterError(f"front matter must be a mapping of fields, got {type(meta).__name__}", 1)
        bad_keys = [k for k in meta if not isinstance(k, str)]
        if bad_keys:
            raise FrontMatterError(f"field names must be text, got {bad_keys[0]!r}", 1)
        if _depth(meta, MAX_DEPTH) > MAX_DEPTH:
            raise FrontMatterError(f"front matter nested deeper than {MAX_DEPTH} levels", 1)
        return meta


HANDLER = GuardedYAMLHandler()


def _depth(value: object, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def parse(text: str) -> tuple[dict, str, int]:
    """Split `text` into (front matter, body, line offset); the offset turns a YAML line into a file line."""
    stripped = text.lstrip()
    # python-frontmatter strips the text first; count what it drops so reported lines match the file.
    offset = text[: len(text) - len(stripped)].count("\n") + 1
    if not HANDLER.detect(stripped):
        raise FrontMatterError("expected front matter between '---' lines at the top of the file", 1)
    # One search for the closing line, not a scan of the whole body (files can be long).
    if not HANDLER.FM_BOUNDARY.search(stripped, stripped.index("\n") + 1 if "\n" in stripped else len(stripped)):
        raise FrontMatterError("front matter is not closed by a '---' line", offset)
    try:
        meta, body = frontmatter.parse(stripped, handler=HANDLER)
    except FrontMatterError as exc:
        raise FrontMatterError(str(exc), offset + exc.line if exc.line is not None else offset) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"malformed YAML: {reason}", offset + mark.line if mark else offset) from None
    except (RecursionError, MemoryError):
        raise FrontMatterError("YAML nested too deeply", offset) from None
    return meta, body, offset


def field_line(text: str, loc: tuple, offset: int) -> int | None:
    """The file line of the value at `loc` (field names and list indexes), or of its nearest parent."""
    stripped = text.lstrip()
    try:
        fm = HANDLER.split(stripped)[0]
        node = yaml.compose(fm, Loader=yaml.SafeLoader)
    except (ValueError, yaml.YAMLError, RecursionError):
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            key_node = next((k for k, _ in node.value if k.value == key), None)
            if match is None:
                break
            line, node = key_node.start_mark.line, match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line
        else:
            break
    return offset + line if line is not None else None
