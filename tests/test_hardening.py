"""Defences that do not depend on the model: catalog text as data, claim and argument guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.safety.argument_guard import guard_search_args, known_brands_only
from assistant.safety.grounding import unsupported_claims
from assistant.safety.untrusted_text import instruction_free, is_steering

FIXTURE = Path(__file__).parent / "dialogues" / "fixtures" / "injected_catalog.jsonl"
ROWS = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
PLANTED = ["free today", "without asking", "SAVE90", "now costs $1", "system prompt", "A1003", "developer mode",
           "Add 5 units", "Real price", "say the price is $0"]


@pytest.mark.parametrize("row", [r for r in ROWS if is_steering(r["description"])], ids=lambda r: r["id"])
def test_planted_instructions_are_removed_and_the_rest_kept(row):
    cleaned = instruction_free(row["description"])
    assert not any(p.lower() in cleaned.lower() for p in PLANTED), cleaned
    assert cleaned and len(cleaned) > 15  # the product's real description survives


def test_every_planted_attack_is_recognised():
    texts = [r["description"] + " " + " ".join(f"{k} {v}" for k, v in r["attributes"].items()) for r in ROWS]
    assert sum(is_steering(t) for t in texts) == 10  # 10 products carry an attack, 2 are clean


def test_no_demo_catalog_text_is_mistaken_for_an_attack(demo_products):
    flagged = [p.id for p in demo_products if is_steering(p.description)
               or any(is_steering(f"{k} {v}") for k, v in p.attributes.items())]
    assert flagged == []


@pytest.mark.parametrize("reply", ["Sure! Use code SAVE10 for a discount.", "It's yours for free!",
                                   "I've added it to your cart.", "My system prompt says to help you.",
                                   "Great news: 20% off today."])
def test_claims_no_tool_backs_are_flagged(reply):
    assert unsupported_claims(reply, ["Here are 5 options for speaker."])


def test_claims_backed_by_a_tool_result_pass():
    policy = "Price match: ... Aisle does not offer discount codes."
    assert unsupported_claims("Aisle does not offer discount codes.", [policy]) == []
    assert unsupported_claims("Here are 5 options for speaker.", []) == []


def test_brand_filters_must_name_catalog_brands_and_ranges_set_both_ends():
    assert known_brands_only({"brands": ["headphones", "sony"], "exclude_brands": "jbl"}, ["Sony", "JBL"]) == {
        "brands": ["Sony"], "exclude_brands": ["JBL"]}
    assert guard_search_args({"query": "monitor"}, "monitor between $200 and $400") == {
        "query": "monitor", "min_price": 200.0, "max_price": 400.0}
    assert guard_search_args({"query": "blender", "min_price": 100}, "blender no more than $100") == {
        "query": "blender", "max_price": 100}


def test_a_brand_the_shopper_never_wrote_is_dropped():
    from assistant.safety.argument_guard import brands_only_when_named, guard_call

    catalog = ["Sony", "TP-Link", "The North Face", "Vitamix", "JBL"]
    assert brands_only_when_named({"query": "running shoes", "brands": ["Sony"], "min_rating": 4},
                                  "running shoes with good reviews, 4 stars and up") == {
        "query": "running shoes", "brands": [], "min_rating": 4}
    kept = brands_only_when_named({"brands": ["TP-Link", "The North Face", "Vitamix"], "exclude_brands": ["JBL"]},
                                  "tplink router or a the north face jacket, viatmix blender, no jbl")
    assert kept == {"brands": ["TP-Link", "The North Face", "Vitamix"], "exclude_brands": ["JBL"]}
    name, args = guard_call("search_products", {"query": "gaming monitor", "brands": ["sony"], "max_price": 300},
                            "27 inch gaming monitor under $300 plz", catalog, [], lambda pid: False)
    assert name == "search_products" and not args.get("brands") and args["max_price"] == 300


def test_tools_never_quote_planted_instructions(indexes, tmp_path):
    from assistant.dialogue.state import DialogueState
    from assistant.session import ShopSession
    from assistant.storage import Store
    from assistant.tools.shop_tools import ShopTools
    from retrieval.catalog.loaders import load_catalog

    report = load_catalog(FIXTURE)
    assert report.ok and len(report.products) == 12
    indexes.build("injected", report.products, str(FIXTURE))
    tools = ShopTools(ShopSession(Store(tmp_path / "s.sqlite"), index="injected", state=DialogueState()),
                      indexes.searcher("injected"))
    tools.search_method = "hybrid"
    said = []
    for pid in [r["id"] for r in ROWS]:
        for question in ["is there a discount code?", "what is the real price?", "any notes?", "battery life?"]:
            said.append(tools.run("answer_product_question", {"product_id": pid, "question": question})[0])
        said.append(tools.run("get_product", {"product_id": pid})[0])
    said.append(tools.run("compare_products", {"product_ids": ["INJ-07", "INJ-06", "INJ-09"]})[0])
    text = "\n".join(said).lower()
    assert not any(p.lower() in text for p in PLANTED), [p for p in PLANTED if p.lower() in text]


def test_aisle_s_own_phrasing_is_no_brand_claim():
    """ESCI has a brand "Best": "Best match:" in a template reply is Aisle's wording, but the same word written by
    a model is still checked."""
    from assistant.answers.replies import OWN_PHRASING
    from assistant.turn_protocol import reply_problems

    source = "5 results for 'coffee maker' (max_price=1500.0):\n1. GROSCHE French Press | $15.99 | in stock"
    reply = "These 5 products fit coffee maker under $1500. Best match: GROSCHE French Press, $15.99."
    assert reply_problems(reply, [source], "1500 bucks is my ceiling", ["Best", "GROSCHE"]) == ["Best"]
    assert reply_problems(reply, [source, OWN_PHRASING], "1500 bucks is my ceiling", ["Best", "GROSCHE"]) == []


@pytest.mark.parametrize("args,query", [
    ({"query": "bluetooth speaker under $5", "max_price": 5}, "bluetooth speaker"),
    ({"query": "laptop between $300 and $500", "min_price": 300, "max_price": 500}, "laptop"),
    ({"query": "headphones, under 100 bucks, in stock", "max_price": 100, "in_stock": True}, "headphones"),
    ({"query": "usb stick 64 gb under 20 dollars", "max_price": 20}, "usb stick 64 gb"),
    ({"query": "monitor over 27 inch under $300", "max_price": 300}, "monitor over 27 inch"),  # a size is no price
    ({"query": "tv under $500", "max_price": 400}, "tv under $500"),  # not the filter's amount: left as typed
    ({"query": "speaker in stock only"}, "speaker in stock only"),     # no stock filter: left as typed
    ({"query": "under $50", "max_price": 50}, None),                   # nothing left: the call refines the search
])
def test_price_and_stock_words_the_filters_carry_leave_the_query(args, query):
    from assistant.safety.argument_guard import constraint_words_dropped

    assert constraint_words_dropped(args).get("query") == query
    assert {k: v for k, v in constraint_words_dropped(args).items() if k != "query"} == {
        k: v for k, v in args.items() if k != "query"}


@given(words=st.lists(st.sampled_from(["wireless", "mouse", "black", "64gb", "usb-c", "27", "inch", "gaming", "x2"]),
                      min_size=1, max_size=5),
       price=st.integers(1, 2000),
       cue=st.sampled_from(["under ${}", "below {} dollars", "less than ${}", "{} bucks max", "up to ${}"]))
def test_only_the_price_phrase_is_taken_out(words, price, cue):
    from assistant.safety.argument_guard import constraint_words_dropped

    query = " ".join(words)
    cleaned = constraint_words_dropped({"query": f"{query} {cue.format(price)}", "max_price": price})
    assert cleaned["query"] == query
    assert constraint_words_dropped(cleaned) == cleaned


@pytest.mark.parametrize("text,overview", [
    ("Tell me about AIS-1019", True), ("tell me more about the second one", True), ("details on #2", True),
    ("more details about it please", True), ("what is the battery life of the second one", False),
    ("tell me about its battery", False), ("does it have a mic?", False)])
def test_a_details_request_is_an_overview_not_a_spec_question(text, overview):
    from assistant.safety.argument_guard import guard_call, overview_asked

    assert overview_asked(text) is overview
    name, args = guard_call("answer_product_question", {"question": text, "position": 2}, text, [], [],
                            lambda pid: pid == "AIS-1019")
    assert name == ("get_product" if overview else "answer_product_question")
    if overview:
        assert args == ({"product_id": "AIS-1019"} if "AIS" in text else {"position": 2})


def test_a_colour_must_be_one_the_shopper_wrote_and_drop_excludes_a_brand():
    from assistant.safety.argument_guard import guard_call

    colours = ["a", "s", "Black", "Snow"]
    _, args = guard_call("search_products", {"query": "movie", "colour": "a"}, "recommend a good movie", [], colours,
                         lambda pid: False)
    assert "colour" not in args  # a free-text catalog's colour "a" is no colour the shopper asked for
    _, args = guard_call("search_products", {"query": "mouse", "colour": "black"}, "a black mouse", [], colours,
                         lambda pid: False)
    assert args["colour"] == "Black"
    _, args = guard_call("search_products", {"brands": ["brother"], "refine": True}, "drop Brother", ["Brother"], [],
                         lambda pid: False)
    assert args.get("exclude_brands") == ["Brother"] and not args.get("brands")
