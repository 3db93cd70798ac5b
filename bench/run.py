"""Build speed: Agora against the plain MkDocs floor and against mkdocs-static-i18n, on synthetic communities.

    make bench            # N = 250, 500, 1,000 and 2,000 posts (about 20 minutes on 2 CPUs)
    make bench N=500      # one size only
    .venv/bin/python bench/run.py --n 500 --keep     # keep the generated trees in bench/out/ to look at
    .venv/bin/python bench/run.py --serial           # every measurement alone (about half as long again)

For each N, `synthetic.generate` writes a community (6 languages, a quarter translated) and this script times,
as wall-clock of subprocesses:

- `agora_s`: `agora build` with `--jobs` = CPUs, into an empty output folder;
- `rebuild_s`: the same command again, nothing changed (Agora finds its record of the last build matching the
  inputs and the untouched output, and skips);
- `warm_j1_s` (in the single-CPU lane): `agora build --jobs 1` with the cache of the previous build, output deleted;
- `edit_s`: one post's body (and its Swedish translation's) edited after a full build, then `agora build`
  (`--jobs` = CPUs); `serve_edit_s`: the same save under `agora serve --lang sv`, from the write until the served
  page shows it. Each is the median of EDITS saves a few seconds apart: the first follows a build whose replaced
  output is still being deleted in the background, the others are an editor's steady state. Before each save the
  file system's writes are flushed (`os.sync`, not timed): the full builds before write gigabytes, and this
  machine keeps writing them back for half a minute, so an edit measured straight after paid for that (one edit
  build measured 94 s of wall time for 12 s of CPU time). An editor edits after a build, not during its
  writeback; each build still writes all it writes, and the figure is the build's, not the disk's backlog;
- `agora_j1_s`: `agora build --jobs 1`, into an empty output folder;
- `mkdocs_s`: the floor Agora adds to. Agora's own planner gives each language's pages; they are written out as
  Markdown trees (one per language, with the same section navigation) and built by plain `mkdocs build` with
  Material, one language after another; the times are summed;
- `static_i18n_s`: the same pages as one suffix-structured tree (`page.md`, `page.sv.md`, ...) built by one
  `mkdocs build` with mkdocs-static-i18n, what a user would pick instead. An item without a translation has no
  `page.<lang>.md`: the plugin's `fallback_to_default` builds the original there, as a user would rely on.

Scheduling. `agora_s` and `rebuild_s` use every CPU and run alone. The single-CPU measurements run in two lanes
at once, one per CPU: the plain MkDocs builds with `agora_j1_s` in their middle in one lane, mkdocs-static-i18n
in the other, then untimed plain builds until the first lane ends, so both lanes always have a neighbour.
Without that, the run takes about half as long again, most of it mkdocs-static-i18n (5.7 to 10.7 minutes at
N = 2,000: it grows faster than linearly). The cost: a process sharing the machine with another runs 4-10 %
slower than alone (measured with two plain MkDocs builds of N = 2,000 languages, alone and together).
`ratio_vs_mkdocs` compares two runs with the same neighbour, so it is like for like; `static_i18n_s` is that
much slower than alone, so `ratio_vs_static_i18n` errs by up to 10 % in Agora's favour. `--serial` measures
everything alone.

Nothing is deleted while the run measures: outputs, caches and trees it is done with are moved aside and
deleted at its end (`set_aside`). A large deletion slows the file creation that follows it for about a minute,
and Agora's clean builds used to follow the deletion of the previous build's output and cache. The set-aside
trees need disk space: several GB at N = 2,000.

`peak_mb` is the largest sum of the resident set sizes of Agora's build process and its children (the
per-language workers), sampled every 50 ms; shared copy-on-write pages count once per process, so it errs high.
A second table gives the CPU time (user + system, workers included) of each measurement and the highest load
average seen. Nothing here asserts a timing: the targets are printed as met or missed for the note.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import multiprocessing
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import yaml
from markupsafe import escape
from mkdocs.utils.yaml import get_yaml_loader

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from synthetic import generate  # noqa: E402

from generator import urls  # noqa: E402
from generator.inputs import load_inputs  # noqa: E402
from generator.site.nav import navigation  # noqa: E402
from generator.site.planner import SitePlan, plan_language  # noqa: E402
from generator.site.plugin import LUNR  # noqa: E402

SIZES = (250, 500, 1000, 2000)
TODAY = "2026-11-20"
OUT = BENCH / "out"
RESULTS = BENCH / "results.json"
SAMPLE_SECONDS = 0.05
# Saves measured for edit_s and serve_edit_s (the median is reported), and the pause between two saves.
EDITS, PAUSE = 3, 2.0
# Issue 7's targets, printed with the table; they are goals for the note, never assertions.
# Issue 12's targets: a clean build costs no more than plain MkDocs, a warm one (page cache kept) at most 0.6 of
# it; one post edited: 3 s for every language; one save seen by `agora serve`: 1 s.
TARGETS = {"ratio_vs_mkdocs": 1.0, "warm_ratio_vs_mkdocs": 0.6, "ratio_vs_static_i18n": 0.5, "doubling": 2.2,
           "peak_mb": 1024, "edit_s": 3.0, "serve_edit_s": 1.0}
COLUMNS = ("n", "languages", "items", "pages", "agora_s", "agora_j1_s", "mkdocs_s", "static_i18n_s",
           "ratio_vs_mkdocs", "ratio_vs_static_i18n", "warm_j1_s", "warm_ratio_vs_mkdocs", "edit_s", "serve_edit_s",
           "peak_mb", "rebuild_s")
# CPU seconds, a cross-check of the wall-clock figures when other work shares the machine.
CPU_COLUMNS = ("n", "agora_cpu_s", "agora_j1_cpu_s", "mkdocs_cpu_s", "static_i18n_cpu_s", "cpu_ratio_vs_mkdocs",
               "load_avg_1m")


# -- running and measuring ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    # User + system CPU time of the process and all its children: less sensitive than wall-clock to other work
    # on the machine, so a busy machine shows as wall-clock far above CPU time (or, with --jobs 2, not below it).
    cpu_s: float
    # The highest 1-minute load average seen during the run (this run's own processes count too).
    load: float


def _tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants; processes that end while we look are skipped."""
    total = 0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in family:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def timed(command: Sequence[str], env: dict[str, str]) -> Run:
    """Run `command` to completion; its wall-clock time, the peak RSS of its process tree and its CPU time.

    Every run is sampled the same way, so the (small) cost of sampling is the same for all the tools compared.
    The CPU time comes from `wait4` on this very child (its workers included), so two runs timed at once from
    two threads do not count each other's.
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=errors, env=env)
        watched = psutil.Process(process.pid)
        peak, load = 0, 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak, load = max(peak, _tree_rss(watched)), max(load, os.getloadavg()[0])
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-3000:]
            raise SystemExit(f"bench: {' '.join(map(str, command))} failed ({process.returncode}):\n{tail}")
    return Run(seconds, peak / 2**20, usage.ru_utime + usage.ru_stime, load)


# Where the trees and outputs the run is done with go, to be deleted once every size is measured (`set_aside`).
TRASH: Path | None = None


def set_aside(path: Path) -> None:
    """Move `path` out of the way, into TRASH, instead of deleting it now. Deleting tens of thousands of files
    just before a timed build made that build pay for it: ext4 skips recently freed inodes when it allocates new
    ones, and for a minute after a large deletion creating files and folders took a tenth of a clean build's CPU
    time (`perf` at N = 250: `ext4_create` and `ext4_mkdir` from 1 % to 8-16 % of the samples). Agora's clean
    builds followed the deletion of the previous output and cache; the plain MkDocs builds they are compared with
    write into folders nothing was deleted from."""
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        os.rename(path, TRASH / f"{len(list(TRASH.iterdir()))}-{path.name}")


def agora_build(root: Path, jobs: int, env: dict[str, str], *, fresh: bool = True, cache: bool = False) -> Run:
    """`agora build`; `fresh`: into an empty output folder; `cache`: keep `.cache/agora/` of the last build."""
    site = root / "site"
    if fresh:  # the output and the replaced output kept beside it for the next build to update (a spare)
        for folder in (site, root / ".site.spare"):
            set_aside(folder)
    if not cache:  # clean: no page records, sharing cards or compiled templates from an earlier build
        set_aside(root / ".cache" / "agora")
    return timed([sys.executable, "-m", "generator", "build", "--root", str(root), "--out", str(site),
                  "--today", TODAY, "--jobs", str(jobs)], env)


def mkdocs_build(config: Path, env: dict[str, str]) -> Run:
    return timed([sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "-f", str(config)], env)


def keep_busy(config: Path, env: dict[str, str], done: threading.Event) -> None:
    """Build `config` over and over into a scratch folder, untimed, until `done` is set."""
    with tempfile.TemporaryDirectory() as scratch:
        while not done.is_set():
            process = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config),
                                        "-d", scratch], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       env=env)
            while process.poll() is None:
                if done.wait(SAMPLE_SECONDS):
                    process.kill()
                    process.wait()
                    return


def edited_slug(community: Path) -> str:
    """The post the edit benchmarks change: the newest, whose page is in every language."""
    return max((community / "content" / "posts").rglob("*.md"), key=lambda p: p.name).stem.split(".")[0]


def edit_post(community: Path, marker: str) -> str:
    """Append a paragraph to one post's body (and its Swedish translation, if any); returns the new text."""
    slug = edited_slug(community)
    text = f"{marker} {time.perf_counter_ns()}"
    for path in sorted((community / "content" / "posts").rglob(f"{slug}.md")):
        path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")
    return text


