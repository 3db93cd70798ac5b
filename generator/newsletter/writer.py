"""The only module that writes newsletter output: `<out>/<id>/<lang>.eml`, `.html` and `.txt`.

Files go into a staging folder beside the output folder, which takes its place only once everything is written
(`generator.output.replaced_atomically`, as for `site/`), so a failure leaves the previous output as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from generator.newsletter.render import Rendering
from generator.output import replaced_atomically


def output_files(renderings: Sequence[Rendering]) -> dict[str, bytes]:
    """The files of `renderings`, relative to the output folder, in rendering order.

    Raises ValueError if two renderings would write the same file (checked before anything is written).
    """
    files: dict[str, bytes] = {}
    for rendering in renderings:
        base = f"{rendering.issue_id}/{rendering.lang}"
        if f"{base}.eml" in files:
            raise ValueError(f"two renderings of issue {rendering.issue_id} in {rendering.lang!r}")
        files[f"{base}.eml"] = rendering.eml
        files[f"{base}.html"] = rendering.html.encode("utf-8")
        files[f"{base}.txt"] = rendering.text.encode("utf-8")
    return files


def write_into(renderings: Sequence[Rendering], folder: Path) -> list[Path]:
    """Write `renderings` into `folder` (a staging folder the caller swaps in); returns the files written."""
    files = output_files(renderings)
    written = []
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def write_renderings(renderings: Sequence[Rendering], out_dir: Path, keep_others: bool = False) -> list[Path]:
    """Make `out_dir` hold `renderings` and return the files written, in order.

    With `keep_others`, files already in `out_dir` for other issues or languages stay (a partial run such as
    `agora newsletter 2026-11 --lang sv`); without it, `out_dir` ends up holding exactly these renderings.
    Raises ValueError if two renderings would write the same file; `out_dir` is then left as it was.
    """
    out_dir = out_dir.resolve()
    output_files(renderings)  # refuse duplicates before touching anything
    with replaced_atomically(out_dir) as staging:
        if keep_others and out_dir.is_dir():
            shutil.copytree(out_dir, staging, dirs_exist_ok=True)
        written = write_into(renderings, staging)
    return [out_dir / path.relative_to(staging) for path in written]
