"""Material's search index, written from each page's entries as JSON text, and read back from the output.

Material's search plugin collects a dict per section of every page it renders and writes them all with one
`json.dumps`. Agora turns each page's entries into the JSON text they are written as (`EntriesJSON`, one per
page), and writes the index by joining those texts: byte for byte what `json.dumps` writes, so the index is the
one Material writes.

A page Agora does not render (unchanged, or restored from the page cache) adds the entries it had when it was
rendered. For an unchanged page they are read from the index in the output it is taken from: the manifest
records where each page's entries are in that index (`spans`), so it carries no text of its own. At N = 2,000,
converting every page's entries to objects and back, and writing them into each language's manifest (9 MB),
were a sixth of an edit build.
"""

from __future__ import annotations

import functools
import json
import os

from material.plugins.search.plugin import SearchIndex

# Where Material writes the index, in a language's output.
INDEX = os.path.join("search", "search_index.json")


class EntriesJSON(str):
    """One page's entries in the index, as the JSON text they add to its `docs` list (comma-separated), and
    the page's source URI."""

    page: str

    def __new__(cls, text: str, page: str) -> EntriesJSON:
        entries = super().__new__(cls, text)
        entries.page = page
        return entries


def entries_json(entries: list[dict]) -> str:
    """`entries` as Material writes them in its index."""
    return ",".join(_dumps(entry) for entry in entries)


def write_from_json(index: SearchIndex) -> None:
    """Make `index` (Material's, for one build) accept `EntriesJSON` among its entries, and record where it
    writes each page's (`index.spans`: offset and length by page)."""
    index.spans = {}
    index.generate_search_index = functools.partial(_generate, index)


def entries_at(text: str, span: object) -> str | None:
    """The entries a page has at `span` (as `spans` records it) in the index `text`; None when `span` is not
    one of that index's."""
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)):
        return None
    start, length = span
    if length == 0:
        return ""
    if start < 0 or start + length > len(text) or text[start] != "{" or text[start + length - 1] != "}":
        return None
    return text[start:start + length]


def read_index(folder: str) -> str | None:
    """The text of the index in the output `folder`; None when there is none (Material writes ASCII)."""
    try:
        with open(os.path.join(folder, INDEX), encoding="ascii") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _generate(index: SearchIndex, prev: SearchIndex | None) -> str:
    # Material's own writer, for the case Agora never builds (a previous build's index kept by `mkdocs serve
    # --dirty` in its plugin), merges objects: the text is read back for it.
    if prev is not None:
        for held in (index, prev):
            held.entries = [entry for item in held.entries for entry in (
                json.loads(f"[{item}]") if isinstance(item, EntriesJSON) else [item])]
        return SearchIndex.generate_search_index(index, prev)
    config = {key: index.config[key] for key in ["lang", "separator", "pipeline", "fields"]}
    parts = [f'{{"config":{_dumps(config)},"docs":[']
    offset = len(parts[0])
    for number, item in enumerate(index.entries):
        if number:
            parts.append(",")
            offset += 1
        if isinstance(item, EntriesJSON):
            index.spans[item.page] = [offset, len(item)]
        else:
            item = _dumps(item)
        parts.append(item)
        offset += len(item)
    parts.append("]}")
    return "".join(parts)


# Material's arguments to `json.dumps`.
_dumps = functools.partial(json.dumps, separators=(",", ":"), default=str)
