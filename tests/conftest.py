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
DEMO_PARTS = ("mkdocs.yml", "content", "newsletters", "locales", "docs")


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
