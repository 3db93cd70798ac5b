"""Loading speed: read and validate a synthetic community of about 10,000 items; prints items per second.

    .venv/bin/python bench/load.py [--posts 7500] [--repeat 3]

Target (foundation issue): at least 5,000 items/s on the 2-core reference machine. The figure is the best of
`--repeat` runs of `load_community` (files → validated, cross-checked model) in this process, after one warm-up
run, so it measures Agora rather than the disk cache.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate  # noqa: E402

from generator.config import load_settings  # noqa: E402
from generator.model import load_community  # noqa: E402


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--posts", type=int, default=7500, help="posts; other collections in proportion")
    options.add_argument("--repeat", type=int, default=3)
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="agora-load-") as scratch:
        root = Path(scratch) / "community"
        counts = generate(root, args.posts)
        settings = load_settings(root)
        community, problems = load_community(settings)
        if problems.errors:
            print("\n".join(map(str, problems.errors[:10])), file=sys.stderr)
            return 1
        items = sum(len(collection) for collection in community.collections().values())
        files = items + counts["translations"]
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            load_community(settings)
            best = min(best, time.perf_counter() - started)
    print(f"items {items}  files {files}  best of {args.repeat}: {best:.2f} s")
    print(f"items_per_s {items / best:,.0f}  files_per_s {files / best:,.0f}  (target: items_per_s >= 5,000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
