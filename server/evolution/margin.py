"""Is a candidate's lead over the current version real? A paired comparison of replay distances.

Both versions render every historical generation; for each generation with
kept text, the gain is the current version's replay distance minus the
candidate's (positive: the candidate comes closer to what that user kept).
The evidence is the mean gain and its one-sided 95% lower confidence bound
(mean - 1.645 * standard error, a normal approximation of the paired t test):

- `certain`: the bound is above zero and the mean gain is at least
  `MIN_RELATIVE_GAIN` of the current version's score, so the candidate is
  deployed at once;
- `uncertain`: the candidate is better on average, but by too little or with
  too much spread to be sure (0.558 against 0.557 is noise, not a result); it
  goes to an A/B trial on real generations (server/evolution/trials.py);
- `worse`: no gain on average; it is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ONE_SIDED_95 = 1.6448536269514722
MIN_RELATIVE_GAIN = 0.05
MIN_PAIRS = 5

CERTAIN = "certain"
UNCERTAIN = "uncertain"
WORSE = "worse"


@dataclass(frozen=True)
class Advantage:
    verdict: str  # CERTAIN, UNCERTAIN or WORSE
    gain: float  # mean distance gained per generation
    lower_bound: float  # one-sided 95% lower bound of the mean gain
    pairs: int

    def as_json(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "gain": round(self.gain, 4),
            "lower_bound": round(self.lower_bound, 4),
            "pairs": self.pairs,
        }


def advantage(current: list[float], candidate: list[float]) -> Advantage:
    """Compare per-generation replay distances (same generations, same order; lower is better)."""
    gains = [old - new for old, new in zip(current, candidate, strict=True)]
    if not gains:
        return Advantage(WORSE, 0.0, 0.0, 0)
    mean_gain = sum(gains) / len(gains)
    if len(gains) > 1:
        variance = sum((gain - mean_gain) ** 2 for gain in gains) / (len(gains) - 1)
        lower = mean_gain - ONE_SIDED_95 * math.sqrt(variance / len(gains))
    else:
        lower = -math.inf
    if mean_gain <= 0:
        return Advantage(WORSE, mean_gain, lower, len(gains))
    baseline = sum(current) / len(current)
    sure = len(gains) >= MIN_PAIRS and lower > 0 and mean_gain >= MIN_RELATIVE_GAIN * baseline
    return Advantage(CERTAIN if sure else UNCERTAIN, mean_gain, lower, len(gains))
