"""Search through a real `chroma run` server on loopback (the HttpClient path a shop with a Chroma server uses)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.serve_process import serving_process
from retrieval.dense_search import DensePlanner, DenseSearch
from retrieval.filters import SearchFilters
from retrieval.indexes import Indexes
from tests.conftest import announce, free_port


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory, request):
    binary = shutil.which("chroma")
    if binary is None:
        pytest.fail("the `chroma` command (installed with chromadb) is not on PATH")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("chroma-server")
    command = [binary, "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with serving_process(command, f"{url}/api/v2/heartbeat", log_path=folder / "chroma.log",
                         start_timeout_s=60) as proc:
        announce(request, f"chroma server: `chroma run` listening on {url} (pid {proc.pid}); search tests use it")
        yield url


@pytest.fixture(scope="module")
def remote_indexes(chroma_server, settings, indexes, tmp_path_factory) -> Indexes:
    data_dir: Path = tmp_path_factory.mktemp("aisle-remote")
    remote = settings.model_copy(update={"chroma_url": chroma_server, "data_dir": data_dir})
    return Indexes(remote, encoder=indexes.encoder)


def test_an_index_built_on_the_server_answers_searches_with_filters(remote_indexes, demo_products, chroma_server):
    result = remote_indexes.build("demo", demo_products, "demo")
    searcher = remote_indexes.searcher("demo")
    assert searcher.manifest.chroma == chroma_server
    assert searcher.vectors.count() == len(demo_products) == result.products
    hits = searcher.search("wireless noise cancelling headphones", k=5).hits
    assert sum("Headphones" in h.product.category for h in hits) >= 4
    filters = SearchFilters(max_price=150, exclude_brands=["Sony"], in_stock=True)
    for method in ("hybrid", "dense"):
        found = searcher.search("headphones", filters, k=10, method=method).hits
        assert found and all(filters.matches(h.product) for h in found)


def test_every_dense_plan_agrees_through_the_server(remote_indexes, demo_products, tmp_path):
    remote_indexes.build("demo", demo_products, "demo")
    searcher = remote_indexes.searcher("demo")
    vector = searcher.encoder.encode(["bluetooth speaker for the garden"])[0]
    filters = SearchFilters(max_price=120)
    folder = remote_indexes.settings.indexes_dir / "demo" / searcher.manifest.generation
    plans = {
        "exact": DenseSearch(searcher.vectors, searcher.lexical, folder),
        "overfetch": DenseSearch(searcher.vectors, searcher.lexical, folder, DensePlanner(0, 0.0)),
        "chroma_where": DenseSearch(searcher.vectors, searcher.lexical, tmp_path),  # the server filters
    }
    scores = {}
    for name, dense in plans.items():
        hits = dense.search(vector, filters, 10)
        assert dense.last_plan == name
        assert all(filters.matches(searcher.get_product(h.product_id)) for h in hits)
        scores[name] = [h.score for h in hits]
    np.testing.assert_allclose(scores["exact"], scores["overfetch"], atol=1e-5)
    np.testing.assert_allclose(scores["exact"], scores["chroma_where"], atol=1e-5)


def test_a_rebuild_on_the_server_switches_generations_and_drops_the_old_ones(remote_indexes, demo_products):
    first = remote_indexes.build("small", list(demo_products[:30]), "test")
    changed = list(demo_products[:30])
    changed[0] = changed[0].model_copy(update={"title": changed[0].title + " Limited Edition"})
    second = remote_indexes.build("small", changed, "test")
    third = remote_indexes.build("small", list(demo_products[:35]), "test")
    assert second.embedded == 1 and len({first.generation, second.generation, third.generation}) == 3
    searcher = remote_indexes.searcher("small")
    assert searcher.vectors.count() == 35
    names = {c.name for c in searcher.vectors.client.list_collections() if c.name.startswith("aisle-small-")}
    assert names == {f"aisle-small-{second.generation}", f"aisle-small-{third.generation}"}
