"""Figures page cost: milliseconds to compute and draw the charts per language, and the bytes they add.

    .venv/bin/python bench/figures.py [--root .] [--today 2026-11-20] [--repeat 20] [--compare]

For each language: the best of `--repeat` runs of `figures.figures` (counting from the content and drawing every
chart as SVG), after one warm-up run that compiles the templates; the bytes of the charts' SVG; and, when the site
has been built (`agora build`), the bytes of `site/<lang>/figures/index.html`.

`--compare` draws the same charts (same data, titles and labels) with pygal and with matplotlib's SVG backend, when
they are installed (`pip install pygal matplotlib`; Agora does not depend on them), and prints the time per
language, the bytes, the time to import the library in a fresh process (every language's build is a process of its
own), and whether two renderings of the same chart are byte-identical. This is the measurement behind drawing the
charts by hand (README, "Community figures").
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.inputs import load_inputs  # noqa: E402
from generator.problems import ContentError  # noqa: E402
from generator.site.figures import Chart, figures  # noqa: E402


def best_ms(work, repeat: int) -> tuple[float, float]:
    work()  # warm-up: templates compiled, caches filled
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    return min(runs), statistics.median(runs)


def pygal_svg(chart: Chart) -> str:
    import pygal

    kind = {"line": pygal.Line, "bars": pygal.Bar, "rows": pygal.HorizontalBar}[chart.kind]
    # No script from a CDN (js=[]): the hub loads nothing from third parties.
    drawing = kind(title=chart.title, x_labels=list(chart.labels), disable_xml_declaration=True, js=[],
                   show_legend=len(chart.series) > 1, width=800, height=300)
    for series in chart.series:
        drawing.add(series.name, list(series.values))
    return drawing.render(is_unicode=True)


def matplotlib_svg(chart: Chart) -> str:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    # Settings for byte-identical output and text as <text> (not glyph outlines).
    plt.rcParams.update({"svg.hashsalt": "agora", "svg.fonttype": "none"})
    figure, axes = plt.subplots(figsize=(8, 3))
    positions = range(len(chart.labels))
    width = 0.7 / len(chart.series)
    for n, series in enumerate(chart.series):
        if chart.kind == "line":
            axes.plot(positions, series.values, marker="o", label=series.name)
        elif chart.kind == "rows":
            axes.barh(positions, series.values, label=series.name)
        else:
            axes.bar([p + n * width for p in positions], series.values, width, label=series.name)
    if chart.kind == "rows":
        axes.set_yticks(list(positions), chart.labels)
    else:
        axes.set_xticks(list(positions), chart.labels, rotation=45, ha="right")
    axes.set_title(chart.title)
    if len(chart.series) > 1:
        axes.legend()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def import_ms(module: str) -> float:
    """Wall time of `import module` in a fresh interpreter, less the interpreter's own start-up."""
    def run(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return (time.perf_counter() - started) * 1000
    return min(run(f"import {module}") for _ in range(3)) - min(run("pass") for _ in range(3))


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--root", type=Path, default=ROOT, help="community (default: the demo)")
    options.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    options.add_argument("--repeat", type=int, default=20, help="timed runs after the warm-up (default 20)")
    options.add_argument("--compare", action="store_true", help="also draw the charts with pygal and matplotlib")
    args = options.parse_args()
    try:
        inputs = load_inputs(args.root.resolve())
    except ContentError as exc:
        print("\n".join(map(str, exc.problems[:10])), file=sys.stderr)
        return 1
    settings, community, languages = inputs.settings, inputs.community, inputs.languages
    print(f"{'lang':<5} {'charts':>6} {'ms best':>8} {'median':>8} {'svg bytes':>10} {'page bytes':>11}")
    charts_of = {}
    for code, lang in languages.items():
        charts = charts_of[code] = figures(community, lang, args.today)
        best, median = best_ms(lambda lang=lang: figures(community, lang, args.today), args.repeat)
        page = settings.root / "site" / ("" if lang.is_default else code) / "figures" / "index.html"
        page_bytes = str(page.stat().st_size) if page.exists() else "(not built)"
        print(f"{code:<5} {len(charts):>6} {best:>8.2f} {median:>8.2f} "
              f"{sum(len(c.svg.encode()) for c in charts):>10} {page_bytes:>11}")
    if not args.compare:
        return 0
    print("\nthe same charts drawn by a library (drawing only; counting is the same as above)")
    print(f"{'library':<11} {'lang':<5} {'ms best':>8} {'svg bytes':>10} {'import ms':>10} {'identical':>10}")
    for name, draw, module in (("pygal", pygal_svg, "pygal"), ("matplotlib", matplotlib_svg, "matplotlib.pyplot")):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            print(f"{name:<11} not installed (pip install {name})")
            continue
        startup = import_ms(module)
        for code, charts in charts_of.items():
            best, _ = best_ms(lambda charts=charts, draw=draw: [draw(c) for c in charts], max(3, args.repeat // 4))
            first = [draw(c) for c in charts]
            identical = first == [draw(c) for c in charts]
            print(f"{name:<11} {code:<5} {best:>8.1f} {sum(len(s.encode()) for s in first):>10} {startup:>10.0f} "
                  f"{'yes' if identical else 'no':>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
