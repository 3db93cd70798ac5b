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
