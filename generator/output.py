"""Atomic output: everything is written to a staging folder beside the target and swapped in at the end.

A failed or killed build leaves the previous output as it was; at worst a stale staging folder remains, which
the next build removes. Each build stages in a folder of its own (named for its process), so two builds that
share an output folder (two sites with one newsletter folder) do not write into each other's staging; the last
to finish is what stays, and both wrote the same bytes when their inputs are the same.

With `spare`, the replaced output is not deleted but kept beside the target as `.<name>.spare`, and the next
build stages in it instead of in an empty folder: it updates the files that changed and keeps the others where
they are (see `AgoraPlugin._prune_spare`). A large site's tree is tens of thousands of folders; creating and
deleting them all on every build cost more than the build of an edited page. The two trees are used in turn,
like a display's two buffers, and the one being written is never the one in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def running(pid: int) -> bool:
    """Whether process `pid` exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(target: Path, name: str | None = None) -> None:
    """Staging and old folders left beside `target` by builds that were killed (their process is gone); `name`:
    a pattern for the names they were made for, when not just `target`'s."""
    pattern = re.compile(rf"^\.(?:{name or re.escape(target.name)})\.(?:staging|old)-(\d+)-")
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        match = pattern.match(entry.name)
        if match and not running(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


def _beside(target: Path, kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.{kind}-{os.getpid()}-", dir=target.parent))


def spare_of(target: Path) -> Path:
    """Where the output a build replaced waits for the next build to stage in (see `replaced_atomically`)."""
    return target.parent / f".{target.name}.spare"


@contextlib.contextmanager
def replaced_atomically(target: Path, *, spare: bool = False) -> Iterator[Path]:
    """Yield a folder to write the new output in; when the block succeeds it becomes `target`, replacing the old
    one. The folder is empty, or with `spare` it may be the output of an earlier build, which the block must
    update (every file in it is then one that no other folder's file shares an inode with, or one the block may
    only delete: files are hard-linked between the two trees)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    staging = _beside(target, "staging")
    if spare:
        # Renaming claims the spare: of two builds at once, one gets it and the other the empty folder.
        with contextlib.suppress(OSError):
            os.rename(spare_of(target), staging)  # replaces the empty folder `staging`
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    while True:
        try:
            os.rename(staging, target)  # fails while a (non-empty) target is in the way
            break
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        old = _beside(target, "old")
        with contextlib.suppress(FileNotFoundError):  # another build may have just moved it
            os.rename(target, old)  # replaces the empty folder `old`
        if spare:
            try:
                os.rename(old, spare_of(target))  # fails when another build's spare is already there
                continue
            except OSError:
                pass
        remove_in_background(old)


def discard_beside(target: Path, folder: Path) -> None:
    """Move `folder` (inside the staging folder of `target`) away at once, and delete it in the background."""
    old = _beside(target.resolve(), "old")
    os.rename(folder, old)  # replaces the empty folder `old`
    remove_in_background(old)


def remove_in_background(folder: Path) -> None:
    """Delete `folder` in a process of its own that outlives this one.

    The new output is in place by now; a large site's old copy is tens of thousands of files, which would keep
    an editor waiting for nothing. If the deleter dies, the next build removes what is left (`_remove_stale`:
    the folder is named for this process, which is gone by then).
    """
    try:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                          str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def remove_other_formats(folder: Path) -> None:
    """Remove the cache folders beside `folder` that belong to other formats (`v1` beside `v2`): nothing reads
    them, and a large hub's page cache is gigabytes (CI caches would carry it forever). Each is renamed away
    first, so it is gone for every build at once, then deleted in the background; what a killed deleter leaves
    is removed the next time."""
    _remove_stale(folder, name=r"v\d+")
    if not folder.parent.is_dir():
        return
    for entry in folder.parent.iterdir():
        if entry != folder and re.fullmatch(r"v\d+", entry.name) and entry.is_dir():
            old = _beside(entry, "old")
            try:
                os.rename(entry, old)  # replaces the empty folder `old`
            except OSError:  # another build took it first
                old.rmdir()
                continue
            remove_in_background(old)


def merge_into(source: Path, target: Path) -> None:
    """Move every entry of `source` into `target` (which must not have them), then drop `source`."""
    for entry in sorted(source.iterdir()):
        os.rename(entry, target / entry.name)
    source.rmdir()


class AssembleError(Exception):
    """Parts that cannot be put together (a missing part, or two parts with different files at one path)."""


def assemble(parts: list[Path], target: Path) -> int:
    """Merge the output folders of per-language builds into `target`, atomically; returns the number of files.

    Each part is what `agora build --lang L --out PART` wrote: the default language at the root of its part,
    another language under `<lang>/`, so the parts do not overlap and together are the single build's output.
    A path present in two parts must hold the same bytes there (nothing is silently overwritten).
    """
    sources: dict[str, Path] = {}
    for part in parts:
        if not part.is_dir():
            raise AssembleError(f"{part}: not a folder (expected the --out folder of `agora build --lang L`)")
        for current, dirs, files in os.walk(part):
            dirs.sort()
            for name in sorted(files):
                path = Path(current, name)
                rel = path.relative_to(part).as_posix()
                if rel in sources and sources[rel].read_bytes() != path.read_bytes():
                    raise AssembleError(f"{rel}: differs between {sources[rel].parent} and {part} "
                                        "(were the parts built from the same commit and reference date?)")
                sources.setdefault(rel, path)
    with replaced_atomically(target) as staging:
        for rel, path in sorted(sources.items()):
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, staging / rel)
    return len(sources)
