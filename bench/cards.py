"""Sharing-card cost: every card of a community in every language, drawn into an empty cache, then again from it.

    .venv/bin/python bench/cards.py [--n 100] [--root DIR]

With `--n` (default 100) the community is bench/synthetic.py's with N posts (members, events, stories, spotlights
and courses in proportion, six languages); `--root` uses a community on disk instead (e.g. `--root .`, the demo).
The cards are planned the way a build plans them (site.planner, then site.social), outside the timing. Then:

- cold: `cards.cached_card` for every card with an empty cache folder: each one is drawn and written;
- warm: the same again with the cache now full: each one is a cache hit (a digest and a file check).

One process on one core: `agora build` draws each language's cards in that language's build process, so on
two cores a build's wall time grows by about half the cold figure. Prints cards, cold and warm seconds, and
milliseconds per drawing (cold) or per card (warm), as wall time and as this process's CPU time (on a shared
machine the wall time includes waiting for a core; the CPU time is what the drawing costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402  (bench/ is on the path as the script's folder)

from generator.config import load_settings  # noqa: E402
from generator.i18n import load_languages  # noqa: E402
from generator.model import load_community  # noqa: E402
from generator.problems import Problems  # noqa: E402
from generator.site import cards, social  # noqa: E402
from generator.site.planner import plan_language  # noqa: E402

TODAY = dt.date(2026, 11, 20)  # the benchmarks' reference date (bench/synthetic.py)


def planned_cards(root: Path) -> list[social.Card]:
    problems = Problems()
    settings = load_settings(root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    languages = load_languages(settings.languages, settings.locales_dir, settings.root, problems)
    if problems.errors:
        raise SystemExit("\n".join(map(str, problems.errors[:10])))
    found_cards = []
    for code in settings.languages:
        plan = plan_language(community, languages, code, TODAY)
        # With the languages, as a build plans them: an untranslated item shares its original's card.
        sharing = social.plan_sharing(community, languages[code], {p.url: p for p in plan.pages},
                                      lambda image: cards.image_size(settings.content_dir / image), languages)
        found_cards.extend(sharing.cards)
    return found_cards


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--n", type=int, default=100, help="posts in the synthetic community (default 100)")
    options.add_argument("--root", type=Path, help="a community on disk instead of a synthetic one")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="agora-cards-") as scratch:
        scratch = Path(scratch)
        root = args.root.resolve() if args.root else scratch / "community"
        if not args.root:
            synthetic.generate(root, args.n)
        planned = planned_cards(root)
        cache = scratch / "cache"
        cards.card_key(planned[0])  # digest the font and code once, outside the timing (a build does it once)
        timings = []
        for _ in ("cold", "warm"):
            started, cpu = time.perf_counter(), time.process_time()
            drawn = sum(cards.cached_card(card, cache)[1] for card in planned)
            timings.append((time.perf_counter() - started, time.process_time() - cpu, drawn))
        (cold, cold_cpu, cold_drawn), (warm, warm_cpu, warm_drawn) = timings
        size = sum(path.stat().st_size for path in cache.glob("*.png"))
        shutil.rmtree(cache)
    source = f"--root {args.root}" if args.root else f"synthetic N={args.n}"
    distinct = len(set(map(cards.card_key, planned)))
    # Sizes and cold costs per drawing (equal cards are one file, drawn once); the warm cost per planned card.
    print(f"{source}: {len(planned)} cards ({distinct} distinct drawings), "
          f"{size / distinct / 1024:.0f} KiB per drawing")
    print(f"cold {cold:.2f} s wall, {cold_cpu:.2f} s CPU ({cold_drawn} drawn; per drawing "
          f"{cold * 1000 / max(cold_drawn, 1):.1f} ms wall, {cold_cpu * 1000 / max(cold_drawn, 1):.1f} ms CPU)")
    n = len(planned)
    print(f"warm {warm:.3f} s wall, {warm_cpu:.3f} s CPU ({warm_drawn} drawn; per card {warm * 1000 / n:.2f} ms wall, "
          f"{warm_cpu * 1000 / n:.2f} ms CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
