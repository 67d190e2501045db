"""Index and search against the real encoder, a real Chroma on disk and a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from retrieval.filters import SearchFilters
from retrieval.index_builder import read_manifest


def test_search_finds_relevant_products_with_stage_scores(demo_searcher):
    response = demo_searcher.search("wireless noise cancelling headphones", k=5)
    assert len(response.hits) == 5
    assert sum("Headphones" in h.product.category for h in response.hits) >= 4
    top = response.hits[0]
    assert {"dense", "lexical", "hybrid"} <= set(top.stages)
    assert {"embed", "dense", "lexical", "fuse", "total"} <= set(response.timings_ms)
    scores = [h.score for h in response.hits]
    assert scores == sorted(scores, reverse=True)


def test_price_colour_and_category_filters_are_hard(demo_searcher, demo_products):
    speakers = [p for p in demo_products if "Bluetooth Speakers" in p.category]
    cheapest = min(speakers, key=lambda p: p.price)
    limit = cheapest.price + 40
    filters = SearchFilters(max_price=limit, colour=cheapest.colour.upper(), category="bluetooth speakers")
    expected = {p.id for p in demo_products if filters.matches(p)}
    response = demo_searcher.search("quiet bluetooth speaker", filters, k=10)
    assert cheapest.id in expected and {h.product.id for h in response.hits} == expected
    for hit in response.hits:
        assert hit.product.price <= limit and hit.product.colour == cheapest.colour
        assert "Bluetooth Speakers" in hit.product.category


BRANDS = ["Sony", "JBL", "Logitech", "Apple", "Samsung", "Dyson", "Nike"]


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.sampled_from(["headphones", "laptop for students", "coffee", "running shoes", "4k tv", "mouse"]),
    max_price=st.one_of(st.none(), st.floats(10, 2000)),
    min_rating=st.one_of(st.none(), st.floats(3, 4.9)),
    brands=st.lists(st.sampled_from(BRANDS), max_size=2),
    exclude=st.lists(st.sampled_from(BRANDS), max_size=2),
    in_stock=st.booleans(),
    method=st.sampled_from(["hybrid", "dense", "bm25"]),
)
def test_every_result_satisfies_every_filter(demo_searcher, query, max_price, min_rating, brands, exclude,
                                             in_stock, method):
    filters = SearchFilters(max_price=max_price, min_rating=min_rating, brands=brands, exclude_brands=exclude,
                            in_stock=in_stock)
    for hit in demo_searcher.search(query, filters, k=20, method=method).hits:
        assert filters.matches(hit.product), (filters, hit.product)


def test_bad_queries_and_filters(demo_searcher):
    import pytest

    with pytest.raises(ValueError):
        demo_searcher.search("   ")
    with pytest.raises(ValueError):
        SearchFilters(min_price=50, max_price=10)
    # FTS5 syntax and enormous input are treated as plain text.
    assert demo_searcher.search('NEAR("a" OR) * ^ -- ; DROP TABLE products', k=3).hits is not None
    assert len(demo_searcher.search("speaker " * 20_000, k=3).hits) == 3


def test_reindex_embeds_only_changed_products(indexes, demo_products):
    changed = list(demo_products[:40])
    changed[0] = changed[0].model_copy(update={"title": changed[0].title + " Limited Edition"})
    first = indexes.build("incremental", list(demo_products[:40]), "test")
    assert first.embedded == 0  # already in the embedding cache from the demo index
    second = indexes.build("incremental", changed, "test")
    assert (second.embedded, second.reused) == (1, 39)
    assert indexes.build("incremental", changed, "test").unchanged


def test_build_killed_half_way_leaves_previous_index_usable(settings, indexes, demo_products, tmp_path: Path):
    indexes.build("durable", list(demo_products[:30]), "test")
    before = read_manifest("durable", settings)
    # A catalog whose text is new (nothing cached), so the build spends seconds embedding.
    big = tmp_path / "big.jsonl"
    with big.open("w") as fh:
        for i in range(3000):
            fh.write(json.dumps({"id": f"K{i}", "title": f"Kill test gadget {i} model {i * 7919 % 10007}",
                                 "price": 10 + i % 90}) + "\n")
    env = os.environ | {"AISLE_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "app", "index", "--catalog", str(big), "--name", "durable"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gens = settings.indexes_dir / "durable"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(gens.glob("gen-*"))) < 2:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert read_manifest("durable", settings) == before
    searcher = indexes.searcher("durable")
    assert searcher.lexical.count() == 30 and searcher.vectors.count() == 30
    assert searcher.search(demo_products[0].title, k=1).hits[0].product.id == demo_products[0].id
    # restart: the next build completes, replaces the old generation and clears the killed one's leftovers
    after = indexes.build("durable", list(demo_products[:40]), "test")
    assert not after.unchanged and read_manifest("durable", settings).generation == after.generation
    assert indexes.searcher("durable").vectors.count() == 40
    assert sorted(p.name for p in gens.glob("gen-*")) == sorted({before.generation, after.generation})


def test_an_amount_asked_for_ranks_products_stating_it_above_other_amounts(indexes, demo_products):
    """"usb stick, 64 gig": the spec stage puts every stick stating 64 GB above every stick stating another size."""
    from retrieval.spec_match import amounts, spec_fit

    base = demo_products[0]
    titles = [f"{brand} USB flash drive {gb} GB black" for brand in ("Kingston", "SanDisk", "Verbatim")
              for gb in (16, 32, 64, 128)] + ["Integral USB flash drive black"]
    products = [base.model_copy(update={"id": f"usb-{i}", "title": t, "description": t, "brand": t.split()[0],
                                        "category": ("USB Flash Drives",)}) for i, t in enumerate(titles)]
    indexes.build("amounts", products, "test")
    searcher = indexes.searcher("amounts")
    wanted = amounts("usb stick, 64 gig")
    response = searcher.search("usb stick, 64 gig", k=len(products), method="full")
    fits = [spec_fit(wanted, amounts(h.product.title)) for h in response.hits]
    assert len(fits) == len(products) and "spec" in response.timings_ms
    assert fits[0] is True
    assert max(i for i, f in enumerate(fits) if f) < min(i for i, f in enumerate(fits) if f is False)


def test_a_colour_filter_reads_several_colours_and_titles_without_one(indexes, demo_products):
    """Ink and toner state their colour only in the title, and "Black,Silver" is black and silver: both pass the
    filter in SQL (lexical and exact dense) and in Chroma's own filtered query alike."""
    from retrieval.catalog.product import Product
    from retrieval.filters import colours_of

    cyan = Product(id="ink-pgi9c", title="Canon PGI-9C Original Cyan 1 pc(s)", brand="Canon", price=12.0)
    two = Product(id="bag-two", title="Notebook case 15.6", attributes={"colour": "Black,Silver"}, price=30.0)
    mono = Product(id="prn-mono", title="Brother HL-1110 black & white laser printer", brand="Brother", price=90.0)
    decker = Product(id="drill", title="Black+Decker cordless drill", brand="Black+Decker", price=50.0)
    assert colours_of(cyan) == ["cyan"] and colours_of(two) == ["black,silver", "black", "silver"]
    assert colours_of(mono) == [] and colours_of(decker) == []  # a kind of printing, a brand: no colour
    indexes.build("coloured", [*demo_products[:40], cyan, two, mono, decker], "test")
    searcher = indexes.searcher("coloured")
    assert searcher.search("pgi-9", SearchFilters(colour="Cyan"), method="full").hits[0].product.id == "ink-pgi9c"
    for colour in ("black", "silver", "black,silver"):
        ids = [h.product.id for h in searcher.search("notebook case", SearchFilters(colour=colour), k=50).hits]
        assert "bag-two" in ids, colour
    assert "prn-mono" not in [h.product.id for h in searcher.search("laser printer", SearchFilters(colour="white"),
                                                                   k=50).hits]
    assert {"cyan", "black", "silver", "black,silver"} <= set(searcher.lexical.colours())
    chroma = searcher.vectors.search(searcher.encoder.encode(["notebook case"])[0], SearchFilters(colour="silver"), 5)
    assert "bag-two" in [h.product_id for h in chroma]
