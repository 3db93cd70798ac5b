"""Atomic output: everything is written to a staging folder beside the target and swapped in at the end.

A failed or killed build leaves the previous output as it was; at worst a stale staging folder remains, which
the next build removes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path


def _staging(target: Path) -> Path:
    return target.parent / f".{target.name}.staging"


@contextlib.contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """Yield an empty folder; when the block succeeds it becomes `target`, replacing the old one."""
    target = target.resolve()
    staging = _staging(target)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


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
