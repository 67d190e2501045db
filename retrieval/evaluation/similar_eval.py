"""Offline evaluation of "more like this" against human judgements, and the choice of its weights.

Ground truth: two products both judged relevant to the same query (Chorus rating >= 2, ESCI "E")
are neighbours; every such product is a source, its neighbours the relevant set. For each source the
candidate pool and its signals are collected once (``SimilarItems.signals``, no filters), every
weight vector of a small grid is scored on the same pools, folds split by source product, weights
chosen on the training folds by the mean of per-catalog mean nDCG@10 and scored on the held-out
fold. The out-of-fold per-source nDCG@10 and Recall@10 are compared, paired over sources, with two
baselines: plain cosine kNN on the stored embeddings and BM25 over titles.
"""

from __future__ import annotations

import itertools
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.metrics import ndcg_at_k, recall_at_k
from retrieval.evaluation.significance import paired_test
from retrieval.recommend.similar import SIGNALS, SimilarItems, SimilarityWeights

K = 10
KIND = SIGNALS.index("kind")
GRID_VALUES = (0.0, 0.1, 0.25, 0.5)  # for each signal but dense, whose weight stays 1


def neighbours(judgments: Judgments, known: set[str] | None = None) -> dict[str, set[str]]:
    """Source product -> the other products judged relevant to a query it is relevant to."""
    out: dict[str, set[str]] = defaultdict(set)
    for query in judgments.queries:
        relevant = {pid for pid in judgments.relevant(query) if known is None or pid in known}
        if len(relevant) < 2:
            continue
        for pid in relevant:
            out[pid] |= relevant - {pid}
    return dict(out)


@dataclass
class SourceCase:
    catalog: str
    source: str
    relevant: set[str]
    ids: list[str]                 # pooled candidates
    signals: np.ndarray            # (len(ids), len(SIGNALS))
    knn: list[str]                 # baseline rankings, top K
    bm25: list[str]
    fold: int = 0

    def ranking(self, weights: np.ndarray) -> list[str]:
        if not self.ids:
            return []
        scores = np.where(self.signals[:, KIND] == 0.0, -np.inf, self.signals @ weights)  # as other_type()
        # stable: ties keep pool order (dense first), as SimilarItems.similar does
        top = np.argsort(-scores, kind="stable")[:K]
        return [self.ids[i] for i in top if np.isfinite(scores[i])]

    def ndcg(self, ranking: list[str]) -> float:
        return ndcg_at_k(ranking, dict.fromkeys(self.relevant, 1.0), K)

    def recall(self, ranking: list[str]) -> float:
        return recall_at_k(ranking, self.relevant, K)


def fold_of(source: str, folds: int) -> int:
    return zlib.crc32(source.encode()) % folds


def collect(items: SimilarItems, catalog: str, judgments: Judgments, limit: int | None = None, seed: int = 0,
            folds: int = 5) -> list[SourceCase]:
    """One case per source product (a seeded sample of ``limit`` when given)."""
    known = set(items.searcher.lexical.all_ids())
    truth = neighbours(judgments, known)
    sources = sorted(truth)
    if limit is not None and limit < len(sources):
        sources = sorted(random.Random(seed).sample(sources, limit))
    cases = []
    for pid in sources:
        source = items.source(pid)
        pooled = items.signals(source)
        ids = list(pooled)
        matrix = np.stack([pooled[i].vector() for i in ids]) if ids else np.zeros((0, 6), dtype=np.float32)
        cases.append(SourceCase(catalog, pid, truth[pid], ids, matrix, items.knn(pid, K), items.title_bm25(pid, K),
                                fold_of(pid, folds)))
    return cases


def grid() -> list[np.ndarray]:
    return [np.array([1.0, *rest], dtype=np.float32) for rest in itertools.product(GRID_VALUES, repeat=5)]


