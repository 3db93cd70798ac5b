"""`agora fetch`: the one command that touches the network, read top to bottom as its pipeline.

check feeds.yml and the members → select feeds → download concurrently (conditional GET), parsing each as it
arrives → load and check the whole community → plan every file in feeds.yml order and write it → report →
remember the validators.

The whole community is loaded only once there is something to write: a run where every feed answers 304 (the
usual scheduled run) never reads the posts, and nothing is ever written into a community that fails `check`.
Planning waits until every download is in and runs in feeds.yml order, so the slugs two feeds compete for
never depend on which server answered first: the same feed bytes give the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.config import Settings, load_settings
from generator.feeds.http import Download, fetch_all, user_agent
from generator.feeds.importer import plan_feed, scan_posts, write_outcomes
from generator.feeds.parse import FeedError, ParsedFeed, parse_feed
from generator.feeds.report import FeedRun, progress_line, summary_table, totals_line
from generator.feeds.state import STATE_FILE, Validators, load_state, save_state, settings_key
from generator.i18n import load_languages
from generator.model import Community, load_community
from generator.model.loader import FEEDS_FILE, assemble, classify, load_feeds, read_source
from generator.model.records import FeedSource
from generator.model.references import check_references
from generator.problems import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, Problem, Problems, print_problems


def fetch_command(args: argparse.Namespace) -> int:
    try:
        today = fetch_day(os.environ, dt.datetime.now(dt.UTC))
    except (ValueError, OverflowError, OSError):
        print("agora fetch: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970", file=sys.stderr)
        return EXIT_USAGE
    root = args.root
    settings = load_settings(root)  # a ContentError here is printed by the CLI, exit 1
    community, loaded = load_feeds_and_members(settings)
    if loaded.errors:
        return stopped(loaded.errors, "nothing was fetched")
    positions, unknown = select_feeds(community.feeds, args.only)
    if unknown:
        members = ", ".join(sorted({f.member for f in community.feeds})) or "none"
        print(f"agora fetch: --only {', '.join(unknown)}: no feed of that member in {FEEDS_FILE}; "
              f"members with feeds: {members}", file=sys.stderr)
        return EXIT_USAGE
    if not positions:
        print(f"no feeds listed in {settings.options.content_dir}/{FEEDS_FILE}; nothing to fetch")
        return EXIT_OK

    state, state_note = load_state(root)
    if state_note:
        print(f"note: {state_note}", file=sys.stderr)
    runs = [FeedRun(i, community.feeds[i]) for i in positions]
    downloads, parsed = download_and_parse(runs, state, args.timeout, args.concurrency,
                                           user_agent(settings.site_url))
    if parsed:
        _, found = load_community(settings)
        if found.errors:
            # No validators are saved either, so the next run downloads these feeds again.
            return stopped(found.errors, "nothing was written")
    imported = import_entries(community, runs, downloads, parsed, today)

    print_problems(imported.problems.errors + imported.problems.warnings)
    for note in imported.notes:
        print(note, file=sys.stderr)
    print(summary_table(runs))
    print(totals_line(runs))
    remember(root, state, imported.validators, community.feeds)
    failed = any(run.status == "failed" for run in runs)
    return EXIT_ERRORS if failed or (args.strict and imported.problems.warnings) else EXIT_OK


def fetch_day(environ: Mapping[str, str], now: dt.datetime) -> dt.date:
    """The date given to entries that have none: SOURCE_DATE_EPOCH when set, so a run can be repeated byte for
    byte; otherwise today (UTC). Only fetch may read the clock: it is the network edge, and what it writes is
    reviewed and committed, after which every build is reproducible again."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return now.astimezone(dt.UTC).date()


def load_feeds_and_members(settings: Settings) -> tuple[Community, Problems]:
    """feeds.yml and the member files, validated as `agora check` validates them; every other collection is
    left empty. This is all a run needs until it has something to write."""
    problems = Problems()
    members_dir = settings.content_dir / "members"
    found = []
    for path in sorted(members_dir.glob("*.md")) if members_dir.is_dir() else []:
        rel = path.relative_to(settings.root).as_posix()
        if not path.name.startswith(".") and (source := classify(rel, ("members", path.name), problems)):
            found.append((path, source))
    parsed = [p for path, source in found if (p := read_source(path, source, problems))]
    members = assemble(parsed, [source for _, source in found], settings, problems)["member"]
    community = Community(
        settings=settings, members={m.slug: m for m in sorted(members, key=lambda m: m.slug)}, posts=(),
        spotlights=(), stories=(), events=(), courses={}, lessons={}, pages=(), newsletters=(),
        feeds=tuple(load_feeds(settings, problems).feeds),
    )
    check_references(community, problems)
    return community, problems


def stopped(errors: Sequence[Problem], what: str) -> int:
    print_problems(errors)
    count = len(errors)
    print(f"fetch stopped: {count} error{'s' * (count != 1)} in the content (see `agora check`); {what}",
          file=sys.stderr)
    return EXIT_ERRORS


def select_feeds(feeds: Sequence[FeedSource], only: Sequence[str] | None) -> tuple[list[int], list[str]]:
    """Positions in feeds.yml of the feeds to fetch, and the `--only` handles that have no feed."""
    if not only:
        return list(range(len(feeds))), []
    unknown = sorted(set(only) - {feed.member for feed in feeds})
    return [i for i, feed in enumerate(feeds) if feed.member in only], unknown


def sendable(feed: FeedSource, stored: Validators | None) -> Validators | None:
    """Validators worth sending: only those stored under the feed's current settings (a changed tag filter or
    content mode needs the whole feed again, however unchanged it is on the server)."""
    return stored if stored and stored.settings == settings_key(feed) else None


