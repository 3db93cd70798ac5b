"""The hub: page planning from the community (pure) and the MkDocs plugin that feeds those pages to MkDocs."""

from pathlib import Path

# An empty folder for MkDocs' `docs_dir`, so that a community repository needs no empty docs/ of its own:
#     docs_dir: !!python/name:generator.site.EMPTY_DOCS_DIR
# Agora supplies every page, but MkDocs refuses a docs_dir that does not exist, and checks that while loading
# mkdocs.yml, before any plugin runs; a name the YAML resolves is the one hook that early (Material's emoji
# settings use the same `!!python/name:` tag).
EMPTY_DOCS_DIR = str(Path(__file__).resolve().parent / "empty")