def serve_edit(community: Path, env: dict[str, str], port: int = 8765) -> list[float]:
    """Seconds from saving one post to `agora serve --lang sv` serving the page with the change, for EDITS saves
    PAUSE seconds apart, the first as soon as the preview is up."""
    import urllib.request

    url = f"http://127.0.0.1:{port}/sv/posts/{edited_slug(community)}/"
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(community), "--lang", "sv",
                               "--today", TODAY, "--addr", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            return ""

    try:
        deadline = time.monotonic() + 600
        while not page() and time.monotonic() < deadline:  # the first build of the preview
            time.sleep(0.2)
        seconds = []
        for save in range(EDITS):
            time.sleep(PAUSE if save else 0)
            os.sync()  # not timed: see the docstring
            started = time.perf_counter()
            text = edit_post(community, "serve_edit_s")
            while text not in page():
                if time.perf_counter() - started > 300:
                    raise SystemExit("bench: agora serve did not show the edit within 300 s")
                time.sleep(0.02)
            seconds.append(time.perf_counter() - started)
        return seconds
    finally:
        server.terminate()
        server.wait()


# -- the same pages, for plain MkDocs and for mkdocs-static-i18n -------------------------------------------------

def front_matter(page) -> str:
    """Title and description as Agora's plugin sets them (escaped: Material prints them as HTML), and the same
    hidden sidebars, so Material does the same work per page."""
    meta = {"title": str(escape(page.title))}
    if page.description:
        meta["description"] = str(escape(page.description))
    meta["hide"] = ["navigation"] if page.toc else ["navigation", "toc"]
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


