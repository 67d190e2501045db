"""The scale benchmark: a synthetic catalog of N products (1M by default) indexed and searched.

    python bench/bench_scale.py --products 1000000 [--data-dir DIR] [--queries 200]

The catalog is drawn from the real catalogs' distributions (``bench/synthetic_catalog.py``: categories,
brands, prices, attribute values, fresh model numbers). The build is Aisle's own (`Indexes.build`: embedding,
SQLite FTS5 lexical store, Chroma collection, ``vectors.npy``) with the encoder that ``AISLE_ENCODER_BACKEND``
names (``static`` unless set: a transformer embeds 30-180 products/s on 2 cores, 1.5-9 hours for 1M).
Reports generation and build time, disk per component, resident memory, and search p50/p95 per stage over
the judged query texts with and without filters. With ``AISLE_CHROMA_URL`` the collection lives on a
`chroma run` server instead of the embedded client.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import disk_mb, peak_rss_mb, rss_mb  # noqa: E402
from bench.bench_search import measure  # noqa: E402
from bench.synthetic_catalog import CatalogModel  # noqa: E402

SOURCES = ("../shared/data/chorus_icecat", "../shared/data/esci_opensearch_subset")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--source", action="append", default=None, help="real catalogs to learn from")
    parser.add_argument("--data-dir", default=None, help="keep the index here (default: a temporary folder)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--agreement-queries", type=int, default=20,
                        help="queries also sent to Chroma's own filtered search (slow at scale), for the overlap")
    parser.add_argument("--out", default=None, help="also write the JSON result here")
    args = parser.parse_args()
    os.environ.setdefault("AISLE_ENCODER_BACKEND", "static")
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="aisle-scale-"))
    os.environ["AISLE_DATA_DIR"] = str(data_dir)
    from app.services import current_services
    from retrieval.catalog.loaders import load_catalog
    from retrieval.evaluation.judgments import load_judgments
    from retrieval.filters import SearchFilters
    from retrieval.index_builder import index_dir

    sources = args.source or [s for s in SOURCES if Path(s).exists()]
    real = [p for s in sources for p in load_catalog(s).products]
    t = time.perf_counter()
    products = list(CatalogModel.fit(real).generate(args.products, seed=args.seed))
    generate_s = time.perf_counter() - t
    del real
    result: dict = {"products": len(products), "sources": sources, "generate_s": round(generate_s, 1),
                    "rss_after_generate_mb": round(rss_mb())}

    services = current_services()
    indexes = services.indexes
    encoder = indexes.encoder  # loading (and a first distillation) is not indexing work
    result["encoder"] = encoder.model_id
    t = time.perf_counter()
    sample = [encoder.product_text(p) for p in products[:20_000]]
    encoder.encode_products(sample)
    result["encode_products_per_s"] = round(len(sample) / (time.perf_counter() - t), 1)

    t = time.perf_counter()
    build = indexes.build("scale", products, "synthetic")
    result["build_s"] = round(time.perf_counter() - t, 1)
    result["build_products_per_s"] = round(len(products) / result["build_s"], 1)
    result["embedded"] = build.embedded
    result["peak_rss_after_build_mb"] = round(peak_rss_mb())
    generation = index_dir("scale", services.settings) / build.generation
    result["disk_mb"] = {f.name: round(disk_mb(f)) for f in sorted(generation.iterdir())}
    result["disk_mb"]["chroma"] = round(disk_mb(index_dir("scale", services.settings) / "chroma")) \
        if (index_dir("scale", services.settings) / "chroma").exists() else None
    result["disk_mb"]["embedding_cache"] = round(disk_mb(services.settings.cache_dir / "embeddings.sqlite"))
    result["disk_mb"]["total"] = round(disk_mb(data_dir))
    brand = max({p.brand for p in products[:50_000] if p.brand},
                key=[p.brand for p in products[:50_000]].count)
    del products

    queries = []
    for source in sources:
        try:
            queries += load_judgments(Path(source)).queries
        except (FileNotFoundError, ValueError):  # a catalog without judgements adds no queries
            pass
    queries = queries[: args.queries]
    searcher = indexes.searcher("scale")
    settings = {"no_filters": SearchFilters(), "filters": SearchFilters(max_price=200, min_price=5, in_stock=True),
                "brand": SearchFilters(brands=[brand]), "brand_price": SearchFilters(brands=[brand], max_price=50),
                "over_1000": SearchFilters(min_price=1000)}
    result["brand_filter"] = brand
    result["queries"] = len(queries)
    t = time.perf_counter()
    result["dense"] = measure(searcher, queries, settings, "dense", agreement_queries=args.agreement_queries)
    result["hybrid"] = measure(searcher, queries, settings, "hybrid", agreement_queries=0)
    result["search_s"] = round(time.perf_counter() - t, 1)
    result["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
