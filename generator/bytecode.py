"""Compiled Jinja templates shared between environments and builds (`SharedBytecode`)."""

from __future__ import annotations

from pathlib import Path

import jinja2


class SharedBytecode(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in memory, shared by every Environment of one kind in the process (one per
    language: each has its own gettext), and on disk when a folder is set (`agora build` sets one under
    `.cache/agora/jinja/`), shared by the per-language workers and builds. Without it, every language compiled
    the same templates again. Only Environments with the same options may share one: their compiled code is
    interchangeable. Jinja checks each entry against the template's source checksum, so an edited template
    (under `agora serve`) is compiled afresh; files are written to a temporary name and renamed.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}
        self.folder: Path | None = None

    def use_folder(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(str(folder))
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])
        elif self.folder is not None:
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()
        if self.folder is not None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass  # a read-only cache costs a compilation next time, nothing else
