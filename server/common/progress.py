"""The one progress type: what long work (evolution, template improvement) reports as it goes.

Counts, not percentages: `done` of `total` steps, so nobody has to guess
whether a number is a fraction or a percent. Each reporter (`$/progress` in
the server, the CLI's status line) turns it into what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    message: str
    done: int
    total: int

    @property
    def percentage(self) -> int:
        """0-100; 100 when there is nothing to do."""
        if self.total <= 0:
            return 100
        return max(0, min(100, 100 * self.done // self.total))


ProgressCallback = Callable[[Progress], None]
