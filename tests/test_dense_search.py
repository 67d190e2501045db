"""Filtered dense search against the real encoder, the real Chroma collection and the real SQLite store.

Every plan must return what scoring every allowed product would return: the allowed products, best cosine first.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from retrieval.dense_search import VECTORS_FILE, DensePlanner, DenseSearch
from retrieval.filters import SearchFilters
from retrieval.index_builder import index_dir

BRANDS = ["Sony", "JBL", "Logitech", "Apple", "Samsung", "Dyson", "Nike"]
EXACT = DensePlanner()
OVERFETCH = DensePlanner(exact_max_rows=0, broad_share=0.0)


def brute_force(searcher, products, vector: np.ndarray, filters: SearchFilters, k: int) -> list[float]:
    """The k best cosine scores among the allowed products (scores, not ids: near-ties may swap places)."""
    allowed = [p.id for p in products if filters.matches(p)]
    stored = searcher.vectors.embeddings(allowed)
    return sorted((float(stored[pid] @ vector) for pid in allowed), reverse=True)[:k]


def assert_best_allowed(hits, searcher, products, vector, filters, k) -> None:
    allowed = {p.id for p in products if filters.matches(p)}
    assert {h.product_id for h in hits} <= allowed
    np.testing.assert_allclose([h.score for h in hits], brute_force(searcher, products, vector, filters, k),
                               atol=1e-5)


def dense(searcher, planner: DensePlanner) -> DenseSearch:
    folder = index_dir(searcher.name, searcher.settings) / searcher.manifest.generation
    return DenseSearch(searcher.vectors, searcher.lexical, folder, planner)


def test_the_build_writes_the_vectors_in_catalog_order(demo_searcher):
    folder = index_dir(demo_searcher.name, demo_searcher.settings) / demo_searcher.manifest.generation
    matrix = np.load(folder / VECTORS_FILE)
    ids = demo_searcher.lexical.all_ids()
    assert matrix.shape == (len(ids), demo_searcher.encoder.dimension)
    stored = demo_searcher.vectors.embeddings(ids[:20])
    for row, pid in enumerate(ids[:20]):
        np.testing.assert_allclose(matrix[row], stored[pid], atol=1e-6)


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.sampled_from(["wireless headphones", "laptop for students", "espresso", "running shoes", "tv"]),
    max_price=st.one_of(st.none(), st.floats(10, 2000)),
    brands=st.lists(st.sampled_from(BRANDS), max_size=2),
    exclude=st.lists(st.sampled_from(BRANDS), max_size=2),
    in_stock=st.booleans(),
    planner=st.sampled_from([EXACT, OVERFETCH]),
)
def test_each_plan_returns_the_best_allowed_products(demo_searcher, demo_products, query, max_price, brands,
                                                     exclude, in_stock, planner):
    filters = SearchFilters(max_price=max_price, brands=brands, exclude_brands=exclude, in_stock=in_stock)
    vector = demo_searcher.encoder.encode([query])[0]
    search = dense(demo_searcher, planner)
    hits = search.search(vector, filters, 10)
    if filters.chroma_where() is not None:
        assert search.last_plan in ("exact", "overfetch", "empty")
    assert_best_allowed(hits, demo_searcher, demo_products, vector, filters, 10)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_broad_filter_over_fetches_and_a_selective_one_is_scored_exactly(demo_searcher):
    planner = DensePlanner(exact_max_rows=50, broad_share=0.5)
    search = dense(demo_searcher, planner)
    vector = demo_searcher.encoder.encode(["bluetooth speaker"])[0]
    total = demo_searcher.lexical.count()
    broad = SearchFilters(in_stock=True)
    assert len(demo_searcher.lexical.allowed_rows(broad)) > max(50, total / 2)
    search.search(vector, broad, 10)
    assert search.last_plan == "overfetch"
    search.search(vector, SearchFilters(brands=["Sony"]), 10)
    assert search.last_plan == "exact"
    assert planner.fetch_size(10, total // 2, total) == 40  # k * overfetch / selectivity


def test_an_over_fetch_that_comes_up_short_is_answered_exactly(demo_searcher, demo_products):
    search = dense(demo_searcher, DensePlanner(exact_max_rows=0, broad_share=0.0, overfetch=0.01))
    filters = SearchFilters(max_price=100)
    vector = demo_searcher.encoder.encode(["gift for a coffee lover"])[0]
    hits = search.search(vector, filters, 30)
    assert search.last_plan == "exact"
    assert_best_allowed(hits, demo_searcher, demo_products, vector, filters, 30)


def test_nothing_allowed_is_an_empty_answer_without_a_vector_search(demo_searcher):
    search = dense(demo_searcher, EXACT)
    vector = demo_searcher.encoder.encode(["headphones"])[0]
    assert search.search(vector, SearchFilters(brands=["No Such Brand"]), 10) == []
    assert search.last_plan == "empty"


def test_a_generation_without_its_vectors_file_uses_chromas_filtered_query(demo_searcher, demo_products, tmp_path):
    search = DenseSearch(demo_searcher.vectors, demo_searcher.lexical, tmp_path, EXACT)
    filters = SearchFilters(max_price=150, in_stock=True)
    vector = demo_searcher.encoder.encode(["noise cancelling headphones"])[0]
    hits = search.search(vector, filters, 10)
    assert search.last_plan == "chroma_where" and not search.exact_available
    assert_best_allowed(hits, demo_searcher, demo_products, vector, filters, 10)


def test_allowed_rows_are_the_filter_in_sql_and_are_kept(demo_searcher, demo_products):
    filters = SearchFilters(max_price=80, exclude_brands=["Sony"])
    rows = demo_searcher.lexical.allowed_rows(filters)
    ids = demo_searcher.lexical.all_ids()
    assert {ids[r] for r in rows} == {p.id for p in demo_products if filters.matches(p)}
    assert demo_searcher.lexical.allowed_rows(SearchFilters(max_price=80, exclude_brands=["Sony"])) is rows
