"""Amounts with units, as shoppers and catalog titles write them, and the fit the spec stage of search uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.spec_match import Amount, amounts, asked_amounts, spec_fit


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("usb stick, 64 gig", "capacity", 64), ("64gb flash drive", "capacity", 64), ("64 GB", "capacity", 64),
    ("a 64-gigabyte card", "capacity", 64), ("2tb external drive", "capacity", 2000), ("1 TB ssd", "capacity", 1000),
    ("27 inch monitor", "size", 27), ('a 15.6" notebook', "size", 15.6), ("27in screen", "size", 27),
    ("65w charger", "power", 65), ("10000 mAh power bank", "charge", 10000), ("144hz gaming monitor", "refresh", 144),
    ("24 mp camera", "resolution", 24), ("laser printer 30 ppm", "print speed", 30), ("3,5 inch drive", "size", 3.5),
])
def test_amounts_are_read_to_one_scale_per_kind(text, kind, value):
    (found,) = amounts(text)
    assert found.kind == kind and found.value == pytest.approx(value)


@pytest.mark.parametrize("text", ["usb 3.0 stick", "ps4 pro", "iphone 11", "rtx 2060", "brother tn-2110 toner",
                                  "windows 10", "2 in 1 laptop", "64gbs", "speaker for 2 in the kitchen", ""])
def test_numbers_that_are_no_amounts_are_not_read(text):
    assert amounts(text) == []


def test_a_title_of_another_amount_of_the_same_kind_does_not_fit():
    wanted = amounts("usb stick 64 gig")
    assert spec_fit(wanted, amounts("Integral COURIER USB flash drive 16 GB USB Type-A 2 Blue")) is False
    assert spec_fit(wanted, amounts("SanDisk Ultra 64GB USB 3.0 Flash Drive")) is True
    assert spec_fit(wanted, amounts("Kingston DataTraveler USB flash drive")) is None  # it says no capacity
    assert spec_fit([], amounts("SanDisk Ultra 64GB")) is None
    # a title with two capacities (a drive with its cache) fits when one of them is the one asked for
    assert spec_fit(amounts("2tb hard drive"), amounts("Seagate Barracuda 2 TB 64 MB cache")) is True
    # every kind asked for must fit
    assert spec_fit(amounts("27 inch 144hz monitor"), amounts("AOC 27 inch 75 Hz monitor")) is False


@given(st.floats(min_value=1, max_value=5000, allow_nan=False), st.sampled_from(["GB", "gb", "gig", "gigabytes"]),
       st.sampled_from(["", " ", "-"]))
def test_the_way_an_amount_is_written_does_not_change_it(value, unit, sep):
    number = f"{value:.1f}".rstrip("0").rstrip(".")
    (found,) = amounts(f"flash drive {number}{sep}{unit} black")
    assert found.same(Amount("capacity", float(number), number))


def test_a_refined_query_asks_for_its_newest_amount_of_each_kind():
    wanted = asked_amounts("usb flash drive 64 gig black 128gb 3 inch")
    assert [(a.kind, a.value) for a in wanted] == [("capacity", 128.0), ("size", 3.0)]
    assert spec_fit(wanted[:1], amounts("SanDisk Ultra 128GB USB 3.0 Flash Drive")) is True


def test_the_guard_keeps_an_amount_the_model_left_out_of_the_search_words():
    from assistant.safety.argument_guard import guard_call

    def run(args, text):
        return guard_call("search_products", args, text, ["sandisk"], ["black"], lambda _: False)[1]

    assert run({"query": "usb stick"}, "usb stick, 64 gig")["query"] == "usb stick 64 gig"
    assert run({"query": "usb stick 64gb"}, "usb stick, 64 gig")["query"] == "usb stick 64gb"  # already there
    assert run({"query": "monitor", "max_price": 300}, "27 inch monitor under $300") == {
        "query": "monitor 27 inch", "max_price": 300}
    assert run({"query": "speaker"}, "speaker for 2 in the kitchen") == {"query": "speaker"}


def test_the_one_shown_product_stating_an_amount_is_the_one_meant(tools, demo_products):
    from retrieval.spec_match import referenced_amount

    by_title = {p.title: p.id for p in demo_products}
    tools.state.shown = [by_title["Samsung Max 40 Gaming Monitor 165 Hz - Black"],
                         by_title["AOC Edge 3X 27-inch 4K Monitor - Grey"],
                         by_title["Microsoft Lite 8S 10-inch Tablet - Grey"]]
    assert tools.position_stating(referenced_amount("put the 27 inch one in my cart")) == 2
    assert tools.position_stating(referenced_amount("is the 165hz model in stock?")) == 1
    assert tools.position_stating(referenced_amount("the 32 inch one please")) is None  # none shown states it
    tools.state.shown.append(by_title["LG Flex 7S 27-inch 4K Monitor - Grey"])
    assert tools.position_stating(referenced_amount("the 27-inch one")) is None  # two do: the model's reading stands
    assert referenced_amount("27 inch monitors") is None and referenced_amount("the 64gb one or the 128gb one") is None


def test_amount_phrasings_written_blind_are_read():
    """tests/data/amount_phrasings.yaml was written without the code; its first reading missed 4 of 50 requests
    and 11 of 20 references (see BENCHMARKS), fixed since: it now guards the reader against regressions."""
    from pathlib import Path

    import yaml

    from retrieval.spec_match import referenced_amount

    data = yaml.safe_load((Path(__file__).parent / "data" / "amount_phrasings.yaml").read_text())
    for item in data["requests"]:
        assert any(a.same(Amount(item["kind"], float(item["value"]), "")) for a in asked_amounts(item["text"])), item
    for item in data["references"]:
        found = referenced_amount(item["text"])
        assert found is not None and found.same(Amount(item["kind"], float(item["value"]), "")), item
    assert [i["text"] for i in data["no_amount"] if amounts(i["text"])] == []
