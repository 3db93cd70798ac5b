"""Newsletter rendering speed: every issue of the demo in every language; prints milliseconds per rendering.

    .venv/bin/python bench/newsletter.py [--root .] [--repeat 5]

Target (newsletter issue): at most 50 ms per rendering (issue × language: selection, view, HTML with CSS
inlined, text part, .eml) on the 2-core reference machine. The community is loaded once; one warm-up run
compiles the templates, then the figure is the best of `--repeat` runs of `render_issues`, with the median
beside it. Nothing is written.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.inputs import load_inputs  # noqa: E402
from generator.newsletter import render_issues  # noqa: E402
from generator.problems import ContentError  # noqa: E402

TARGET_MS = 50


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--root", type=Path, default=ROOT, help="community to render (default: the demo)")
    options.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up (default 5)")
    args = options.parse_args()
    try:
        inputs = load_inputs(args.root.resolve())
    except ContentError as exc:
        print("\n".join(map(str, exc.problems[:10])), file=sys.stderr)
        return 1
    settings, community, languages = inputs.settings, inputs.community, inputs.languages
    if not community.newsletters:
        print(f"no newsletter issues in {settings.newsletters_dir}", file=sys.stderr)
        return 1
    count = len(render_issues(community, languages))
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        render_issues(community, languages)
        runs.append((time.perf_counter() - started) * 1000 / count)
    best, median = min(runs), statistics.median(runs)
    print(f"issues {len(community.newsletters)}  languages {len(settings.languages)}  renderings {count}")
    print(f"ms_per_rendering {best:.1f} (best of {args.repeat}; median {median:.1f})  (target: <= {TARGET_MS})")
    return 0 if best <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