def suffixed(path: str, code: str, default: str) -> str:
    """mkdocs-static-i18n's suffix structure: `posts/index.md` in Swedish is `posts/index.sv.md`."""
    if code == default:
        return path
    stem, ext = posixpath.splitext(path)
    return f"{stem}.{code}{ext}"


def nav_titles(nav: list) -> Iterator[str]:
    """Every title of a MkDocs nav, depth first (sections and their pages)."""
    for entry in nav:
        for title, target in entry.items():
            yield title
            if isinstance(target, list):
                yield from nav_titles(target)


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def write_language(plan: SitePlan, docs: Path, rename=lambda path: path, skip_fallbacks: bool = False) -> None:
    """A language's pages as Markdown files (and its feeds and .ics files as they are) under `docs`."""
    for page in plan.pages:
        # A page that shows another language's original is built from the original's file.
        if skip_fallbacks and page.source and not page.source.endswith(f".{plan.lang.code}.md"):
            continue
        _write(docs / rename(urls.src_uri(page.url)), front_matter(page) + page.markdown)
    for planned in plan.files:
        _write(docs / rename(planned.path), planned.content)


# Set before the planning workers fork, so each starts from the community loaded once (as `agora build` does).
_LOADED: tuple | None = None


def _plan_and_write(code: str, work: Path) -> list:
    """Plan language `code` and write it into its plain-MkDocs tree and the static-i18n tree; returns its nav."""
    settings, community, languages, today = (_LOADED.settings, _LOADED.community, _LOADED.languages,
                                             _LOADED.today)
    default = settings.default_language
    plan = plan_language(community, languages, code, today)
    write_language(plan, work / "mkdocs" / code / "docs")
    # An untranslated item gets no `page.<lang>.md`: static-i18n's fallback_to_default builds the original there.
    write_language(plan, work / "static-i18n" / "docs", lambda path: suffixed(path, code, default),
                   skip_fallbacks=code != default)
    return navigation(plan, languages[code])


