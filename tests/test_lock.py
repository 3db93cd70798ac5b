"""The locked environment: `requirements.lock` and `requirements-test.lock` pin, with hashes, every dependency
that pyproject.toml declares, agree with each other, and are what `make site` and `make test` install (after pip
itself, from `requirements-pip.lock`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

LOCK = "requirements.lock"
TEST_LOCK = "requirements-test.lock"
PIP_LOCK = "requirements-pip.lock"


def read_lock(name: str) -> dict[str, tuple[Requirement, list[str]]]:
    """Each entry of a lock by its canonical name: the requirement (with its marker) and its hashes."""
    text = (ROOT / name).read_text(encoding="utf-8")
    entries = {}
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        hashes = re.findall(r"--hash=(\S+)", line)
        requirement = Requirement(re.sub(r"\s*--hash=\S+", "", line).strip())
        entries[canonicalize_name(requirement.name)] = (requirement, hashes)
    return entries


def pinned_version(requirement: Requirement) -> str | None:
    specifiers = list(requirement.specifier)
    if len(specifiers) == 1 and specifiers[0].operator == "==":
        return specifiers[0].version
    return None


def declared(*extras: str) -> list[Requirement]:
    """What pyproject.toml asks for: the build backend, the dependencies and the given extras."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        pyproject = tomllib.load(handle)
    names = pyproject["build-system"]["requires"] + pyproject["project"]["dependencies"]
    for extra in extras:
        names += pyproject["project"]["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "extras"), [(LOCK, ()), (TEST_LOCK, ("test", "bench"))])
def test_the_lock_pins_every_declared_dependency_within_its_range(lock: str, extras: tuple[str, ...]):
    entries = read_lock(lock)
    problems = []
    for wanted in declared(*extras):
        name = canonicalize_name(wanted.name)
        if name not in entries:
            problems.append(f"{wanted}: not in {lock}")
            continue
        requirement, hashes = entries[name]
        version = pinned_version(requirement)
        if version is None:
            problems.append(f"{wanted}: {lock} has {requirement}, not a pin with ==")
        elif not wanted.specifier.contains(version, prereleases=True):
            problems.append(f"{wanted}: {lock} pins {version}, outside the declared range")
        if not hashes:
            problems.append(f"{wanted}: {lock} gives no --hash")
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


@pytest.mark.parametrize("lock", [LOCK, TEST_LOCK, PIP_LOCK])
def test_every_entry_of_the_lock_is_pinned_with_sha256_hashes(lock: str):
    for name, (requirement, hashes) in read_lock(lock).items():
        assert pinned_version(requirement), f"{lock}: {requirement}"
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{lock}: {name}"


def test_the_runtime_lock_agrees_with_the_test_lock():
    runtime, test = read_lock(LOCK), read_lock(TEST_LOCK)
    assert runtime.keys() <= test.keys()
    for name, (requirement, hashes) in runtime.items():
        assert (str(requirement), hashes) == (str(test[name][0]), test[name][1]), name


def test_the_running_environment_is_the_locked_one():
    """`make test` installed pip's lock and the test lock: every package they pin for this platform has exactly
    that version."""
    mismatches = []
    for name, (requirement, _) in (read_lock(PIP_LOCK) | read_lock(TEST_LOCK)).items():
        if requirement.marker and not requirement.marker.evaluate():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != pinned_version(requirement):
            mismatches.append(f"{name}: locked {pinned_version(requirement)}, installed {installed}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(("target", "lock"), [("site", LOCK), ("test", TEST_LOCK), ("site", PIP_LOCK),
                                             ("test", PIP_LOCK)])
def test_a_changed_lock_is_installed_again_by_make(tmp_path: Path, target: str, lock: str):
    """In a copy whose install stamps are newer than every input, `make -n` plans no install; after the lock
    changes (`-W`: as if just modified) it plans the locked install, and after a lock of dependencies Agora's own
    install without dependencies."""
    inputs = ("Makefile", "pyproject.toml", LOCK, TEST_LOCK, PIP_LOCK)
    for name in inputs:
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    later = max((tmp_path / name).stat().st_mtime for name in inputs) + 60
    for name in ("bin/python", ".pip", ".installed", ".installed-test"):
        (tmp_path / ".venv" / name).touch()
        os.utime(tmp_path / ".venv" / name, (later, later))

    def plan(*args: str) -> str:
        return subprocess.run(["make", "-n", *args, target], cwd=tmp_path, check=True, capture_output=True,
                              text=True).stdout

    assert "pip install" not in plan()
    changed = plan("-W", lock)
    assert f"pip install --quiet --require-hashes -r {lock}" in changed
    if lock != PIP_LOCK:
        assert "pip install --quiet --no-deps --no-build-isolation -e ." in changed
        assert changed.index(f"-r {lock}") < changed.index("--no-deps")
