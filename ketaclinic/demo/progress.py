"""A progress line on stderr for long demo builds: counts, rate and time left, on one line
rewritten with a carriage return on a terminal; a plain line every ~10 % otherwise (a log or a
CI job keeps a dozen lines, not thousands)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class ProgressLine:
    def __init__(
        self,
        *,
        label: str,
        stream: TextIO,
        is_terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream
        self.is_terminal = stream.isatty() if is_terminal is None else is_terminal
        self.clock = clock
        self.started = clock()
        self.next_tenth = 1

    def __call__(self, done: int, total: int) -> None:
        elapsed_s = max(self.clock() - self.started, 1e-9)
        rate_per_s = done / elapsed_s
        left_s = (total - done) / rate_per_s if rate_per_s else 0.0
        line = (
            f"{self.label}: {done:,}/{total:,} ({100 * done / total:.0f} %), "
            f"{rate_per_s:,.0f}/s, {_clock(elapsed_s)} elapsed, {_clock(left_s)} left"
        )
        if self.is_terminal:
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{line}\x1b[K{end}")
            self.stream.flush()
            return
        if done >= total or done * 10 >= self.next_tenth * total:
            self.stream.write(line + "\n")
            self.stream.flush()
            self.next_tenth = done * 10 // total + 1


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"
