"""The scale benchmark's synthetic catalog keeps the real catalog's shape and never repeats a text."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.synthetic_catalog import CatalogModel, fresh_model_number
from retrieval.catalog.product import Product


@pytest.fixture(scope="module")
def model(demo_products) -> CatalogModel:
    return CatalogModel.fit(demo_products)


def test_same_seed_same_catalog_and_unique_ids(model):
    first = list(model.generate(300, seed=7))
    assert first == list(model.generate(300, seed=7))
    assert first != list(model.generate(300, seed=8))
    assert len({p.id for p in first}) == 300
    assert all(isinstance(p, Product) for p in first)


def test_categories_brands_prices_and_attribute_names_come_from_the_real_catalog(model, demo_products):
    real_brands: dict[tuple, set] = {}
    real_names: dict[tuple, set] = {}
    for p in demo_products:
        real_brands.setdefault(p.category, set()).add(p.brand)
        real_names.setdefault(p.category, set()).update(p.attributes)
    prices = [p.price for p in demo_products if p.price is not None]
    synthetic = list(model.generate(2000, seed=1))
    for p in synthetic:
        assert p.category in real_brands
        assert p.brand in real_brands[p.category]
        assert set(p.attributes) <= real_names[p.category]
        assert p.price is None or 0.5 <= p.price <= max(prices) * 2
    # category frequencies follow the real ones (the most common real category is common here too)
    real_top = Counter(p.category for p in demo_products).most_common(1)[0][0]
    share = sum(p.category == real_top for p in synthetic) / len(synthetic)
    expected = sum(p.category == real_top for p in demo_products) / len(demo_products)
    assert abs(share - expected) < 0.05


def test_model_numbers_are_renewed_with_their_shape():
    import random

    new = fresh_model_number("WH-1000XM4", random.Random(0))
    assert new != "WH-1000XM4" and len(new) == 10 and new[2] == "-"
    assert [c.isdigit() for c in new] == [c.isdigit() for c in "WH-1000XM4"]
    product = Product(id="t", title="Acme X200 speaker", brand="Acme", category=("audio",), price=10.0)
    other = Product(id="u", title="Zeta Z90 speaker", brand="Zeta", category=("audio",), price=12.0)
    titles = {p.title for p in CatalogModel.fit([product, other]).generate(200, seed=3)}
    assert len(titles) > 150  # fresh numbers: texts do not repeat
    assert not any("X200" in t or "Z90" in t for t in titles)
    assert all(t.split()[0] in {"Acme", "Zeta"} for t in titles)


def test_an_empty_source_is_refused():
    with pytest.raises(ValueError, match="no products"):
        CatalogModel.fit([])
