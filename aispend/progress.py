"""A one-line progress bar for long loads, on stderr and only on an interactive terminal.

Logs, pipes and CI get the plain lines alone (a bar's carriage returns make a log unreadable);
a person at a terminal sees how far a month of backfill has got.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

WIDTH = 28


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(total, 1)
        self.done = 0
        self.label = ""

    def step(self, label: str) -> None:
        """Start the next step (``label`` says what it is)."""
        self.label = label
        self._draw()

    def advance(self) -> None:
        self.done = min(self.done + 1, self.total)
        self._draw()

    def wrap(self, echo: Callable[[str], None]) -> Callable[[str], None]:
        """``echo`` that clears the bar, prints the line, and draws the bar again below it."""

        def say(text: str) -> None:
            self._clear()
            echo(text)
            self._draw()

        return say

    def close(self) -> None:
        self._clear()

    def _draw(self) -> None:
        if not self.enabled:
            return
        filled = WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {self.label[:40]}")
        self.stream.flush()

    def _clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
