"""Material's search index, written from each page's entries as JSON text.

Material's search plugin collects a dict per section of every page it renders and writes them all with one
`json.dumps`. A page Agora does not render (unchanged, or restored from the page cache) adds the entries recorded
when it was rendered, and keeping them as the JSON text they are written as saves converting thousands of
pages' entries to objects and back on every build: at N = 2,000, encoding the index and reading and writing the
entries in the manifest were a sixth of an edit build. The text is what `json.dumps` writes for those entries,
so the index is byte for byte the one Material writes.
"""

from __future__ import annotations

import functools
import json

from material.plugins.search.plugin import SearchIndex


class EntriesJSON(str):
    """One page's entries in the index, as the JSON text they add to its `docs` list (comma-separated)."""


def entries_json(entries: list[dict]) -> str:
    """`entries` as Material writes them in its index."""
    return ",".join(_dumps(entry) for entry in entries)


def write_from_json(index: SearchIndex) -> None:
    """Make `index` (Material's, for one build) accept `EntriesJSON` among its entries."""
    index.generate_search_index = functools.partial(_generate, index)


def _generate(index: SearchIndex, prev: SearchIndex | None) -> str:
    # Material's own writer, for the case Agora never builds (a previous build's index kept by `mkdocs serve
    # --dirty` in its plugin), merges objects: the text is read back for it.
    if prev is not None:
        for held in (index, prev):
            held.entries = [entry for item in held.entries for entry in (
                json.loads(f"[{item}]") if isinstance(item, EntriesJSON) else [item])]
        return SearchIndex.generate_search_index(index, prev)
    config = {key: index.config[key] for key in ["lang", "separator", "pipeline", "fields"]}
    docs = ",".join(item if isinstance(item, EntriesJSON) else _dumps(item) for item in index.entries)
    return f'{{"config":{_dumps(config)},"docs":[{docs}]}}'


# Material's arguments to `json.dumps`.
_dumps = functools.partial(json.dumps, separators=(",", ":"), default=str)
