"""Skipping a build that would write exactly what is already there.

After a successful build, `agora build` records two things in `.cache/agora/build.json` (which git ignores):
a fingerprint of everything the output depends on — the repository's inputs, Agora's own code, templates and
catalogs, the installed packages and the build's options — and a listing (path, size, modification time) of the
output folders as they were written. A later build whose fingerprint matches, with output folders that nobody
has touched since, has nothing to do. `--force` ignores the record; a clean checkout (CI) has none, so CI always
builds. The record is an optimisation, never a source of truth: when it cannot be read or written, Agora builds.
The input files' digests are kept too (`FileDigests`): the fingerprint reads only the files changed since.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import generator
from generator.digests import FileDigests

RECORD = Path(".cache") / "agora" / "build.json"
# Never inputs: caches and the files Python writes next to the code.
SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".cache"})
METADATA_FOLDERS = (".dist-info", ".egg-info")


def _files(folder: Path) -> Iterator[Path]:
    """Every regular file under `folder` in a stable order (a single file yields itself)."""
    if folder.is_file():
        yield folder
        return
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if not name.endswith(".pyc"):
                yield Path(current, name)


def _packages() -> list[str]:
    """Every installed distribution and its version: a new MkDocs, Material or Babel can change the output.

    By the names of their metadata folders, which are `<name>-<version>.dist-info` (or `.egg-info`): installing,
    upgrading or removing a package renames or adds one. Reading each distribution's METADATA instead (what
    `importlib.metadata` does) was a sixth of a second before every build could start."""
    found = set()
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as entries:
                found.update(entry.name.lower() for entry in entries if entry.name.endswith(METADATA_FOLDERS))
        except OSError:  # a zip file or a folder that is not there
            continue
    return sorted(found)


def _update(digest, folders: Iterable[Path], files: FileDigests) -> None:
    # Each file by its folder's place in the list and its path inside it, not by its absolute path: a checkout moved
    # elsewhere (another CI workspace, a copy) keeps its caches.
    for index, folder in enumerate(folders):
        for path in _files(folder):
            inside = path.name if path == folder else path.relative_to(folder).as_posix()
            digest.update(f"\0{index}\0{inside}\0".encode("utf-8", "surrogateescape"))
            digest.update(files.of(path) or b"<unreadable>")


@functools.cache
def environment() -> str:
    """A digest of what produces the output besides the repository: Python, the packages, Agora's own files."""
    digest = hashlib.sha256(json.dumps({"python": sys.version, "packages": _packages()}).encode())
    _update(digest, [Path(generator.__file__).parent], FileDigests())
    return digest.hexdigest()


def fingerprint(inputs: Iterable[Path], options: dict, files: FileDigests | None = None) -> str:
    """A digest of the input files' names and bytes, the environment and `options`; `files`: the digests kept
    of the files (none: every file is read)."""
    digest = hashlib.sha256(environment().encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    _update(digest, inputs, files or FileDigests())
    return digest.hexdigest()


def listing(folder: Path, parts: Iterable[str] = (), known: dict[str, str] | None = None) -> str:
    """A digest of what `folder` holds: every file's path, size and modification time. `parts`: sub-folders that
    are listed on their own (a site's languages, each listed by its own build as it finishes, in parallel);
    `known`: listings made already, of those parts by name and of the rest of `folder` under ""."""
    parts = sorted(parts)
    known = known or {}
    digest = hashlib.sha256((known.get("") or folder_listing(str(folder), skip=frozenset(parts))).encode())
    for part in parts:
        digest.update(f"\0{part}\0{known.get(part) or folder_listing(str(folder / part))}".encode())
    return digest.hexdigest()


def folder_listing(folder: str, skip: frozenset[str] = frozenset()) -> str:
    """A digest of the files under `folder` (but not under its sub-folders named in `skip`): each one's path,
    size and modification time."""
    digest = hashlib.sha256()
    # os.scandir and strings, not Paths: a large site's output is tens of thousands of files, listed after every
    # build.
    pending = [("", folder)]
    while pending:
        prefix, current = pending.pop()
        try:
            with os.scandir(current) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except FileNotFoundError:
            return "missing"
        dirs = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS and not (current == folder and entry.name in skip):
                    dirs.append((f"{prefix}{entry.name}/", entry.path))
            elif not entry.name.endswith(".pyc"):
                stat = entry.stat(follow_symlinks=False)
                digest.update(f"{prefix}{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        pending.extend(reversed(dirs))
    return digest.hexdigest()


def listing_of(files: dict[str, tuple[int, int]]) -> str:
    """`folder_listing` of a folder that holds exactly `files` (path inside it → size and modification time), in
    the order its walk lists them (a folder's files by name, then its folders by name), without walking it."""
    marked = any(mark in path for path in files for mark in "\0\1\2")
    digest = hashlib.sha256()
    for path in sorted(files, key=_walked_parts if marked else _walked):
        *folders, name = path.split("/")
        if name.endswith(".pyc") or SKIPPED_DIRS.intersection(folders):
            continue
        size, mtime = files[path]
        digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def _walked(path: str) -> str:
    """A sort key putting `path` where `folder_listing`'s walk lists it: each folder marked to sort after the
    files beside it, which no name without the characters \\0, \\1 and \\2 can upset."""
    folder, _, name = path.rpartition("/")
    return "\2" + folder.replace("/", "\1\2") + "\1\0" + name if folder else "\0" + name


def _walked_parts(path: str) -> list[tuple[int, str]]:
    """`_walked` for any names, slower: the folders and the name as parts."""
    folder, _, name = path.rpartition("/")
    return [(1, part) for part in folder.split("/") if folder] + [(0, name)]


def _outputs(folders: Iterable[Path], parts: dict[Path, list[str]],
             known: dict[Path, dict[str, str]]) -> dict[str, str | None]:
    return {str(folder): listing(folder, parts.get(folder, ()), known.get(folder)) if folder.is_dir() else None
            for folder in folders}


def unchanged(root: Path, print_: str, folders: Iterable[Path], parts: dict[Path, list[str]]) -> bool:
    """True when the last build recorded at `root` had this fingerprint and its output folders are intact;
    `parts`: as `listing`'s, by folder."""
    try:
        recorded = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("fingerprint") != print_:
        return False
    outputs = _outputs(folders, parts, {})
    return None not in outputs.values() and recorded.get("outputs") == outputs


def record(root: Path, print_: str, folders: Iterable[Path], parts: dict[Path, list[str]],
           known: dict[Path, dict[str, str]]) -> None:
    """Remember this build; failing to is harmless (the next build simply runs). `parts`, `known`: as
    `listing`'s, by folder."""
    path = root / RECORD
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(".tmp")
        staging.write_text(json.dumps({"fingerprint": print_, "outputs": _outputs(folders, parts, known)}, indent=2,
                                      sort_keys=True) + "\n", encoding="utf-8")
        staging.replace(path)
    except OSError:
        pass


def forget(root: Path) -> None:
    """Drop the record (before a build starts replacing the outputs it describes)."""
    try:
        (root / RECORD).unlink()
    except OSError:
        pass
