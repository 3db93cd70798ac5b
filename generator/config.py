"""Agora's settings: the `agora` plugin's options in `mkdocs.yml`, declared once with their defaults.

The same `AgoraConfig` class is the MkDocs plugin's config schema and what the CLI validates, so `agora check`
and `mkdocs build` agree on what a valid setting is.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from babel import Locale, UnknownLocaleError
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.utils.yaml import get_yaml_loader

from generator.problems import ContentError, Problems

CONFIG_FILE = "mkdocs.yml"
EMPTY_DOCS_NAME = "generator.site.EMPTY_DOCS_DIR"  # see generator/site/__init__.py
PLUGIN_NAME = "agora"


class SignupConfig(base.Config):
    action = c.Optional(c.URL())
    """Where the hub's newsletter sign-up form posts (your e-mail service's subscribe URL); no form when unset."""
    method = c.Choice(["post", "get"], default="post")
    """HTTP method of the sign-up form."""
    email_field = c.Type(str, default="email")
    """Name of the e-mail input, as the e-mail service expects it."""


class DkimConfig(base.Config):
    domain = c.Optional(c.Type(str))
    """The signing domain (d=), normally the domain of `sender`, for DMARC alignment."""
    selector = c.Optional(c.Type(str))
    """The selector (s=): the key is published at `<selector>._domainkey.<domain>`."""
    key_file = c.Optional(c.Type(str))
    """The private key (PEM): absolute, `~/…`, or relative to the repository root; refused inside the repository
    unless git ignores it."""


class NewsletterConfig(base.Config):
    sender = c.Type(str, default="Agora Community <newsletter@example.org>")
    """The From header of every issue."""
    reply_to = c.Optional(c.Type(str))
    """The Reply-To header; omitted when unset."""
    list_unsubscribe = c.ListOfItems(c.Type(str), default=["{{unsubscribe_url}}"])
    """List-Unsubscribe targets: https URLs and/or mailto: addresses; an ESP merge tag is allowed."""
    utm_source = c.Type(str, default="newsletter")
    """utm_source added to every link into the hub."""
    utm_medium = c.Type(str, default="email")
    """utm_medium added to every link into the hub."""
    utm_campaign = c.Type(str, default="issue-{id}")
    """utm_campaign; `{id}` and `{number}` are replaced per issue."""
    untranslated = c.Choice(["skip", "default"], default="default")
    """An issue whose note is not translated: `skip` that language (with a warning) or send the default note."""
    out_dir = c.Type(str, default="build/newsletters")
    """Where `.eml`, HTML and text renderings are written, relative to the repository root."""
    max_html_bytes = c.Type(int, default=102_000)
    """Gmail clips messages above ~102 KB; a larger rendering fails the build."""
    dkim = c.SubConfig(DkimConfig)
    """DKIM signing by `agora send` (dkimpy): `{domain, selector, key_file}`; unset: no signature."""


# The collections as `agora check` and `agora translations` name them.
COLLECTIONS = ("members", "posts", "spotlights", "stories", "events", "courses", "lessons", "pages", "newsletters")


class TranslationsConfig(base.Config):
    strict_collections = c.ListOfItems(c.Choice(COLLECTIONS), default=["pages"])
    """Collections whose stale translations are warnings (errors with --strict); elsewhere they are notes."""


class BadgeRule(base.Config):
    id = c.Type(str)
    """Identifier, also the badge's CSS class."""
    rule = c.Choice(["posts", "event_speaker", "event_host", "story", "mentor", "academy_author", "spotlight"])
    """What earns the badge."""
    min = c.Type(int, default=1)
    """How many contributions of that kind it takes."""


