"""Shared fixtures: the repository root, a scratch copy of the demo community, and the CLI as a subprocess."""

from __future__ import annotations

import os
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


def copy_demo(target: Path) -> Path:
    """A writable copy of the shipped demo community (content, settings, catalogs)."""
    target.mkdir(parents=True, exist_ok=True)
    for part in DEMO_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.exists():
            shutil.copy2(source, target / part)
    return target


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


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo community built once per test session (all languages), for tests that only read it."""
    root = copy_demo(tmp_path_factory.mktemp("demo") / "community")
    result = run_agora("build", "--root", root)
    assert result.code == 0, result.output
    return root / "site"


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
