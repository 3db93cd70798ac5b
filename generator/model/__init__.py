"""The content model: typed records, the loader that validates them, and the `Community` they form."""

from generator.model.community import Community, Item, Version
from generator.model.loader import load_community

__all__ = ["Community", "Item", "Version", "load_community"]
