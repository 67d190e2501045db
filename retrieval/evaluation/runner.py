"""Runs ranking methods over judged queries in the two settings the project reports.

- full: retrieve from the whole catalog; unjudged products gain 0.
- rerank: order only the judged candidates of each query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean

from rich.progress import track

from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.methods import RankingMethod
from retrieval.evaluation.metrics import ndcg_at_k, recall_at_k, reciprocal_rank

FULL_DEPTH = 100


@dataclass
class MethodReport:
    method: str
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)

    def summary(self, k: int) -> dict[str, float]:
        rows = list(self.per_query.values())
        if not rows:
            return {}
        keys = [f"ndcg@{k}_full", f"ndcg@{k}_rerank", "mrr", "recall@100"]
        return {key: round(mean(r[key] for r in rows), 4) for key in keys} | {"queries": len(rows)}


def evaluate_method(method: RankingMethod, judgments: Judgments, known_ids: set[str], k: int = 10,
                    progress: bool = False) -> MethodReport:
    report = MethodReport(method.name)
    queries = judgments.queries
    iterator = track(queries, description=f"{method.name:>8}", transient=True) if progress else queries
    for query in iterator:
        judged = {pid: g for pid, g in judgments.gains[query].items() if pid in known_ids}
        if not judged:
            continue
        relevant = judgments.relevant(query) & known_ids
        retrieved = method.full(query, FULL_DEPTH)
        reranked = method.rerank(query, sorted(judged))
        report.per_query[query] = {
            f"ndcg@{k}_full": ndcg_at_k(retrieved, judged, k),
            f"ndcg@{k}_rerank": ndcg_at_k(reranked, judged, k),
            "mrr": reciprocal_rank(retrieved, relevant),
            "recall@100": recall_at_k(retrieved, relevant, FULL_DEPTH),
        }
    return report
