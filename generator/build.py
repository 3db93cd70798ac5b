"""`agora build`: validate, then one MkDocs + Material build per language in parallel, then swap `site/` in.

The parent process loads and validates the community once; forked workers inherit it and each runs a real MkDocs
build for one language into its own folder (with one job, the parent builds them itself, one after the other).
The default language's tree becomes the site root and the others move under `<lang>/`.

Incremental: every page's HTML is kept in the page cache (`generator/site/cache.py`) under a key that covers all
it depends on, and a page whose key is unchanged is restored instead of converted and rendered. Every page is
still placed by MkDocs, so navigation, sitemap and search index are whole, and the output is written to a
staging folder and swapped in, so a killed build leaves the previous site as it was.

This module and `generator/site/plugin.py` are the only ones that know MkDocs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import multiprocessing
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from babel import localedata

from generator import renderings, stamp
from generator.config import CONFIG_FILE, Settings, load_settings
from generator.digests import FileDigests
from generator.inputs import BuildInputs, keep_parses, load_inputs
from generator.newsletter.selection import select
from generator.output import discard_beside, merge_into, remove_other_formats, replaced_atomically
from generator.problems import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, ContentError, print_problems
from generator.progress import Progress, Reporter
from generator.site import cache as page_cache
from generator.site import manifest, memo

log = logging.getLogger("agora")


@dataclass(frozen=True)
class BuildOptions:
    """How to build; the defaults are what `agora build` with no options does."""

    out: Path | None = None  # default: <root>/site
    languages: tuple[str, ...] | None = None  # default: every configured language
    today: dt.date | None = None  # default: see generator.reference
    strict: bool = False
    jobs: int | None = None  # default: one per CPU
    force: bool = False  # build even when nothing changed, and render every page afresh
    newsletters: bool = True
    progress: bool = True  # live progress: redrawn on a terminal, a plain line every few seconds elsewhere
    # Record the build, so that the same inputs next time are skipped; `agora serve` does not: every one of its
    # builds follows a change, and fingerprinting all inputs and listing the output would only delay the preview.
    remember: bool = True


@dataclass(frozen=True)
class LanguageResult:
    code: str
    rendered: int
    reused: int
    seconds: float
    # The manifest of what this build wrote, to put in place once its output is (generator/site/manifest.py).
    manifest: Path | manifest.Unwritten | None = None
    # Pages whose content item's body was converted apart from the page, and how many bodies this build
    # converted (the others were converted for another language by the same worker).
    body_pages: int = 0
    bodies_converted: int = 0
    # `stamp.folder_listing` of what this build wrote, when the build is to be remembered.
    listing: str | None = None
    # What MkDocs warned of (a link to a page or an anchor that is not there), each named by its content file.
    warnings: tuple[str, ...] = ()


class _NotDirty(logging.Filter):
    """MkDocs warns that a `--dirty` build leaves navigation and links stale. Agora's is not stale: it tells MkDocs
    exactly which pages did not change, and supplies their search entries and anchors. Dropped, so that
    `--strict` does not count it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


_NOT_DIRTY = _NotDirty()  # one instance: a process may build many times (`agora serve`, `--jobs 1`)


class PageError(Exception):
    """A page failed to convert or render; the message names the page, the phase and the file behind it."""


# Set in the parent just before the workers are forked (they inherit it instead of receiving a pickled copy).
_SHARED: tuple[BuildInputs, str | None, object] | None = None