def download_and_parse(runs: list[FeedRun], state: Mapping[str, Validators], timeout: float, concurrency: int,
                       agent: str) -> tuple[list[Download], dict[int, ParsedFeed]]:
    """Every feed's download (in `runs` order) and the parsed feeds by position; prints a line per feed as it
    completes and records its status in its run."""
    parsed: dict[int, ParsedFeed] = {}
    finished = 0

    # Parsing happens as each download completes, while the others are still on the wire.
    def on_done(number: int, download: Download) -> None:
        nonlocal finished
        run = runs[number]
        run.status, run.error, run.seconds = download.status, download.error, download.seconds
        if download.status == "fetched":
            try:
                result = parse_feed(download.body, download.final_url, download.content_type,
                                    run.feed.content, run.feed.images)
            except FeedError as exc:
                run.status, run.error = "failed", str(exc)
            except Exception as exc:  # a parser bug on somebody's bytes must cost one feed, not the run
                run.status, run.error = "failed", f"could not be parsed ({type(exc).__name__}: {exc})"
            else:
                parsed[number], run.entries = result, len(result.entries)
        finished += 1
        print(progress_line(finished, len(runs), run), file=sys.stderr, flush=True)

    requests = [(run.feed.url, sendable(run.feed, state.get(run.feed.url))) for run in runs]
    downloads = fetch_all(requests, timeout=timeout, concurrency=concurrency, agent=agent, on_done=on_done)
    return downloads, parsed


@dataclass
class Imported:
    problems: Problems = field(default_factory=Problems)
    notes: list[str] = field(default_factory=list)
    validators: dict[str, Validators] = field(default_factory=dict)  # by URL, for every feed fully imported


def import_entries(community: Community, runs: list[FeedRun], downloads: Sequence[Download],
                   parsed: Mapping[int, ParsedFeed], today: dt.date) -> Imported:
    """Plan and write the posts of every parsed feed, in feeds.yml order; collects what to report."""
    settings = community.settings
    root = settings.root
    feeds_rel = f"{settings.options.content_dir}/{FEEDS_FILE}"
    lines = feed_lines(settings.content_dir / FEEDS_FILE)
    posts_dir = settings.content_dir / "posts"
    library = scan_posts(root, posts_dir, {feed.url for feed in community.feeds}) if parsed else None
    # Only for the title of an entry that has none; a broken catalog is `agora check`'s to report.
    languages = load_languages(settings.languages, settings.locales_dir, root, Problems()) if parsed else {}
    result = Imported()
    for number, (run, download) in enumerate(zip(runs, downloads, strict=True)):
        feed, where, line = run.feed, f"feeds.{run.index}", lines.get(run.index)
        if download.moved_to:
            result.problems.warning(feeds_rel, f"{where}.url", f"{feed.url} has moved permanently to "
                                                               f"{download.moved_to}; list the new address", line)
        if run.status == "failed":
            result.problems.error(feeds_rel, where, f"{feed.member} {feed.url}: {run.error}", line)
        if number not in parsed or library is None:
            continue
        language = feed_language(feed, community)
        outcomes = plan_feed(feed, parsed[number].entries, library, language=language,
                             untitled=languages[language].gettext("Untitled post"), fetch_date=today,
                             posts_rel=posts_dir.relative_to(root).as_posix())
        run.planned = True
        run.counts.update(outcome.kind for outcome in outcomes)
        for message in [*parsed[number].warnings, *(w for o in outcomes for w in o.warnings)]:
            result.problems.warning(feeds_rel, where, f"{feed.member} {feed.url}: {message}", line)
        result.notes.extend(f"{o.path}: note: {o.note}" for o in outcomes if o.note)
        errors = write_outcomes(root, outcomes)
        if errors:
            # Nothing is remembered for this feed, so the next run downloads it in full and retries.
            run.status, run.error = "failed", f"{len(errors)} post(s) could not be written"
            result.problems.error(feeds_rel, where, f"{feed.member} {feed.url}: {'; '.join(errors)}", line)
        else:
            fetched = download.validators or Validators()
            result.validators[feed.url] = Validators(fetched.etag, fetched.last_modified, settings_key(feed))
    return result


def feed_language(feed: FeedSource, community: Community) -> str:
    """The feed's language, else the member's first language the hub is built in, else the default one."""
    languages = community.settings.languages
    if feed.language:
        return feed.language
    member = community.members.get(feed.member)
    spoken = member.record.languages if member else []
    return next((code for code in spoken if code in languages), community.settings.default_language)


def feed_lines(path: Path) -> dict[int, int]:
    """The file line of each entry of feeds.yml, so a problem points at its feed (and they sort in file order).

    Composing builds nodes without expanding aliases, and the file has been validated by then anyway.
    """
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    feeds = next((v for k, v in node.value if k.value == "feeds"), None) \
        if isinstance(node, yaml.MappingNode) else None
    if not isinstance(feeds, yaml.SequenceNode):
        return {}
    return {index: item.start_mark.line + 1 for index, item in enumerate(feeds.value)}


def remember(root: Path, state: Mapping[str, Validators], fresh: Mapping[str, Validators],
             feeds: Sequence[FeedSource]) -> None:
    """Save the validators: fresh ones for the feeds imported now; the stored ones of feeds not imported this
    time (--only, 304, failures); none for feeds no longer listed. A feed imported without validators loses
    its old ones (save_state drops empty entries)."""
    listed = {feed.url for feed in feeds}
    kept = {url: v for url, v in state.items() if url in listed and url not in fresh}
    try:
        save_state(root, {**kept, **fresh})
    except OSError as exc:
        print(f"note: {STATE_FILE} could not be saved ({exc.strerror or exc}); the next fetch downloads "
              f"every feed in full", file=sys.stderr)
