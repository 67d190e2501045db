"""HTML the views render from the agent's typed results: escaped, and the comparison shows what differs."""

from __future__ import annotations

from assistant.dialogue.state import DialogueState
from assistant.storage import CartLine
from assistant.tools.results import Comparison, ComparisonRow, ProductCard
from assistant.tools.schemas import SearchProductsArgs
from ui.render import cards_html, cart_html, comparison_html, constraint_chips, constraints_html, parse_cart_event


def _card(pid: str, title: str, price: float) -> ProductCard:
    return ProductCard(None, pid, title, "Brand", "Audio", price, f"${price:.2f}", None, None, True, "in stock")


def test_comparison_table_highlights_differences_and_escapes_catalog_text():
    cards = [_card("A", "Speaker <script>alert(1)</script>", 20.0), _card("B", "Speaker B", 30.0)]
    table = comparison_html(cards, Comparison([], rows=[ComparisonRow("price", ["$20.00", "$30.00"]),
                                                        ComparisonRow("availability", ["in stock", "in stock"])]))
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert table.count("<tr class='differs'>") == 1 and table.count("<tr class='same'>") == 1
    assert "data-products='2'" in table and table.count("<th scope='col'>") == 2


def test_cards_render_typed_cards():
    html = cards_html([_card("A", "Speaker A", 20.0)])
    assert "data-product-id='A'" in html and "$20.00" in html and "no rating" in html


def test_constraint_chips_name_each_filter_and_what_removing_it_says():
    state = DialogueState()
    assert constraints_html(state) == "<div class='aisle-chips' data-chips='0'></div>"
    request = state.next_search(SearchProductsArgs(query="bluetooth speaker", max_price=50, colour="black",
                                                   exclude_brands=["<b>Sony</b>"], in_stock=True, min_rating=4))
    state.remember_search(request, [("p1", 40.0)])
    assert constraint_chips(state) == [("under $50", "any price"), ("not <b>Sony</b>", "any brand"),
                                       ("black", "any colour"), ("4★ and up", "any rating"),
                                       ("in stock", "include out of stock too")]
    html = constraints_html(state)
    assert "data-chips='5'" in html and "<b>" not in html and "&lt;b&gt;Sony" in html
    assert html.count("data-say=") == 5 and "aria-label='Remove under $50'" in html
    both = state.next_search(SearchProductsArgs(min_price=19.5, max_price=50, refine=True))
    state.remember_search(both, [("p1", 40.0)])
    assert constraint_chips(state)[0] == ("$19.50-$50", "any price")


def test_cart_buttons_and_their_events():
    html = cart_html([CartLine("P'1", "Speaker <i>", 12.5, 2)])
    assert "data-total='25.00'" in html and "data-quantity='3'" in html and "data-quantity='1'" in html
    assert "Speaker <i>" not in html and "P&#x27;1" in html
    assert parse_cart_event("set:3:P1") == ("P1", 3)
    assert parse_cart_event("set:0:P:with:colons") == ("P:with:colons", 0)
    assert parse_cart_event("set:500:P1") == ("P1", 99) and parse_cart_event("set:-1:P1") == ("P1", 0)
    for bad in ("", "set", "set:x:P1", "drop:1:P1", "set:2:"):
        assert parse_cart_event(bad) is None


def test_compare_ticks_appear_only_with_two_numbered_cards_and_every_card_has_its_actions():
    numbered = [ProductCard(i, f"P{i}", f"Speaker {i}", "B", "Audio", 10.0 * i, f"${10 * i}.00", None, None, True,
                            "in stock") for i in (1, 2, 3)]
    html = cards_html(numbered)
    assert html.count("class='compare-pick'") == 3 and "compare-selected" in html
    assert "data-say='Tell me about P2'" in html and "data-say='Add P3 to my cart'" in html
    single = cards_html([_card("A", "Speaker A", 20.0)])
    assert "compare-pick" not in single and "compare-selected" not in single
    assert "data-say='Add A to my cart'" in single


def test_zero_results_offer_the_relaxed_search_then_each_other_filter_as_buttons():
    from assistant.events import TurnResult
    from assistant.tools.results import SearchEcho, ToolResult
    from retrieval.filters import SearchFilters
    from ui.render import suggestions_html

    filters = SearchFilters(max_price=5, colour="blue", brands=["Sony"])
    empty = ToolResult("search_products", "empty", "none", [_card("A", "Speaker A", 20.0)],
                       search=SearchEcho("speaker", filters, "max_price"))
    offers = TurnResult("t", artifacts=[empty]).recovery
    assert [(o.label, o.say) for o in offers] == [("Search without the $5 price limit", "yes"),
                                                   ("Without the brand Sony", "any brand"),
                                                   ("Without the colour blue", "any colour")]
    html = suggestions_html(offers)
    assert "data-offers='3'" in html and "data-say='yes'" in html
    nothing_close = ToolResult("search_products", "empty", "none", [], search=SearchEcho("speaker", filters))
    assert [o.say for o in TurnResult("t", artifacts=[nothing_close]).recovery] == ["any price", "any brand",
                                                                                     "any colour"]
    found = ToolResult("search_products", "ok", "5", [_card("A", "Speaker A", 20.0)],
                       search=SearchEcho("speaker", filters))
    assert TurnResult("t", artifacts=[found]).recovery == [] and suggestions_html([]) == ""
