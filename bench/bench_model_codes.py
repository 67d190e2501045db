"""Model codes typed as shoppers type them: does search put the product carrying the code first?

    AISLE_DATA_DIR=data python bench/bench_model_codes.py --index chorus_icecat --products 200 --seed 7

The queries are written here from the catalog's titles (no judged query is used): a seeded sample of products whose
title carries a model code (``model_codes.title_codes``, letters and digits, five characters or more), and for each
four ways of typing it:
- ``as written``: the code as the title writes it ("SPC700NC/00", "WH-1000XM4");
- ``respaced``: hyphens, slashes and dots dropped, or, for a code written whole, a space after its letters
  ("SPC700NC00", "dc 7800");
- ``shortened``: one to three trailing characters cut, five or more left ("SPC700N", "WH-1000X");
- ``brand + shortened``: the same after the brand ("Philips SPC700N").

Relevant: the products whose title carries the same code (same normal form), so a sibling that only shares the
typed prefix counts as a miss. Per query: reciprocal rank within the top 10 and hit@1, for hybrid, the default
search with the code stage off (``Searcher.code_weight = 0``), and the default search. Paired bootstrap interval and
sign-flip p per comparison (``retrieval/evaluation/significance.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import pct  # noqa: E402
from retrieval.model_codes import MIN_PART_CHARS, normal, title_codes  # noqa: E402

_RUN = re.compile(r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*")
VARIANTS = ("as written", "respaced", "shortened", "brand + shortened")


def written_code(title: str, code: str) -> str | None:
    """The code as the title writes it (case and joiners kept)."""
    for run in _RUN.findall(title):
        if normal(run.lower()) == code or normal(run.lower().split("/")[0]) == code:
            return run.split("/")[0] if normal(run.lower()) != code else run
    return None


def variants(written: str, brand: str | None, rng: random.Random) -> dict[str, str]:
    flat = re.sub(r"[-/.]", "", written)
    if flat != written:
        respaced = flat
    else:
        letters = re.match(r"[A-Za-z]+", written)
        respaced = f"{letters.group()} {written[letters.end():]}" if letters and letters.end() < len(written) else flat
    cut = rng.randint(1, 3)
    shortened = written[:max(MIN_PART_CHARS, len(written) - cut)].rstrip("-/.")
    out = {"as written": written, "respaced": respaced}
    if normal(shortened.lower()) != normal(written.lower()):  # a five-character code is not shortened: no variant
        out["shortened"] = shortened
        if brand:
            out["brand + shortened"] = f"{brand} {shortened}"
    return out


def sampled(code: str) -> bool:
    """A code a query is written from: letters and digits, five characters or more."""
    return len(code) >= MIN_PART_CHARS and any(ch.isalpha() for ch in code)


def reciprocal_rank(ids: list[str], relevant: set[str]) -> float:
    return next((1.0 / (i + 1) for i, pid in enumerate(ids[:10]) if pid in relevant), 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="chorus_icecat")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from app.services import current_services
    from retrieval.evaluation.significance import paired_test

    searcher = current_services().indexes.searcher(args.index)
    products = searcher.lexical.get_many(searcher.lexical.all_ids())
    carriers: dict[str, set[str]] = {}
    for pid, p in products.items():
        for code in title_codes(p.title):
            carriers.setdefault(code, set()).add(pid)
    rng = random.Random(args.seed)
    candidates = sorted(pid for pid, p in products.items() if any(map(sampled, title_codes(p.title))))
    sample = rng.sample(candidates, min(args.products, len(candidates)))
    queries: list[tuple[str, str, set[str]]] = []
    for pid in sample:
        p = products[pid]
        code = next(c for c in title_codes(p.title) if sampled(c))
        written = written_code(p.title, code)
        if written is None:
            continue
        for variant, query in variants(written, p.brand, rng).items():
            queries.append((variant, query, carriers[code]))
    methods = {"hybrid": ("hybrid", None), "default, code stage off": ("full", 0.0),
               "default": ("full", searcher.code_weight)}
    weight = searcher.code_weight
    scores: dict[str, dict[str, list[float]]] = {m: {"rr": [], "hit1": []} for m in methods}
    times: dict[str, list[float]] = {m: [] for m in methods}
    stage_ms: list[float] = []
    for name, (method, w) in methods.items():
        searcher.code_weight = weight if w is None else w
        for _, query, relevant in queries:
            t = time.perf_counter()
            response = searcher.search(query, method=method)
            times[name].append((time.perf_counter() - t) * 1000)
            if "code" in response.timings_ms:
                stage_ms.append(response.timings_ms["code"])
            ids = [h.product.id for h in response.hits]
            scores[name]["rr"].append(reciprocal_rank(ids, relevant))
            scores[name]["hit1"].append(float(bool(ids) and ids[0] in relevant))
    searcher.code_weight = weight
    result: dict = {"index": args.index, "products_with_codes": len(candidates), "queries": len(queries),
                    "seed": args.seed, "methods": {}, "by_variant": {}, "paired": {}}
    for name in methods:
        result["methods"][name] = {"mrr@10": round(mean(scores[name]["rr"]), 4),
                                   "hit@1": round(mean(scores[name]["hit1"]), 4),
                                   "p50_ms": round(sorted(times[name])[len(times[name]) // 2], 1)}
    result["code_stage_ms"] = {"p50": round(pct(stage_ms, 50), 2), "p95": round(pct(stage_ms, 95), 2)}
    for variant in VARIANTS:
        rows = [i for i, (v, _, _) in enumerate(queries) if v == variant]
        if not rows:
            continue
        result["by_variant"][variant] = {name: round(mean(scores[name]["rr"][i] for i in rows), 4)
                                         for name in methods} | {"queries": len(rows)}
    for base in ("hybrid", "default, code stage off"):
        result["paired"][f"default vs {base}, mrr@10"] = paired_test(scores[base]["rr"],
                                                                     scores["default"]["rr"]).to_dict()
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