class CaseMatrix:
    """The cases' pools padded into arrays, so one weight vector is scored on every case at once."""

    def __init__(self, cases: list[SourceCase]) -> None:
        width = max((len(c.ids) for c in cases), default=1) or 1
        self.catalogs = np.array([c.catalog for c in cases])
        self.x = np.zeros((len(cases), width, 6), dtype=np.float32)
        self.gain = np.zeros((len(cases), width), dtype=np.float32)
        self.pad = np.ones((len(cases), width), dtype=bool)
        for i, case in enumerate(cases):
            n = len(case.ids)
            self.x[i, :n] = case.signals
            self.gain[i, :n] = [pid in case.relevant for pid in case.ids]
            self.pad[i, :n] = case.signals[:, KIND] == 0.0  # another known type is never recommended
        self.gain[self.pad] = 0.0
        discount = 1.0 / np.log2(np.arange(2, K + 2))
        self.discount = discount.astype(np.float32)
        ideal_hits = np.array([min(len(c.relevant), K) for c in cases])
        self.ideal = np.array([discount[:h].sum() for h in ideal_hits], dtype=np.float32)

    def ndcg(self, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per-case nDCG@10 of the ranking by ``x @ weights`` (ties keep pool order, as ``ranking``)."""
        rows = np.arange(len(self.x)) if rows is None else rows
        scores = np.where(self.pad[rows], -np.inf, self.x[rows] @ weights)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :K]
        gains = np.take_along_axis(self.gain[rows], top, axis=1)
        return (gains * self.discount[: gains.shape[1]]).sum(axis=1) / np.maximum(self.ideal[rows], 1e-9)

    def objective(self, weights: np.ndarray, rows: np.ndarray) -> float:
        """Mean over catalogs of the catalog's mean nDCG@10 (each catalog counts the same)."""
        values = self.ndcg(weights, rows)
        catalogs = self.catalogs[rows]
        return float(np.mean([values[catalogs == c].mean() for c in np.unique(catalogs)]))


def choose(matrix: CaseMatrix, rows: np.ndarray, candidates: list[np.ndarray] | None = None) -> np.ndarray:
    """The grid's best weights on ``rows`` (ties: the earlier, simpler vector)."""
    candidates = candidates or grid()
    best, best_value = candidates[0], -1.0
    for weights in candidates:
        value = matrix.objective(weights, rows)
        if value > best_value + 1e-9:
            best, best_value = weights, value
    return best


@dataclass
class SimilarReport:
    weights: SimilarityWeights                       # chosen on all cases (what --write ships)
    fold_weights: list[SimilarityWeights]
    per_catalog: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"weights": self.weights.__dict__, "fold_weights": [w.__dict__ for w in self.fold_weights],
                "catalogs": self.per_catalog}


def evaluate(cases: list[SourceCase], folds: int = 5) -> SimilarReport:
    """Out-of-fold evaluation of the weighted signals against both baselines, per catalog."""
    matrix = CaseMatrix(cases)
    folds_of = np.array([c.fold for c in cases])
    oof: dict[int, list[str]] = {}
    fold_weights = []
    for fold in range(folds):
        weights = choose(matrix, np.flatnonzero(folds_of != fold))
        fold_weights.append(SimilarityWeights.from_vector(weights))
        for i in np.flatnonzero(folds_of == fold):
            oof[int(i)] = cases[i].ranking(weights)
    report = SimilarReport(SimilarityWeights.from_vector(choose(matrix, np.arange(len(cases)))), fold_weights)
    for catalog in sorted({c.catalog for c in cases}):
        idx = [i for i, c in enumerate(cases) if c.catalog == catalog]
        rows = {"n_sources": len(idx)}
        ndcg = {"similar": [cases[i].ndcg(oof[i]) for i in idx], "knn": [cases[i].ndcg(cases[i].knn) for i in idx],
                "bm25_titles": [cases[i].ndcg(cases[i].bm25) for i in idx]}
        recall = {"similar": [cases[i].recall(oof[i]) for i in idx],
                  "knn": [cases[i].recall(cases[i].knn) for i in idx],
                  "bm25_titles": [cases[i].recall(cases[i].bm25) for i in idx]}
        rows["ndcg@10"] = {m: round(float(np.mean(v)), 4) for m, v in ndcg.items()}
        rows["recall@10"] = {m: round(float(np.mean(v)), 4) for m, v in recall.items()}
        rows["similar_vs_knn_ndcg"] = paired_test(ndcg["knn"], ndcg["similar"]).to_dict()
        rows["similar_vs_bm25_ndcg"] = paired_test(ndcg["bm25_titles"], ndcg["similar"]).to_dict()
        rows["similar_vs_knn_recall"] = paired_test(recall["knn"], recall["similar"]).to_dict()
        report.per_catalog[catalog] = rows
    return report
