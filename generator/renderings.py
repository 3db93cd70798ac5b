"""Newsletter renderings kept between builds: `agora build` renders every issue in every language, and an edit
rarely changes what an issue shows.

A rendering (subject, HTML and text parts, the `.eml`) is a pure function of the issue's view in one language
(`generator/newsletter/view.py`: every text, entry and date it shows), of the settings, and of the templates,
catalogs and code (the build's context key). It is kept under a digest of exactly those, in one SQLite
database (`generator/site/store.py`), so a build renders again only the issues whose view changed: a fifth of
the newsletter step's time is choosing what each view shows, the rest is rendering, inlining CSS and assembling
MIME. A missing or damaged entry is a miss, never a wrong e-mail.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from generator.config import Settings
from generator.newsletter.render import Rendering, render_view
from generator.newsletter.view import IssueView
from generator.problems import Problems
from generator.site.memo import render_key
from generator.site.store import Store

FORMAT = 1
FOLDER = Path(".cache") / "agora" / "letters" / f"v{FORMAT}"


class KeptRenderings:
    """`render_view`, taking what an earlier build rendered of the same view in the same context. Open it in the
    process that uses it; `close` keeps this build's new renderings and drops what no recent build used."""

    def __init__(self, root: Path, context: str, reuse: bool = True):
        self.store = Store(root / FOLDER / "renderings.sqlite", "renderings")
        self.context, self.reuse = context, reuse  # reuse False: render all afresh (and keep them)
        self.used: list[str] = []
        self.rendered = 0  # this build's renderings not taken from the cache

    def __call__(self, view: IssueView, settings: Settings, problems: Problems) -> Rendering:
        # The settings without the checkout's place (a checkout moved elsewhere keeps its cache): the rendering
        # reads none of its paths.
        key = render_key(self.context, view, dataclasses.replace(settings, root=Path(".")))
        self.used.append(key)
        kept = self.store.get(key) if self.reuse else None
        if isinstance(kept, dict) and set(kept) == {"subject", "html", "text", "eml"}:
            return Rendering(view.issue_id, view.lang.code, kept["subject"], kept["html"], kept["text"], kept["eml"])
        found = Problems()
        rendering = render_view(view, settings, found)
        self.rendered += 1
        problems.extend(found)
        if not found:  # one over the size limit is rendered, and refused, every time
            self.store.put(key, {"subject": rendering.subject, "html": rendering.html, "text": rendering.text,
                                 "eml": rendering.eml})
        return rendering

    def close(self) -> None:
        self.store.keep_only(self.used)
        self.store.close()
