"""Shared fixtures: the repository root, a scratch copy of the demo community, and the CLI as a subprocess."""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_PARTS = ("mkdocs.yml", "content", "newsletters", "locales")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_agora(*args: str | os.PathLike, cwd: Path = ROOT, env: dict | None = None, timeout: float = 600) -> Result:
    """Run `python -m generator ARGS` the way a user runs `agora`; never raises on a non-zero exit."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def minimal_community(tmp_path: Path, files: dict[str, str | bytes | None]) -> Path:
    """The minimal valid community (tests/fixtures/minimal) at `tmp_path/c`, with `files` written over it
    (None deletes one)."""
    root = tmp_path / "c"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", root)
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def copy_parts(source: Path, target: Path, parts: tuple[str, ...]) -> Path:
    """Copy the files and folders named `parts` (those that exist) from `source` into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for part in parts:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part)
        elif (source / part).exists():
            shutil.copy2(source / part, target / part)
    return target


def copy_demo(target: Path) -> Path:
    """A writable copy of the shipped demo community (content, settings, catalogs)."""
    return copy_parts(ROOT, target, DEMO_PARTS)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return copy_demo(tmp_path / "community")


def soup(path: Path):
    """A built page, parsed."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_bytes(), "html.parser")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page_file(site: Path, url: str, site_url: str = "https://commonground.example.org/") -> Path:
    """The file under `site` that serves the absolute or site-relative `url`."""
    path = urlsplit(url).path if url.startswith("http") else url
    path = path.removeprefix(urlsplit(site_url).path) if url.startswith("http") else path.lstrip("/")
    target = site / path
    return target / "index.html" if path.endswith("/") or path == "" else target


# -- One build of the demo for the whole run ------------------------------------------------------------------------

def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every xdist worker sees: the run's base temporary folder, in which each worker
    has its own (`popen-gwN`); without xdist, the session's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, make) -> Path:
    """The folder `make(folder)` fills, made once per test run however many workers ask for it: the first one
    makes it while the others wait for the lock; a failed `make` leaves nothing, and the next asker tries again."""
    folder = shared_folder(tmp_path_factory) / name
    with open(folder.with_name(f"{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / ".done"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


# The demo's reference date is its newest content date, 2026-11-20; CI pins the same date through the environment.
DEMO_EPOCH = "1795132800"


@dataclass(frozen=True)
class BuiltDemo:
    root: Path  # the community: its inputs, site/, build/newsletters/ and .cache/agora/
    env: dict  # what `agora build` ran with: a random hash seed (recorded) and SOURCE_DATE_EPOCH

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def letters(self) -> Path:
        return self.root / "build" / "newsletters"


def _build_demo(folder: Path) -> None:
    root = copy_demo(folder / "community")
    env = {"PYTHONHASHSEED": str(random.randint(1, 2**32 - 1)), "SOURCE_DATE_EPOCH": DEMO_EPOCH}
    result = run_agora("build", "--root", root, env=env)
    assert result.code == 0, result.output
    (folder / "env.json").write_text(json.dumps(env))


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> BuiltDemo:
    """The demo community built once per test run (all languages, a plain `agora build` from a clean copy), shared
    by every worker: for tests that only read it, or copy it (`copy_built_demo`) to change it. Never write into it."""
    folder = built_once(tmp_path_factory, "demo-built", _build_demo)
    return BuiltDemo(folder / "community", json.loads((folder / "env.json").read_text()))


@pytest.fixture(scope="session")
def demo_site(built_demo: BuiltDemo) -> Path:
    """The built demo's site/, for tests that only read it."""
    return built_demo.site


def copy_built_demo(built: BuiltDemo, target: Path) -> Path:
    """A writable copy of the built demo as its own build left it: inputs, site/, build/newsletters/ and
    .cache/agora/ (keys name files by their place in the community, so a build of the copy reuses its caches)."""
    shutil.copytree(built.root, target, symlinks=True)
    return target


def seed_cards(built: BuiltDemo, root: Path) -> None:
    """Give `root` the sharing cards the built demo drew. The card cache is content-addressed (a card's file name
    is the digest of everything drawn on it), so a build of `root` writes the same bytes with or without them; it
    only draws fewer. For tests that are not about drawing cards or clean builds."""
    from generator.site.cards import CACHE

    shutil.copytree(built.root / CACHE, root / CACHE, dirs_exist_ok=True)