def write_trees(community_root: Path, work: Path, jobs: int) -> tuple[list[Path], Path, int]:
    """Plan every language with Agora's planner and write the plain-MkDocs trees and the static-i18n tree.

    Returns the per-language mkdocs.yml files, the static-i18n mkdocs.yml and the number of content items.
    Planning is not timed (it is Agora's work), so it runs on every CPU to keep `make bench` short.
    """
    global _LOADED
    _LOADED = load_inputs(community_root, dt.date.fromisoformat(TODAY))
    settings, community, languages = _LOADED.settings, _LOADED.community, _LOADED.languages
    items = sum(len(collection) for collection in community.collections().values())
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        navs = dict(zip(languages, pool.map(_plan_and_write, languages, [work] * len(languages)), strict=True))
    _LOADED = None

    # MkDocs' loader: the demo's settings use its tags (docs_dir).
    repo = yaml.load((community_root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=get_yaml_loader())
    default = settings.default_language
    common = {"site_name": settings.site_name, "docs_dir": "docs", "site_dir": "site",
              "markdown_extensions": repo["markdown_extensions"]}
    # Plain MkDocs + Material, one tree per language, configured as `agora build` configures that language.
    plain_configs = []
    for code, nav in navs.items():
        config = {**common, "site_url": settings.site_url + urls.prefix(code, default),
                  "theme": {**repo["theme"], "language": code},
                  "plugins": [{"search": {"lang": [LUNR.get(code.split("-")[0], "en")]}}], "nav": nav}
        plain_configs.append(work / "mkdocs" / code / "mkdocs.yml")
        _write(plain_configs[-1], yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    # One suffix-structured tree for mkdocs-static-i18n; section titles per language come from nav_translations.
    i18n_languages = [
        {"locale": code, "name": lang.name, "build": True, "default": code == default}
        | ({} if code == default else
           {"nav_translations": dict(zip(nav_titles(navs[default]), nav_titles(navs[code]), strict=True))})
        for code, lang in languages.items()
    ]
    config = {**common, "site_url": settings.site_url, "theme": {**repo["theme"], "language": default},
              "plugins": ["search", {"i18n": {"docs_structure": "suffix", "fallback_to_default": True,
                                              "reconfigure_material": True, "languages": i18n_languages}}],
              "nav": navs[default]}
    i18n_config = work / "static-i18n" / "mkdocs.yml"
    _write(i18n_config, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return plain_configs, i18n_config, items


# -- one size ---------------------------------------------------------------------------------------------------

def html_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("*.html"))


def measure(n: int, jobs: int, out: Path, keep: bool, serial: bool) -> dict:
    work = out / f"n{n}"
    community = work / "community"
    log(f"N={n}: generating the community")
    generate(community, n)
    # The same reference date for every tool: MkDocs dates its sitemap from SOURCE_DATE_EPOCH.
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795132800"}  # 2026-11-20T00:00:00Z

    log(f"N={n}: agora build --jobs {jobs}")
    agora = agora_build(community, jobs, env)
    pages = html_pages(community / "site")
    log(f"N={n}: agora build --jobs {jobs}, again (nothing changed)")
    rebuild = agora_build(community, jobs, env, fresh=False, cache=True)
    log(f"N={n}: agora build --jobs {jobs}, output deleted, page cache kept (warm)")
    warm = agora_build(community, jobs, env, cache=True)
    log(f"N={n}: one post's body edited, agora build --jobs {jobs} ({EDITS} times)")
    edits = []
    for save in range(EDITS):
        time.sleep(PAUSE if save else 0)
        os.sync()  # not timed: see the docstring
        edited = edit_post(community, "edit_s")
        edits.append(agora_build(community, jobs, env, fresh=False, cache=True))
        assert edited in (community / "site" / "posts" / edited_slug(community) / "index.html").read_text("utf-8")
    edit = sorted(edits, key=lambda run: run.seconds)[EDITS // 2]
    log(f"N={n}: agora serve --lang sv, {EDITS} saves until the page shows each")
    saves = serve_edit(community, env)
    serve_edit_s = sorted(saves)[EDITS // 2]
    log(f"N={n}: edit_s {', '.join(f'{run.seconds:.2f} (CPU {run.cpu_s:.2f})' for run in edits)}; "
        f"serve_edit_s {', '.join(f'{seconds:.2f}' for seconds in saves)} (medians reported)")

    log(f"N={n}: planning every language to write the plain MkDocs and mkdocs-static-i18n trees")
    plain_configs, i18n_config, items = write_trees(community, work, jobs)

    one_cpu_done = threading.Event()

    def one_cpu_lane() -> tuple[Run, list[Run]]:
        try:
            # Agora between the two halves of the plain builds, so both meet the other lane's early and late work.
            half = len(plain_configs) // 2
            plain = []
            for position, config in enumerate(plain_configs):
                if position == half:
                    log(f"N={n}: agora build --jobs 1 (clean: no page cache)")
                    j1 = agora_build(community, 1, env)
                    log(f"N={n}: agora build --jobs 1 (warm: output deleted, page cache kept)")
                    warm_j1 = agora_build(community, 1, env, cache=True)
                log(f"N={n}: mkdocs build ({config.parent.name})")
                plain.append(mkdocs_build(config, env))
            return j1, warm_j1, plain
        finally:
            one_cpu_done.set()

    def static_i18n_lane() -> Run:
        log(f"N={n}: mkdocs build with mkdocs-static-i18n")
        run = mkdocs_build(i18n_config, env)
        # Until the other lane ends, the same kind of neighbour (untimed plain MkDocs builds, discarded), so
        # agora_j1_s and mkdocs_s share the machine alike from start to end.
        keep_busy(plain_configs[0], env, one_cpu_done)
        return run

    if serial:
        agora_j1, warm_j1, plain = one_cpu_lane()
        static_i18n = static_i18n_lane()
    else:
        # One lane per CPU, one process at a time in each (see the module's docstring for why and what it costs).
        with ThreadPoolExecutor(2) as lanes:
            first, second = lanes.submit(one_cpu_lane), lanes.submit(static_i18n_lane)
            (agora_j1, warm_j1, plain), static_i18n = first.result(), second.result()

    mkdocs_s = sum(run.seconds for run in plain)
    row = {
        "n": n, "languages": len(plain_configs), "items": items, "pages": pages,
        "agora_s": round(agora.seconds, 2), "agora_j1_s": round(agora_j1.seconds, 2),
        "mkdocs_s": round(mkdocs_s, 2), "static_i18n_s": round(static_i18n.seconds, 2),
        "ratio_vs_mkdocs": round(agora_j1.seconds / mkdocs_s, 3),
        "ratio_vs_static_i18n": round(agora.seconds / static_i18n.seconds, 3),
        "items_per_s": round(items / agora.seconds, 1),
        "peak_mb": round(max(agora.peak_mb, rebuild.peak_mb, agora_j1.peak_mb, warm.peak_mb,
                             *(run.peak_mb for run in edits)), 1),
        "rebuild_s": round(rebuild.seconds, 2),
        "warm_s": round(warm.seconds, 2), "warm_j1_s": round(warm_j1.seconds, 2),
        "warm_ratio_vs_mkdocs": round(warm_j1.seconds / mkdocs_s, 3),
        "edit_s": round(edit.seconds, 2), "serve_edit_s": round(serve_edit_s, 2),
        # For reading the figures: what the other tools wrote and used, and how busy the machine was.
        "mkdocs_pages": sum(html_pages(config.parent / "site") for config in plain_configs),
        "static_i18n_pages": html_pages(i18n_config.parent / "site"),
        "mkdocs_peak_mb": round(max(run.peak_mb for run in plain), 1),
        "static_i18n_peak_mb": round(static_i18n.peak_mb, 1),
        "agora_cpu_s": round(agora.cpu_s, 2), "agora_j1_cpu_s": round(agora_j1.cpu_s, 2),
        "mkdocs_cpu_s": round(sum(run.cpu_s for run in plain), 2), "static_i18n_cpu_s": round(static_i18n.cpu_s, 2),
        "cpu_ratio_vs_mkdocs": round(agora_j1.cpu_s / sum(run.cpu_s for run in plain), 3),
        "lanes": 1 if serial else 2,
        "load_avg_1m": round(max(run.load for run in (agora, rebuild, warm, edit, agora_j1, warm_j1, *plain,
                                                      static_i18n)), 2),
    }
    if not keep:
        set_aside(work)
    return row


# -- reporting --------------------------------------------------------------------------------------------------

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def table(rows: list[dict], columns: Sequence[str] = COLUMNS) -> str:
    def cell(value) -> str:
        return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"

    cells = [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


def doubling(rows: list[dict]) -> list[str]:
    """Time at 2N over time at N, for every pair of sizes that doubles."""
    by_n = {row["n"]: row for row in rows}
    lines = []
    for n in sorted(by_n):
        if 2 * n in by_n:
            small, big = by_n[n], by_n[2 * n]
            factors = "  ".join(f"{key} ×{big[key] / small[key]:.2f}"
                                for key in ("agora_s", "agora_j1_s", "mkdocs_s", "static_i18n_s"))
            lines.append(f"N {n:,} → {2 * n:,}: {factors}")
    return lines


def verdicts(rows: list[dict]) -> list[str]:
    """Issue 7's targets against this run: met or missed, with the figure."""
    def verdict(name: str, value: float) -> str:
        return f"{name} {value:,.2f} (≤ {TARGETS[name]:,}: {'met' if value <= TARGETS[name] else 'MISSED'})"

    lines = [f"N {row['n']:,}: " + ", ".join(verdict(name, row[name])
                                             for name in ("ratio_vs_mkdocs", "warm_ratio_vs_mkdocs",
                                                          "ratio_vs_static_i18n", "peak_mb", "edit_s",
                                                          "serve_edit_s"))
             for row in rows]
    by_n = {row["n"]: row for row in rows}
    for n in sorted(by_n):
        if 2 * n in by_n:
            worst = max(by_n[2 * n][key] / by_n[n][key] for key in ("agora_s", "agora_j1_s"))
            lines.append(f"N {n:,} → {2 * n:,}: " + verdict("doubling", worst) + " (the slower of agora_s, agora_j1_s)")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--n", type=int, action="append", help="posts (repeatable; default: 250 500 1000 2000)")
    options.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="agora_s's --jobs (default: CPUs)")
    options.add_argument("--out", type=Path, default=OUT, help="where the trees are generated (default bench/out)")
    options.add_argument("--results", type=Path, default=RESULTS, help="JSON written (default bench/results.json)")
    options.add_argument("--keep", action="store_true", help="keep the generated trees and sites")
    options.add_argument("--serial", action="store_true",
                         help="run every measurement alone (exact single-CPU figures; about half as long again)")
    args = options.parse_args(argv)
    sizes = sorted(set(args.n or SIZES))
    started = time.perf_counter()
    global TRASH
    TRASH = args.out / ".trash"
    shutil.rmtree(TRASH, ignore_errors=True)  # what a stopped run left
    # Agora's own modules byte-compiled, as an installed package's are (pip compiles them, and MkDocs and the
    # other packages measured here are): an editable install under PYTHONDONTWRITEBYTECODE would otherwise
    # compile them from source in every `agora` process, a seventh of a second of each edit build.
    compileall.compile_dir(BENCH.parent / "generator", quiet=1)
    log(f"sizes {sizes}, {args.jobs} jobs for agora_s, load average {os.getloadavg()[0]:.2f}")
    rows = []
    for n in sizes:
        rows.append(measure(n, args.jobs, args.out, args.keep, args.serial))
        # Written after every size, so a long run that is stopped still leaves what it measured.
        args.results.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        log(f"N={n}: " + ", ".join(f"{key} {rows[-1][key]}" for key in COLUMNS[3:]))
    print(table(rows))
    print()
    print(table(rows, CPU_COLUMNS))
    print()
    print("\n".join(doubling(rows) + verdicts(rows)))
    busiest = max(row["load_avg_1m"] for row in rows)
    # A build with --jobs = CPUs alone brings the load average to about the number of CPUs.
    if busiest > (os.cpu_count() or 1) + 1:
        print(f"\nwarning: the load average reached {busiest:.1f} on {os.cpu_count()} CPUs: other work shared the "
              "machine, so the wall-clock figures are inflated; compare the CPU table")
    print(f"\nresults in {args.results}; the whole run took {time.perf_counter() - started:,.0f} s")
    shutil.rmtree(TRASH, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
