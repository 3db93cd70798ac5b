"""The `agora` MkDocs plugin: turns the community into virtual pages for one language per build.

`agora build` runs one MkDocs build per language (in forked processes) and sets `language`, `inputs` (the
community it loaded once) and `cache` on this plugin before each; a plain `mkdocs build` or `mkdocs serve`
builds the default language, loading the community itself and caching nothing.

This module and `generator/build.py` are the only ones that know MkDocs: planning (`planner.py`) is plain
Python producing Markdown, metadata and navigation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import jinja2
from markdown.util import BLOCK_LEVEL_ELEMENTS
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_build_date

from generator import digests, stamp, urls
from generator.config import AgoraConfig
from generator.inputs import BuildInputs, load_inputs
from generator.problems import ContentError
from generator.site import cards, manifest, memo, repository, search, social
from generator.site.cache import PageCache, PageRecord, page_record
from generator.site.nav import navigation
from generator.site.pages import BODY_END, BODY_START, PlannedFile, PlannedPage, relative
from generator.site.planner import plan_language

PACKAGE = Path(__file__).resolve().parent.parent
OVERRIDES = PACKAGE / "templates" / "site" / "overrides"
ASSETS = PACKAGE / "templates" / "site" / "assets"
ASSET_URI = "assets/agora/"
# An empty template: a page restored from the cache is written by `on_post_page`, not by Material.
CACHED_TEMPLATE = "agora-cached.html"
# Compiled templates, kept between builds (Jinja checks each against its template's source).
JINJA_CACHE = Path(".cache") / "agora" / "jinja"
# What Agora adds to every page's <head>; a community's own main.html includes it.
HEAD_PARTIAL = "partials/agora/head.html"
# The theme's template that one of Agora's overrides stands in front of, by the override's name after this prefix.
SHADOWED = "agora:shadowed/"
# Material's partials the navigation draws with: a community overriding any of them in its custom_dir gets them
# rendered on every page (`_SharedPartials` knows only Material's).
NAVIGATION_PARTIALS = ("nav.html", "nav-item.html", "tabs.html", "tabs-item.html", "logo.html", "source.html",
                       "toc.html", "toc-item.html")
# Plugins whose output is known to depend only on what the page key covers. With any other plugin (one might
# read files or state the key knows nothing of), every page is rendered: the cache must never be wrong.
CACHE_SAFE_PLUGINS = frozenset({"agora", "search", "material/search"})
# Markdown extensions that read files named in the text (outside what the key covers) turn the cache off.
CACHE_UNSAFE_EXTENSIONS = frozenset({"pymdownx.snippets", "markdown_include.include"})

log = logging.getLogger("mkdocs.plugins.agora")
# How many pages a build renders with the garbage collector off (see `generator.build.build_language`).
RENDERED_WITHOUT_COLLECTING = 50

# The lunr stemmers Material ships, by hub language. A language without one is searched with no stemmer and
# no stop words (whole-word matching): Material's own Slovenian setting asks for a stemmer file it does not
# ship, and its Greek one falls back to English.
LUNR = {"en": "en", "nb": "no", "nn": "no", "no": "no", "sv": "sv", "el": "el", "da": "da", "de": "de",
        "nl": "du", "es": "es", "fi": "fi", "fr": "fr", "hu": "hu", "it": "it", "pt": "pt", "ro": "ro",
        "ru": "ru", "tr": "tr", "ja": "ja"}


class AgoraFile(File):
    """A file Agora adds. `unchanged`: the previous build's output of it is still right and in place, so MkDocs,
    which `agora build` runs in its `--dirty` mode, neither builds nor copies it (see `generator/site/manifest.py`);
    `source` digests what it is made from."""

    unchanged = False
    source: str | None = None
    planned: PlannedPage | None = None  # a page's, whose Markdown is read when MkDocs reads it
    made: PlannedFile | None = None  # another planned file's, whose content is read when it is written
    _page_of: tuple[str, bool] = ("", False)

    @property
    def content_string(self) -> str:
        if self.planned is not None:
            return self.planned.markdown
        if self.made is not None:
            return self.made.content.decode("utf-8")
        return File.content_string.fget(self)

    @content_string.setter
    def content_string(self, value: str) -> None:
        self.planned = self.made = None
        File.content_string.fset(self, value)

    @property
    def content_bytes(self) -> bytes:
        if self.planned is not None:
            return self.planned.markdown.encode("utf-8")
        if self.made is not None:
            return self.made.content
        return File.content_bytes.fget(self)

    @content_bytes.setter
    def content_bytes(self, value: bytes) -> None:
        self.planned = self.made = None
        File.content_bytes.fset(self, value)

    def copy_file(self, dirty: bool = False) -> None:
        if self.made is not None and (self.is_modified() or not dirty):
            File.content_bytes.fset(self, self.made.content)  # read now, as MkDocs writes it
        super().copy_file(dirty)

    def is_modified(self) -> bool:
        return not self.unchanged

    # MkDocs asks each file whether it is a page a dozen times per build, and parses each path it is given with
    # pathlib: with thousands of files, a tenth of an edit build's time in MkDocs. Agora's paths are already clean
    # URIs; another path goes through pathlib as MkDocs does.
    @property
    def src_path(self) -> str:
        return os.path.normpath(self.src_uri)

    @src_path.setter
    def src_path(self, value: str) -> None:
        clean = value and "\\" not in value and "//" not in value and not value.startswith(("/", "./")) \
            and "/./" not in value and not value.endswith(("/", "/.")) and value != "."
        self.src_uri = value if clean else PurePath(value).as_posix()

    def is_documentation_page(self) -> bool:
        uri, page = self._page_of
        if uri is not self.src_uri:
            uri = self.src_uri
            page = super().is_documentation_page()
            self._page_of = (uri, page)
        return page


class CachedPage(Page):
    """A page whose HTML, search entries and anchors come from the page cache, or, when its file is unchanged,
    whose HTML is already in place (`record.html` is then None: MkDocs skips the page).

    MkDocs still places it in the navigation, the sitemap and the search index (in its place, so the index is
    the same as a clean build's); Markdown conversion and template rendering are skipped. Material's blog
    plugin restores its posts the same way, through a `Page` subclass.
    """

    def __init__(self, title: str | None, file: File, config: MkDocsConfig, record: PageRecord, meta_title: str,
                 files: Files):
        super().__init__(title, file, config)
        self.record = record
        self.meta_title = meta_title
        # Set here, not when rendered: an unchanged page is never rendered, and MkDocs still checks the links
        # of the other pages against its anchors.
        self.present_anchor_ids = set(record.anchors)
        # `src_uris`, not `get_file_from_path`, which parses each URI as a path: the URIs here are already normal.
        linked = ((files.src_uris.get(uri), anchors) for uri, anchors in record.links_to_anchors.items())
        self.links_to_anchors = {file: anchors for file, anchors in linked if file is not None}

    def _set_canonical_url(self, base: str | None) -> None:
        # MkDocs joins and splits URLs with urllib for every page: a fifth of placing an unchanged one. A plain
        # relative path joins by concatenation (RFC 3986, no dot segments to remove); anything else as MkDocs does.
        url = self.url
        if not base or url.startswith(("/", ".")) or "/." in url or any(c in url for c in ":?#"):
            super()._set_canonical_url(base)
            return
        base = base if base.endswith("/") else base + "/"
        self.canonical_url = base + url
        self.abs_url = _path_of(base) + url

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown = ""
        # The title is what the navigation shows of this page on every other page.
        self.meta = {"title": self.meta_title, "template": CACHED_TEMPLATE, "search": {"exclude": True}}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = ""
        self.toc = get_toc([])


class _Unlisted(CachedPage):
    """An unchanged page left out of MkDocs' build (`AgoraPlugin._leave_out`), as the sitemap lists it: MkDocs'
    sitemap template reads `file.page`'s URLs and date, and this is both the file and the page."""

    def __init__(self, file: File, base: str | None, update_date: str):
        self.file = file
        self.update_date = update_date
        self._set_canonical_url(base)

    @property
    def page(self) -> _Unlisted:
        return self


@dataclass(frozen=True)
class ConvertedBody:
    """A body converted by MkDocs' Markdown: what `Page.render` makes of it. Links to other pages' anchors are
    kept by the linked page's `src_uri` (each language's build has its own `File` objects)."""

    html: str
    toc: object
    anchors: frozenset[str]
    links_to_anchors: dict[str, dict[str, str]]
    title: str | None
    warnings: tuple[str, ...]


# Bodies converted by this process, by (conversion context, page, body): the languages a worker builds share them.
_BODIES: dict[tuple[str, str, str], ConvertedBody] = {}
_BODY_HERE = "<!-- agora:body here -->"


class AgoraPage(Page):
    """A planned page to convert and render. The content item's body in it (between `BODY_START` and `BODY_END`)
    is converted apart from the page around it, once per process for every page showing the same body from the
    same place with the same Markdown settings and files (`context`): an untranslated post shows its body in
    every language, and a clean build of six languages converted it six times.

    Only when the page around the body has no Markdown headings (Agora's templates write HTML around it): the
    table of contents is then the body's, and its anchors are made as in one conversion. Otherwise the page is
    converted as one."""

    def __init__(self, title: str | None, file: File, config: MkDocsConfig, context: str, counts: Counter):
        super().__init__(title, file, config)
        self.context = context
        self.counts = counts  # the language build's: pages showing a body, and bodies it converted

    def render(self, config: MkDocsConfig, files: Files) -> None:
        markdown = self.markdown or ""
        head, start, rest = markdown.partition(BODY_START)
        body, end, tail = rest.rpartition(BODY_END)
        if not (start and end):
            if not _written_in_html(markdown):
                return super().render(config, files)
            self.content, self.present_anchor_ids, self.links_to_anchors, self._title_from_render = \
                _as_converted(markdown)
            self.toc = get_toc([])
            return
        document = f"{head}\n\n{_BODY_HERE}\n\n{tail}"
        try:
            if _written_in_html(document) and document.count(_BODY_HERE) == 1:
                around = _as_converted(document)
            else:
                self.markdown = document
                super().render(config, files)
                if self.toc.items or self.content.count(_BODY_HERE) != 1:
                    self.markdown = f"{head}\n\n{body}\n\n{tail}"
                    return super().render(config, files)
                around = (self.content, self.present_anchor_ids, self.links_to_anchors or {}, self._title_from_render)
            converted = self._converted(body, config, files)
            self.counts["pages"] += 1
        finally:
            self.markdown = markdown
        html, anchors, links, title = around
        # Python-Markdown keeps a blank line after a block of raw HTML, and none after a converted block.
        here = _BODY_HERE + "\n\n" if _BODY_HERE + "\n\n" in html else _BODY_HERE
        self.content = html.replace(here, converted.html + "\n" if here != _BODY_HERE else converted.html)
        self.toc = converted.toc
        self.present_anchor_ids = anchors | converted.anchors
        linked = {files.src_uris.get(uri): anchors for uri, anchors in converted.links_to_anchors.items()}
        linked = {**links, **{file: anchors for file, anchors in linked.items() if file is not None}}
        if linked or self.links_to_anchors is not None:
            self.links_to_anchors = linked
        self._title_from_render = title or converted.title

    def _converted(self, body: str, config: MkDocsConfig, files: Files) -> ConvertedBody:
        key = (self.context, self.file.src_uri, body)
        converted = _BODIES.get(key)
        if converted is not None:
            for message in converted.warnings:  # as a conversion would: --strict counts them for this page too
                log.warning(message)
            return converted
        self.markdown = body
        self.counts["converted"] += 1
        warnings = _Collected()
        logging.getLogger("mkdocs").addHandler(warnings)
        try:
            super().render(config, files)
        finally:
            logging.getLogger("mkdocs").removeHandler(warnings)
        converted = _BODIES[key] = ConvertedBody(
            html=self.content, toc=self.toc, anchors=frozenset(self.present_anchor_ids),
            links_to_anchors={file.src_uri: dict(anchors) for file, anchors in (self.links_to_anchors or {}).items()},
            title=self._title_from_render, warnings=tuple(warnings.messages))
        return converted


# A line Python-Markdown keeps as it is: one that starts a block-level element (or ends one, or is a comment), is
# not indented as code, and ends a tag. Elements whose content keeps its whitespace (`pre`, `textarea`, scripts
# and styles) are left out.
_KEPT_TAGS = "|".join(sorted(set(BLOCK_LEVEL_ELEMENTS) - {"pre", "textarea", "script", "style"}))
_HTML_LINE = re.compile(rf" {{0,3}}(?:<!--|</?(?:{_KEPT_TAGS})(?=[\s/>])).*>\s*")


def _written_in_html(text: str) -> bool:
    """Whether every line of `text` is HTML Python-Markdown passes through untouched, as Agora's page templates
    write around a body: converting it would then only join its blank lines (and break lines between blocks),
    at the cost of two HTML parses and a Markdown instance per page, the largest part of converting a listing."""
    return all(not line or line.isspace() or _HTML_LINE.fullmatch(line) for line in text.split("\n"))


_BLANK_LINES = re.compile(r"\n\s*\n")


def _as_converted(html: str) -> tuple[str, set[str], dict, None]:
    """HTML `_written_in_html` as converting it would give it back (what `Page.render` sets): the HTML with blank
    lines between blocks as one, its anchors, no links to check (raw HTML is not) and no title (nor that)."""
    return _BLANK_LINES.sub("\n\n", html.strip("\n")), _anchor_ids(html), {}, None


class _AnchorIds(HTMLParser):
    """The anchors in raw HTML, as MkDocs finds them for its link checks: every `id`, and `<a name>`."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if value is not None and (
            name == "id" or (name == "name" and tag == "a")))


_MAY_NAME_AN_ANCHOR = re.compile(r"\s(?:id|name)\s*=", re.IGNORECASE)


def _anchor_ids(html: str) -> set[str]:
    if not _MAY_NAME_AN_ANCHOR.search(html):
        return set()
    parser = _AnchorIds()
    parser.feed(html)
    parser.close()
    return parser.ids


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@functools.cache
def _path_of(url: str) -> str:
    return urlsplit(url).path


_DOC_FILE = re.compile(r"Doc file '([^']+)'")


class _PageWarnings(logging.Handler):
    """Collects what MkDocs logs at WARNING or above: each message for the report of the build (`warnings`, named
    by the content file behind the page), and while the plugin is building a page, for that page's record."""

    def __init__(self, plugin: AgoraPlugin):
        super().__init__(logging.WARNING)
        self.plugin = plugin

    def emit(self, record: logging.LogRecord) -> None:
        plugin, message = self.plugin, record.getMessage()
        if plugin.current is not None and record.name != log.name:
            plugin.page_warnings.setdefault(plugin.current[1].url, []).append(message)
        # MkDocs names the virtual file a page is built from; an editor knows the content file.
        page = plugin.current[1] if plugin.current is not None else plugin.replaying
        if page is None and (named := _DOC_FILE.search(message)):
            page = plugin.planned.get(named.group(1))
        source = page.source if page is not None else None
        plugin.warnings.append(f"{source}: {message}" if source else message)


class AgoraPlugin(BasePlugin[AgoraConfig]):
    def __init__(self) -> None:
        self.language: str | None = None
        self.today: dt.date | None = None
        # Set by `agora build` before the build: the community loaded once, the page cache, and a digest of
        # everything outside the content that every page depends on (theme, settings, catalogs, code, packages).
        self.inputs: BuildInputs | None = None
        self.cache: PageCache | None = None
        self.context_key: str | None = None
        # False: render every page afresh (and refresh the cache), as `agora build --force` does.
        self.reuse = True
        self.progress: Callable[[int, int], None] | None = None
        self.planned: dict[str, PlannedPage] = {}
        self.rendered = self.reused = 0
        self._unchanged_left = 0  # unchanged pages not yet replayed (see `_replay_unchanged`)
        # The page being converted or rendered, and in which phase ("markdown" or "template"): set around
        # each phase and cleared after it, so a failure is blamed on the page and phase it happened in.
        self.current: tuple[str, PlannedPage] | None = None
        self.page_warnings: dict[str, list[str]] = {}
        # Every warning of the build, for `agora build` to report; and the page whose recorded ones are replayed.
        self.warnings: list[str] = []
        self.replaying: PlannedPage | None = None
        self._search_start = 0
        # Set by `agora build`: the previous output of this language and the manifest describing it; the
        # manifest this build wrote, to be put in place once its output is.
        self.previous_dir: Path | None = None
        self.manifest_path: Path | None = None
        self.manifest_pending: Path | None = None
        # Set by `agora build` when it stages in the spare output (generator/output.py): the manifest of what the
        # spare holds, and how to discard the spare's files when too few are still right to update it in place.
        self.spare_manifest_path: Path | None = None
        self.discard: Callable[[Path], None] | None = None
        # Set by `agora build` when this process also puts the output in place (one job): the manifest written is
        # then kept in memory for the next build in this process (`agora serve`) to read.
        self.in_process = False
        # The unchanged pages' records, by src_uri; those of them MkDocs is not told of (`_leave_out`).
        self.unchanged: dict[str, PageRecord] = {}
        self.left_out: set[str] = set()
        self.bodies: Counter = Counter()
        # Output paths whose file in the staging folder (a spare output) is already this build's, and what the
        # spare's manifest recorded of the files in the staging folder (their outputs' stat).
        self.kept: set[str] = set()
        self.kept_outputs: dict[str, list[int]] = {}
        self.keys: dict[str, str] = {}  # each page's key in the page cache, by src_uri
        self.theme_keys: dict[str, str] = {}  # the theme's own templates' keys, by output path (`_theme_keys`)

    # Runs before the search plugin's on_config, which picks its stemmer from theme.language.
    @event_priority(100)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        try:
            inputs = self.inputs or load_inputs(root, self.today)
        except ContentError as exc:
            raise PluginError("content errors (run `agora check`):\n" + str(exc)) from None
        settings, languages = inputs.settings, inputs.languages
        code = self.language or settings.default_language
        self.settings, self.languages, self.code = settings, languages, code
        # The planner's renders are kept between `agora build`s like pages are (plain `mkdocs build` keeps none).
        keeping = self.cache is not None and self.context_key is not None
        self.memo = memo.Memo(settings.root, code) if keeping else None
        self.plan = plan_language(inputs.community, languages, code, self.today or inputs.today,
                                  memo=self.memo, context=self.context_key if keeping else None, reuse=self.reuse)
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
            inputs.community, languages[code], {p.url: p for p in self.plan.pages},
            lambda image: cards.image_size(settings.content_dir / image), languages)
        self.site_description = config.site_description
        config.theme["language"] = code
        search_plugin = config.plugins.get("material/search") or config.plugins.get("search")
        if search_plugin is not None and not search_plugin.config.lang:
            search_plugin.config.lang = [LUNR.get(code.split("-")[0], "en")]
            if code.split("-")[0] not in LUNR:
                search_plugin.config.pipeline = [" "]
        self.search_plugin = search_plugin
        config.site_url = settings.site_url + urls.prefix(code, settings.default_language)
        # The community's own overrides (theme.custom_dir, first in MkDocs' search path) win over Agora's,
        # which win over Material's.
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
        compiled = self.settings.root / JINJA_CACHE / "theme" if self.cache is not None else None
        # Material's templates compile once per process otherwise; under `agora build`, once per version.
        config.theme.get_env = functools.partial(_theme_env, config.theme, compiled)
        own_main = Path(config.theme.custom_dir or "", "main.html")
        if config.theme.custom_dir and own_main.is_file() and HEAD_PARTIAL not in own_main.read_text("utf-8"):
            log.warning(f"{own_main}: replaces Agora's main.html; include \"{HEAD_PARTIAL}\" in its extrahead "
                        "block, or pages lose their language alternates and feed links")
        # A truthy non-list shows Material's language switcher while keeping its site-wide hreflang list off;
        # both are per page here (see overrides/partials/alternate.html and main.html).
        config.extra["alternate"] = True
        config.extra_css.append(ASSET_URI + "agora.css")
        config.extra_javascript.append(ASSET_URI + "agora.js")
        config.nav = navigation(self.plan, languages[code])
        self.nav_titles = _nav_titles(config.nav)
        # Items are reachable from paginated indices, not from the navigation; that is intended.
        config.validation.nav.omitted_files = logging.DEBUG
        self.build_key = self._build_key(config)
        self.rendered = self.reused = 0
        self.page_warnings, self.warnings = {}, []
        self.warnings_handler = _PageWarnings(self)
        logging.getLogger("mkdocs").addHandler(self.warnings_handler)
        return config

    def _build_key(self, config: MkDocsConfig) -> str | None:
        """What every page of this language build depends on besides its own planned page; None: no caching."""
        if self.cache is None or self.context_key is None:
            return None
        plugins = set(config.plugins)
        extensions = {str(name) for name in config.markdown_extensions}
        if not plugins <= CACHE_SAFE_PLUGINS or extensions & CACHE_UNSAFE_EXTENSIONS:
            log.info("page cache off: a plugin or Markdown extension may read inputs it cannot see")
            return None
        # MkDocs' sitemap reads each page's URLs and date; a template of the community's own listing pages (a
        # sitemap.xml in its custom_dir, extra_templates) may read more of them (a title), which a page not
        # rendered in this build does not have.
        custom = config.theme.custom_dir
        if config.extra_templates or (custom and Path(custom, "sitemap.xml").exists()):
            log.info("page cache off: a template of the community's own lists pages")
            return None
        # The resolved configuration (mkdocs.yml's bytes are in context_key, but `!ENV` values are not).
        resolved = {name: config.get(name) for name in (
            "site_name", "site_url", "site_description", "site_author", "copyright", "repo_url", "repo_name",
            "edit_uri", "use_directory_urls", "extra", "extra_css", "extra_javascript", "markdown_extensions",
            "mdx_configs", "nav", "strict")}
        resolved["theme"] = dict(config.theme.items())
        resolved["theme_dirs"] = config.theme.dirs
        resolved["language"] = self.code
        blob = _stable_json(resolved)
        return hashlib.sha256(f"{self.context_key}\0{blob}".encode()).hexdigest()

    @property
    def search_entries(self) -> list | None:
        """Material's search index entries (made by its on_config, which runs after this plugin's)."""
        index = getattr(self.search_plugin, "search_index", None)
        return getattr(index, "entries", None)

    # Pages exist only in memory: MkDocs builds them like files in docs_dir.
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        # MkDocs' own static files (the theme's) as Agora's, in their order: an incremental build then keeps those
        # already in place (`_reuse`) instead of deleting and copying them again (Material's are 40 files of 2.5 MB
        # per language, with their folders).
        files = Files([_as_agora(file, config) for file in files])
        self.site_dir, self.theme_templates = config.site_dir, sorted(config.theme.static_templates)
        for src_uri, page in self.planned.items():
            file = AgoraFile.generated(config, src_uri, content="")
            file.planned = page  # its Markdown is read when MkDocs reads the page (`content_string`)
            files.append(file)
        for planned in self.plan.files:
            file = AgoraFile.generated(config, planned.path, content=b"")
            file.made = planned  # its content is read when MkDocs writes the file
            files.append(file)
        for asset in sorted(ASSETS.iterdir()):
            files.append(AgoraFile.generated(config, ASSET_URI + asset.name, abs_src_path=str(asset)))
        content_assets = self.settings.content_dir / "assets"
        if content_assets.is_dir():
            # Links are skipped here too (the loader refuses those that leave assets/): never publish a file
            # from elsewhere on the machine.
            for path in sorted(p for p in content_assets.rglob("*") if p.is_file() and not p.is_symlink()):
                uri = "assets/" + path.relative_to(content_assets).as_posix()
                files.append(AgoraFile.generated(config, uri, abs_src_path=str(path)))
        self._add_cards(files, config)
        self.keys, self.theme_keys = {}, {}
        self.unchanged = {}
        self.left_out = set()
        # A search plugin whose entries cannot be restored (not Material's) would lose the reused pages'.
        # A link to another page's Markdown file resolves only if that file exists: what a page's links become
        # depends on the list of files too.
        listing = hashlib.sha256("\0".join(sorted(f.src_uri for f in files)).encode()).hexdigest()
        if self.search_entries is not None:  # Material's index: unchanged pages add their entries as JSON
            search.write_from_json(self.search_plugin.search_index)
        if self.build_key is not None and (self.search_plugin is None or self.search_entries is not None):
            self._reuse(files, config, listing)
        else:
            self.kept = set()
            self._prune_spare(Path(config.site_dir), len(files))
        # What converting a body depends on besides its text and its page's place: the Markdown settings, and
        # the files its links may resolve to.
        context = digests.digest([_stable_json({name: config.get(name) for name in (
            "markdown_extensions", "mdx_configs", "use_directory_urls", "validation")}), listing])
        self.bodies = Counter(pages=0, converted=0)
        rendering = 0
        for src_uri in self.planned:
            file = files.src_uris[src_uri]
            if file.page is None and src_uri not in self.left_out:
                AgoraPage(self.nav_titles.get(src_uri), file, config, context, self.bodies)
                rendering += 1
        if rendering > RENDERED_WITHOUT_COLLECTING and not gc.isenabled():
            # `agora build` turned the collector off for planning; rendering a page leaves cycles (each conversion
            # makes a Markdown instance), which are collected as usual once there are more than a few pages.
            gc.enable()
        self._unchanged_left = len(self.unchanged)
        self._report()
        return files

    def _reuse(self, files: Files, config: MkDocsConfig, listing: str) -> None:
        """Mark what the staging folder (a spare output) or the previous output already holds as unchanged, and
        restore from the page cache what it can of the rest."""
        site_dir = config.site_dir
        spare = self._manifest(self.spare_manifest_path, site_dir)

        def match(described: dict, folder: str, file: File, identity: str) -> PageRecord | str | None:
            """What the manifest records of `file` (a page's record, another file's source) if it is for
            `identity` and the output file is still the one recorded."""
            page = file.is_documentation_page()
            entry = described["pages"].get(file.src_uri) if page else described["files"].get(file.dest_uri)
            if (entry.get("key") if isinstance(entry, dict) else entry) != identity:
                return None
            recorded = described["outputs"].get(file.dest_uri)
            if recorded is None or manifest.stat_of(os.path.join(folder, file.dest_uri)) != recorded:
                return None
            if not page:
                return entry
            entries = search.entries_at(described["index"], entry.get("search")) if described["index"] else ""
            return page_record({**entry, "search": entries}, html=False) if entries is not None else None

        # Pages whose Markdown links to another page's Markdown file depend on `listing` (rare: planned Markdown
        # links by URL).
        identities: list[tuple[File, str]] = []
        for file in files:
            if isinstance(file, AgoraFile) and not file.is_documentation_page():
                file.source = file.source or _source_of(file)
                identities.append((file, file.source))
        for src_uri, planned in self.planned.items():
            # The sharing metadata comes from more than the page's Markdown (an item's image file, say): from what
            # the page shares, besides the planned page and the language's settings (which build_key covers).
            self.keys[src_uri] = digests.digest([self.build_key, planned.digest,
                                                 vars(social.shared_by(planned, self.sharing)),
                                                 listing if planned.links_to_files else ""])
            identities.append((files.src_uris[src_uri], self.keys[src_uri]))
        in_spare = {file.dest_uri: entry for file, identity in identities
                    if (entry := match(spare, site_dir, file, identity)) is not None}
        self.theme_keys = self._theme_keys(files, config)
        recorded = spare.get("theme") if isinstance(spare.get("theme"), dict) else {}
        self.kept = set(in_spare) | {name for name, key in self.theme_keys.items() if recorded.get(name) ==
                                     [key, *(manifest.stat_of(os.path.join(site_dir, name)) or ())]}
        self.kept_outputs = spare["outputs"]
        # Staging in the spare, the previous output is not needed: what changed since the spare was built
        # changed in the previous build, which put those pages in the page cache (and other files are written
        # from their sources). Its manifest is as large as the spare's, and reading it is a tenth of an edit build.
        folder = str(self.previous_dir)
        if self._prune_spare(Path(site_dir), len(identities), spare, files):
            previous = self._manifest(None, folder)
        else:
            in_spare = {}
            previous = self._manifest(self.manifest_path, folder)
        placed: list[tuple[File, PageRecord]] = []  # pages MkDocs places from a record
        rendering: list[str] = []
        for file, identity in identities:
            record = in_spare.get(file.dest_uri) or match(previous, folder, file, identity)
            if not file.is_documentation_page():
                file.unchanged = record is not None
                continue
            src_uri = file.src_uri
            if record is not None:
                file.unchanged = True
                self.unchanged[src_uri] = record
                placed.append((file, record))
                continue
            record = self.cache.get(self.keys[src_uri]) if self.reuse else None
            if record is not None:
                placed.append((file, record))
            else:
                rendering.append(src_uri)
        self.left_out = self._leave_out(placed, rendering)
        for file, record in placed:
            src_uri = file.src_uri
            if src_uri in self.left_out:
                file.inclusion = InclusionLevel.DRAFT
            else:
                CachedPage(self.nav_titles.get(src_uri), file, config, record, escape(self.planned[src_uri].title),
                           files)

    def _theme_keys(self, files: Files, config: MkDocsConfig) -> dict[str, str]:
        """The keys of the theme's own 404 page and sitemap (and its gzip), which MkDocs renders on every build
        (0.05-0.08 s per language at N = 2,000): kept in the staging folder when their keys are those recorded,
        and then not rendered (`on_env`). The sitemap lists every page's URL and the build's date; the 404 page
        shows the navigation and the settings, which the build key covers with the theme and Agora's templates.
        None with templates of the community's own (`custom_dir`), which may show anything of the pages."""
        if config.theme.custom_dir:
            return {}
        pages = digests.digest([self.build_key, get_build_date(), [
            [file.src_uri, file.inclusion.name] for file in files if file.is_documentation_page()]])
        keys = {"404.html": pages} if "404.html" in config.theme.static_templates else {}
        if "sitemap.xml" in config.theme.static_templates:
            keys |= {"sitemap.xml": pages, "sitemap.xml.gz": pages}
        return keys

    def _leave_out(self, placed: list[tuple[File, PageRecord]], rendering: list[str]) -> set[str]:
        """The unchanged pages MkDocs need not be told of at all: it would only make each a `Page` to list in the
        sitemap and skip (5 % of an edit build's CPU time at N = 2,000). Left out, such a page is in
        `files` as a draft, which MkDocs neither places nor builds; its search entries are replayed in its place
        (`_replay_unchanged`) and the sitemap lists it in its place (`on_template_context`).

        Only pages nothing else needs as a `Page`: none in the navigation, none another page's links to anchors
        are checked against, none whose own links to anchors MkDocs' check would report (it checks them on every
        build: a page may link only to anchors it has), and none at all when a page to render may link to another
        page's Markdown file (which must then resolve to a page)."""
        if any(self.planned[src_uri].links_to_files for src_uri in rendering):
            return set()
        targets = {uri for file, record in placed for uri in record.links_to_anchors if uri != file.src_uri}
        return {file.src_uri for file, record in placed
                if file.src_uri in self.unchanged and file.src_uri not in self.nav_titles
                and file.src_uri not in targets and _links_only_within(file.src_uri, record)}

    def _manifest(self, path: Path | None, folder: str) -> dict:
        """The manifest at `path` describing the output in `folder` (nothing, when it is not for this build's
        key), with the text of that output's search index (`index`), where its pages' entries are read."""
        described = manifest.load(path) if path is not None and self.reuse else None
        if described is None or described.get("build_key") != self.build_key:
            return {"pages": {}, "files": {}, "outputs": {}, "index": None}
        index = None
        if self.search_entries is not None:
            recorded = described.get("index")
            index = search.read_index(folder) if recorded is not None and \
                recorded == manifest.stat_of(os.path.join(folder, search.INDEX)) else None
            if index is None:  # the pages' entries are not to be had: none of them is taken over
                return {**described, "pages": {}, "index": None}
        return {**described, "index": index}

    def _prune_spare(self, site_dir: Path, expected: int, described: dict | None = None,
                     files: Files | None = None) -> bool:
        """Leave in the staging folder only the files that are already right (`self.kept`); False when none
        were left. MkDocs and `_take_over_unchanged` then write every other file afresh, into a path nothing
        else holds, so no file of the output in place (which shares inodes with this folder) is written through.

        Deleting file by file pays when most files stay; when most would go (the first build after a change of
        theme or settings), the folder is swapped for an empty one that is deleted in the background. The files
        to delete are those the spare's manifest (`described`) lists, when its folders are provably as it
        recorded them (`_prune_described`); otherwise the folder is walked."""
        if not site_dir.is_dir():
            self.kept = set()
            return False
        if len(self.kept) * 2 < expected:
            self.kept = set()
            if any(site_dir.iterdir()):
                if self.discard is None:
                    shutil.rmtree(site_dir)
                else:
                    self.discard(site_dir)
                site_dir.mkdir()
            return False
        if described is not None and files is not None and self._prune_described(str(site_dir), described, files):
            return True
        prefix = len(str(site_dir)) + 1
        kept = self.kept

        def prune(folder: str) -> bool:
            """Whether `folder` is left empty (and removed)."""
            empty = True
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if prune(entry.path):
                            os.rmdir(entry.path)
                        else:
                            empty = False
                    elif entry.path[prefix:] in kept:
                        empty = False
                    else:
                        os.unlink(entry.path)
            return empty

        prune(str(site_dir))
        return True

    def _prune_described(self, site_dir: str, described: dict, files: Files) -> bool:
        """Delete the files of the spare that its manifest lists and that are not kept, without walking its
        thousands of folders; False (the spare is to be walked) unless the spare holds exactly what it lists.
        Every folder must have the modification time and inode the manifest recorded once the build that wrote it
        had ended (a file added, removed or renamed in a folder since changes its time; moving a folder keeps
        it), and the top folder, whose own time changes as the output is assembled, is listed."""
        present, folders = described.get("present"), described.get("folders")
        if not isinstance(present, list) or not isinstance(folders, dict):
            return False
        # Only paths inside the folder are deleted: a manifest is a cache file, never trusted to name others.
        if not all(isinstance(path, str) and _inside(path) for path in (*present, *folders)):
            return False
        for folder, recorded in folders.items():
            try:
                info = os.stat(os.path.join(site_dir, folder), follow_symlinks=False)
            except OSError:
                return False
            if [info.st_mtime_ns, info.st_ino] != recorded:
                return False
        top = {path.partition("/")[0] for path in present}
        with os.scandir(site_dir) as entries:
            if any(entry.name not in top for entry in entries):
                return False
        kept = self.kept
        for path in present:
            if path not in kept:
                try:
                    os.unlink(os.path.join(site_dir, path))
                except FileNotFoundError:
                    pass
                except OSError:
                    return False  # a folder in its place, at the top: walked (what is deleted stays deleted)
        # The folders this build writes into stay; the others go once empty (a deleted page's), deepest first.
        needed = _folders_of(file.dest_uri for file in files)
        for folder in sorted(folders, key=lambda path: path.count("/"), reverse=True):
            if folder not in needed:
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(site_dir, folder))
        return True

    def social_meta(self, planned: PlannedPage) -> dict:
        """The page's sharing metadata (Open Graph, Twitter card), for its <head>."""
        codes = [code for code in self.languages if planned.languages is None or code in planned.languages]
        return social.page_meta(planned, self.sharing, self.settings, self.languages[self.code], codes,
                                self.site_description)

    def _add_cards(self, files: Files, config: MkDocsConfig) -> None:
        """The language's sharing cards, drawn only when the cache lacks them."""
        cache = self.settings.root / cards.CACHE
        try:
            present = set(os.listdir(cache))
        except OSError:
            present = set()
        # Languages next to each other in the configured order are built at once by two workers in a clean build,
        # and most cards are alike in every language: one draws them from the first, the other from the last,
        # each skipping what the other has drawn, so that they meet halfway instead of drawing every card twice
        # (a quarter of a clean build's drawing at N = 2,000).
        drawn = 0
        order = list(self.languages).index(self.code) % 2
        paths = {}
        for card in self.sharing.cards[::-1] if order else self.sharing.cards:
            paths[card.uri], new = cards.cached_card(card, cache, present)
            drawn += new
        for card in self.sharing.cards:
            file = AgoraFile.generated(config, card.uri, abs_src_path=str(paths[card.uri]))
            # Named by a digest of all it is drawn from: its name says what it holds, without a `stat`.
            file.source = f"card {paths[card.uri].name}"
            files.append(file)
        log.info("agora: %s: %d sharing cards, %d drawn, %d from the cache", self.code, len(self.sharing.cards),
                 drawn, len(self.sharing.cards) - drawn)

    # Titles and descriptions come from the content model, not from front matter in the virtual file. They are
    # text (an imported post's title is a member's feed's), and Material prints them unescaped: escape them here.
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        planned = self.planned.get(page.file.src_uri)
        if planned is None or isinstance(page, CachedPage):
            return markdown
        # MkDocs converts this page's Markdown next; if that fails, `agora build` names the content file.
        self._begin("markdown", planned)
        page.meta["title"] = escape(planned.title)
        if planned.description:
            page.meta["description"] = escape(planned.description)
        # The tabs are the navigation (sections only); a sidebar repeating the current tab is noise.
        page.meta["hide"] = ["navigation"] if planned.toc else ["navigation", "toc"]
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.current is not None:
            self.current = None  # converted: a later failure is not this page's Markdown
        return html

    # Alternates need the page's final URL, known only once MkDocs has placed the page. Runs before the search
    # plugin, so that the index entries it adds for this page can be told apart and cached.
    @event_priority(100)
    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        self._replay_unchanged(until=page.file.src_uri)
        planned = self.planned.get(page.file.src_uri)
        if planned is None:
            return context
        if isinstance(page, CachedPage):
            self._replay(page.record, planned, page.file.src_uri)
            return context
        self._begin("template", planned)
        self._search_start = len(self.search_entries or ())
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
        # Material's edit button: the content file the page shows (a translation's own, else the original), never
        # the virtual file MkDocs built it from; pages made of many items (indices) have none.
        page.edit_url = repository.edit_url(self.settings, planned.source) if planned.source else None
        page.meta["social"] = self.social_meta(planned)
        return context

    # Last, so the HTML cached is the HTML written.
    @event_priority(-100)
    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        src_uri = page.file.src_uri
        if src_uri not in self.planned:
            return output
        if isinstance(page, CachedPage):
            self.reused += 1
            output = page.record.html
            # Without the HTML: a language's pages would otherwise all stay in memory until the build ends.
            page.record = self.records[src_uri] = dataclasses.replace(page.record, html=None)
        else:
            self.rendered += 1
            if src_uri in self.keys:
                entries = ""
                if self.search_entries is not None:
                    entries = search.entries_json(self.search_entries[self._search_start:])
                    del self.search_entries[self._search_start:]
                    if entries:
                        self.search_entries.append(search.EntriesJSON(entries, src_uri))
                record = PageRecord(
                    html=output, search=entries, anchors=sorted(page.present_anchor_ids or ()),
                    links_to_anchors={file.src_uri: dict(anchors)
                                      for file, anchors in (page.links_to_anchors or {}).items()},
                    warnings=self.page_warnings.pop(self.planned[src_uri].url, []))
                self.cache.put(self.keys[src_uri], record)
                self.records[src_uri] = dataclasses.replace(record, html=None)
            self.current = None
        self._report()
        return output

    def _report(self) -> None:
        if self.progress is not None:
            # An unchanged page is done as soon as it is known to be (it is neither converted nor rendered), so
            # the estimate of what is left counts only the pages still to render.
            self.progress(self.rendered + self.reused + self._unchanged_left, len(self.planned))

    def _replay(self, record: PageRecord, planned: PlannedPage, src_uri: str) -> None:
        """What a page not rendered adds besides its HTML: its search entries (in its place) and its warnings."""
        if self.search_entries is not None and record.search:
            self.search_entries.append(search.EntriesJSON(record.search, src_uri))
        self.replaying = planned
        for message in record.warnings:
            log.warning(message)
        self.replaying = None

    def _replay_unchanged(self, until: str | None) -> None:
        """Replay the unchanged pages (which MkDocs skips) that come before page `until` in MkDocs' order, or all
        that remain: the search index then lists every page where a clean build lists it."""
        while self._order_next < len(self._order):
            src_uri = self._order[self._order_next]
            self._order_next += 1
            if src_uri == until:
                return
            if src_uri in self.unchanged:
                self._replay(self.unchanged[src_uri], self.planned[src_uri], src_uri)
                self.records[src_uri] = self.unchanged[src_uri]
                self.reused += 1
                self._unchanged_left -= 1

    def on_env(self, env, config: MkDocsConfig, files: Files):
        # The theme's templates already in place (`_theme_keys`) are not rendered again.
        if "404.html" in self.kept:
            config.theme.static_templates.discard("404.html")
        if {"sitemap.xml", "sitemap.xml.gz"} <= self.kept:
            config.theme.static_templates.discard("sitemap.xml")
        # The order MkDocs builds pages in, which its search index and its sitemap follow (with the pages left
        # out of its build in their places).
        left_out = self.left_out
        self._documents = [file for file in files if file.is_documentation_page()
                           and (file.inclusion.is_included() or file.src_uri in left_out)]
        self._order = [file.src_uri for file in self._documents]
        self._order_next = 0
        self._listed: list[File] | None = None
        self.records: dict[str, PageRecord] = {}
        self.files = files
        custom = Path(config.theme.custom_dir or "", "partials")
        shared = _SharedPartials(config.theme.name == "material" and not (
            config.theme.custom_dir and any((custom / name).exists() for name in NAVIGATION_PARTIALS)))
        env.globals["shared_partial"] = shared.render
        return env

    # The sitemap (and any other template of the theme) lists every page, those left out of the build too.
    def on_template_context(self, context, template_name: str, config: MkDocsConfig):
        if self.left_out:
            if self._listed is None:  # made once for all the theme's templates (404.html, sitemap.xml …)
                left_out, date = self.left_out, get_build_date()
                self._listed = [_Unlisted(file, config.site_url, date) if file.src_uri in left_out else file
                                for file in self._documents]
            context["pages"] = self._listed
        return context

    # Plain `mkdocs serve` watches docs_dir and mkdocs.yml; the pages come from the content, catalogs and notes.
    def on_serve(self, server, config: MkDocsConfig, builder):
        for folder in self.settings.input_dirs:
            if folder.is_dir():
                server.watch(str(folder))
        return server

    # Before the search plugin writes its index: the unchanged pages' entries go in first.
    @event_priority(100)
    def on_post_build(self, config: MkDocsConfig) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings_handler)
        self._replay_unchanged(until=None)
        if self.memo is not None:
            self.memo.keep(self.plan.rendered, self.plan.fresh)
        if self.build_key is not None and self.manifest_path is not None:
            self._take_over_unchanged(Path(config.site_dir))
        if self.cache is not None:
            if self.keys:
                self.cache.keep_only(self.keys.values())
            self.cache.close()  # the last batch of records

    def forget(self) -> None:
        """Drop what the last build made (its plan, pages, records and manifests). MkDocs keeps one instance of this
        plugin per process, and a worker of `agora build` builds several languages: the last one's objects stayed
        alive until the next language's build replaced them, and its garbage collections scanned them again and
        again (77,000 objects at N = 2,000).

        The references that tie what the build made to a cycle are cut first, so that it is freed as it is
        dropped: the contexts of the theme's templates (each a cycle, collected only by the collector) hold the
        sitemap's list of every page, each file holds its planned page, and each planned page reads its Markdown
        through the plan. Left to the collector, that was 60,000-75,000 objects per language of an edit build at
        N = 2,000, and the first collection after it (`build_language` turns the collector on after this)
        scanned them for 0.03-0.08 s in a worker and 0.09-0.15 s in `agora serve`; now 20,000 and 0.01-0.02 s."""
        if self.plan is not None:
            self.plan.forget()
        for file in self.files or ():
            file.page = None
            if isinstance(file, AgoraFile):
                file.planned = file.made = None
        if self._listed is not None:
            self._listed.clear()
        self.inputs = self.cache = self.memo = self.plan = self.sharing = self.files = self.current = None
        self.search_plugin = None
        self.planned, self.unchanged, self.keys, self.records, self.theme_keys = {}, {}, {}, {}, {}
        self.kept, self.kept_outputs, self.nav_titles, self.page_warnings = set(), {}, {}, {}
        self.left_out, self._order, self._documents, self._listed = set(), [], [], None

    def _take_over_unchanged(self, site_dir: Path) -> None:
        """Link the unchanged files from the previous output into this one (MkDocs wrote all the others)."""
        made: set[str] = set()
        for file in self.files:
            if isinstance(file, AgoraFile) and file.unchanged and file.dest_uri not in self.kept:
                target = os.path.join(site_dir, file.dest_uri)
                parent = os.path.dirname(target)
                if parent not in made:
                    if not os.path.isdir(parent):  # a spare output has most folders already
                        os.makedirs(parent, exist_ok=True)
                    made.add(parent)
                source = os.path.join(self.previous_dir, file.dest_uri)
                try:
                    os.link(source, target)
                except OSError:
                    try:
                        shutil.copy2(source, target)  # a file system without hard links
                    except OSError:
                        self._write_afresh(file, target)

    def _write_afresh(self, file: AgoraFile, target: str) -> None:
        """An unchanged file whose previous output went away during this build (another build of the same output
        swapped it out): a page's HTML from the page cache, another file from its source."""
        if file.is_documentation_page():
            record = self.cache.get(self.keys[file.src_uri])
            if record is None:
                raise PluginError(f"{file.dest_uri}: the previous output was replaced during this build (another "
                                  "build of the same folder?) and the page cache lacks the page; build again")
            Path(target).write_bytes(record.html.encode("utf-8", errors="xmlcharrefreplace"))  # as MkDocs writes
        elif file.abs_src_path is not None:
            shutil.copyfile(file.abs_src_path, target)
        else:
            Path(target).write_bytes(file.content_bytes)

    def finish(self, listed: bool) -> str | None:
        """Once MkDocs has written everything: write the manifest of the output (`manifest_pending`), and when
        `listed`, return the output's listing (`stamp.folder_listing`'s digest) for the record of the build. Both
        come from what this build knows it wrote, without walking the output's thousands of folders; a build that
        keeps no manifest (page cache off) walks them."""
        site_dir = Path(self.site_dir)
        if self.build_key is None or self.manifest_path is None or self.files is None:
            return stamp.folder_listing(str(site_dir)) if listed else None
        present = self._write_manifest(site_dir)
        return stamp.listing_of({path: (size, mtime) for path, (size, mtime, _) in present.items()}) \
            if listed else None

    def _write_manifest(self, site_dir: Path) -> dict[str, list[int]]:
        """Write the manifest; returns the output's files and their `manifest.stat_of`."""
        src_uris = self.files.src_uris
        # Each page's search entries by where they are in the index this build wrote.
        index = self.search_plugin.search_index if self.search_entries is not None else None
        spans = index.spans if index is not None else {}
        pages = {src_uri: {"key": self.keys[src_uri], "search": spans.get(src_uri, [0, 0]),
                           "anchors": record.anchors, "links_to_anchors": record.links_to_anchors,
                           "warnings": record.warnings}
                 for src_uri, record in self.records.items() if src_uri in self.keys}
        sources = {file.dest_uri: file.source for file in self.files
                   if isinstance(file, AgoraFile) and file.source is not None}
        written = [src_uris[src_uri].dest_uri for src_uri in pages] + sorted(sources)
        # A kept file's was checked against the spare's manifest when it was kept.
        outputs = {dest: self.kept_outputs[dest] if dest in self.kept
                   else manifest.stat_of(os.path.join(site_dir, dest)) for dest in written}
        present = {dest: recorded for dest, recorded in outputs.items() if recorded is not None}
        # MkDocs' own files (its theme's templates, the sitemap's gzip, the search index), from the folders it
        # writes them into. Another folder's file of its own (none known) is written over in the spare next time,
        # and makes the listing another than a walk's: the next build runs instead of being skipped.
        for folder in sorted({"", "search", *(os.path.dirname(name) for name in self.theme_templates)}):
            try:
                with os.scandir(os.path.join(site_dir, folder)) as entries:
                    for entry in entries:
                        path = f"{folder}/{entry.name}" if folder else entry.name
                        if path not in present and entry.is_file(follow_symlinks=False):
                            info = entry.stat(follow_symlinks=False)
                            present[path] = [info.st_size, info.st_mtime_ns, info.st_ino]
            except OSError:
                continue
        try:
            folders = {folder: [(info := os.stat(os.path.join(site_dir, folder))).st_mtime_ns, info.st_ino]
                       for folder in sorted(_folders_of(present))}
        except OSError:
            folders = None  # the next build walks the folder
        self.manifest_pending = manifest.write_pending(self.manifest_path, {
            "build_key": self.build_key, "pages": pages, "files": sources, "outputs": outputs,
            "present": sorted(present), "folders": folders,
            "index": present.get(search.INDEX.replace(os.sep, "/")) if index is not None else None,
            "theme": {name: [key, *present[name]] for name, key in self.theme_keys.items() if name in present}},
            in_process=self.in_process)
        return present

    def _begin(self, phase: str, planned: PlannedPage) -> None:
        self.current = (phase, planned)


