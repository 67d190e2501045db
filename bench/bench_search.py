"""Search latency per stage (embed, dense, lexical, fuse, rerank), with and without filters.

    python bench/bench_search.py --index chorus_icecat --judgments ../shared/data/chorus_icecat
Queries are the judged query texts (or a built-in list for the demo index); each runs after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import pct, peak_rss_mb  # noqa: E402

DEMO_QUERIES = ["quiet bluetooth speaker", "noise cancelling headphones", "laptop for students", "4k tv",
                "espresso machine", "trail running shoes", "wireless mouse", "waterproof jacket"]


def agreement(searcher, queries: list[str], filters) -> tuple[float, float]:
    """Mean share of Chroma's own filtered top 10 that the planned dense search also returns, and the p50 ms
    of Chroma's own filtered query (``where``)."""
    shares, chroma_ms = [], []
    for q in queries:
        vector = searcher.encoder.encode([q])[0]
        ours = {h.product_id for h in searcher.dense.search(vector, filters, 10)}
        started = time.perf_counter()
        theirs = {h.product_id for h in searcher.vectors.search(vector, filters, 10)}
        chroma_ms.append((time.perf_counter() - started) * 1000)
        if theirs:
            shares.append(len(ours & theirs) / len(theirs))
    return sum(shares) / max(len(shares), 1), pct(chroma_ms, 50)


def measure(searcher, queries: list[str], settings: dict, method: str, repeat: int = 1,
            agreement_queries: int | None = None) -> dict:
    """Per filter setting: p50/p95 of each search stage, the dense plan, the allowed share and the agreement
    with Chroma's own filtered query (over the first ``agreement_queries`` queries; 0 skips it)."""
    searcher.search(queries[0], k=10, method=method)  # warm-up
    result: dict = {}
    for label, filters in settings.items():
        stages: dict[str, list[float]] = {}
        for _ in range(repeat):
            for q in queries:
                for stage, ms in searcher.search(q, filters, k=10, method=method).timings_ms.items():
                    stages.setdefault(stage, []).append(ms)
        result[label] = {s: {"p50_ms": round(pct(v, 50), 2), "p95_ms": round(pct(v, 95), 2)} for s, v in stages.items()}
        result[label]["plan"] = searcher.dense.last_plan
        if filters.chroma_where() is not None:
            allowed = len(searcher.lexical.allowed_rows(filters))
            result[label]["allowed_share"] = round(allowed / searcher.lexical.count(), 4)
            if agreement_queries != 0:
                share, chroma_p50 = agreement(searcher, queries[:agreement_queries], filters)
                result[label]["top10_overlap_with_chroma_where"] = round(share, 3)
                result[label]["chroma_where_p50_ms"] = round(chroma_p50, 1)
    return result


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
    result = {"index": args.index, "method": args.method, "queries": len(queries) * args.repeat}
    result.update(measure(searcher, queries, settings, args.method, args.repeat))
    result["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
