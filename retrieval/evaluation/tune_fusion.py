"""Choosing the hybrid fusion weight by cross-validation over judged queries.

Candidate lists are retrieved once per query; every weight is then scored on the same lists.
Folds split by query; the weight is chosen on the training folds of every catalog together
(mean of per-catalog means, so the larger set does not dominate) and scored on the held-out fold.
One global weight comes out: the demo catalog and user catalogs have no judgements of their own.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.metrics import ndcg_at_k
from retrieval.filters import SearchFilters
from retrieval.fusion import FusionParams, fuse
from retrieval.search import Searcher

WEIGHTS = [round(i / 20, 2) for i in range(21)]


@dataclass
class QueryLists:
    catalog: str
    query: str
    dense: dict[str, float]
    lexical: dict[str, float]
    judged: dict[str, float]


def collect(searcher: Searcher, judgments: Judgments, depth: int = 100) -> list[QueryLists]:
    rows = []
    for query in judgments.queries:
        timings: dict[str, float] = {}
        dense, lexical, _ = searcher.retrieve(query, SearchFilters(), depth, "hybrid", timings)
        rows.append(QueryLists(searcher.name, query, dense, lexical, judgments.gains[query]))
    return rows


def score(rows: list[QueryLists], params: FusionParams, k: int = 10) -> float:
    """Mean over catalogs of the mean full-catalog nDCG@k."""
    per_catalog: dict[str, list[float]] = {}
    for row in rows:
        fused = fuse(row.dense, row.lexical, params)
        ranking = sorted(fused, key=lambda pid: -fused[pid])
        per_catalog.setdefault(row.catalog, []).append(ndcg_at_k(ranking, row.judged, k))
    return mean(mean(v) for v in per_catalog.values())


def candidates() -> list[FusionParams]:
    return [FusionParams("weighted", w) for w in WEIGHTS] + [FusionParams("rrf", 0.5, 60)]


def best(rows: list[QueryLists]) -> tuple[FusionParams, float]:
    scored = [(p, score(rows, p)) for p in candidates()]
    return max(scored, key=lambda ps: ps[1])


def cross_validate(rows: list[QueryLists], folds: int = 5, seed: int = 13) -> dict:
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    fold_of = {idx: i % folds for i, idx in enumerate(order)}
    held_out: list[float] = []
    chosen = []
    for fold in range(folds):
        train = [rows[i] for i in range(len(rows)) if fold_of[i] != fold]
        test = [rows[i] for i in range(len(rows)) if fold_of[i] == fold]
        params, _ = best(train)
        chosen.append(params)
        held_out.append(score(test, params))
    final, final_score = best(rows)
    return {
        "method": final.method, "dense_weight": final.dense_weight, "rrf_k": final.rrf_k,
        "cv_ndcg@10_full": round(mean(held_out), 4), "fit_ndcg@10_full": round(final_score, 4),
        "fold_choices": [f"{p.method}:{p.dense_weight}" for p in chosen], "folds": folds, "seed": seed,
        "queries": {c: sum(r.catalog == c for r in rows) for c in sorted({r.catalog for r in rows})},
        "grid": {f"{p.method}:{p.dense_weight}": round(score(rows, p), 4) for p in candidates()},
    }


def write_params(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result, indent=2) + "\n")