class _ThemeLoader(jinja2.FileSystemLoader):
    """MkDocs' theme loader, listing no file under a hidden folder. MkDocs lists the theme's templates only to
    copy its static files, and drops every path with a component starting with a dot (`.*`, `*/.*`); Material's
    `.icons` alone holds 14,000 files, and walking and matching them took a twelfth of an edit build's time in
    every language."""

    def list_templates(self) -> list[str]:
        found = set()
        for searchpath in self.searchpath:
            for folder, subfolders, names in os.walk(searchpath, followlinks=self.followlinks):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                prefix = os.path.relpath(folder, searchpath).replace(os.path.sep, "/")
                prefix = "" if prefix == "." else prefix + "/"
                found.update(prefix + name for name in names if not name.startswith("."))
        return sorted(found)

    def get_source(self, environment: jinja2.Environment, template: str):
        if template.startswith(SHADOWED):  # searched for in the folders after Agora's overrides only
            below = self.searchpath[self.searchpath.index(str(OVERRIDES)) + 1:]
            return jinja2.FileSystemLoader(below).get_source(environment, template.removeprefix(SHADOWED))
        return super().get_source(environment, template)


class _SharedPartials:
    """Material's navigation and tabs, rendered once for all the pages they come out alike on (Agora's
    overrides of `partials/nav.html` and `partials/tabs.html` call `render`).

    On a page outside the navigation (a post, a member, an event: no entry of it is active), what they show of
    the page is their links, made relative to it by the `url` filter: pages on which every URL they link to comes
    out the same get the same HTML. Those are most pages: every post is at `posts/<slug>/`. Rendering them took a
    ninth of a clean build (3,500 pages per language at N = 2,000, ~2.5 ms a page); a navigation page, or a page
    of a theme template without one (404), is rendered as before."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.rendered: dict[tuple[str, ...], Markup] = {}
        self._nav = None
        self._entries: list = []
        self._targets: list[str] = []

    @jinja2.pass_context
    def render(self, context: jinja2.runtime.Context, name: str) -> Markup:
        key = self._key(context, name) if self.enabled else None
        html = self.rendered.get(key) if key is not None else None
        if html is None:
            template = context.environment.get_template(SHADOWED + name)
            html = Markup(template.render(context.get_all()))
            if key is not None:
                self.rendered[key] = html
        return html

    def _key(self, context: jinja2.runtime.Context, name: str) -> tuple[str, ...] | None:
        page, nav = context.get("page"), context.get("nav")
        if not isinstance(page, Page) or nav is None:
            return None
        if nav is not self._nav:
            self._learn(nav, context.get("config"))
        if any(entry.active for entry in self._entries):
            return None
        url = context.environment.filters["url"]
        return (name, *(url(context, target) for target in self._targets))

    def _learn(self, nav, config: MkDocsConfig) -> None:
        """Every entry of `nav`, and every URL the partials pass through the `url` filter: the entries' own,
        the home page (`extra.homepage`, else the navigation's) and the logo."""
        entries: list = []
        stack = list(nav.items)
        while stack:
            entry = stack.pop()
            entries.append(entry)
            stack.extend(getattr(entry, "children", None) or ())
        targets = {str(entry.url) for entry in entries if getattr(entry, "url", None) is not None}
        targets |= {"", nav.homepage.url if nav.homepage else "", str(config.extra.get("homepage") or ""),
                    str(config.theme.get("logo") or "")}
        self._nav, self._entries, self._targets = nav, entries, sorted(targets)


def _theme_env(theme, compiled: Path | None) -> jinja2.Environment:
    """MkDocs' environment for `theme`, listing templates with `_ThemeLoader` and keeping them compiled in
    `compiled`: Material's search plugin makes an environment of its own to translate its labels."""
    env = type(theme).get_env(theme)
    env.loader = _ThemeLoader(theme.dirs)
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(compiled))
    return env


