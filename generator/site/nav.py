"""The site navigation: sections and plain pages only, so its size does not grow with the content."""

from __future__ import annotations

from generator import urls
from generator.i18n import Language
from generator.site.planner import SitePlan


def navigation(plan: SitePlan, lang: Language) -> list:
    sections = [
        (lang.gettext("Home"), urls.home()),
        (lang.gettext("Posts"), urls.posts_index()),
        (lang.gettext("Events"), urls.events_index()),
        (lang.gettext("Academy"), urls.academy()),
        (lang.gettext("Members"), urls.members_index()),
        (lang.gettext("Stories"), urls.stories_index()),
        (lang.gettext("Spotlights"), urls.spotlights_index()),
        (lang.gettext("Figures"), urls.figures()),
        (lang.gettext("Newsletter"), urls.newsletter_archive()),
    ]
    nav: list = [{title: urls.src_uri(url)} for title, url in sections]
    pages = [{p.title: urls.src_uri(p.url)} for p in plan.pages if p.nav == "pages"]
    if pages:
        nav.append({lang.gettext("About"): pages})
    return nav
