"""Render issues: Jinja2 templates to the HTML part (CSS inlined) and the text part, then the `.eml`.

Everything here is a pure function of the model and the languages: no file is written and no clock is read,
so the same repository always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import css_inline
import jinja2
from markupsafe import Markup

from generator.bytecode import SharedBytecode
from generator.config import CONFIG_FILE, Settings
from generator.i18n import Language
from generator.model.community import Community
from generator.newsletter import note
from generator.newsletter.links import Linker, utm_parameters
from generator.newsletter.mime import assemble
from generator.newsletter.view import IssueView, issue_languages, issue_view
from generator.problems import ContentError, Problems

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"
# Zero-width characters after the preheader keep mail clients from filling the inbox preview with body text.
PADDING = "\u034f\u200c\u00a0" * 40
INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Rendering:
    """One issue in one language, ready to write or send."""

    issue_id: str
    lang: str
    subject: str
    html: str
    text: str
    eml: bytes


# Every language's environment has the same options, so their compiled code is interchangeable.
BYTECODE = SharedBytecode()


@lru_cache(maxsize=64)
def environment(lang: Language) -> jinja2.Environment:
    """The e-mail templates with `lang`'s catalog installed, so `_()`/`ngettext()` in them speak `lang`.

    One environment per language because gettext callables are environment globals; each is built once.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=BYTECODE,
    )
    env.install_gettext_callables(lang.catalog.gettext, lang.catalog.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["fill"] = lambda text, indent="", first=None: note.fill(str(text), indent, first)
    return env


def unsubscribe_targets(settings: Settings, targets: Sequence[str] | None = None) -> tuple[str | None, str | None]:
    """What the footer offers: a link (the first https URL or merge tag of `targets`, by default
    `newsletter.list_unsubscribe`) and, failing that, the address of the first mailto: target."""
    targets = settings.options.newsletter.list_unsubscribe if targets is None else targets
    link = next((t for t in targets if not t.startswith("mailto:")), None)
    mailto = next((t for t in targets if t.startswith("mailto:")), None)
    address = mailto.removeprefix("mailto:").split("?", 1)[0] if mailto else None
    return link, address


def email_linker(view: IssueView, settings: Settings) -> Linker:
    return Linker(settings.site_url, settings.site_url, utm_parameters(settings, view.issue_id, view.number))


def _tidy_text(text: str) -> str:
    """Trailing spaces dropped, runs of blank lines kept to two, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).strip("\n") + "\n"


def render_html(view: IssueView, settings: Settings, targets: Sequence[str] | None = None) -> str:
    """The HTML part: rendered, then its CSS inlined (the @media rules stay in a <style> block)."""
    link = email_linker(view, settings)
    unsubscribe, address = unsubscribe_targets(settings, targets)
    html = environment(view.lang).get_template("issue.html").render(
        view=view, link=link, note_html=Markup(note.clean(view.note_html, view.page_url, link.rewrite)),
        unsubscribe=unsubscribe, unsubscribe_address=address, padding=PADDING,
    )
    # css-inline drops the template's final newline; the part ends with one on the wire anyway (the email
    # package adds it), and the written .html must be byte for byte the part a reader gets.
    return INLINER.inline(html).rstrip("\n") + "\n"


def render_text(view: IssueView, settings: Settings, targets: Sequence[str] | None = None) -> str:
    """The plain-text part, wrapped at 76 columns, its links listed."""
    link = email_linker(view, settings)
    unsubscribe, address = unsubscribe_targets(settings, targets)
    plain = note.to_text(note.clean(view.note_html, view.page_url, link.rewrite))
    text = environment(view.lang).get_template("issue.txt").render(
        view=view, link=link, note=plain, unsubscribe=unsubscribe, unsubscribe_address=address,
    )
    return _tidy_text(text)


def render_view(view: IssueView, settings: Settings, problems: Problems,
                targets: Sequence[str] | None = None) -> Rendering:
    """One issue in one language; an HTML part over the size limit is added to `problems`.

    `targets` replaces `newsletter.list_unsubscribe` in the footer and the headers (see `agora send`).
    """
    html = render_html(view, settings, targets)
    text = render_text(view, settings, targets)
    limit = settings.options.newsletter.max_html_bytes
    size = len(html.encode("utf-8"))
    if size > limit:
        problems.error(view.source, "(html)", f"issue {view.issue_id} in {view.lang.code!r}: the HTML e-mail "
                                              f"is {size:,} bytes, over the {limit:,}-byte limit "
                                              f"(newsletter.max_html_bytes) above which Gmail clips it; "
                                              f"shorten the note or the period")
    eml = assemble(view, settings, html, text, targets)
    return Rendering(view.issue_id, view.lang.code, view.subject, html, text, eml)


def render_issues(
    community: Community,
    languages: Mapping[str, Language],
    ids: Iterable[str] | None = None,
    langs: Iterable[str] | None = None,
    problems: Problems | None = None,
    render: Callable[[IssueView, Settings, Problems], Rendering] = render_view,
) -> list[Rendering]:
    """Render issues `ids` (default: all, in period order) in `langs` (default: all, in the hub's order).

    `languages` is `i18n.load_languages(...)` for the hub's languages. Languages an issue is skipped in
    (`newsletter.untranslated: skip`) are warned about in `problems`. Raises `ContentError` with every error
    found — a link an e-mail cannot carry, an HTML part over `newsletter.max_html_bytes` — after rendering
    all, so one run reports them all; raises `ValueError` for an unknown issue id or language. `render`: how a
    view becomes a rendering (`agora build` reuses earlier builds' renderings of the same views).
    """
    problems = problems if problems is not None else Problems()
    issues = {issue.slug: issue for issue in community.newsletters}
    wanted = list(dict.fromkeys(ids)) if ids is not None else list(issues)
    unknown = [i for i in wanted if i not in issues]
    if unknown:
        raise ValueError(f"unknown newsletter issue {', '.join(map(repr, unknown))}; "
                         f"issues: {', '.join(issues) or 'none'}")
    langs = list(langs) if langs is not None else None
    bad = [code for code in langs or () if code not in community.settings.languages]
    if bad:
        raise ValueError(f"unknown language {', '.join(map(repr, bad))}; "
                         f"languages: {', '.join(community.settings.languages)}")
    order = [issue for issue in community.newsletters if issue.slug in wanted]
    settings = community.settings
    local = Problems()
    if not settings.site_url.startswith("https://"):
        local.error(CONFIG_FILE, "site_url", "newsletter links must be https: expected an https:// site_url")
    checked: set[str] = set()
    renderings = []
    for issue in order:
        for lang in issue_languages(community, issue, languages, langs, local):
            view = issue_view(community, issue, lang)
            if view.source not in checked:  # languages that fall back share the note, and its problems
                checked.add(view.source)
                for field, message in note.check(view.note_html, view.page_url):
                    local.error(view.source, field, message)
            renderings.append(render(view, settings, local))
    problems.extend(local)
    if local.errors:
        raise ContentError(local.errors)
    return renderings
