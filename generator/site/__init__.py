"""The hub: page planning from the community (pure) and the MkDocs plugin that feeds those pages to MkDocs."""
