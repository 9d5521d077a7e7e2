"""The sequential test that ends an A/B trial: Bayesian, on the kept rates of the two arms.

Each arm's kept rate gets a Beta(1 + kept, 1 + rejected) posterior (a uniform
prior). After every evolution run the trial computes P(trial > control), the
posterior probability that the candidate's kept rate is higher, exactly (the
closed form for two Beta variables as a finite sum, in log space), and stops:

- `deploy` when P >= DEPLOY_ABOVE (0.99),
- `drop` when P <= DROP_BELOW (0.01),
- `drop` when the trial arm has MAX_TRIAL_DECIDED verdicts without either:
  a difference too small to show in that many is not worth a new version.

Nothing is decided before each arm has MIN_ARM_DECIDED verdicts. Looking
after every run (not once at a fixed size) inflates the error of a plain
95% test, which is why the thresholds are 0.99/0.01; bench/evolution_improve_sim.py
measures how often it decides wrong for candidates 5 points better and worse.
A Bayesian rule was chosen over Wald's SPRT because SPRT needs the two rates
it tests between fixed in advance, and here neither the base rate nor the
size of a gain is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEPLOY_ABOVE = 0.99
DROP_BELOW = 0.01
MIN_ARM_DECIDED = 20
MAX_TRIAL_DECIDED = 2000

DEPLOY = "deploy"
DROP = "drop"
CONTINUE = "continue"


@dataclass(frozen=True)
class Arm:
    kept: int
    decided: int

    @property
    def rate(self) -> float | None:
        return self.kept / self.decided if self.decided else None


@dataclass(frozen=True)
class TrialDecision:
    verdict: str  # DEPLOY, DROP or CONTINUE
    probability_better: float  # P(trial kept rate > control kept rate)
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"verdict": self.verdict, "probability_better": round(self.probability_better, 4), "reason": self.reason}


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def probability_better(trial: Arm, control: Arm) -> float:
    """P(p_trial > p_control) for independent Beta(1 + kept, 1 + rejected) posteriors.

    With p_T ~ Beta(a, b) and p_C ~ Beta(c, d):
    P(p_T > p_C) = sum_{i=0}^{a-1} B(c + i, b + d) / ((b + i) B(1 + i, b) B(c, d)).
    The sum runs over the smaller side (by symmetry) so it costs O(min(kept) + 1).
    """
    a, b = 1 + trial.kept, 1 + trial.decided - trial.kept
    c, d = 1 + control.kept, 1 + control.decided - control.kept
    if a > c:  # P(T > C) = 1 - P(C > T): sum over the smaller count
        return 1.0 - probability_better(control, trial)
    base = _log_beta(c, d)
    total = 0.0
    for i in range(a):
        total += math.exp(_log_beta(c + i, b + d) - math.log(b + i) - _log_beta(1 + i, b) - base)
    return min(1.0, max(0.0, total))


def decide(trial: Arm, control: Arm) -> TrialDecision:
    """What to do with a trial after this many verdicts in each arm."""
    if min(trial.decided, control.decided) < MIN_ARM_DECIDED:
        return TrialDecision(CONTINUE, 0.5, f"waiting for {MIN_ARM_DECIDED} verdicts in each arm")
    p = probability_better(trial, control)
    if p >= DEPLOY_ABOVE:
        return TrialDecision(DEPLOY, p, f"kept more often than the current version (P = {p:.3f})")
    if p <= DROP_BELOW:
        return TrialDecision(DROP, p, f"kept less often than the current version (P better = {p:.3f})")
    if trial.decided >= MAX_TRIAL_DECIDED:
        return TrialDecision(DROP, p, f"no clear difference after {trial.decided} verdicts (P better = {p:.3f})")
    return TrialDecision(CONTINUE, p, f"P better = {p:.3f}")