# The thread storing the last build's parses (`inputs.keep_parses`); not a daemon: the process exits after it.
_KEEPING: threading.Thread | None = None


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def build_language(root: Path, code: str, site_dir: Path, strict: bool, reuse: bool,
                   previous: tuple[Path, Path] | None = None, spare: tuple[Path, Callable] | None = None,
                   listed: bool = False, in_process: bool = False) -> LanguageResult:
    """Run MkDocs for one language into `site_dir` (in a forked worker). `previous`: the folder holding this
    language's output of the last build and the manifest describing it, whose unchanged files are taken over.
    `spare`: the manifest of what `site_dir` holds when it is a spare output to update in place, and how to
    discard it when it is not worth updating (generator/output.py). `listed`: list what was written for the
    record of the build (`stamp`), here, where the languages are listed in parallel. `in_process`: this is the
    process that puts the output in place (no worker)."""
    from mkdocs.config import load_config

    from generator.site.cache import PageCache

    inputs, context_key, queue = _SHARED
    started = time.perf_counter()
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(str(root / CONFIG_FILE), site_dir=str(site_dir), strict=strict)
    plugin = config.plugins["agora"]
    plugin.language, plugin.today, plugin.inputs = code, inputs.today, inputs
    plugin.cache, plugin.context_key, plugin.reuse = PageCache(root, code), context_key, reuse
    if queue is not None:
        plugin.progress = Reporter(queue, code)
    if previous is not None:
        plugin.previous_dir, plugin.manifest_path = previous
    if spare is not None:
        plugin.spare_manifest_path, plugin.discard = spare
    plugin.in_process = in_process
    # Dirty: pages and files the plugin marks unchanged are neither built nor copied.
    dirty = previous is not None and reuse
    logging.getLogger("mkdocs.commands.build").addFilter(_NOT_DIRTY)
    # The plan and the files are thousands of objects that all live to the end of the build, and a young
    # collection scans every object allocated since the last: a tenth of a second per language, to free almost
    # nothing (what a build drops is freed as it is dropped, unless it is part of a cycle). The plugin turns the
    # collector on again once it knows it renders many pages, whose cycles are worth collecting
    # (`AgoraPlugin.on_files`); an edit build renders a few. Turned on again once the build's objects are
    # dropped (`forget`): turned on before, it scanned them all at once.
    with _collector_off():
        _build_with(plugin, config, code, dirty)
        listing = plugin.finish(listed)
        plugin.forget()
    return LanguageResult(code, plugin.rendered, plugin.reused, time.perf_counter() - started,
                          plugin.manifest_pending, plugin.bodies["pages"], plugin.bodies["converted"], listing,
                          tuple(plugin.warnings))


