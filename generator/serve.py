"""`agora serve`: build the chosen languages incrementally, serve them, and rebuild what changed on every save.

The preview is a real `agora build` (into `.cache/agora/serve/site`, never `site/`), so a translator sees their
language exactly as it will be published, and the page cache makes a rebuild after one edit cost the pages that
edit changes. MkDocs' live-reload server serves the folder and reloads the open pages after each rebuild.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

from generator.build import BuildOptions, build
from generator.config import CONFIG_FILE, load_settings
from generator.problems import EXIT_OK, EXIT_USAGE, ContentError, print_problems
from generator.urls import prefix

PREVIEW = Path(".cache") / "agora" / "serve" / "site"
# How long no file may change before a save is built (watched through the system).
QUIET_SECONDS = 0.05


def _watched_by_the_system(server) -> None:
    """Have `server` learn of saves from the operating system (inotify on Linux) instead of MkDocs' polling,
    which walks every watched file every 0.5 s and so delays each preview by a quarter of a second on average.

    Only events that change a file start a build: a build reads every input, and inotify reports opening and
    closing files too, so without the filter each build would start the next."""
    from watchdog.events import (
        FileClosedEvent,
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
    )
    from watchdog.observers import Observer

    changes = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent]

    class Changes(Observer):
        def schedule(self, handler, path, **options):
            return super().schedule(handler, path, **{**options, "event_filter": changes})

    server.observer = Changes()


def serve(root: Path, *, languages: str | None, addr: str, today: dt.date | None, strict: bool,
          poll: bool = False) -> int:
    from mkdocs.livereload import LiveReloadServer

    root = root.resolve()
    try:
        settings = load_settings(root)
    except ContentError as exc:
        print_problems(exc.problems)
        return EXIT_USAGE
    if languages == "all":
        codes = settings.languages
    elif languages is None or languages in settings.languages:
        codes = (languages or settings.default_language,)
    else:
        print(f"agora serve: --lang {languages} is not configured; languages: {', '.join(settings.languages)} "
              "or all", file=sys.stderr)
        return EXIT_USAGE
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        print(f"agora serve: --addr {addr!r}: expected HOST:PORT such as 127.0.0.1:8000", file=sys.stderr)
        return EXIT_USAGE
    out = root / PREVIEW
    options = BuildOptions(out=out, languages=codes, today=today, strict=strict, newsletters=False, remember=False)

    def rebuild() -> None:
        # A failed build leaves the previous preview in place; its errors are on the terminal.
        build(root, options)

    rebuild()
    # The server's own lines ("Serving on …", reloads). Not a handler for all of MkDocs: `build` prints what MkDocs
    # warns of in a build, each warning once and named by its content file.
    reporting = logging.StreamHandler()
    reporting.setFormatter(logging.Formatter("%(message)s"))
    livereload = logging.getLogger("mkdocs.livereload")
    livereload.setLevel(logging.INFO)
    livereload.addHandler(reporting)
    livereload.propagate = False
    watched = [str(folder) for folder in (root / CONFIG_FILE, *settings.input_dirs) if folder.exists()]

    def watching(polling: bool) -> LiveReloadServer:
        server = LiveReloadServer(builder=rebuild, host=host, port=int(port), root=str(out))
        if not polling:
            _watched_by_the_system(server)
            # MkDocs waits for 0.1 s without a change before building, a margin made for its polling; the
            # system reports a save's events within a millisecond of each other. A build that starts in the
            # middle of a burst of changes (a checkout) is followed by another once it ends.
            server.build_delay = QUIET_SECONDS
        for folder in watched:
            server.watch(folder)
        return server

    if poll:
        print("agora serve: looking for changes every 0.5 s (--poll)", file=sys.stderr)
        server = watching(polling=True)
    else:
        try:
            server = watching(polling=False)
        except OSError as exc:  # e.g. the system's limit of inotify watches reached
            print(f"agora serve: cannot watch {len(watched)} folders through the system ({exc}); looking for "
                  "changes every 0.5 s instead (--poll)", file=sys.stderr)
            server = watching(polling=True)
    start = prefix(codes[0], settings.default_language) if len(codes) == 1 else ""
    print(f"previewing {', '.join(codes)} at http://{host}:{port}/{start} (Ctrl+C stops)", file=sys.stderr)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return EXIT_OK
