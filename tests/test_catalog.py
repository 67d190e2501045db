"""Catalog loading: the demo catalog, user files with bad rows, and the shared research formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from retrieval.catalog.loaders import load_catalog
from retrieval.catalog.mapping import ColumnMapping
from retrieval.catalog.product import Product
from tests.conftest import shared_folder


def test_demo_catalog_is_rich_enough(demo_products):
    assert len(demo_products) >= 300
    assert len({p.category for p in demo_products}) >= 10
    assert any(p.stock == 0 for p in demo_products)
    assert all(p.price is not None and p.price > 0 and p.brand and p.colour for p in demo_products)
    assert len({p.id for p in demo_products}) == len(demo_products)


def _good_row(i: int) -> dict:
    return {"id": f"P{i}", "title": f"Widget {i}", "price": "19.99", "brand": "Acme", "category": "Tools/Widgets",
            "colour": "red", "stock": "3"}


def test_malformed_jsonl_rows_are_reported_by_line_and_valid_rows_load(tmp_path: Path):
    path = tmp_path / "catalog.jsonl"
    lines = [
        json.dumps(_good_row(1)),                                   # 1 ok
        json.dumps({"title": "no id", "price": 3}),                 # 2 missing id
        json.dumps({"id": "P3", "price": 3}),                       # 3 missing title
        json.dumps({"id": "P4", "title": "bad price", "price": "abc"}),  # 4 bad price
        json.dumps(_good_row(1)),                                   # 5 duplicate id
        json.dumps({"id": "P6", "title": "huge", "description": "x" * 1_000_000}),  # 6 1 MB description
        "{not json",                                                # 7 invalid JSON
        json.dumps(_good_row(8)),                                   # 8 ok
    ]
    raw = "\n".join(lines).encode() + b'\n{"id": "P9", "title": "bad \xff\xfe bytes"}\n'  # 9 broken UTF-8
    path.write_bytes(raw)
    report = load_catalog(path)
    assert [p.id for p in report.products] == ["P1", "P8"]
    by_line = {r.line: r.reason for r in report.rejects}
    assert set(by_line) == {2, 3, 4, 5, 6, 7, 9}
    assert "id" in by_line[2] and "title" in by_line[3]
    assert "price" in by_line[4] and "duplicate" in by_line[5]
    assert "1,000,000 characters" in by_line[6] and "invalid JSON" in by_line[7]
    assert "UTF-8" in by_line[9]
    assert report.products[0].colour == "red" and report.products[0].category == ("Tools", "Widgets")


def test_csv_with_column_mapping_and_cents(tmp_path: Path):
    path = tmp_path / "shop.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sku", "name", "cents", "maker", "details", "color"])
        writer.writerow(["A1", "Blue kettle", "2599", "Brewco", "1.7 litre, multi\nline", "blue"])
        writer.writerow(["A2", "", "100", "Brewco", "", ""])
        writer.writerow(["A3", "Toaster", "-5", "Brewco", "", ""])
    mapping = ColumnMapping(id="sku", title="name", price="cents", price_scale=0.01, brand="maker",
                            description=["details"])
    report = load_catalog(path, mapping)
    assert [p.id for p in report.products] == ["A1"]
    kettle = report.products[0]
    assert kettle.price == 25.99 and kettle.brand == "Brewco" and kettle.colour == "blue"
    assert {r.line for r in report.rejects} == {4, 5}  # the multi-line row occupies lines 2-3


def test_parquet_file(tmp_path: Path):
    import pandas as pd

    path = tmp_path / "c.parquet"
    pd.DataFrame([_good_row(1), _good_row(2) | {"title": None}]).to_parquet(path)
    report = load_catalog(path)
    assert [p.id for p in report.products] == ["P1"] and report.rejects[0].line == 2


@given(price=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), st.none()))
def test_price_never_loads_as_garbage(price):
    try:
        product = Product(id="x", title="t", price=price)
    except ValueError:
        return
    assert product.price is None or (product.price >= 0 and product.price == product.price)


def test_chorus_format_prices_in_cents_and_attributes():
    folder = shared_folder("chorus_icecat")
    report = load_catalog(folder)
    assert len(report.products) == 19_406 and report.ok
    toner = next(p for p in report.products if p.id == "3920564")
    assert toner.price == 49.95 and toner.brand == "Xerox"
    assert toner.attributes["printing_colours"] == "Black"


def test_esci_format():
    folder = shared_folder("esci_opensearch_subset")
    report = load_catalog(folder)
    assert len(report.products) == 6_764 and report.ok
    kindle = next(p for p in report.products if p.id == "B07CXG6C9W")
    assert kindle.brand == "Amazon" and kindle.colour == "Black" and kindle.price is None
    assert "waterproof" in kindle.description.lower()
