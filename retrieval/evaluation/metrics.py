"""Ranking metrics with linear gains (the ESCI paper's convention, applied to both sets)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranking: Sequence[str], judged: Mapping[str, float], k: int = 10) -> float:
    """Unjudged products count as gain 0; the ideal ranking is drawn from the judged gains."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([judged.get(pid, 0.0) for pid in ranking[:k]]) / ideal


def reciprocal_rank(ranking: Sequence[str], relevant: set[str]) -> float:
    for i, pid in enumerate(ranking, start=1):
        if pid in relevant:
            return 1.0 / i
    return 0.0


def recall_at_k(ranking: Sequence[str], relevant: set[str], k: int = 100) -> float:
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)
