"""A wall clock the test moves by hand, so nothing waits for time to pass."""

from __future__ import annotations

import time


class Clock:
    """Stands in for ``time.time``: starts at the real time and moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
