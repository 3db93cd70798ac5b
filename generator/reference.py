"""The build's reference date: what splits upcoming from past (events, the current spotlight, the figures)."""

from __future__ import annotations

import datetime as dt
import os


def reference_date(today: dt.date | None, newest: dt.date | None) -> dt.date:
    """Explicit, else SOURCE_DATE_EPOCH, else the newest content date.

    Never the wall clock, so a build is reproducible from the repository alone.
    """
    if today:
        return today
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return newest or dt.date(1970, 1, 1)