# -- The longest work first -------------------------------------------------------------------------------------------

# `make test` runs two xdist workers with `--dist loadscope --no-loadscope-reorder`: a worker takes a whole test
# module at a time (so module-scoped fixtures, such as a build, Chromium or the HTML checker, are set up once), in
# collection order. Collected first, the longest modules start first and the many short ones fill in at the end, so
# that both workers finish at about the same time rather than one running a long module alone at the end. Longest
# first, as measured with `--durations` (test_browser first: it builds the demo for the run, see `built_demo`, while
# the other worker runs the hostile corpus, which does not need it). The other modules keep their order.
LONGEST_FIRST = (
    "tests/test_browser.py",
    "tests/test_hostile_corpus.py",
    "tests/test_social.py",
    "tests/test_paths.py",
    "tests/test_reliability.py",
    "tests/test_incremental.py",
    "tests/test_fetch.py",
    "tests/test_send.py",
    "tests/test_academy_progress.py",
    "tests/test_init.py",
    "tests/test_newsletter_build.py",
    "tests/test_translations.py",
    "tests/test_properties.py",
    "tests/test_fetch_identity.py",
    "tests/test_check.py",
    "tests/test_rebuild.py",
    "tests/test_customisation.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        return next((i for i, module in enumerate(LONGEST_FIRST) if item.nodeid.startswith(f"{module}::")),
                    len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each module's tests stay in their order, and the other modules in theirs


# -- Hypothesis (tests/test_properties.py) ---------------------------------------------------------------------------

from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

# Where each test process of this session leaves how many generated examples it ran; summed in the terminal
# summary below. The session id reaches xdist's workers through the environment (they are started after configure).
COUNTS_SESSION = os.environ.setdefault("AGORA_HYPOTHESIS_SESSION", f"{os.getpid()}")
EXAMPLE_COUNTS_DIR = ROOT / ".hypothesis" / "agora-counts" / COUNTS_SESSION

hypothesis_settings.register_profile(
    "agora",
    # A generous bound per example (a typical one takes 20-50 ms), on top of the hang watchdog in the tests.
    deadline=10_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    database=DirectoryBasedExampleDatabase(ROOT / ".hypothesis" / "examples"),
    print_blob=True,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "agora"))


def pytest_terminal_summary(terminalreporter):
    """Print how many generated examples the property tests ran, per test and in total."""
    if hasattr(terminalreporter.config, "workerinput"):  # an xdist worker: the controller sums and prints
        return
    import json
    from collections import Counter

    counts: Counter[str] = Counter()
    for path in sorted(EXAMPLE_COUNTS_DIR.glob("*.json")) if EXAMPLE_COUNTS_DIR.is_dir() else []:
        counts.update(json.loads(path.read_text()))
    shutil.rmtree(EXAMPLE_COUNTS_DIR, ignore_errors=True)
    if counts:
        detail = ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))
        terminalreporter.write_line(f"hypothesis: {sum(counts.values())} generated examples ran ({detail})")


# -- A watchdog for tests of hostile input ---------------------------------------------------------------------------

import contextlib  # noqa: E402
import faulthandler  # noqa: E402

# The terminal's stderr, kept before output capture hides it: a hang's traceback must reach whoever is watching.
_WATCHDOG_OUT: list = []


def pytest_configure(config):
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        _WATCHDOG_OUT.append(os.fdopen(os.dup(sys.stderr.fileno()), "w"))


@contextlib.contextmanager
def watchdog(seconds: float):
    """End the whole test run, printing where every thread was, if the block has not finished after `seconds`.

    For code that must never hang on hostile input: a catastrophic regex or a YAML expansion runs in C and cannot
    be interrupted from Python, so a timeout exception would never be raised; this one kills the process."""
    out = _WATCHDOG_OUT[0] if _WATCHDOG_OUT else sys.__stderr__
    out.write("")  # (fails here, not in the watchdog, if the stream is unusable)
    faulthandler.dump_traceback_later(seconds, exit=True, file=out)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
