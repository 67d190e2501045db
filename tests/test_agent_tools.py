"""Tools, dialogue state, storage and grounding on the real demo index and a real SQLite file."""

from __future__ import annotations

import statistics

import pytest

from assistant.safety.grounding import ungrounded_facts
from assistant.safety.input_guard import clean_message
from assistant.session import ShopSession
from assistant.storage import Store


def prices(art):
    return [p.price for p in art.products]


def test_refinements_accumulate_and_revise(tools):
    _, a = tools.run("search_products", {"query": "bluetooth speaker", "max_price": 150})
    assert a.status == "ok" and all(p <= 150 for p in prices(a))
    _, b = tools.run("search_products", {"cheaper": True})
    assert b.status == "ok", b
    assert max(prices(b)) < statistics.median(prices(a))
    assert b.search.query == "bluetooth speaker"
    brand = b.products[0].brand
    _, c = tools.run("search_products", {"exclude_brands": [brand], "refine": True})
    assert all(p.brand != brand for p in c.products)
    assert all(p <= max(prices(b)) for p in prices(c))  # the cheaper ceiling is kept
    _, d = tools.run("search_products", {"query": "laptop"})  # a new search drops old constraints
    assert d.search.applied == {}


def test_positions_resolve_against_what_was_shown(tools):
    _, a = tools.run("search_products", {"query": "wireless headphones"})
    _, second = tools.run("get_product", {"position": 2})
    assert second.products[0].id == a.products[1].id
    _, cmp = tools.run("compare_products", {"positions": [1, 2]})
    assert [p.id for p in cmp.products] == [a.products[0].id, a.products[1].id]
    rows = {row.label: row.values for row in cmp.comparison.rows}  # the side-by-side table, one value per product
    assert rows["price"] == [p.display_price for p in cmp.products]
    assert len(rows) == 3 + len(cmp.comparison.keys) and all(len(v) == 2 for v in rows.values())
    _, bad = tools.run("get_product", {"position": 9})
    assert bad.status == "error" and "only showed" in bad.message


def test_spec_question_answers_from_attributes_only(tools):
    _, a = tools.run("search_products", {"query": "bluetooth headphones"})
    product = tools.searcher.get_product(a.products[0].id)
    _, ans = tools.run("answer_product_question", {"position": 1, "question": "what is the battery life?"})
    assert ans.status == "ok"
    assert ans.facts[0].startswith("battery life hours:")
    assert str(product.attributes["battery_life_hours"]) in ans.facts[0]
    _, unknown = tools.run("answer_product_question", {"position": 1, "question": "is it vegan friendly food?"})
    assert unknown.status in {"ok", "unknown"}


def test_cart_needs_confirmation_in_a_later_turn(tools, tmp_path):
    tools.state.turns = 1
    tools.run("search_products", {"query": "coffee maker", "in_stock": True})
    _, asked = tools.run("add_to_cart", {"position": 1, "confirm": True})  # "confirmed" in the same turn
    assert asked.status == "needs_confirmation"
    assert tools.session.store.cart(tools.session.session_id) == []
    tools.state.turns = 2
    _, added = tools.run("add_to_cart", {"confirm": True})
    assert added.status == "added"
    again = Store(tmp_path / "shop.sqlite")  # a new process reading the same file
    assert [x.product_id for x in again.cart(tools.session.session_id)] == [asked.products[0].id]
    other = ShopSession(again, index="demo")
    assert again.cart(other.session_id) == []  # sessions are isolated
    _, view = tools.run("view_cart", {})
    assert view.status == "ok" and view.cart.total > 0
    _, removed = tools.run("remove_from_cart", {"position": 1})
    assert removed.status == "removed" and again.cart(tools.session.session_id) == []


def test_order_needs_matching_email(tools):
    _, ok = tools.run("order_status", {"order_id": "a1001", "email": "Maria@Example.com"})
    assert ok.status == "ok" and ok.order.status == "shipped"
    _, wrong = tools.run("order_status", {"order_id": "A1001", "email": "sam.lee@example.com"})
    assert wrong.status == "not_found"


def test_bad_arguments_become_clear_errors(tools):
    _, a = tools.run("search_products", {"query": "tv", "max_price": -5})
    assert a.status == "error" and "max_price" in a.message
    _, b = tools.run("store_policy", {"topic": "discounts"})
    assert b.status == "error"
    _, c = tools.run("drop_table", {})
    assert c.status == "error"


def test_grounding_flags_invented_facts():
    sources = ["1. JBL Go 4 Speaker - Black | $39.95 | 4.5 stars | in stock"]
    assert ungrounded_facts("The JBL Go 4 Speaker costs $39.95 and is rated 4.5.", sources, ["jbl", "sony"]) == []
    assert ungrounded_facts("It costs $29.95.", sources, []) == ["$29.95"]
    assert ungrounded_facts("A Sony would be better.", sources, ["jbl", "sony"]) == ["sony"]
    assert ungrounded_facts("It has 40 hours of battery.", sources, []) == ["40"]
    assert ungrounded_facts("It costs $4.5.", sources, []) == ["$4.5"]  # a rating is not a price
    assert ungrounded_facts("Options under $80.", ["5 results (max_price=80.0)"], []) == []


