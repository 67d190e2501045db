"""Training examples for the ranker: human judgements plus hard negatives mined from our own retrieval.

Labels are the 4 relevance classes (ESCI I/C/S/E -> 0/1/2/3; Chorus ratings 0-3, averaged Haystack
ratings rounded). Unjudged products from our hybrid retrieval are *not* assumed irrelevant: only
those ranked 10-60 for a query are used, as class-0 examples at a reduced weight (0.3), because
judged pools are shallow and a top-ranked unjudged product is often relevant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from retrieval.evaluation.judgments import Judgments
from retrieval.search import Searcher

ESCI_CLASS = {1.0: 3, 0.1: 2, 0.01: 1, 0.0: 0}
HARD_NEGATIVE_RANKS = (10, 60)
HARD_NEGATIVE_WEIGHT = 0.3


@dataclass(frozen=True)
class Example:
    catalog: str
    query: str
    product_id: str
    label: int
    weight: float = 1.0


def gain_to_class(gain: float, esci: bool) -> int:
    if esci:
        return ESCI_CLASS[min(ESCI_CLASS, key=lambda g: abs(g - gain))]
    return max(0, min(3, int(round(gain))))



def hard_negatives(catalog: str, ranked: dict[str, list[str]], judgments: Judgments, queries: list[str],
                   per_query: int = 5, seed: int = 0) -> list[Example]:
    rng = random.Random(seed)
    lo, hi = HARD_NEGATIVE_RANKS
    out = []
    for q in queries:
        pool = [pid for pid in ranked[q][lo:hi] if pid not in judgments.gains[q]]
        for pid in rng.sample(pool, min(per_query, len(pool))):
            out.append(Example(catalog, q, pid, 0, HARD_NEGATIVE_WEIGHT))
    return out


def query_folds(queries: list[str], folds: int, seed: int) -> dict[str, int]:
    """Folds by query: a query's examples are all in train or all in eval, never both."""
    order = sorted(queries)
    random.Random(seed).shuffle(order)
    return {q: i % folds for i, q in enumerate(order)}


def hybrid_candidates(searcher: Searcher, queries: list[str], depth: int = 100):
    """Per query: hybrid order and the dense/lexical/hybrid score maps fusion needs."""
    from retrieval.filters import SearchFilters

    out = {}
    for q in queries:
        dense, lexical, fused = searcher.retrieve(q, SearchFilters(), depth, "hybrid", {})
        out[q] = (sorted(fused, key=lambda pid: -fused[pid]), dense, lexical, fused)
    return out