class AgoraConfig(base.Config):
    languages = c.ListOfItems(c.Type(str), default=["en"])
    """Language codes the hub is built in; the first is the default, published at the site root."""
    content_dir = c.Type(str, default="content")
    """Folder holding the collections."""
    newsletters_dir = c.Type(str, default="newsletters")
    """Folder holding one editor's note per newsletter issue."""
    locales_dir = c.Type(str, default="locales")
    """Folder holding the gettext catalogs, `<lang>/LC_MESSAGES/messages.po`."""
    timezones = c.ListOfItems(c.Type(str), default=["UTC", "America/New_York", "Europe/Oslo", "Asia/Tokyo"])
    """Time zones every event time is also shown in."""
    posts_per_page = c.Type(int, default=10)
    """Posts per page of the paginated indices."""
    members_per_page = c.Type(int, default=30)
    """Members per page of the member directory."""
    home_posts = c.Type(int, default=5)
    """Latest posts shown on the hub home."""
    home_events = c.Type(int, default=3)
    """Upcoming events shown on the hub home."""
    signup = c.SubConfig(SignupConfig)
    """The newsletter sign-up block on the home page."""
    newsletter = c.SubConfig(NewsletterConfig)
    """E-mail settings of the newsletter issues."""
    translations = c.SubConfig(TranslationsConfig)
    """How strictly `agora check` treats translations that lag their originals."""
    badges = c.ListOfItems(
        c.SubConfig(BadgeRule),
        default=[
            {"id": "first-post", "rule": "posts", "min": 1},
            {"id": "prolific", "rule": "posts", "min": 5},
            {"id": "speaker", "rule": "event_speaker", "min": 1},
            {"id": "host", "rule": "event_host", "min": 1},
            {"id": "story", "rule": "story", "min": 1},
            {"id": "mentor", "rule": "mentor", "min": 1},
            {"id": "academy-author", "rule": "academy_author", "min": 1},
            {"id": "member-of-the-month", "rule": "spotlight", "min": 1},
        ],
    )
    """Badge rules, evaluated against each member's contributions."""
    points = c.DictOfItems(
        c.Type(int), default={"post": 3, "talk": 5, "host": 2, "story": 5, "lesson": 4, "spotlight": 2}
    )
    """Leaderboard points per contribution kind."""


@dataclass(frozen=True)
class Settings:
    """What the pipeline needs from `mkdocs.yml`, validated; built once per run."""

    root: Path
    site_name: str
    site_url: str
    languages: tuple[str, ...]
    options: AgoraConfig
    # Folders MkDocs itself reads besides Agora's own (docs_dir, a theme's custom_dir), relative to root.
    mkdocs_dirs: tuple[str, ...] = ()
    # MkDocs' `repo_url` and `edit_uri`, for links that edit or create a content file in the repository.
    repo_url: str | None = None
    edit_uri: str | None = None

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def content_dir(self) -> Path:
        return self.root / self.options.content_dir

    @property
    def newsletters_dir(self) -> Path:
        return self.root / self.options.newsletters_dir

    @property
    def locales_dir(self) -> Path:
        return self.root / self.options.locales_dir

    @property
    def input_dirs(self) -> tuple[Path, ...]:
        """Every folder a build reads (besides mkdocs.yml): Agora's content, notes and catalogs, and MkDocs'
        own folders."""
        return (self.content_dir, self.newsletters_dir, self.locales_dir,
                *(self.root / folder for folder in self.mkdocs_dirs))


def plugin_options(raw: dict) -> dict | None:
    """The `agora` entry of `plugins:`, which MkDocs allows as a list of names/dicts or as a dict."""
    plugins = raw.get("plugins") or []
    entries = plugins.items() if isinstance(plugins, dict) else (
        (p, {}) if isinstance(p, str) else next(iter(p.items()), (None, None)) for p in plugins
    )
    for name, options in entries:
        if name == PLUGIN_NAME:
            return options or {}
    return None