@pytest.mark.parametrize("raw", ["", "   \n\t ", "\x00\x01\x02\x03", bytes(range(32)) + b"\xff\xfe\x80",
                                 "\u2028\u2029\ufeff", "%%%% #### !!!!"])
def test_empty_or_binary_input_gets_a_polite_reply(raw):
    cleaned = clean_message(raw, 4000)
    assert cleaned.reply and cleaned.reply.endswith((".", "?", "\".")), cleaned


def test_text_inside_binary_noise_is_still_read():
    assert clean_message(b"\xff\xfe\x00laptop\x00", 4000).text == "laptop"


def test_huge_input_is_truncated_with_notice():
    cleaned = clean_message("speaker " * 20_000, 4000)
    assert len(cleaned.text) <= 4000 and cleaned.notice and cleaned.reply is None


@pytest.mark.parametrize(("args", "text", "expected"), [
    ({"query": "tv", "min_price": 80}, "tv under $80", {"query": "tv", "max_price": 80}),
    ({"query": "tv", "max_price": 200}, "tv more than $200", {"query": "tv", "min_price": 200}),
    ({"query": "tv", "max_price": 80}, "tv under $80", {"query": "tv", "max_price": 80}),
    ({"query": "tv", "max_price": 500}, "a good tv", {"query": "tv"}),
    ({"query": "tv"}, "tv below 300 dollars", {"query": "tv", "max_price": 300.0}),
    ({"query": "tv", "min_price": 50, "max_price": 90}, "tv over $50 under $90",
     {"query": "tv", "min_price": 50, "max_price": 90}),
])
def test_price_direction_follows_the_shoppers_words(args, text, expected):
    from assistant.safety.argument_guard import guard_search_args

    assert guard_search_args(args, text) == expected


def test_zero_results_name_the_constraint_and_show_the_closest(tools):
    from assistant.answers.replies import template_reply

    _, a = tools.run("search_products", {"query": "bluetooth speaker", "max_price": 60})
    _, b = tools.run("search_products", {"max_price": 1, "refine": True})  # nothing costs $1
    assert b.status == "empty" and b.search.relaxed == "max_price"
    assert b.products, "the closest matches are shown"
    reply = template_reply([b])
    assert "$1 price limit" in reply and "Closest matches" in reply and "Say yes" in reply
    assert tools.state.filters.max_price == 1  # the running search is what the shopper asked for
    assert tools.state.shown == [p.id for p in b.products]  # numbered on screen: addressable
    assert tools.state.pending_offer is not None
    _, c = tools.run("search_products", {"query": "zxqv unobtainium flux capacitor", "max_price": 5})
    assert c.status == "empty" and not c.products and c.search.relaxed is None
    assert tools.state.shown == [p.id for p in b.products]  # nothing new shown: the list stays
    assert tools.state.query == "zxqv unobtainium flux capacitor"  # the running search is the one asked for


def test_shown_products_are_of_the_requested_type(tools):
    from retrieval.product_types import PRODUCT_TYPES

    for query in ("bluetooth speaker", "laptop", "wireless mouse", "smartwatch"):
        _, a = tools.run("search_products", {"query": query, "max_price": 3000})
        wanted = PRODUCT_TYPES.of_text(query)
        kinds = {PRODUCT_TYPES.of_product(tools.searcher.get_product(p.id)) for p in a.products}
        assert a.products and kinds == {wanted}, (query, kinds)
    _, cheaper = tools.run("search_products", {"cheaper": True})
    assert {PRODUCT_TYPES.of_product(tools.searcher.get_product(p.id)) for p in cheaper.products} <= \
        {"smartwatch"}


def test_sorting_orders_the_relevant_matches_and_says_so(tools):
    from assistant.answers.replies import search_reply

    _, relevance = tools.run("search_products", {"query": "bluetooth speaker", "max_price": 200})
    text, cheap = tools.run("search_products", {"refine": True, "sort": "price_asc"})
    assert cheap.status == "ok" and prices(cheap) == sorted(prices(cheap)) and cheap.search.sort == "price_asc"
    assert "cheapest first" in text and "cheapest first" in search_reply(cheap)
    assert all(p <= 200 for p in prices(cheap)) and min(prices(cheap)) <= min(prices(relevance))
    _, black = tools.run("search_products", {"colour": "black", "refine": True})  # the order is kept
    assert prices(black) == sorted(prices(black)) and black.search.sort == "price_asc"
    _, rated = tools.run("search_products", {"refine": True, "sort": "rating_desc"})
    ratings = [p.rating for p in rated.products]
    assert ratings == sorted(ratings, reverse=True)
    _, back = tools.run("search_products", {"refine": True, "sort": "relevance"})
    assert back.search.sort is None
    _, fresh = tools.run("search_products", {"query": "laptop"})
    assert fresh.search.sort is None
    _, bad = tools.run("search_products", {"refine": True, "sort": "random"})
    assert bad.status == "error"
