"""Paired significance for a per-query (or per-item) metric: is method B really better than method A?

Two views of the same paired differences: a bootstrap 95% interval of the mean difference
(resampling queries) and a two-sided sign-flip permutation p-value (under the null each query's
difference is as likely negative as positive). Every delta the project reports carries one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class PairedDelta:
    n: int
    mean_a: float
    mean_b: float
    delta: float            # mean(b - a)
    ci_low: float
    ci_high: float
    p_value: float          # two-sided, sign-flip permutation
    wins: int               # items where b > a
    losses: int             # items where b < a

    @property
    def significant(self) -> bool:
        """b beats a at p < 0.05 and the interval excludes zero."""
        return self.p_value < 0.05 and self.ci_low > 0

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def paired_interval(diff: np.ndarray, n: int = 5000, seed: int = 0) -> tuple[float, float]:
    """Bootstrap 95% interval of the mean of paired differences."""
    diff = np.asarray(diff, dtype=float)
    if len(diff) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (n, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def sign_flip_p(diff: np.ndarray, n: int = 10000, seed: int = 0) -> float:
    """Two-sided permutation p-value of mean(diff) != 0 (with the +1 correction, never exactly 0)."""
    diff = np.asarray(diff, dtype=float)
    if len(diff) == 0 or not np.any(diff):
        return 1.0
    rng = np.random.default_rng(seed)
    observed = abs(diff.mean())
    signs = rng.choice((-1.0, 1.0), size=(n, len(diff)))
    extreme = int((np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12).sum())
    return (extreme + 1) / (n + 1)


def paired_test(a: Sequence[float], b: Sequence[float], seed: int = 0) -> PairedDelta:
    """B against A over the same items, in the same order."""
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} vs {len(b)}")
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = xb - xa
    low, high = paired_interval(diff, seed=seed)
    return PairedDelta(len(diff), float(xa.mean()) if len(xa) else 0.0, float(xb.mean()) if len(xb) else 0.0,
                       float(diff.mean()) if len(diff) else 0.0, low, high, sign_flip_p(diff, seed=seed),
                       int((diff > 0).sum()), int((diff < 0).sum()))