def _build_with(plugin, config, code: str, dirty: bool) -> None:
    """MkDocs' build, with a failure named by the page, the phase and the file behind it."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort

    try:
        mkdocs_build(config, dirty=dirty)
    except Exception as exc:
        logging.getLogger("mkdocs").removeHandler(getattr(plugin, "warnings_handler", None))
        if isinstance(exc, Abort) and plugin.warnings:  # --strict and warnings: say which
            warned = list(dict.fromkeys(plugin.warnings))
            raise PageError(f"--strict and {_count(len(warned), 'warning')} in {code!r}:\n"
                            + "\n".join(f"  {message}" for message in warned)) from None
        if plugin.current is not None:
            raise PageError(_blame(plugin.current, code, exc)) from None
        if where := _template_frame(exc):
            # Before any page: planning, whose page templates are Agora's.
            raise PageError(f"{where}template error while planning the pages of {code!r}: "
                            f"{type(exc).__name__}: {exc}") from None
        raise


def _count(number: int, name: str) -> str:
    return f"{number} {name}{'s' * (number != 1)}"


def _blame(current, code: str, exc: Exception) -> str:
    """Name the page, the phase and the file behind a failure (MkDocs' own message names a virtual file)."""
    phase, planned = current
    page = f"/{planned.url}" + (f" ({planned.source})" if planned.source else "")
    if phase == "markdown":
        # Python-Markdown (through html.parser) can fail on odd raw HTML.
        return (f"{planned.source or page}: (body): cannot be rendered in {code!r} ({type(exc).__name__}: {exc}); "
                "check the raw HTML in the text")
    return f"{_template_frame(exc)}template error while rendering page {page} in {code!r}: {type(exc).__name__}: {exc}"


def _template_frame(exc: Exception) -> str:
    """`file:line: ` of the innermost Jinja template in the traceback (Jinja maps its frames to template lines)."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.endswith((".html", ".j2"))]
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


def _stopped(problems) -> int:
    print_problems(problems)
    count = len(problems)
    print(f"build stopped: {_count(count, 'error')}; nothing was written", file=sys.stderr)
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


def build(root: Path, options: BuildOptions = BuildOptions()) -> int:
    """Build the site (and the newsletter issues) of the repository at `root`; returns an exit status."""
    root = root.resolve()
    global _KEEPING, _SHARED
    if _KEEPING is not None:
        _KEEPING.join()  # the last build's parses are stored before these are read or changed
    manifest.settle()  # and the last build's manifests written (`agora serve`, one job)
    try:
        settings = load_settings(root)
    except ContentError as exc:
        return _stopped(exc.problems)
    codes = options.languages or settings.languages
    unknown = sorted(set(codes) - set(settings.languages))
    if unknown:
        print(f"agora build: --lang {', '.join(unknown)} is not configured; languages: "
              f"{', '.join(settings.languages)}", file=sys.stderr)
        return EXIT_USAGE
    codes = [c for c in settings.languages if c in codes]
    out = (options.out or root / "site").resolve()
    letters = (root / settings.options.newsletter.out_dir).resolve() if options.newsletters else None
    if clash := _output_clash(settings, out, letters):
        print(f"agora build: {clash}", file=sys.stderr)
        return EXIT_USAGE
    outputs = [out, letters] if letters else [out]
    # Each language other than the default is a folder of the site, listed by its own build (`stamp.listing`).
    parts = {out: [code for code in codes if code != settings.default_language]}
    # Before loading the community: with the same inputs and the same explicit reference date (or none, which
    # then comes from the same content), the build would write what is already there.
    files = FileDigests(root)
    if options.remember:
        build_print = stamp.fingerprint([root / CONFIG_FILE, *settings.input_dirs], {
            "languages": codes, "today": options.today, "strict": options.strict, "outputs": outputs,
            "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")}, files)
        if not options.force and stamp.unchanged(root, build_print, outputs, parts):
            files.save()
            print(f"nothing changed since the last build of {out}: skipped (--force builds anyway)",
                  file=sys.stderr)
            return EXIT_OK
    try:
        with _loading():
            inputs = load_inputs(root, options.today, settings, kept_parses=True, files=files)
    except ContentError as exc:
        return _stopped(exc.problems)  # the outputs, and the record of them, stay as they were
    if options.remember:
        stamp.forget(root)
    for cache in (page_cache.FOLDER, memo.FOLDER, manifest.FOLDER, renderings.FOLDER):
        remove_other_formats(root / cache)
    manifest.sweep(root)
    # Everything every page depends on outside the content: settings, theme and overrides, catalogs, code.
    context_key = stamp.fingerprint([root / CONFIG_FILE, settings.locales_dir,
                                     *(root / folder for folder in settings.mkdocs_dirs)], {"pages": True}, files)
    files.save()
    # Page, chart and e-mail templates compiled once for every language worker and every later build.
    from generator.newsletter.render import BYTECODE as EMAIL_BYTECODE
    from generator.site.figures import BYTECODE as CHART_BYTECODE
    from generator.site.plugin import JINJA_CACHE
    from generator.site.render import BYTECODE as PAGE_BYTECODE

    for kind, compiled in (("pages", PAGE_BYTECODE), ("charts", CHART_BYTECODE), ("email", EMAIL_BYTECODE)):
        compiled.use_folder(root / JINJA_CACHE / kind)
    jobs = min(options.jobs or os.cpu_count() or 1, len(codes))
    default = settings.default_language
    started = time.perf_counter()
    print(f"building {_count(len(codes), 'language')} with {_count(jobs, 'parallel job')} (reference date "
          f"{inputs.today})", file=sys.stderr)
    _prepare_for_workers(inputs)
    # The workers inherit the community (and the fingerprints just made): frozen, the collector never scans it
    # again (nor touches, and so copies, its pages in every worker): a third of an edit build's CPU time at
    # N = 2,000 went to rescanning it. Unfrozen after the build: `agora serve` builds again in this process.
    gc.freeze()
    _KEEPING = threading.Thread(target=keep_parses, args=(root,))
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    _SHARED = (inputs, context_key, queue if options.progress is not False else None)
    results: dict[str, LanguageResult] = {}
    # MkDocs dates its sitemap from SOURCE_DATE_EPOCH; pin it to the reference date so output is reproducible
    # (for this build only: `agora serve` builds again in this process, maybe with another reference date).
    epoch_given = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch_given or str(_epoch(inputs.today))
    try:
        # Both outputs are staged beside their targets and swapped in only when everything has succeeded, so a
        # failed or killed build leaves the previous site and the previous newsletters as they were.
        with (replaced_atomically(letters) if letters else contextlib.nullcontext()) as letters_staging, \
                replaced_atomically(out, spare=True) as staging:
            folders = _language_folders(staging, codes, default, settings.languages)
            previous = {code: (out if code == default else out / code, manifest.location(root, out, code))
                        for code in codes}
            discard = functools.partial(discard_beside, out)
            spares = {code: (manifest.location(root, out, code, spare=True), discard) for code in codes}
            with Progress(codes, queue, interactive=sys.stderr.isatty()), _workers(jobs, context) as pool:
                # The newsletters first: an e-mail over the size limit stops the build before most languages.
                letters_job = pool.submit(build_newsletters, codes, letters_staging, options.strict,
                                          not options.force) \
                    if letters_staging else None
                futures = [pool.submit(build_language, root, code, folders[code], options.strict,
                                       not options.force, previous[code], spares[code], options.remember, jobs == 1)
                           for code in codes]
                # While the workers build (they are forked by now), or else while the output is swapped in and
                # the browser reloads: waited for by the next build in this process, and at its exit.
                _KEEPING.start()
                done, pending = wait([*filter(None, [letters_job]), *futures], return_when=FIRST_EXCEPTION)
                for future in pending:
                    future.cancel()
                # Those already running finish, so that the failure reported is the first in the languages'
                # order whatever the timing (with --strict, every language may fail alike).
                wait([future for future in pending if not future.cancelled()])
                letter_count, letters_rendered = letters_job.result() if letters_job else (0, 0)
                for future in futures:
                    if future.done() and not future.cancelled():
                        result = future.result()
                        results[result.code] = result
            for code in codes:
                if code == default:
                    merge_into(folders[code], staging)
                else:
                    folders[code].rename(staging / code)
    except Exception as exc:  # noqa: BLE001 - any failure must leave the old site and say why
        for result in results.values():
            if result.manifest is not None:
                manifest.discard(result.manifest)
        if os.environ.get("AGORA_DEBUG"):
            raise
        kept = f"{out.name}/ and {letters.name}/ are" if letters else f"{out.name}/ is"
        reason = str(exc) if isinstance(exc, PageError) else f"{type(exc).__name__}: {exc}"
        print(f"build failed: {reason}\nthe previous {kept} unchanged", file=sys.stderr)
        return EXIT_ERRORS
    finally:
        gc.unfreeze()
        _SHARED = None
        if epoch_given is None:
            del os.environ["SOURCE_DATE_EPOCH"]
    for code in codes:
        manifest.rotate(root, out, code)  # the replaced output is the spare now
        if results[code].manifest is not None:
            manifest.promote(results[code].manifest)
    for code in codes:
        result = results[code]
        print(f"  {code}: {result.rendered + result.reused} pages ({result.rendered} rendered, "
              f"{result.reused} reused) in {result.seconds:.1f}s", file=sys.stderr)
    # Each warning once, with the languages it was given in (a broken link in an untranslated post is in all).
    warned: dict[str, list[str]] = {}
    for code in codes:
        for message in dict.fromkeys(results[code].warnings):
            warned.setdefault(message, []).append(code)
    for message, where in warned.items():
        print(f"warning: {message}" + (f" ({', '.join(where)})" if len(codes) > 1 else ""), file=sys.stderr)
    body_pages = sum(result.body_pages for result in results.values())
    if body_pages:
        converted = sum(result.bodies_converted for result in results.values())
        print(f"  bodies: {converted} converted for {_count(body_pages, 'rendered page')} showing one "
              "(a body shown alike in several languages is converted once per worker)", file=sys.stderr)
    if letters:
        print(f"  newsletters: {_count(letter_count, 'rendering')} (issue × language; "
              f"{letters_rendered} rendered, {letter_count - letters_rendered} reused)", file=sys.stderr)
    if options.remember:
        listed = {"" if code == default else code: results[code].listing for code in codes}
        stamp.record(root, build_print, outputs, parts, {out: listed})
    print(f"built {out} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    if letters:
        print(f"newsletters in {letters}", file=sys.stderr)
    return EXIT_OK


class _InProcess:
    """An executor for one job at a time: each runs in this process when submitted, and none after one has
    failed. With one job, a worker process would only cost its fork: `agora serve` previews one language,
    and a save's build then starts at once, in a process that already holds what it needs."""

    def __init__(self) -> None:
        self.failed = False

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def submit(self, job: Callable, /, *args: object) -> Future:
        future = Future()
        if self.failed:
            future.cancel()
            return future
        future.set_running_or_notify_cancel()
        try:
            future.set_result(job(*args))
        except Exception as exc:  # noqa: BLE001 - handed on, as a worker's would be
            self.failed = True
            future.set_exception(exc)
        return future


def _workers(jobs: int, context) -> ProcessPoolExecutor | _InProcess:
    return _InProcess() if jobs == 1 else ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _language_folders(staging: Path, codes: list[str], default: str, configured: list[str]) -> dict[str, Path]:
    """A folder per language inside `staging` for its worker to build in. When `staging` is a spare output
    (generator/output.py), each language's part of it goes to that language's folder to be updated in place:
    the default language's part is the root of the output, another's is under `<lang>/`. What belongs to no
    language being built is removed."""
    folders = {code: staging / f".lang-{code}" for code in codes}
    for code in codes:
        if code != default and (staging / code).is_dir():
            os.rename(staging / code, folders[code])
    for entry in sorted(staging.iterdir()):
        if entry in folders.values():
            continue
        if default in folders and entry.name not in configured and not entry.name.startswith(".lang-"):
            folders[default].mkdir(exist_ok=True)
            os.rename(entry, folders[default] / entry.name)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return folders


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """While the community loads, leave the cyclic garbage collector off; once it has loaded, freeze it (`build`
    unfreezes it when it ends). Loading allocates hundreds of thousands of objects that all live to the end of the
    build, and frees what it drops as it drops it (parses hold no cycles): at the default threshold the collector
    scanned them again and again (loading at N = 2,000: 0.36 → 0.25 s with collections a hundredth as often, and
    those still took 0.13-0.17 s of each `agora serve` save), and unfrozen, the collections due right after
    loading scanned them once more (0.2 s before the workers were forked). The language builds turn it off while
    they plan (`build_language`)."""
    with _collector_off():
        yield
        gc.freeze()


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """The cyclic garbage collector off, and on again after (unless it was off already)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _prepare_for_workers(inputs: BuildInputs) -> None:
    """Do once, before forking, what every language build would otherwise repeat: the workers inherit every
    item's fingerprint (page keys name items by it), every language's Babel locale data (dates and the
    languages' names are formatted in all of them) and what each newsletter issue carries. `agora serve` forks
    a worker for each save, from a process that keeps Babel's data loaded."""
    for items in inputs.community.collections().values():
        for item in items:
            item.fingerprint  # noqa: B018 - a cached property, computed for the workers to inherit
    for language in inputs.languages.values():
        localedata.load(str(language.locale))
    for issue in inputs.community.newsletters:  # shown in every language, by the e-mails and the site
        select(inputs.community, issue)


def build_newsletters(codes: list[str], folder: Path, strict: bool, reuse: bool) -> tuple[int, int]:
    """Every newsletter issue in every built language, into `folder` (the staged `newsletter.out_dir`), in a
    forked worker beside the languages' builds; returns the number of renderings and how many of them were
    rendered (`reuse`: the others are what earlier builds rendered of the same view, `generator/renderings.py`)."""
    from generator.newsletter import build_issues
    from generator.renderings import KeptRenderings

    inputs, context_key, _ = _SHARED
    kept = KeptRenderings(inputs.settings.root, context_key, reuse)
    try:
        return len(build_issues(inputs.community, inputs.languages, codes, folder, strict, kept)), kept.rendered
    finally:
        kept.close()
