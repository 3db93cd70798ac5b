"""The issues on the hub: each issue's web copy, the archive of issues and their Atom feed, per language.

The site plugin owns the pages; these pure functions give it their content. Links here carry no UTM tags, and
the same rule as the e-mail decides which languages an issue exists in (`newsletter.untranslated`), so the
archive never lists a page the site does not build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from generator import atom, urls
from generator.i18n import Language
from generator.model.community import Community, Item
from generator.model.records import Newsletter
from generator.newsletter import note
from generator.newsletter.links import Linker
from generator.newsletter.render import environment
from generator.newsletter.view import IssueView, issue_view, published_in


@dataclass(frozen=True)
class ArchiveEntry:
    """One issue as the archive lists it. `path` is its web copy, relative to the site root and with the
    language prefix (`sv/newsletter/2026-11/`)."""

    issue_id: str
    number: int
    subject: str
    preheader: str
    label: str  # "Issue 12", localized
    period: str  # "November 2026", localized
    send_date: dt.date
    sent: str  # the send date, localized
    path: str
    original: str | None  # the language of subject and note when the issue is not translated, else None


def _published(community: Community, lang: str, today: dt.date | None) -> list[Item[Newsletter]]:
    """Issues that have a web copy in `lang` (`view.published_in`), oldest first; with `today`, only those
    sent by then."""
    return [
        issue for issue in community.newsletters
        if (today is None or issue.record.send_date <= today) and published_in(community, issue, lang)
    ]


def issue_views(community: Community, languages: Mapping[str, Language], lang: str) -> dict[str, IssueView]:
    """Every issue's view in `lang` that has a web copy there, by issue id: a language's web copies, archive
    and feed show the same views, and the hub's planner makes them once for all three (the `views` arguments
    below; without them each function makes the views it needs)."""
    return {issue.slug: issue_view(community, issue, languages[lang]) for issue in community.newsletters
            if published_in(community, issue, lang)}


def _view(community: Community, issue: Item[Newsletter], language: Language,
          views: Mapping[str, IssueView] | None) -> IssueView:
    return views[issue.slug] if views is not None else issue_view(community, issue, language)


def _web_linker(community: Community, base_url: str | None) -> Linker:
    site_url = community.settings.site_url
    return Linker(site_url, site_url if base_url is None else base_url, {})


def _compact(html: str) -> str:
    """No blank lines: a fragment placed in Markdown must stay one raw HTML block."""
    return "\n".join(line for line in html.splitlines() if line.strip()) + "\n"


def _fragment(view: IssueView, link: Linker) -> str:
    html = environment(view.lang).get_template("web.html").render(
        view=view, link=link, note_html=Markup(note.clean(view.note_html, view.page_url, link.rewrite)),
    )
    return _compact(html)


def web_copy(community: Community, languages: Mapping[str, Language], issue_id: str, lang: str,
             base_url: str | None = None, views: Mapping[str, IssueView] | None = None) -> str | None:
    """The content of the page `<lang>/newsletter/<issue_id>/` as an HTML fragment, or None when the issue
    has no web copy in `lang` (its note is untranslated and `newsletter.untranslated` is `skip`).

    Every issue sent in `lang` has one, whatever the build's reference date: the e-mail links to it, and an
    issue is typically built just before it is sent. Only the archive and the feed wait for the send date.

    The fragment has no title: the page's title is the issue's subject (`ArchiveEntry.subject`). Hub links
    are absolute (`site_url` + path) unless `base_url` replaces `site_url`, e.g. `"/"` or `"../../../"`.
    Raises KeyError for an unknown issue id.

    >>> web_copy(community, languages, "2026-11", "sv")  # doctest: +SKIP
    '<div class="agora-issue">\\n<p class="agora-meta agora-issue__meta">Nummer 12 · november 2026 …'
    """
    issue = next((i for i in community.newsletters if i.slug == issue_id), None)
    if issue is None:
        raise KeyError(f"unknown newsletter issue {issue_id!r}")
    if not published_in(community, issue, lang):
        return None
    return _fragment(_view(community, issue, languages[lang], views), _web_linker(community, base_url))


def archive_entries(community: Community, languages: Mapping[str, Language], lang: str,
                    today: dt.date | None = None, views: Mapping[str, IssueView] | None = None
                    ) -> list[ArchiveEntry]:
    """The issues of the archive page `<lang>/newsletter/`, newest first.

    With `today` (the build's `cli.reference_date`), issues whose send date is later are left out, so the
    hub does not announce an issue before it is sent.
    """
    language = languages[lang]
    entries = []
    for issue in reversed(_published(community, lang, today)):
        view = _view(community, issue, language, views)
        entries.append(ArchiveEntry(view.issue_id, view.number, view.subject, view.preheader, view.label,
                                    view.period, view.send_date, view.sent, view.page, view.note_original))
    return entries


def archive_html(community: Community, languages: Mapping[str, Language], lang: str,
                 today: dt.date | None = None, base_url: str | None = None,
                 views: Mapping[str, IssueView] | None = None) -> str:
    """The archive page's content as an HTML fragment (`archive_entries`), links as in `web_copy`."""
    link = _web_linker(community, base_url)
    entries = archive_entries(community, languages, lang, today, views)
    html = environment(languages[lang]).get_template("archive.html").render(entries=entries, link=link)
    return _compact(html)


def atom_feed(community: Community, languages: Mapping[str, Language], lang: str,
              today: dt.date | None = None, views: Mapping[str, IssueView] | None = None) -> str:
    """The Atom feed `<lang>/newsletter/feed.xml` of the archive's issues, newest first, each with its web
    copy (absolute links) as content. Deterministic: `updated` is the newest issue's send date."""
    settings = community.settings
    language = languages[lang]
    base = settings.site_url + urls.prefix(lang, settings.default_language)
    link = _web_linker(community, None)
    shown = [_view(community, issue, language, views) for issue in reversed(_published(community, lang, today))]
    entries = [
        atom.Entry(id=settings.site_url + view.page, title=view.subject, url=settings.site_url + view.page,
                   updated=atom.date_time(view.send_date), published=atom.date_time(view.send_date),
                   summary=view.preheader, content_html=_fragment(view, link))
        for view in shown
    ]
    return atom.feed(id=base + urls.newsletter_archive(), title=language.gettext("%(site)s newsletter",
                                                                                 site=settings.site_name),
                     self_url=base + urls.newsletter_feed(), site_url=base + urls.newsletter_archive(), lang=lang,
                     entries=entries, author=settings.site_name).decode("utf-8")
