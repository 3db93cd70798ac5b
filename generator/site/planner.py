"""Plan one language of the hub: every page and file it contains, as a pure function of the community.

Indices are paginated and the navigation lists sections, never items, so the build grows linearly with the
number of items (a navigation listing every post makes every page carry every post).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from generator import atom, urls
from generator.i18n import Language
from generator.model import Community, Item, staleness
from generator.model.occurrences import is_upcoming, next_start
from generator.newsletter import web
from generator.newsletter.view import published_in
from generator.site import badges, calendar, figures, memo, repository
from generator.site.pages import PlannedFile, PlannedPage, paginate, relative
from generator.site.render import Renderer

# Pages whose headings make a table of contents worth showing.
LONG_READS = frozenset({"post.md.j2", "lesson.md.j2", "page.md.j2", "story.md.j2", "spotlight.md.j2",
                        "course.md.j2", "event.md.j2"})


@dataclass
class SitePlan:
    community: Community
    lang: Language
    languages: dict[str, Language]
    today: dt.date
    # What earlier builds rendered, by `memo.render_key`, and what every render depends on besides its values (the
    # build's settings, catalogs, templates and code); without a memo or a context nothing is reused. `reuse`:
    # False renders everything afresh (the memo then gets this plan's renders all the same).
    memo: memo.Memo | None = None
    context: str | None = None
    reuse: bool = True
    pages: list[PlannedPage] = field(default_factory=list)
    files: list[PlannedFile] = field(default_factory=list)
    # This plan's renders by key, for the next build's memo, and the keys of those not found in `memo`.
    rendered: dict[str, memo.Render] = field(default_factory=dict)
    fresh: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        options = self.community.settings.options
        self.options = options
        self.renderer = Renderer(self.lang, self.languages, options.timezones)
        self.view = memo.PlanView(self.community, self.today)
        if self.context is not None:
            self.context = memo.render_key(self.context, self.community.settings, self.lang.code)
        self.badges = badges.badges(self.community, options)
        self.contributions = badges.contributions(self.community)
        self.posts = tuple(p for p in self.community.published_posts)
        self.upcoming = self.community.upcoming_events(self.today)
        self.past = self.community.past_events(self.today)

    # -- helpers shared by the templates -------------------------------------------------------------------

    def version(self, item: Item):
        return item.version(self.lang.code)

    def absolute(self, url: str, code: str | None = None) -> str:
        return self.community.settings.site_url + urls.prefix(code or self.lang.code, self.lang.default) + url

    def add(self, url: str, template: str, title: str, *, item: Item | None = None, nav: str | None = None,
            description: str | None = None, canonical: str | None = None,
            languages: tuple[str, ...] | None = None, **values: object) -> None:
        version = item.version(self.lang.code) if item else None
        fallback = version.lang if version and version.fallback else None
        here = self.renderer.full(url)
        # A translation made from an older original links to the original; a missing one, to where it is made.
        stale = item is not None and staleness.status(item, self.lang.code) == "stale"
        original = relative(self.renderer.full(url, item.lang), here) if stale else None
        create = repository.create_url(self.community.settings, staleness.translation_path(item, self.lang.code)) \
            if fallback else None
        values = dict(plan=self.view, title=title, item=item, v=version, fallback=fallback,
                      stale_original=original, create_url=create, **values)
        # `v` is `item`'s version in this language: the item's fingerprint and the language key it already.
        key_values = {name: value for name, value in values.items() if name != "v"} if item else values
        make = functools.partial(self.renderer.render, template, here, **values)
        key, render = self._render((template, here, key_values), make)
        self.pages.append(PlannedPage(
            url=url, title=title, markdown_digest=render.digest, links_to_files=render.links_to_files,
            read_markdown=functools.partial(self._text, key, render, make),
            description=description, canonical=canonical, nav=nav, toc=template in LONG_READS,
            languages=languages, source=version.path if version else None))

    def _render(self, inputs: tuple, make: Callable[[], str]) -> tuple[str | None, memo.Render]:
        """The key of what `make()` returns given `inputs` in this build's context, and the render: from an
        earlier build (its text read only when asked for: `_text`), or made now."""
        if self.context is None:
            return None, memo.Render.of(make())
        key = memo.render_key(self.context, *inputs)
        render = self.rendered.get(key) or (self.memo.get(key) if self.memo is not None and self.reuse else None)
        if render is None:
            render = memo.Render.of(make())
            self.fresh.add(key)
        self.rendered[key] = render
        return key, render

    def forget(self) -> None:
        """Drop the pages, files and renders: each page reads its text through this plan (a cycle otherwise)."""
        self.pages.clear()
        self.files.clear()
        self.rendered.clear()

    def _text(self, key: str | None, render: memo.Render, make: Callable[[], str]) -> str:
        """The text of `render`: made already, or read from the memo, or (an entry damaged since) made again."""
        if render.text is None:
            render.text = self.memo.text(key, render)
        if render.text is None:
            render.text = make()
            self.fresh.add(key)  # written again with this build's renders
        return render.text

    def _file(self, path: str, inputs: tuple, make: Callable[..., str], /, *args: object) -> PlannedFile:
        """The file at `path` holding `make(*args)`, or what it returned in an earlier build given the same
        `inputs` in the same context (read only when the file is written)."""
        made = functools.partial(make, *args)
        key, render = self._render(inputs, made)
        return PlannedFile(path=path, content_digest=render.digest,
                           read_content=lambda: self._text(key, render, made).encode("utf-8"))

    def gettext(self, message: str, **values: object) -> str:
        return self.lang.gettext(message, **values)

    # -- sections ------------------------------------------------------------------------------------------

    def plan(self) -> SitePlan:
        self.home()
        self.posts_section()
        self.members_section()
        self.spotlights_section()
        self.stories_section()
        self.events_section()
        self.academy_section()
        self.figures_page()
        self.plain_pages()
        self.translate_page()
        self.newsletter_section()
        return self

    def home(self) -> None:
        spotlight = next((s for s in self.community.spotlights if s.record.month <= self.today.isoformat()[:7]),
                         None)
        newest_course = max(self.community.courses.values(), key=lambda c: (c.record.date, c.slug), default=None)
        figures_summary = {
            "members": len(self.community.public_members), "posts": len(self.posts),
            "events": len(self.community.events), "lessons": sum(len(ls) for ls in self.community.lessons.values()),
        }
        self.add(urls.home(), "home.md.j2", self.community.settings.site_name, nav="home",
                 spotlight=spotlight, posts=self.posts[: self.options.home_posts],
                 events=self.upcoming[: self.options.home_events], story=next(iter(self.community.stories), None),
                 course=newest_course, figures=figures_summary, signup=self.options.signup)

    def post_list(self, items: tuple, title: str, url_of, heading: str, intro: str | None = None,
                  nav: str | None = None) -> None:
        pages = paginate(items, self.options.posts_per_page)
        for number, chunk in enumerate(pages, start=1):
            pager = {"number": number, "count": len(pages), "prev": url_of(number - 1) if number > 1 else None,
                     "next": url_of(number + 1) if number < len(pages) else None, "total": len(items)}
            page_title = title if number == 1 else self.gettext("%(title)s, page %(num)s", title=title,
                                                                    num=self.lang.number(number))
            self.add(url_of(number), "post_list.md.j2", page_title, nav=nav if number == 1 else None,
                     heading=heading, intro=intro, posts=chunk, pager=pager)

    def posts_section(self) -> None:
        self.post_list(self.posts, self.gettext("Posts"), urls.posts_index, self.gettext("Posts"), nav="posts")
        by_tag: defaultdict[str, list] = defaultdict(list)
        for post in self.posts:
            for tag in post.record.tags:
                by_tag[tag].append(post)
        for tag, posts in sorted(by_tag.items()):
            title = self.gettext("Posts tagged “%(tag)s”", tag=tag)
            self.post_list(tuple(posts), title, lambda n, t=tag: urls.tag(t, n), title)
        for index, post in enumerate(self.posts):
            version = self.version(post)
            canonical = post.record.canonical_url if post.record.content == "full" else None
            # self.posts is newest first: the next post in the list is the older one.
            newer = self.posts[index - 1] if index > 0 else None
            older = self.posts[index + 1] if index + 1 < len(self.posts) else None
            self.add(urls.post(post.slug), "post.md.j2", version.record.title, item=post,
                     description=version.record.summary, canonical=canonical, newer=newer, older=older)
        entries = [
            atom.Entry(
                id=self.absolute(urls.post(p.slug)), title=self.version(p).record.title,
                url=self.absolute(urls.post(p.slug)), updated=atom.date_time(p.record.date),
                author=self.view.member(p.record.author).record.name if self.view.member(p.record.author) else None,
                summary=self.version(p).record.summary, categories=tuple(p.record.tags),
            )
            for p in self.posts[:50]
        ]
        self.files.append(PlannedFile.of(urls.posts_feed(), atom.feed(
            id=self.absolute(urls.posts_feed()), title=f"{self.community.settings.site_name} — "
                                                         f"{self.gettext('Posts')}",
            self_url=self.absolute(urls.posts_feed()), site_url=self.absolute(urls.home()),
            lang=self.lang.code, entries=entries, author=self.community.settings.site_name,
        )))

    def members_section(self) -> None:
        members = sorted(self.community.public_members, key=lambda m: (m.record.name.casefold(), m.slug))
        pages = paginate(tuple(members), self.options.members_per_page)
        for number, chunk in enumerate(pages, start=1):
            pager = {"number": number, "count": len(pages),
                     "prev": urls.members_index(number - 1) if number > 1 else None,
                     "next": urls.members_index(number + 1) if number < len(pages) else None,
                     "total": len(members)}
            self.add(urls.members_index(number), "members.md.j2", self.gettext("Members"),
                     nav="members" if number == 1 else None, members=chunk, pager=pager)
        posts_by_author: defaultdict[str, list] = defaultdict(list)
        for post in self.posts:
            posts_by_author[post.record.author].append(post)
        for member in members:
            self.add(urls.member(member.slug), "member.md.j2", member.record.name, item=member,
                     contributions=self.contributions.get(member.slug, badges.Contributions()),
                     badges=self.badges.get(member.slug, ()), posts=posts_by_author[member.slug][:10],
                     post_count=len(posts_by_author[member.slug]))
        board = badges.leaderboard(self.community, self.options)
        self.add(urls.leaderboard(), "leaderboard.md.j2", self.gettext("Leaderboard"), board=board,
                 contributions=self.contributions)

    def spotlights_section(self) -> None:
        self.add(urls.spotlights_index(), "spotlights.md.j2", self.gettext("Member of the month"),
                 nav="spotlights", spotlights=self.community.spotlights)
        for spotlight in self.community.spotlights:
            member = self.community.members[spotlight.record.member]
            title = self.version(spotlight).record.headline or member.record.name
            self.add(urls.spotlight(spotlight.slug), "spotlight.md.j2", title, item=spotlight, member=member)

    def stories_section(self) -> None:
        self.add(urls.stories_index(), "stories.md.j2", self.gettext("Success stories"), nav="stories",
                 stories=self.community.stories)
        for story in self.community.stories:
            self.add(urls.story(story.slug), "story.md.j2", self.version(story).record.title, item=story,
                     description=self.version(story).record.summary)

    def events_section(self) -> None:
        past_pages = paginate(self.past, self.options.posts_per_page)
        self.add(urls.events_index(), "events.md.j2", self.gettext("Events"), nav="events",
                 upcoming=self.upcoming, past=self.past[:5], past_total=len(self.past))
        for number, chunk in enumerate(past_pages, start=1):
            pager = {"number": number, "count": len(past_pages),
                     "prev": urls.past_events(number - 1) if number > 1 else None,
                     "next": urls.past_events(number + 1) if number < len(past_pages) else None,
                     "total": len(self.past)}
            self.add(urls.past_events(number), "events_past.md.j2", self.gettext("Past events"),
                     events=chunk, pager=pager)
        stamp = dt.datetime.combine(self.today, dt.time(), dt.UTC)
        site_url = self.community.settings.site_url
        for event in self.community.events:
            version = self.version(event)
            upcoming = is_upcoming(event.record, self.today)
            self.add(urls.event(event.slug), "event.md.j2", version.record.title, item=event,
                     description=version.record.summary, upcoming=upcoming,
                     start=next_start(event.record, self.today))
            entry = (event, version.record.title, version.record.summary, self.absolute(urls.event(event.slug)))
            self.files.append(self._file(urls.event_ics(event.slug), ("calendar", entry, site_url, stamp),
                                         _calendar_text, [entry], site_url, version.record.title, stamp))
        entries = [(e, self.version(e).record.title, self.version(e).record.summary,
                    self.absolute(urls.event(e.slug))) for e in self.upcoming]
        name = f"{self.community.settings.site_name} — {self.gettext('Events')}"
        self.files.append(self._file(urls.calendar(), ("calendar", entries, site_url, name, stamp), _calendar_text,
                                     entries, site_url, name, stamp))

    def academy_section(self) -> None:
        courses = sorted(self.community.courses.values(),
                         key=lambda c: (c.record.path or "", ["beginner", "intermediate", "advanced"]
                                        .index(c.record.level), c.slug))
        groups: dict[str, list] = {}
        for course in courses:
            groups.setdefault(self.version(course).record.path or self.gettext("Other courses"), []).append(course)
        self.add(urls.academy(), "academy.md.j2", self.gettext("Academy"), nav="academy", groups=groups,
                 lessons=self.community.lessons)
        for course in courses:
            lessons = self.community.lessons.get(course.slug, ())
            total = course.record.duration or sum(lesson.record.duration or 0 for lesson in lessons)
            self.add(urls.course(course.slug), "course.md.j2", self.version(course).record.title, item=course,
                     description=self.version(course).record.summary, lessons=lessons, total=total)
            for index, lesson in enumerate(lessons):
                self.add(urls.lesson(course.slug, lesson.slug), "lesson.md.j2", self.version(lesson).record.title,
                         item=lesson, course=course, lessons=lessons, index=index,
                         prev=lessons[index - 1] if index > 0 else None,
                         next=lessons[index + 1] if index + 1 < len(lessons) else None)

    def figures_page(self) -> None:
        data = figures.figures(self.community, self.lang, self.today)
        self.add(urls.figures(), "figures.md.j2", self.gettext("Community figures"), nav="figures",
                 charts=data)

    def plain_pages(self) -> None:
        for page in self.community.pages:
            self.add(urls.page(page.slug), "page.md.j2", self.version(page).record.title, item=page,
                     nav="pages", description=self.version(page).record.summary)

    def translate_page(self) -> None:
        """What is missing or stale in this language, most important first, each with a link to its page and, when
        the settings name the repository, to where its translation is created or updated."""
        wanted = staleness.help_wanted(self.community, self.lang.code)
        settings = self.community.settings
        sections = [(self.gettext("Site pages"), wanted.pages), (self.gettext("Academy"), wanted.academy),
                    (self.gettext("Posts"), wanted.posts)]
        rows = {heading: [{
            "url": urls.item_page(e.item.kind, e.item.slug) or urls.lesson(e.item.course, e.item.slug),
            "version": self.version(e.item), "status": e.status, "path": e.path,
            "action": (repository.create_url if e.status == "missing" else repository.edit_url)(settings, e.path),
        } for e in entries] for heading, entries in sections if entries}
        self.add(urls.translate(), "translate.md.j2", self.gettext("Help translate"), nav="pages", sections=rows,
                 more_posts=wanted.more_posts)


    def newsletter_section(self) -> None:
        # The newsletter package writes what an issue says on the web (one implementation for the web copy,
        # archive and feed), and decides which languages an issue exists in, so the hub and the e-mail agree.
        code, community, languages = self.lang.code, self.community, self.languages
        archive_url = urls.newsletter_archive()
        views = web.issue_views(community, languages, code)
        archive = web.archive_html(community, languages, code, self.today, self._to_root(archive_url), views)
        self.add(archive_url, "newsletter_archive.md.j2", self.gettext("Newsletter"), nav="newsletter",
                 archive=archive)
        for issue in reversed(community.newsletters):
            url = urls.newsletter_issue(issue.slug)
            copy = web.web_copy(community, languages, issue.slug, code, self._to_root(url), views)
            if copy is None:
                continue
            version = self.version(issue)
            exists_in = tuple(c for c in languages if published_in(community, issue, c))
            self.add(url, "newsletter_issue.md.j2", version.record.subject, item=issue,
                     description=version.record.preheader, web_copy=copy, languages=exists_in)
        feed = web.atom_feed(community, languages, code, self.today, views)
        self.files.append(PlannedFile.of(urls.newsletter_feed(), feed.encode("utf-8")))

    def _to_root(self, url: str) -> str:
        """The relative link from page `url` of this language to the site root, e.g. `../../`."""
        return relative(urls.home(), self.renderer.full(url))


def _calendar_text(*args: object) -> str:
    """`calendar.calendar` as text, which the planner's memo keeps."""
    return calendar.calendar(*args).decode("utf-8")


def plan_language(community: Community, languages: dict[str, Language], code: str, today: dt.date, *,
                  memo: memo.Memo | None = None, context: str | None = None, reuse: bool = True) -> SitePlan:
    """Every page and file of language `code`; the same inputs give the same plan, in the same order.

    With a `context` (a digest of everything outside the community that templates depend on), renders are keyed:
    those in `memo` (earlier builds' renders) are taken instead of rendered again, unless `reuse` is False, and
    this plan's are for `memo` to keep.
    """
    return SitePlan(community, languages[code], languages, today, memo=memo, context=context, reuse=reuse).plan()