def _as_agora(file: File, config: MkDocsConfig) -> File:
    """A static file MkDocs found (in the theme, in docs_dir) as an `AgoraFile` with the same source and output."""
    if isinstance(file, AgoraFile) or file.abs_src_path is None or file.is_documentation_page():
        return file
    return AgoraFile.generated(config, file.src_uri, abs_src_path=file.abs_src_path, inclusion=file.inclusion)


def _inside(path: str) -> bool:
    """Whether `path` (relative, with `/`) names something inside the folder it is relative to."""
    return bool(path) and not path.startswith("/") and "\\" not in path and "\0" not in path \
        and ".." not in path.split("/")


def _folders_of(paths) -> set[str]:
    """Every folder holding one of `paths` (relative, with `/`), and every folder above it but the top."""
    folders: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders


def _links_only_within(src_uri: str, record: PageRecord) -> bool:
    """Whether every link of the page to an anchor is to one of its own (which MkDocs' check finds present)."""
    present = record.anchors
    return all(uri == src_uri and all(anchor in present for anchor in anchors)
               for uri, anchors in record.links_to_anchors.items())


def _source_of(file: File) -> str:
    """A digest of what a non-page file is made of: its bytes, or the path, size and time of its source."""
    if isinstance(file, AgoraFile) and file.made is not None:
        return file.made.content_digest
    if file.abs_src_path is None:
        content = file.content_bytes
        return hashlib.sha256(content).hexdigest()
    stat = os.stat(file.abs_src_path)
    return f"{file.abs_src_path}\0{stat.st_size}\0{stat.st_mtime_ns}"


def _stable_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=_stable, ensure_ascii=False)


def _stable(value: object) -> str:
    """A configuration value JSON cannot hold, named the same in every process (`!!python/name:` functions in
    mdx_configs, say): an object's memory address would make every key new, and the cache useless."""
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def _nav_titles(nav: list) -> dict[str, str]:
    """src_uri → the title the navigation gives it (MkDocs gives a page that title instead of its own)."""
    titles: dict[str, str] = {}
    for entry in nav:
        for title, target in entry.items():
            if isinstance(target, list):
                titles.update(_nav_titles(target))
            else:
                titles[target] = title
    return titles
