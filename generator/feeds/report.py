"""What `agora fetch` prints: a line per feed as it completes, then a summary table. Pure: returns strings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from generator.model.records import FeedSource

COLUMNS = ("new", "updated", "unchanged", "edited", "skipped")
MAX_RESULT = 60


@dataclass
class FeedRun:
    """One feed's progress through the run."""

    index: int  # position in feeds.yml
    feed: FeedSource
    status: str = "pending"  # fetched | not-modified | failed
    error: str = ""
    entries: int = 0
    seconds: float = 0.0
    planned: bool = False  # its entries went through the importer, so the post counts mean something
    counts: Counter = field(default_factory=Counter)

    @property
    def result(self) -> str:
        if self.status == "failed":
            return f"failed: {self.error}"
        if self.status == "not-modified":
            return "not modified"
        return "ok"


def progress_line(done: int, total: int, run: FeedRun) -> str:
    width = len(str(total))
    if run.status == "fetched":
        what = f"{run.entries} entr{'y' if run.entries == 1 else 'ies'}"
    elif run.status == "not-modified":
        what = "not modified"
    else:
        what = f"FAILED: {run.error}"
    return f"[{done:>{width}}/{total}] {run.feed.member} {run.feed.url}: {what} ({run.seconds:.1f} s)"


def summary_table(runs: list[FeedRun]) -> str:
    """One row per feed and a total; counts are posts, the result is the feed's."""
    rows = [("member", "feed", *COLUMNS, "result")]
    for run in runs:
        counts = tuple(str(run.counts[c]) for c in COLUMNS) if run.planned else ("-",) * len(COLUMNS)
        result = run.result if len(run.result) <= MAX_RESULT else run.result[: MAX_RESULT - 1] + "…"
        rows.append((run.feed.member, run.feed.url, *counts, result))
    failed = sum(1 for r in runs if r.status == "failed")
    totals = tuple(str(sum(r.counts[c] for r in runs)) for c in COLUMNS)
    rows.append((f"total ({len(runs)} feed{'s' * (len(runs) != 1)})", "", *totals,
                 f"{failed} failed" if failed else "ok"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = range(2, 2 + len(COLUMNS))
    lines = ["  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join(lines)


def totals_line(runs: list[FeedRun]) -> str:
    """The run in one sentence, e.g. `3 feeds: 1 fetched, 1 not modified, 1 failed; 4 new posts`."""
    status = Counter(r.status for r in runs)
    parts = [f"{status[s]} {label}" for s, label in
             (("fetched", "fetched"), ("not-modified", "not modified"), ("failed", "failed")) if status[s]]
    new = sum(r.counts["new"] for r in runs)
    updated = sum(r.counts["updated"] for r in runs)
    return (f"{len(runs)} feed{'s' * (len(runs) != 1)}: {', '.join(parts)}; "
            f"{new} new post{'s' * (new != 1)}, {updated} updated")
