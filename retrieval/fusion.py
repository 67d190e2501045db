"""Combining the dense and lexical rankings into one.

Two rules: reciprocal-rank fusion (no tuning, robust when scores are not comparable) and a
weighted sum of per-query min-max normalised scores, whose weight is chosen by cross-validation
on dev judgements (`aisle eval ranking --tune-fusion`) and stored in ``fusion_params.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class FusionParams:
    method: str = "weighted"
    dense_weight: float = 0.5
    rrf_k: int = 60

    @classmethod
    def load(cls, path: Path | None = None) -> FusionParams:
        path = path or Path(str(resources.files("retrieval") / "data" / "fusion_params.json"))
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(method=data.get("method", "weighted"), dense_weight=float(data.get("dense_weight", 0.5)),
                   rrf_k=int(data.get("rrf_k", 60)))


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    if span <= 1e-12:
        return {k: 1.0 for k in scores}
    return {k: (v - lo) / span for k, v in scores.items()}


def weighted_fusion(dense: Mapping[str, float], lexical: Mapping[str, float], dense_weight: float) -> dict[str, float]:
    """A product missing from one list gets 0 from it: it ranked below that list's cut-off."""
    d, lx = min_max(dense), min_max(lexical)
    return {pid: dense_weight * d.get(pid, 0.0) + (1 - dense_weight) * lx.get(pid, 0.0)
            for pid in dict.fromkeys([*dense, *lexical])}


def rrf_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return fused


def fuse(dense: Mapping[str, float], lexical: Mapping[str, float], params: FusionParams) -> dict[str, float]:
    """Inputs are id -> score maps ordered best first."""
    if params.method == "rrf":
        return rrf_fusion([list(dense), list(lexical)], params.rrf_k)
    return weighted_fusion(dense, lexical, params.dense_weight)
