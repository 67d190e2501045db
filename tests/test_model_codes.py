"""Model codes typed whole, in part, or joined and split differently from the title find the product."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters
from retrieval.model_codes import CodeMatch, match, query_codes, title_codes

CODED = [
    Product(id="cam-spc700", title="Philips PC Camera SPC700NC/00", brand="Philips", category=["Webcams"],
            price=39.0, description="A VGA webcam with a built-in microphone."),
    Product(id="hp-wh1000xm4", title="Sony WH-1000XM4 Wireless Noise Cancelling Headphones, Black", brand="Sony",
            category=["Headphones"], price=279.0, description="Over-ear headphones with noise cancelling."),
    Product(id="pc-dc7800", title="HP Compaq dc7800 Ultra-slim Desktop PC", brand="HP", category=["Desktops"],
            price=199.0, description="A small office desktop."),
    Product(id="mon-24mk430h", title='LG 24MK430H-B 24" Full HD IPS Monitor', brand="LG", category=["Monitors"],
            price=129.0, description="A 24 inch monitor."),
]
# neighbours with codes one digit away: what dense and BM25 confuse with the code typed
NEIGHBOURS = [
    Product(id="cam-spc600", title="Philips PC Camera SPC600NC/00", brand="Philips", category=["Webcams"],
            price=29.0, description="A VGA webcam with a built-in microphone."),
    Product(id="cam-spc900", title="Philips PC Camera SPC900NC/00 webcam", brand="Philips", category=["Webcams"],
            price=49.0, description="A VGA webcam with a built-in microphone."),
    Product(id="hp-wh1000xm3", title="Sony WH1000XM3 Wireless Noise Cancelling Headphones, Black", brand="Sony",
            category=["Headphones"], price=199.0, description="Over-ear headphones with noise cancelling."),
    Product(id="pc-dc7700", title="HP Compaq dc7700 Ultra-slim Desktop PC", brand="HP", category=["Desktops"],
            price=149.0, description="A small office desktop."),
    Product(id="pc-dc7900", title="HP Compaq dc 7900 Ultra-slim Desktop PC", brand="HP", category=["Desktops"],
            price=249.0, description="A small office desktop."),
    Product(id="mon-24mk400h", title='LG 24MK400H-B 24" Full HD Monitor', brand="LG", category=["Monitors"],
            price=119.0, description="A 24 inch monitor."),
]


@pytest.mark.parametrize(("text", "codes"), [
    ("Sony WH-1000XM4/B", ("wh1000xm4b", "wh1000xm4")),
    ("Philips PC Camera SPC700NC/00", ("spc700nc00", "spc700nc")),
    ("MSI GeForce RTX 2060 VENTUS", ("rtx2060",)),             # a series prefix written apart
    ("OKI 43503601 printer ribbon", ("43503601",)),            # a part number
    ("Kingston 16GB 2666MHz 1080p 24in 200mg 2-pack", ()),   # amounts are the spec stage's, not codes
    ("AC adapter 110V-240V, Canon EF 70-200mm, 10000 mAh", ()),  # ranges of amounts
    ("Sony PS4 controller, DDR4, USB3, PCIe Gen5", ()),       # one digit: a standard or a generation
])
def test_a_title_gives_its_codes_in_one_normal_form_and_amounts_are_not_codes(text, codes):
    assert title_codes(text) == codes


@pytest.mark.parametrize(("query", "codes"), [
    ("spc700", ("spc700",)), ("dc 7800", ("dc7800",)), ("wh 1000xm4", ("wh1000xm4", "1000xm4")),
    ("rtx 3080 ti", ("rtx3080",)), ("canon pg 545", ("pg545",)), ("a pgi-9 cyan", ("pgi9",)),
    ("iphone 7", ()), ("usb stick 64 gig", ()), ("potassium citrate 200mg", ()),
    # ordinary shopper words next to a number are not codes
    ("echo dot gen 5", ()), ("airpods pro 2", ()), ("ipad air 5", ()), ("pack of 12", ()), ("4k tv 55 inch", ()),
    ("usb3 hub", ()), ("ddr4 16gb", ()), ("10000 mah power bank", ()), ("70-200 lens", ()), ("size 10 shoes", ()),
    ("cat-6 cable", ()), ("hdmi2.1 cable", ()), ("ip68 watch", ()),
])
def test_a_query_names_codes_as_typed_and_joins_a_series_prefix_written_apart(query, codes):
    assert query_codes(query) == codes


codes = st.from_regex(r"[a-z]{1,3}[0-9]{3,5}[a-z]{0,3}", fullmatch=True)


@given(codes, st.sampled_from(["-", "/", ".", ""]), st.integers(min_value=0, max_value=3))
def test_a_code_matches_itself_however_it_is_joined_and_when_shortened(code, joiner, cut):
    titled = title_codes(f"Acme {code[:2]}{joiner}{code[2:]} thing")
    assert titled, code
    assert match(code, titled[0]) == CodeMatch.EXACT
    shortened = code[:max(4, len(code) - cut)]
    assert match(shortened, titled[0]) is not None


def test_unrelated_codes_do_not_match():
    assert match("dc7800", "dc7700") is None
    assert match("spc700", "xspc70") is None
    assert match("1000", "wh1000xm4") is None  # a bare number inside a code is too weak to count
    assert match("435036", "9435036x") is None  # nor a part number inside another code


@pytest.fixture(scope="module")
def coded_searcher(indexes, demo_products):
    indexes.build("coded", [*demo_products, *CODED, *NEIGHBOURS], "test")
    return indexes.searcher("coded")


@pytest.mark.parametrize(("query", "expected"), [
    ("spc700", "cam-spc700"),            # part of the code: no title token says "spc700"
    ("wh1000xm4", "hp-wh1000xm4"),       # joined where the title hyphenates
    ("dc 7800", "pc-dc7800"),            # split where the title joins
    ("24mk430h monitor", "mon-24mk430h"),
])
def test_the_product_carrying_the_typed_code_comes_first(coded_searcher, query, expected):
    result = coded_searcher.search(query, method="full")
    assert result.hits[0].product.id == expected, [h.product.title for h in result.hits[:3]]
    assert "code" in result.timings_ms


def test_the_code_stage_keeps_to_the_filters_and_leaves_code_free_queries_alone(coded_searcher):
    cheap = coded_searcher.search("wh1000xm4", SearchFilters(max_price=100), method="full")
    assert "hp-wh1000xm4" not in [h.product.id for h in cheap.hits]
    plain = coded_searcher.search("wireless headphones", method="full")
    assert "code" not in plain.timings_ms


def test_a_store_written_before_codes_is_searched_without_them(coded_searcher, tmp_path):
    from retrieval.lexical_store import LexicalStore

    old = tmp_path / "old.sqlite"
    with sqlite3.connect(coded_searcher.lexical.path) as src, sqlite3.connect(old) as dest:
        src.backup(dest)
        dest.executescript("DROP TABLE code_parts; DROP TABLE codes;")
    store = LexicalStore(old)
    assert not store.has_codes and store.code_search(("spc700",)) == {}
    found = LexicalStore(coded_searcher.lexical.path).code_search(("spc700",))
    assert {pid: set(codes) for pid, codes in found.items()} == {"cam-spc700": {"spc700nc00", "spc700nc"}}

