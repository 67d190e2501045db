"""Indexing throughput from an empty embedding cache (products/s), and peak memory.

    python bench/bench_index.py --catalog ../shared/data/chorus_icecat [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import peak_rss_mb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", default="../shared/data/chorus_icecat")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AISLE_DATA_DIR"] = tmp
        from app.services import current_services
        from retrieval.catalog.loaders import load_catalog

        t = time.perf_counter()
        report = load_catalog(args.catalog)
        load_s = time.perf_counter() - t
        products = report.products[: args.limit] if args.limit else report.products
        indexes = current_services().indexes
        _ = indexes.encoder  # model load is not indexing work
        t = time.perf_counter()
        first = indexes.build("bench", products, args.catalog)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        again = indexes.build("bench", products, args.catalog, force=True)
        rebuild_s = time.perf_counter() - t
    print(json.dumps({
        "catalog": args.catalog, "products": len(products), "load_s": round(load_s, 1),
        "build_s": round(build_s, 1), "products_per_s": round(len(products) / build_s, 1),
        "embedded": first.embedded, "rebuild_all_cached_s": round(rebuild_s, 1), "rebuild_embedded": again.embedded,
        "peak_rss_mb": round(peak_rss_mb()), "threads": __import__("torch").get_num_threads(),
    }))


if __name__ == "__main__":
    main()