def validate_options(options: dict, problems: Problems, where: str = CONFIG_FILE) -> AgoraConfig:
    config = AgoraConfig(config_file_path=where)
    config.load_dict(options)
    errors, warnings = config.validate()
    for key, error in errors:
        problems.error(where, f"plugins.agora.{key}", str(error))
    for key, warning in warnings:
        problems.warning(where, f"plugins.agora.{key}", str(warning))
    if errors:
        return config
    for lang in config.languages:
        try:
            Locale.parse(lang)
        except (ValueError, UnknownLocaleError):
            problems.error(where, "plugins.agora.languages", f"unknown language code {lang!r} (expected e.g. 'sv')")
    if len(set(config.languages)) != len(config.languages) or not config.languages:
        problems.error(where, "plugins.agora.languages", "expected a non-empty list without repeats")
    for zone in config.timezones:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.error(where, "plugins.agora.timezones", f"unknown time zone {zone!r}")
    folders = {"content_dir": config.content_dir, "newsletters_dir": config.newsletters_dir,
               "locales_dir": config.locales_dir, "newsletter.out_dir": config.newsletter.out_dir}
    for key, folder in folders.items():
        # Folders are read from or replaced as a whole: they must stay inside the repository.
        parts = PurePosixPath(folder.replace("\\", "/")).parts
        if not parts or PurePosixPath(folder).is_absolute() or ".." in parts or ":" in folder or "\x00" in folder:
            problems.error(where, f"plugins.agora.{key}", f"expected a folder inside the repository, such as "
                                                          f"'build/newsletters', got {folder!r}")
    dkim = config.newsletter.dkim
    given = [key for key in ("domain", "selector", "key_file") if dkim[key]]
    if given and len(given) < 3:
        problems.error(where, "plugins.agora.newsletter.dkim", "expected domain, selector and key_file together")
    for key in ("posts_per_page", "members_per_page", "home_posts", "home_events"):
        if config[key] < 1:
            problems.error(where, f"plugins.agora.{key}", "expected a positive number")
    return config


def load_settings(root: Path, problems: Problems | None = None) -> Settings:
    """Read `mkdocs.yml` at `root`; raise ContentError naming the file and key when it is not usable."""
    problems = problems if problems is not None else Problems()
    path = root / CONFIG_FILE
    try:
        with path.open("rb") as handle:
            raw = yaml.load(handle, Loader=get_yaml_loader())
    except FileNotFoundError:
        problems.error(CONFIG_FILE, "", f"not found in {root}: run `agora init` or pass --root")
        raise ContentError(problems.errors) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.error(CONFIG_FILE, "", f"malformed YAML: {getattr(exc, 'problem', exc)}",
                       line=mark.line + 1 if mark else None)
        raise ContentError(problems.errors) from None
    if not isinstance(raw, dict):
        problems.error(CONFIG_FILE, "", "expected a mapping of settings")
        raise ContentError(problems.errors)
    options = plugin_options(raw)
    if options is None:
        problems.error(CONFIG_FILE, "plugins", "the `agora` plugin is not listed under plugins:")
        raise ContentError(problems.errors)
    site_url = raw.get("site_url") or ""
    if not isinstance(site_url, str) or not site_url.startswith(("https://", "http://")):
        problems.error(CONFIG_FILE, "site_url", "expected the published https:// address of the hub")
    config = validate_options(options, problems)
    docs_dir = raw.get("docs_dir") or "docs"
    if isinstance(docs_dir, str) and not (root / docs_dir).is_dir():
        # MkDocs would stop the build with this; say it here too, with the way out.
        problems.error(CONFIG_FILE, "docs_dir", f"folder {docs_dir!r} not found: create it, or let Agora supply "
                                                f"an empty one with `docs_dir: !!python/name:{EMPTY_DOCS_NAME}`")
    if problems.errors:
        raise ContentError(problems.errors)
    theme = raw.get("theme") if isinstance(raw.get("theme"), dict) else {}
    mkdocs_dirs = tuple(str(folder) for folder in (raw.get("docs_dir") or "docs", theme.get("custom_dir"))
                        if isinstance(folder, str))
    return Settings(
        root=root,
        site_name=str(raw.get("site_name") or "Community"),
        site_url=site_url.rstrip("/") + "/",
        languages=tuple(config.languages),
        options=config,
        mkdocs_dirs=mkdocs_dirs,
        repo_url=raw["repo_url"] if isinstance(raw.get("repo_url"), str) else None,
        edit_uri=raw["edit_uri"] if isinstance(raw.get("edit_uri"), str) else None,
    )
