"""Does learning from feedback help? A simulated feedback stream on the judged dev queries.

Per catalog the judged queries are split (seeded) in half: queries that get feedback and queries that
get none. For each feedback query, ``sessions`` simulated shoppers see the served search's top 10 (no
feedback stage yet); a shopper looks at position k with probability ``1 / k ** eta`` (position bias) and
clicks what they looked at with a probability set by its judged relevance (``CLICK_P``; unjudged
products get the noise rate). The clicks are written as feedback events to a real store, read back,
and fitted exactly as ``aisle train feedback`` does. The stage weight is chosen on one half of the
feedback queries and scored on the other (2 folds), and nDCG@10 of the full-catalog search before and
after is tested, paired over queries, separately for queries with and without feedback.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

import numpy as np

from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.metrics import ndcg_at_k
from retrieval.evaluation.significance import paired_test
from retrieval.filters import SearchFilters
from retrieval.recommend.feedback import Click, FeedbackBoosts
from retrieval.search import Searcher

WEIGHTS = (0.1, 0.25, 0.5, 1.0, 2.0)
CLICK_P = {"relevant": 0.7, "partial": 0.25, "other": 0.03}  # judged relevant / judged with some gain / neither
DEPTH = 100


@dataclass
class FeedbackQuery:
    catalog: str
    query: str
    judged: dict[str, float]
    relevant_at: float
    shown: list[str]                  # the served top 10 before feedback
    with_feedback: bool
    fold: int = 0
    before: float = 0.0
    after: dict[float, float] = field(default_factory=dict)  # weight -> nDCG@10

    def click_p(self, pid: str) -> float:
        gain = self.judged.get(pid, 0.0)
        if gain >= self.relevant_at:
            return CLICK_P["relevant"]
        return CLICK_P["partial"] if gain > 0 else CLICK_P["other"]


def split(searcher: Searcher, catalog: str, judgments: Judgments, seed: int = 0) -> list[FeedbackQuery]:
    rng = random.Random(zlib.crc32(f"{seed}:{catalog}".encode()))
    queries = list(judgments.queries)
    rng.shuffle(queries)
    half = set(queries[: len(queries) // 2])
    known = set(searcher.lexical.all_ids())
    rows = []
    for i, q in enumerate(queries):
        judged = {pid: g for pid, g in judgments.gains[q].items() if pid in known}
        if not judged:
            continue
        top = searcher.search(q, SearchFilters(), k=10, method="full")
        rows.append(FeedbackQuery(catalog, q, judged, judgments.relevant_at, [h.product.id for h in top.hits],
                                  q in half, i % 2))
    return rows


def simulate(rows: list[FeedbackQuery], sessions: int = 20, eta: float = 1.0, seed: int = 0) -> list[Click]:
    rng = random.Random(seed)
    clicks = []
    for row in rows:
        if not row.with_feedback:
            continue
        for _ in range(sessions):
            for position, pid in enumerate(row.shown, start=1):
                if rng.random() < 1.0 / position ** eta and rng.random() < row.click_p(pid):
                    clicks.append(Click(row.query, pid, position, "clicked"))
    return clicks


def _ndcg(searcher: Searcher, row: FeedbackQuery, boosts: FeedbackBoosts) -> float:
    saved = searcher.feedback
    searcher.feedback = boosts
    try:
        c = searcher.run_stages(row.query, SearchFilters(), DEPTH, "full")
    finally:
        searcher.feedback = saved
    return ndcg_at_k(sorted(c.final, key=lambda pid: -c.final[pid]), row.judged, 10)


def evaluate(pairs: list[tuple[Searcher, list[FeedbackQuery]]], clicks: list[Click], eta: float = 1.0) -> dict:
    """Fit on the clicks, score every weight, choose per fold on the other fold's feedback queries."""
    fitted = FeedbackBoosts.fit(clicks, eta)
    for searcher, rows in pairs:
        for row in rows:
            row.before = _ndcg(searcher, row, FeedbackBoosts())
            for weight in WEIGHTS:
                row.after[weight] = _ndcg(searcher, row, FeedbackBoosts(weight, eta, fitted.boosts, fitted.events))
    rows = [r for _, rs in pairs for r in rs]
    chosen = {}
    for fold in (0, 1):
        train = [r for r in rows if r.with_feedback and r.fold != fold]
        chosen[fold] = max(WEIGHTS, key=lambda w: (np.mean([r.after[w] - r.before for r in train]) if train else 0, -w))
    every = [r for r in rows if r.with_feedback]
    final = max(WEIGHTS, key=lambda w: (np.mean([r.after[w] - r.before for r in every]) if every else 0, -w))
    report: dict = {"events": fitted.events, "queries_with_boosts": len(fitted.boosts), "eta": eta,
                    "fold_weights": [chosen[0], chosen[1]], "weight": final, "catalogs": {}}
    for catalog in sorted({r.catalog for r in rows}):
        entry = {}
        for name, subset in (("with_feedback", [r for r in rows if r.catalog == catalog and r.with_feedback]),
                             ("without_feedback", [r for r in rows if r.catalog == catalog and not r.with_feedback])):
            before = [r.before for r in subset]
            after = [r.after[chosen[r.fold]] for r in subset]  # out of fold
            entry[name] = {"queries": len(subset), "ndcg@10_before": round(float(np.mean(before)), 4),
                           "ndcg@10_after": round(float(np.mean(after)), 4),
                           "paired": paired_test(before, after).to_dict()}
        report["catalogs"][catalog] = entry
    return report
