"""How well are accessories found for a product? Scored against the catalog's own compatibility lists.

Ground truth: for every product that is not itself an accessory with a list, the accessories whose
compatibility list names it (``CompatibilityIndex.accessories_for``, the rule the tool serves). The
served answer for such products *is* that rule, so its precision here is 1 by construction and is not
reported as a result. What is scored is what a catalog without the lists would get: products whose
title or description names the model (``named_by_text``, lists never read), against a content baseline,
the nearest stored embeddings among products of another type (an accessory is rarely the same type as
its device). Precision@5 and recall@5 per product, paired over products.
"""

from __future__ import annotations

import numpy as np

from retrieval.evaluation.significance import paired_test
from retrieval.recommend.accessories import CompatibilityIndex
from retrieval.search import Searcher

K = 5


def precision(ranked: list[str], truth: set[str], k: int = K) -> float:
    top = ranked[:k]
    return sum(pid in truth for pid in top) / k if top else 0.0


def recall(ranked: list[str], truth: set[str], k: int = K) -> float:
    return len(truth.intersection(ranked[:k])) / len(truth) if truth else 0.0


def evaluate(searcher: Searcher, index: CompatibilityIndex, limit: int | None = None, seed: int = 0) -> dict:
    devices = sorted(pid for pid, p in index.products.items() if pid not in index.lists and index.accessories_for(p))
    if limit is not None and limit < len(devices):
        devices = sorted(np.random.default_rng(seed).choice(devices, limit, replace=False).tolist())
    kinds = searcher.product_types(list(index.products))
    scores: dict[str, dict[str, list[float]]] = {"text": {"p": [], "r": []}, "knn": {"p": [], "r": []}}
    answered = 0
    for pid in devices:
        device = index.products[pid]
        truth = {f.product_id for f in index.accessories_for(device)}
        text = [f.product_id for f in index.named_by_text(device)]
        answered += bool(text)
        vector = searcher.vectors.embeddings([pid]).get(pid)
        near = [h.product_id for h in searcher.vectors.search(vector, None, 60)] if vector is not None else []
        knn = [n for n in near if n != pid and (kinds.get(n) is None or kinds.get(n) != kinds.get(pid))][:K]
        for name, ranked in (("text", text), ("knn", knn)):
            scores[name]["p"].append(precision(ranked, truth))
            scores[name]["r"].append(recall(ranked, truth))
    return {
        "products_with_compatible_accessories": len(devices),
        "products_in_catalog": len(index.products),
        "accessories_with_lists": len(index.lists),
        "text_answers_something": round(answered / max(len(devices), 1), 4),
        "precision@5": {m: round(float(np.mean(v["p"])), 4) for m, v in scores.items()},
        "recall@5": {m: round(float(np.mean(v["r"])), 4) for m, v in scores.items()},
        "text_vs_knn_precision": paired_test(scores["knn"]["p"], scores["text"]["p"]).to_dict(),
        "text_vs_knn_recall": paired_test(scores["knn"]["r"], scores["text"]["r"]).to_dict(),
        "note": "ground truth = the catalog's compatibility lists; the served tool reads those lists, so its own "
                "precision against them is 1 by construction; 'text' never reads them",
    }
