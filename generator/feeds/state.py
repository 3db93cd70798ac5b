"""What the last fetch learnt about each feed (ETag, Last-Modified), so an unchanged feed costs a 304.

The state lives in `.cache/agora/feeds.json`, which git ignores: it is an optimisation, never the record of
what was imported (the posts' `source` and `guid` fields are). Losing it costs one full download per feed,
nothing more.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from generator.files import write_atomic
from generator.model.records import FeedSource

STATE_FILE = Path(".cache") / "agora" / "feeds.json"
VERSION = 1


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None
    # The feed's settings when the validators were stored: after a change (say, a new tag filter) the feed
    # must be read again in full, however unchanged it is on the server.
    settings: str = ""


def settings_key(feed: FeedSource) -> str:
    return hashlib.sha256(feed.model_dump_json().encode()).hexdigest()[:16]


def load_state(root: Path) -> tuple[dict[str, Validators], str | None]:
    """Validators per feed URL, and a note when the file was unreadable (it is then ignored, not fatal)."""
    path = root / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as exc:
        return {}, f"{STATE_FILE}: unreadable ({exc}); every feed is downloaded in full"
    if not isinstance(raw, dict) or raw.get("version") != VERSION or not isinstance(raw.get("feeds"), dict):
        return {}, None
    state: dict[str, Validators] = {}
    for url, entry in raw["feeds"].items():
        if isinstance(entry, dict):
            etag, modified, settings = (entry.get(k) for k in ("etag", "last_modified", "settings"))
            state[url] = Validators(
                etag=etag if isinstance(etag, str) else None,
                last_modified=modified if isinstance(modified, str) else None,
                settings=settings if isinstance(settings, str) else "",
            )
    return state, None


def save_state(root: Path, state: dict[str, Validators]) -> None:
    feeds = {
        url: {k: v for k, v in vars(validators).items() if v}
        for url, validators in sorted(state.items())
        if validators.etag or validators.last_modified
    }
    write_atomic(root / STATE_FILE, json.dumps({"version": VERSION, "feeds": feeds}, indent=1) + "\n")
