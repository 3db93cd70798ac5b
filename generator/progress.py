"""Live progress of the per-language builds, for a person at a terminal and for a CI log.

On a terminal one status line is redrawn in place; otherwise (CI, a pipe) a plain line is printed now and then,
with no control characters. The workers report (language, pages done, pages planned) through a queue.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

# How often a plain (non-terminal) progress line is printed, and how often a terminal line is redrawn.
PLAIN_EVERY = 10.0
REDRAW_EVERY = 0.2


class Progress:
    def __init__(self, codes: list[str], queue, stream: TextIO = sys.stderr, interactive: bool | None = None):
        self.codes = codes
        self.queue = queue
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.done: dict[str, tuple[int, int]] = {}
        self.started = time.monotonic()
        self._shown = 0.0
        self._thread = threading.Thread(target=self._listen, daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.queue.put(None)
        self._thread.join()
        if self.interactive and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _listen(self) -> None:
        while (message := self.queue.get()) is not None:
            code, done, total = message
            self.done[code] = (done, total)
            now = time.monotonic()
            if now - self._shown >= (REDRAW_EVERY if self.interactive else PLAIN_EVERY):
                self._shown = now
                self._show(now)

    def line(self, now: float) -> str:
        done = sum(d for d, _ in self.done.values())
        total = sum(t for _, t in self.done.values())
        elapsed = now - self.started
        parts = [f"{code} {self.done[code][0]}/{self.done[code][1]}" for code in self.codes if code in self.done]
        left = ""
        if done and len(self.done) == len(self.codes) and done < total:
            left = f", about {elapsed * (total - done) / done:.0f}s left"
        return f"  pages: {'  '.join(parts)} ({elapsed:.0f}s{left})"

    def _show(self, now: float) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[K" + self.line(now))
        else:
            self.stream.write(self.line(now) + "\n")
        self.stream.flush()


class Reporter:
    """The worker side: sends a language's count at most every REDRAW_EVERY seconds, and always the last one."""

    def __init__(self, queue, code: str):
        self.queue, self.code = queue, code
        self._sent = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self._sent >= REDRAW_EVERY:
            self._sent = now
            self.queue.put((self.code, done, total))
