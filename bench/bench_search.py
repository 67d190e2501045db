"""Search latency per stage (embed, dense, lexical, fuse, rerank), with and without filters.

    python bench/bench_search.py --index chorus_icecat --judgments ../shared/data/chorus_icecat
Queries are the judged query texts (or a built-in list for the demo index); each runs after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import pct, peak_rss_mb  # noqa: E402

DEMO_QUERIES = ["quiet bluetooth speaker", "noise cancelling headphones", "laptop for students", "4k tv",
                "espresso machine", "trail running shoes", "wireless mouse", "waterproof jacket"]


def agreement(searcher, queries: list[str], filters) -> float:
    """Mean share of Chroma's own filtered top 10 that the planned dense search also returns."""
    shares = []
    for q in queries:
        vector = searcher.encoder.encode([q])[0]
        ours = {h.product_id for h in searcher.dense.search(vector, filters, 10)}
        theirs = {h.product_id for h in searcher.vectors.search(vector, filters, 10)}
        if theirs:
            shares.append(len(ours & theirs) / len(theirs))
    return sum(shares) / max(len(shares), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="demo")
    parser.add_argument("--judgments", default=None)
    parser.add_argument("--method", default="hybrid")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from app.services import current_services
    from retrieval.evaluation.judgments import load_judgments
    from retrieval.filters import SearchFilters

    searcher = current_services().indexes.searcher(args.index)
    queries = load_judgments(Path(args.judgments)).queries if args.judgments else DEMO_QUERIES
    settings = {"no_filters": SearchFilters(), "filters": SearchFilters(max_price=200, min_price=5, in_stock=True),
                "brand": SearchFilters(brands=["hp"]), "brand_price": SearchFilters(brands=["hp"], max_price=50),
                "over_1000": SearchFilters(min_price=1000)}
    searcher.search(queries[0], k=10, method=args.method)  # warm-up
    result = {"index": args.index, "method": args.method, "queries": len(queries) * args.repeat}
    for label, filters in settings.items():
        stages: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for q in queries:
                for stage, ms in searcher.search(q, filters, k=10, method=args.method).timings_ms.items():
                    stages.setdefault(stage, []).append(ms)
        result[label] = {s: {"p50_ms": round(pct(v, 50), 2), "p95_ms": round(pct(v, 95), 2)} for s, v in stages.items()}
        result[label]["plan"] = searcher.dense.last_plan
        if filters.chroma_where() is not None:
            allowed = len(searcher.lexical.allowed_rows(filters))
            result[label]["allowed_share"] = round(allowed / searcher.lexical.count(), 4)
            result[label]["top10_overlap_with_chroma_where"] = round(agreement(searcher, queries, filters), 3)
    result["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
