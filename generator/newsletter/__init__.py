"""Newsletter issues: selection by period, per-language views, e-mail rendering, MIME assembly, web copies.

The stages, each its own module: `selection` (which items, by the issue's own period) → `view` (what a
reader of one language sees) → `render` (HTML and text from templates, CSS inlined) → `mime` (the `.eml`) →
`writer` (the only module that writes files). `web` gives the site planner each issue's web copy, the archive
and the feed; `command` is `agora newsletter` and the newsletter step of `agora build`.
"""

from generator.newsletter.command import build_issues, newsletter_command
from generator.newsletter.render import Rendering, render_issues
from generator.newsletter.web import ArchiveEntry, archive_entries, archive_html, atom_feed, web_copy
from generator.newsletter.writer import write_renderings

__all__ = [
    "ArchiveEntry",
    "Rendering",
    "archive_entries",
    "archive_html",
    "atom_feed",
    "build_issues",
    "newsletter_command",
    "render_issues",
    "web_copy",
    "write_renderings",
]
