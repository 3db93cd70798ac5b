"""Text reports for the terminal: translation coverage per language and collection."""

from __future__ import annotations

from generator.model import Community


def coverage_table(community: Community) -> str:
    """Translated items per collection and language; the default language counts originals it holds."""
    languages = community.settings.languages
    title = "translation coverage"
    width = max(len(title), *(len(name) for name in community.collections())) + 2
    rows = [title.ljust(width) + "".join(f"{lang:>10}" for lang in languages)]
    for name, items in community.collections().items():
        if not items:
            continue
        cells = []
        for lang in languages:
            have = sum(1 for item in items if lang in item.languages)
            cells.append(f"{have}/{len(items)}".rjust(10))
        rows.append(name.ljust(width) + "".join(cells))
    return "\n".join(rows)
