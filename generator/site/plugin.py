"""The `agora` MkDocs plugin: turns the community into virtual pages for one language per build.

`agora build` runs one MkDocs build per language (in parallel processes) and sets `language` on this plugin
before each; a plain `mkdocs build` or `mkdocs serve` builds the default language.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from markupsafe import escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from generator import urls
from generator.config import AgoraConfig, Settings, load_settings
from generator.i18n import Language, load_languages
from generator.model import Community, load_community
from generator.problems import ContentError, Problems
from generator.site import cards, social
from generator.site.nav import navigation
from generator.site.pages import PlannedPage, relative
from generator.site.planner import plan_language

PACKAGE = Path(__file__).resolve().parent.parent
OVERRIDES = PACKAGE / "templates" / "site" / "overrides"
ASSETS = PACKAGE / "templates" / "site" / "assets"
ASSET_URI = "assets/agora/"
log = logging.getLogger("mkdocs.plugins.agora")

# Set by `agora build` in the parent process before forking the per-language builds, so each worker starts
# from the already validated community instead of loading it again.
PRELOADED: tuple[Settings, Community, dict[str, Language], dt.date] | None = None


def load(root: Path, today: dt.date | None, settings: Settings | None = None,
         ) -> tuple[Settings, Community, dict[str, Language], dt.date]:
    """Everything a build needs; `settings`, when the caller has read them already."""
    from generator.cli import reference_date

    problems = Problems()
    settings = settings or load_settings(root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    languages = load_languages(settings.languages, settings.locales_dir, root, problems)
    if problems.errors:
        raise ContentError(problems.errors)
    return settings, community, languages, today or reference_date(None, community.newest_date)


# The lunr stemmers Material ships, by hub language. A language without one is searched with no stemmer and
# no stop words (whole-word matching): Material's own Slovenian setting asks for a stemmer file it does not
# ship, and its Greek one falls back to English.
LUNR = {"en": "en", "nb": "no", "nn": "no", "no": "no", "sv": "sv", "el": "el", "da": "da", "de": "de",
        "nl": "du", "es": "es", "fi": "fi", "fr": "fr", "hu": "hu", "it": "it", "pt": "pt", "ro": "ro",
        "ru": "ru", "tr": "tr", "ja": "ja"}


class AgoraPlugin(BasePlugin[AgoraConfig]):
    def __init__(self) -> None:
        self.language: str | None = None
        self.today: dt.date | None = None
        self.planned: dict[str, PlannedPage] = {}
        self.rendering: PlannedPage | None = None

    # Runs before the search plugin's on_config, which picks its stemmer from theme.language.
    @event_priority(100)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        try:
            settings, community, languages, today = PRELOADED or load(root, self.today)
        except ContentError as exc:
            raise PluginError("content errors (run `agora check`):\n" + str(exc)) from None
        code = self.language or settings.default_language
        self.settings, self.languages, self.code = settings, languages, code
        self.plan = plan_language(community, languages, code, self.today or today)
        self.planned = {}
        for planned in self.plan.pages:
            uri = urls.src_uri(planned.url)
            if uri in self.planned:
                # The loader refuses items whose URLs collide; this guards against a planner bug silently
                # dropping a page.
                raise PluginError(f"two pages planned at /{planned.url}: {self.planned[uri].source or uri} and "
                                  f"{planned.source or uri}")
            self.planned[uri] = planned

        self.sharing = social.plan_sharing(
            community, languages[code], {p.url: p for p in self.plan.pages},
            lambda image: cards.image_size(settings.content_dir / image))
        config.theme["language"] = code
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None and not search.config.lang:
            search.config.lang = [LUNR.get(code.split("-")[0], "en")]
            if code.split("-")[0] not in LUNR:
                search.config.pipeline = [" "]
        config.site_url = settings.site_url + urls.prefix(code, settings.default_language)
        config.theme.dirs.insert(0, str(OVERRIDES))
        # A truthy non-list shows Material's language switcher while keeping its site-wide hreflang list off;
        # both are per page here (see overrides/partials/alternate.html and main.html).
        config.extra["alternate"] = True
        config.extra_css.append(ASSET_URI + "agora.css")
        config.extra_javascript.append(ASSET_URI + "agora.js")
        config.nav = navigation(self.plan, languages[code])
        # Items are reachable from paginated indices, not from the navigation; that is intended.
        config.validation.nav.omitted_files = logging.DEBUG
        return config

    # Pages exist only in memory: MkDocs builds them like files in docs_dir.
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        for src_uri, page in self.planned.items():
            files.append(File.generated(config, src_uri, content=page.markdown))
        for planned in self.plan.files:
            files.append(File.generated(config, planned.path, content=planned.content))
        for asset in sorted(ASSETS.iterdir()):
            files.append(File.generated(config, ASSET_URI + asset.name, abs_src_path=str(asset)))
        content_assets = self.settings.content_dir / "assets"
        if content_assets.is_dir():
            # Links are skipped here too (the loader refuses those that leave assets/): never publish a file
            # from elsewhere on the machine.
            for path in sorted(p for p in content_assets.rglob("*") if p.is_file() and not p.is_symlink()):
                uri = "assets/" + path.relative_to(content_assets).as_posix()
                files.append(File.generated(config, uri, abs_src_path=str(path)))
        self._add_cards(files, config)
        return files

    def _add_cards(self, files: Files, config: MkDocsConfig) -> None:
        """The language's sharing cards, drawn only when the cache lacks them."""
        cache = self.settings.root / cards.CACHE
        drawn = 0
        for card in self.sharing.cards:
            path, new = cards.cached_card(card, cache)
            drawn += new
            files.append(File.generated(config, card.uri, abs_src_path=str(path)))
        log.info("agora: %s: %d sharing cards, %d drawn, %d from the cache", self.code, len(self.sharing.cards),
                 drawn, len(self.sharing.cards) - drawn)

    # Titles and descriptions come from the content model, not from front matter in the virtual file. They are
    # text (an imported post's title is a member's feed's), and Material prints them unescaped: escape them here.
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        planned = self.planned.get(page.file.src_uri)
        # MkDocs converts this page's Markdown next; if that fails, `agora build` names the content file.
        self.rendering = planned
        if planned:
            page.meta["title"] = escape(planned.title)
            if planned.description:
                page.meta["description"] = escape(planned.description)
            # The tabs are the navigation (sections only); a sidebar repeating the current tab is noise.
            page.meta["hide"] = ["navigation"] if planned.toc else ["navigation", "toc"]
        return markdown

    # Alternates need the page's final URL, known only once MkDocs has placed the page.
    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        planned = self.planned.get(page.file.src_uri)
        if planned is None:
            return context
        default = self.settings.default_language
        here = urls.prefix(self.code, default) + planned.url
        codes = [code for code in self.languages if planned.languages is None or code in planned.languages]
        page.meta["alternates"] = [
            {"lang": code, "name": self.languages[code].name,
             "link": relative(urls.prefix(code, default) + planned.url, here), "current": code == self.code}
            for code in codes
        ]
        page.meta["hreflang"] = [
            {"lang": code, "href": self.settings.site_url + urls.prefix(code, default) + planned.url}
            for code in codes
        ]
        # x-default: the page in the default language, or the first language it exists in.
        fallback = default if default in codes else codes[0]
        page.meta["hreflang"].append(
            {"lang": "x-default", "href": self.settings.site_url + urls.prefix(fallback, default) + planned.url})
        if planned.canonical:
            page.canonical_url = planned.canonical
        page.meta["social"] = social.page_meta(planned, self.sharing, self.settings, self.languages[self.code],
                                               codes, config.site_description)
        return context
