"""What the last build of a language wrote, so the next one leaves unchanged files where they are.

For every page: its key (the page cache's) and what MkDocs needs of it besides its HTML (where its search entries
are in the output's search index, anchors, links to other pages' anchors, warnings); for every other file Agora
adds: a digest of its source; for both the size and modification time the output file had; and those of the
search index, whose text an unchanged page's entries are read from (`generator/site/search.py`). A later build
of the same output whose page has the same key and whose previous output file still has that size and time
takes the file over as it is (a hard link into the staging folder): MkDocs neither converts, renders nor writes
it. That is MkDocs' own `--dirty` mechanism, fed with what Agora knows and MkDocs does not: which generated
pages changed, and the search entries of those that did not.

A manifest is written beside its build's staging (as `*.pending-<pid>`) and becomes current only once the build's
output has been swapped in, so it always describes the output that is in place; a missing, unreadable or foreign
manifest means a build that reuses nothing from the output (the page cache still serves). When the output is
replaced, its manifest becomes the spare's (`rotate`): the replaced tree is kept beside the output for the next
build to update in place (`generator/output.py`), and this says which of its files are still right.

A file counts as the one recorded only if its size, modification time and inode are: hard links make the two
trees share most inodes, and an inode number tells a file written since apart from the one recorded even
within one tick of the file system's clock.

A manifest also lists every file the output held once its build ended (`present`: MkDocs' own files too) and
every folder's modification time and inode (`folders`). A build staging in the spare deletes the listed files
that changed without walking thousands of folders, but only while every folder is as recorded: a file added,
removed or renamed in a folder changes its time, and the spare is then walked (`AgoraPlugin._prune_spare`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from generator.files import sealed, unsealed
from generator.output import running

FORMAT = 6
FOLDER = Path(".cache") / "agora" / "manifests" / f"v{FORMAT}"


def location(root: Path, out: Path, code: str, *, spare: bool = False) -> Path:
    """The manifest of language `code` built into output folder `out` (one per output folder and language), or
    with `spare` of that language in the output that `out` replaced."""
    name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return root / FOLDER / f"{name}-{code}{'.spare' if spare else ''}.bin"


# The manifests this process wrote, while their files are the ones it wrote (`agora serve` builds again and
# again: reading back what it has just written was a tenth of each save's build), by path: the file's
# `stat_of` and what it holds. The newest few only: each is megabytes of objects on a large hub.
_WRITTEN: dict[Path, tuple[list[int], dict]] = {}
_WRITTEN_KEPT = 4
_WRITTEN_LOCK = threading.Lock()  # several languages' manifests are written at once (`promote`)


def load(path: Path) -> dict | None:
    with _WRITTEN_LOCK:
        written = _WRITTEN.get(path)
    if written is not None and written[0] == stat_of(str(path)):
        return written[1]
    try:
        data = unsealed(path.read_bytes())
    except OSError:
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    if not all(isinstance(data.get(name), dict) for name in ("pages", "files", "outputs")):
        return None
    return data


def stat_of(path: str) -> list[int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


@dataclass(frozen=True)
class Unwritten:
    """A manifest to write where it belongs once the output it describes is in place (`promote`)."""

    path: Path
    data: dict


# Whose pending manifests this process writes: the process that imported this module, i.e. `agora build`'s own,
# whose language workers are forked from it after the import and end before it puts their manifests in place
# (`sweep` must not take a finished worker's manifest for an abandoned one).
OWNER = os.getpid()

# Manifests being written in the background (`promote`), waited for by `settle`.
_WRITING: list[threading.Thread] = []


def write_pending(path: Path, data: dict, *, in_process: bool = False) -> Path | Unwritten | None:
    """Write `data` for `promote` to put in place once the output is; None when it cannot be written.

    `in_process`: this process puts the output in place. The manifest is then written only by `promote`, in the
    background, and kept in memory for `load` to return while its file is the one written: `agora serve` builds
    again and again, and writing the manifest (megabytes on a large hub) before the output was swapped in, then
    reading it back on the next save, were a tenth of each save's build."""
    data = {"format": FORMAT, **data}
    if in_process:
        return Unwritten(path, data)
    pending = path.with_name(f"{path.name}.pending-{OWNER}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pending.write_bytes(sealed(data))
    except OSError:
        with contextlib.suppress(OSError):
            pending.unlink()
        return None
    return pending


def _write(unwritten: Unwritten) -> None:
    path = unwritten.path
    # Failing to write it, the next build reuses nothing of this output (the page cache still serves).
    pending = write_pending(path, unwritten.data)
    if pending is None:
        return
    try:
        os.replace(pending, path)
    except OSError:
        discard(pending)
        return
    with _WRITTEN_LOCK:
        _WRITTEN[path] = (stat_of(str(path)), unwritten.data)
        while len(_WRITTEN) > _WRITTEN_KEPT:
            del _WRITTEN[next(iter(_WRITTEN))]


def settle() -> None:
    """Wait for the manifests being written (before a build reads or replaces any)."""
    while _WRITING:
        _WRITING.pop().join()


def _moved(source: Path, target: Path) -> None:
    """`source` was renamed to `target` (which keeps its inode and times)."""
    with _WRITTEN_LOCK:
        written = _WRITTEN.pop(source, None)
        _WRITTEN.pop(target, None)
        if written is not None:
            _WRITTEN[target] = written


def rotate(root: Path, out: Path, code: str) -> None:
    """The output of `code` in `out` was just replaced (and kept as the spare): its manifest is the spare's now."""
    current, spare = location(root, out, code), location(root, out, code, spare=True)
    with contextlib.suppress(OSError):
        os.replace(current, spare)
        _moved(current, spare)


def promote(pending: Path | Unwritten) -> None:
    if isinstance(pending, Unwritten):
        # Not a daemon: a process that ends waits for it.
        writing = threading.Thread(target=_write, args=(pending,), name="agora-manifest")
        writing.start()
        _WRITING.append(writing)
        return
    final = pending.with_name(pending.name.rsplit(".pending-", 1)[0])
    with contextlib.suppress(OSError):
        os.replace(pending, final)


def sweep(root: Path) -> None:
    """Delete the pending manifests of builds that ended without putting them in place (a killed build, whose
    own clean-up never ran): each is as large as a manifest, and nothing reads one. A build still running is
    told apart by its process id (`OWNER`), which runs as long as the build does."""
    try:
        entries = list(os.scandir(root / FOLDER))
    except OSError:
        return
    for entry in entries:
        name, _, pid = entry.name.rpartition(".pending-")
        if name and pid.isdigit() and not running(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def discard(pending: Path | Unwritten) -> None:
    """Drop a pending manifest whose build failed: it never describes an output."""
    if isinstance(pending, Path):
        with contextlib.suppress(OSError):
            pending.unlink()
