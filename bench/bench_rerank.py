"""Ranker latency for top-20/50/100 candidates and pairs/s on this machine.

    python bench/bench_rerank.py --index chorus_icecat --judgments ../shared/data/chorus_icecat
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import pct  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="chorus_icecat")
    parser.add_argument("--judgments", default="../shared/data/chorus_icecat")
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    from app.services import current_services
    from retrieval.evaluation.judgments import load_judgments
    from retrieval.filters import SearchFilters

    searcher = current_services().indexes.searcher(args.index)
    reranker = searcher.reranker
    if reranker is None:
        raise SystemExit("no trained ranker is installed")
    queries = load_judgments(Path(args.judgments)).queries[: args.queries]
    result = {"index": args.index, "device": reranker.device, "queries": len(queries)}
    result["bf16"] = reranker.bf16
    for n in (20, 50, 100):
        candidates = []
        for q in queries:
            dense, lexical, fused = searcher.retrieve(q, SearchFilters(), 100, "hybrid", {})
            head = sorted(fused, key=lambda p: -fused[p])[:n]
            candidates.append((q, list(searcher.lexical.get_many(head).values()),
                               searcher.candidate_signals(q, head, dense, lexical)))
        reranker.clear_title_cache()  # cold: no title seen before
        for label in ("", "_warm"):  # warm: the same searches again (a conversation's follow-ups)
            times = []
            for q, products, signals in candidates:
                t = time.perf_counter()
                reranker.gains(q, products, signals)
                times.append((time.perf_counter() - t) * 1000)
            result[f"top{n}{label}"] = {"p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1),
                                        "pairs_per_s": round(n / (pct(times, 50) / 1000), 1)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
