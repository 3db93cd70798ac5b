"""`agora build`: validate, then one MkDocs + Material build per language in parallel, then swap `site/` in.

The parent process loads and validates the community once; forked workers inherit it (see
`site.plugin.PRELOADED`) and each runs a real MkDocs build for one language into its own folder. The default
language's tree becomes the site root and the others move under `<lang>/`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

from generator import stamp
from generator.cli import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, print_problems, reference_date
from generator.config import CONFIG_FILE, Settings, load_settings
from generator.output import merge_into, replaced_atomically
from generator.problems import ContentError

log = logging.getLogger("agora")


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def build_language(root: Path, code: str, site_dir: Path, today: dt.date, strict: bool) -> tuple[str, int, float]:
    """Run MkDocs for one language; returns (language, pages, seconds)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    started = time.perf_counter()
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site_dir), strict=strict)
    plugin = config.plugins["agora"]
    plugin.language, plugin.today = code, today
    try:
        mkdocs_build(config)
    except Exception as exc:
        page = plugin.rendering
        if page is None or page.source is None:
            raise
        # Python-Markdown (through html.parser) can fail on odd raw HTML; say which file, not which virtual page.
        raise PageError(f"{page.source}: (body): cannot be rendered in {code!r} ({type(exc).__name__}: "
                        f"{exc}); check the raw HTML in the text") from None
    return code, len(plugin.planned), time.perf_counter() - started


class PageError(Exception):
    """A page failed to render; the message names its content file."""


def _stopped(problems) -> int:
    print_problems(problems)
    count = len(problems)
    print(f"build stopped: {count} error{'s' * (count != 1)}; nothing was written", file=sys.stderr)
    return EXIT_ERRORS


def _output_clash(settings: Settings, out: Path, letters: Path | None) -> str | None:
    """Why the output folders may not be written, if they may not: each is replaced as a whole."""
    root = settings.root
    inputs = [root, *(folder.resolve() for folder in settings.input_dirs)]
    for target in filter(None, (out, letters)):
        # It must neither hold the repository nor sit in its inputs.
        clash = next((folder for folder in inputs if folder.is_relative_to(target)
                      or (folder != root and target.is_relative_to(folder))), None)
        if clash:
            return f"refusing to write to {target}: it would replace or sit inside {clash}"
    if letters and (letters.is_relative_to(out) or out.is_relative_to(letters)):
        # One inside the other would be swapped away with it.
        return f"the site ({out}) and newsletter.out_dir ({letters}) must not contain each other"
    return None


def build(args) -> int:
    root = args.root.resolve()
    try:
        settings = load_settings(root)
    except ContentError as exc:
        return _stopped(exc.problems)
    codes = args.lang or list(settings.languages)
    unknown = sorted(set(codes) - set(settings.languages))
    if unknown:
        print(f"agora build: --lang {', '.join(unknown)} is not configured; languages: "
              f"{', '.join(settings.languages)}", file=sys.stderr)
        return EXIT_USAGE
    codes = [c for c in settings.languages if c in codes]
    out = (args.out or root / "site").resolve()
    letters = (root / settings.options.newsletter.out_dir).resolve() if getattr(args, "newsletters", True) else None
    if clash := _output_clash(settings, out, letters):
        print(f"agora build: {clash}", file=sys.stderr)
        return EXIT_USAGE
    outputs = [out, letters] if letters else [out]
    # Before loading the community: with the same inputs and the same explicit reference date (or none, which
    # then comes from the same content), the build would write what is already there.
    build_print = stamp.fingerprint([root / CONFIG_FILE, *settings.input_dirs], {
        "languages": codes, "today": args.today, "strict": args.strict, "outputs": outputs,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")})
    if not getattr(args, "force", False) and stamp.unchanged(root, build_print, outputs):
        print(f"nothing changed since the last build of {out}: skipped (--force builds anyway)", file=sys.stderr)
        return EXIT_OK
    from generator.site import plugin as site_plugin  # MkDocs and Material: not needed for a skipped build

    try:
        settings, community, languages, _ = site_plugin.load(root, None, settings)
    except ContentError as exc:
        return _stopped(exc.problems)  # the outputs, and the record of them, stay as they were
    stamp.forget(root)
    today = reference_date(args.today, community.newest_date)
    # MkDocs dates its sitemap from SOURCE_DATE_EPOCH; pin it to the reference date so output is reproducible.
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(_epoch(today)))
    site_plugin.PRELOADED = (settings, community, languages, today)
    jobs = min(args.jobs or os.cpu_count() or 1, len(codes))
    default = settings.default_language
    started = time.perf_counter()
    print(f"building {len(codes)} languages with {jobs} parallel jobs (reference date {today})", file=sys.stderr)
    try:
        # Both outputs are staged beside their targets and swapped in only when everything has succeeded, so a
        # failed build leaves the previous site and the previous newsletters as they were.
        with (replaced_atomically(letters) if letters else contextlib.nullcontext()) as letters_staging, \
                replaced_atomically(out) as staging:
            if letters_staging:
                # First, because it takes a moment and an e-mail over the size limit should stop the build
                # before the MkDocs builds start.
                _newsletters(community, languages, codes, letters_staging, args.strict)
            folders = {code: staging / f".lang-{code}" for code in codes}
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures = [pool.submit(build_language, root, code, folders[code], today, args.strict)
                           for code in codes]
                done, pending = wait(futures, return_when=FIRST_EXCEPTION)
                for future in pending:
                    future.cancel()
                for future in futures:
                    if future.done() and not future.cancelled():
                        code, pages, seconds = future.result()
                        print(f"  {code}: {pages} pages in {seconds:.1f}s", file=sys.stderr)
            for code in codes:
                if code == default:
                    merge_into(folders[code], staging)
                else:
                    folders[code].rename(staging / code)
    except Exception as exc:  # noqa: BLE001 - any failure must leave the old site and say why
        if os.environ.get("AGORA_DEBUG"):
            raise
        kept = f"{out.name}/ and {letters.name}/ are" if letters else f"{out.name}/ is"
        reason = str(exc) if isinstance(exc, PageError) else f"{type(exc).__name__}: {exc}"
        print(f"build failed: {reason}\nthe previous {kept} unchanged", file=sys.stderr)
        return EXIT_ERRORS
    stamp.record(root, build_print, outputs)
    print(f"built {out} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    if letters:
        print(f"newsletters in {letters}", file=sys.stderr)
    return EXIT_OK


def _newsletters(community, languages, codes, folder: Path, strict: bool) -> None:
    """Every newsletter issue in every built language, into `folder` (the staged `newsletter.out_dir`)."""
    from generator.newsletter import build_issues

    count = len(build_issues(community, languages, codes, folder, strict))
    print(f"  newsletters: {count} rendering{'s' * (count != 1)} (issue × language)", file=sys.stderr)
