"""The dialogue-state rules of docs/dialogue-state.md, one test per rule (no model, no index)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.dialogue.state import DialogueState, PendingCart, SearchRequest
from assistant.dialogue.state_rules import (
    NO_TOOL,
    NOTHING_PENDING,
    OFFER_DECLINED,
    pending_answer,
    single_reference,
    state_guard,
    yes_or_no,
)
from assistant.tools.schemas import SearchProductsArgs
from retrieval.filters import SearchFilters
from retrieval.product_types import PRODUCT_TYPES, singular


def searched(query: str, shown_prices: list[float], **filters) -> DialogueState:
    state = DialogueState()
    request = state.next_search(SearchProductsArgs(query=query, **filters))
    state.remember_search(request, [(f"p{i}", price) for i, price in enumerate(shown_prices)])
    return state


def test_a_new_request_resets_constraints_and_type():
    state = searched("bluetooth speaker", [20, 30, 40], max_price=50, colour="black")
    request = state.next_search(SearchProductsArgs(query="laptop"))
    assert request.filters == SearchFilters() and request.product_type == "laptop" and request.new_request


def test_a_refinement_keeps_constraints_and_type():
    state = searched("bluetooth speaker", [20, 30, 40], max_price=50)
    request = state.next_search(SearchProductsArgs(colour="red", refine=True))
    assert request.query == "bluetooth speaker" and request.product_type == "speaker"
    assert request.filters.max_price == 50 and request.filters.colour == "red" and not request.new_request


def test_follow_up_words_without_a_type_are_added_to_the_query():
    state = searched("quiet bluetooth speaker", [20, 30])
    assert state.next_search(SearchProductsArgs(query="waterproof", refine=True)).query == \
        "quiet bluetooth speaker waterproof"
    assert state.next_search(SearchProductsArgs(query="cheaper ones", refine=True)).query == "quiet bluetooth speaker"


def test_another_product_type_is_a_new_request_even_when_the_call_says_refine():
    state = searched("bluetooth speaker", [20, 30], colour="black", max_price=50)
    request = state.next_search(SearchProductsArgs(query="laptop", refine=True))
    assert request.query == "laptop" and request.product_type == "laptop"
    assert request.filters == SearchFilters() and request.new_request


def test_cheaper_derives_a_ceiling_below_the_median_shown_and_marks_it_derived():
    state = searched("bluetooth speaker", [20, 30, 40, 50])
    request = state.next_search(SearchProductsArgs(cheaper=True))
    assert request.filters.max_price == 34.99 and request.derived == {"max_price"}
    assert request.product_type == "speaker" and request.query == "bluetooth speaker"
    state.remember_search(request, [("a", 21.0)])
    later = state.next_search(SearchProductsArgs(colour="red", refine=True))
    assert later.derived == {"max_price"}  # still derived: zero-result recovery relaxes it first
    stated = state.next_search(SearchProductsArgs(max_price=60, refine=True))
    assert stated.filters.max_price == 60 and stated.derived == frozenset()  # the shopper's own number wins


def test_cheaper_never_leaves_a_minimum_above_the_ceiling():
    state = searched("notebook", [800, 900, 1000])
    request = state.next_search(SearchProductsArgs(min_price=950, cheaper=True))
    assert request.filters.min_price is None and request.filters.max_price == 899.99


def test_the_shown_list_changes_only_when_products_are_shown():
    state = searched("bluetooth speaker", [20, 30])
    before = list(state.shown)
    empty = state.next_search(SearchProductsArgs(brands=["Nobrand"], refine=True))
    state.remember_search(empty, [])
    assert state.shown == before and state.resolve(2, None) == before[1]
    assert state.query == "bluetooth speaker" and state.filters.brands == ["Nobrand"]  # the running search


def test_a_confirmation_is_consumed_only_when_something_is_pending():
    state = searched("bluetooth speaker", [20, 30])
    assert pending_answer(state, "yes").reply == NOTHING_PENDING
    state.pending_cart = PendingCart("p1", "Speaker", 1, asked_turn=1)
    call = pending_answer(state, "Yes please!").call
    assert call["name"] == "add_to_cart" and call["args"] == {"confirm": True}
    assert pending_answer(state, "nope").call["args"] == {"confirm": False}
    assert pending_answer(state, "yes, the red one").call is None  # not a bare answer: the model reads it


def test_yes_to_a_relaxed_search_runs_it_and_no_keeps_the_filters():
    state = searched("bluetooth speaker", [20, 30])
    state.pending_offer = SearchRequest("bluetooth speaker", SearchFilters(max_price=25.0), "speaker")
    call = pending_answer(state, "ok").call
    assert call["name"] == "search_products" and call["args"] == {"query": "bluetooth speaker", "max_price": 25.0}
    assert pending_answer(state, "no thanks").reply == OFFER_DECLINED and state.pending_offer is None


def test_a_search_that_changes_nothing_is_never_replayed():
    state = searched("bluetooth speaker", [20, 30], max_price=50)
    assert state_guard(state, "search_products", {"refine": True}, "qué tiempo hace hoy", PRODUCT_TYPES)[0] == NO_TOOL
    name, args = state_guard(state, "search_products", {"brands": [], "refine": True}, "now show me a laptop",
                             PRODUCT_TYPES)
    assert name == "search_products" and args == {"query": "laptop"}


def test_it_is_the_product_last_asked_about_unless_the_message_names_a_position():
    state = searched("bluetooth speaker", [20, 30, 40])
    state.focus = state.shown[2]  # "is the third one waterproof?" was asked
    for text, tool in (("tell me more about it", "get_product"), ("does that have a mic?", "answer_product_question"),
                       ("add it to my cart", "add_to_cart")):
        name, args = state_guard(state, tool, {"position": 1, "question": text} if tool == "answer_product_question"
                                 else {"position": 1}, text, PRODUCT_TYPES)
        assert name == tool and args.get("product_id") == state.shown[2] and "position" not in args, text
    for text in ("tell me about the first one", "is #1 any good?", "add number 2 to the cart"):
        _, args = state_guard(state, "get_product", {"position": 1}, text, PRODUCT_TYPES)
        assert args == {"position": 1}, text  # a position of its own wins
    state.focus = "gone-from-the-list"  # a new search no longer shows it
    assert state_guard(state, "get_product", {"position": 1}, "tell me more about it", PRODUCT_TYPES)[1] == \
        {"position": 1}


def test_a_message_naming_another_type_starts_a_new_search():
    state = searched("bluetooth speaker", [20, 30], colour="red")
    name, args = state_guard(state, "search_products", {"colour": "black", "refine": True}, "a black laptop?",
                             PRODUCT_TYPES)
    assert args == {"query": "black laptop", "colour": "black"}


def test_a_question_about_one_shown_product_is_answered_not_searched():
    state = searched("bluetooth speaker", [20, 30, 40])
    name, args = state_guard(state, "search_products", {"in_stock": True, "refine": True},
                             "is the second one in stock?", PRODUCT_TYPES)
    assert name == "answer_product_question" and args["position"] == 2
    assert single_reference("compare the first and second", 3) is None
    assert single_reference("is the fifth one waterproof?", 3) is None  # not shown: the tool's error explains


@pytest.mark.parametrize("text, kind", [
    ("quiet bluetooth speaker", "speaker"), ("tablet", "tablet"), ("tablet stand", "stand"),
    ("case for iphone 12", "case"), ("Targus notebook case 15.6in", "case"), ("HP ProBook 450 notebook 15.6", "laptop"),
    ("VGA Monitor Extension Cable", "cable"), ("Xerox 006R90321 toner cartridge Original Black", "toner"),
    ("screen protector for smartphones", "screen protector"), ("cheaper", None), ("in red", None),
    ("keyboard and mouse", "keyboard"), ("wireless mice", "mouse"), ("batteries", "battery"),
])
def test_product_types_of_queries_and_titles(text, kind):
    assert PRODUCT_TYPES.of_text(text) == kind


@given(st.text(max_size=60))
def test_yes_or_no_and_type_reading_never_fail(text):
    assert yes_or_no(text) in (True, False, None)
    assert PRODUCT_TYPES.of_text(text) is None or isinstance(PRODUCT_TYPES.of_text(text), str)


def test_singular_keeps_words_that_are_not_plurals():
    assert [singular(w) for w in ("lens", "series", "watches", "batteries", "headphones")] == \
        ["lens", "series", "watch", "battery", "headphone"]


@pytest.mark.parametrize("text, key", [("laptop, nothing above 700 bucks", "max_price"),
                                       ("speaker not over $40", "max_price"), ("laptop over 700", "min_price"),
                                       ("a keyboard, $110 or less", "max_price"), ("tv, 500 bucks tops", "max_price"),
                                       ("monitor, $60 is my limit", "max_price"), ("camera $500 and up", "min_price")])
def test_negated_price_cues_set_a_ceiling(text, key):
    from assistant.safety.argument_guard import guard_search_args

    args = guard_search_args({"query": "x"}, text)
    assert set(args) == {"query", key}


@pytest.mark.parametrize("text, words", [
    ("¿tienen auriculares inalámbricos?", "wireless headphones"),
    ("Ich suche kabellose Kopfhörer", "wireless headphones"),
    ("je cherche une enceinte noire", "black speaker"),
    ("something handy", None),          # English: the model reads it
    ("quiet bluetooth speaker", None),  # names an English type
    ("quiero algo barato", None),       # no product named: nothing to search for
])
def test_foreign_product_words_become_an_english_search(text, words):
    from assistant.dialogue.foreign_terms import foreign_search

    assert foreign_search(text, PRODUCT_TYPES) == words


def test_positions_the_shopper_names_decide_a_comparison():
    from assistant.dialogue.state_rules import positions_named

    state = searched("bluetooth speaker", [20, 30, 40, 50, 60])
    assert positions_named("compare the last two", 5) == [4, 5]
    assert positions_named("put the first three side by side", 5) == [1, 2, 3]
    assert positions_named("#1 or #3, how do they differ?", 5) == [1, 3]
    assert positions_named("compare #1 and #9", 5) == []  # not shown: the tool's error explains
    assert state_guard(state, "add_to_cart", {"position": 3, "quantity": 3}, "put the first three side by side",
                       PRODUCT_TYPES) == ("compare_products", {"positions": [1, 2, 3]})
    assert state_guard(state, "compare_products", {"positions": [1, 2]}, "compare the last two",
                       PRODUCT_TYPES) == ("compare_products", {"positions": [4, 5]})


def test_a_request_to_buy_is_never_rerouted_as_a_question():
    state = searched("bluetooth speaker", [20, 30, 40])
    assert state_guard(state, "add_to_cart", {"position": 2}, "can you add the second one?", PRODUCT_TYPES) == \
        ("add_to_cart", {"position": 2})
    name, args = state_guard(state, "add_to_cart", {"position": 2}, "does number 2 come with a kit lens",
                             PRODUCT_TYPES)
    assert name == "answer_product_question" and args["position"] == 2


def test_colours_must_be_catalog_colours_and_ratings_must_be_asked_for():
    from assistant.safety.argument_guard import guard_call

    def run(args, text):
        return guard_call("search_products", args, text, ["Sony"], ["white", "black"], lambda pid: False)[1]

    assert run({"query": "monitor", "colour": "tbh"}, "prefer white tbh")["colour"] == "white"
    assert "min_rating" not in run({"query": "tv", "min_rating": 5}, "tv, keep it under 80")
    assert run({"query": "tv", "min_rating": 4}, "tv rated 4 stars or more")["min_rating"] == 4


def test_any_colour_or_any_price_drops_that_constraint_and_keeps_the_rest():
    state = searched("digital camera", [200, 300], colour="red", brands=["Canon"], max_price=500)
    name, args = state_guard(state, "search_products", {"colour": "red", "refine": True}, "any colour is fine",
                             PRODUCT_TYPES)
    request = state.next_search(SearchProductsArgs(**args))
    assert request.filters.colour is None and request.filters.brands == ["Canon"] and request.filters.max_price == 500
    name, args = state_guard(state, "store_policy", {"topic": "price_match"}, "price doesn't matter", PRODUCT_TYPES)
    request = state.next_search(SearchProductsArgs(**args))
    assert name == "search_products" and request.filters.max_price is None and request.filters.colour == "red"
    cheaper = state.next_search(SearchProductsArgs(cheaper=True))
    state.remember_search(cheaper, [("c1", 150.0)])
    cleared = state.next_search(SearchProductsArgs(clear=["price"], refine=True))
    assert cleared.filters.max_price is None and cleared.derived == frozenset()
    name, args = state_guard(state, "search_products", {"cheaper": True, "refine": True, "clear": ["price"]},
                             "any price", PRODUCT_TYPES)
    assert "cheaper" not in args and state.next_search(SearchProductsArgs(**args)).filters.max_price is None
    stocked = searched("digital camera", [200, 300], in_stock=True, max_price=500)
    for words in ("include out of stock too", "sold out ones are fine", "availability doesn't matter"):
        name, args = state_guard(stocked, "search_products", {"in_stock": True, "refine": True}, words,
                                 PRODUCT_TYPES)
        request = stocked.next_search(SearchProductsArgs(**args))
        assert name == "search_products" and not request.filters.in_stock and request.filters.max_price == 500, words


def test_a_refinement_changes_only_what_the_message_speaks_of():
    state = searched("smart tv", [300, 400], max_price=500)
    assert state_guard(state, "search_products", {"cheaper": True}, "recommend a good movie", PRODUCT_TYPES)[0] == \
        NO_TOOL
    assert state_guard(state, "search_products", {"in_stock": True, "refine": True}, "any plans for the weekend?",
                       PRODUCT_TYPES)[0] == NO_TOOL
    assert state_guard(state, "search_products", {"brands": ["asus"], "refine": True}, "is it going to snow",
                       PRODUCT_TYPES)[0] == NO_TOOL
    assert state_guard(state, "search_products", {"cheaper": True}, "those cost too much", PRODUCT_TYPES) == \
        ("search_products", {"cheaper": True})


def test_a_brand_only_request_narrows_the_running_search():
    state = searched("smart tv", [300, 400], max_price=500)
    name, args = state_guard(state, "search_products", {"query": "just show Samsung", "brands": ["Samsung"]},
                             "just show Samsung", PRODUCT_TYPES)
    request = state.next_search(SearchProductsArgs(**args))
    assert request.product_type == "tv" and request.filters.max_price == 500 and request.filters.brands == ["Samsung"]


def test_a_colour_read_as_a_purchase_becomes_a_refinement():
    state = searched("smartwatch", [100, 200])
    assert state_guard(state, "add_to_cart", {"position": 1}, "make it pink", PRODUCT_TYPES) == \
        ("search_products", {"refine": True})
    assert state_guard(state, "add_to_cart", {"position": 1}, "i'll take the first", PRODUCT_TYPES)[0] == "add_to_cart"


def test_policy_questions_and_other_product_types_are_not_misrouted():
    state = searched("smartwatch", [100, 200])
    assert state_guard(state, "search_products", {"query": "send stuff back", "refine": True},
                       "can i send stuff back if it doesn't work out", PRODUCT_TYPES) == \
        ("store_policy", {"topic": "returns"})
    assert state_guard(state, "add_to_cart", {"position": 1}, "forget that, i want a Panasonic television",
                       PRODUCT_TYPES) == ("search_products", {"query": "Panasonic television"})
    assert state_guard(state, "add_to_cart", {"position": 1}, "i want the first one", PRODUCT_TYPES)[0] == \
        "add_to_cart"
    # "warranty" and "computer" name products only in a search: a question about them is no request for them
    assert state_guard(state, "search_products", {"query": "warranty on"}, "is there a warranty on these",
                       PRODUCT_TYPES) == ("store_policy", {"topic": "warranty"})
    assert state_guard(state, "compare_products", {"positions": [1, 2]},
                       "which of these syncs best with my computer", PRODUCT_TYPES)[0] == "compare_products"


def test_cannot_spend_more_than_is_a_ceiling():
    from assistant.safety.argument_guard import guard_search_args

    assert guard_search_args({"query": "phone", "min_price": 2200}, "a phone, can't spend more than $2200") == \
        {"query": "phone", "max_price": 2200}


def test_a_sort_order_is_kept_across_refinements_and_reset_by_a_new_request():
    state = searched("bluetooth speaker", [20, 30, 40], max_price=50)
    request = state.next_search(SearchProductsArgs(refine=True, sort="price_asc"))
    assert request.sort == "price_asc" and request.filters.max_price == 50 and request.query == "bluetooth speaker"
    state.remember_search(request, [("p0", 20.0)])
    assert "sorted: price_asc" in state.summary()
    assert state.next_search(SearchProductsArgs(colour="black", refine=True)).sort == "price_asc"
    assert state.next_search(SearchProductsArgs(query="laptop")).sort is None
    assert state.next_search(SearchProductsArgs(refine=True, sort="relevance")).sort is None


@pytest.mark.parametrize("text, order", [
    ("show the cheapest first", "price_asc"), ("can you sort them by price?", "price_asc"),
    ("price low to high please", "price_asc"), ("most expensive ones on top", "price_desc"),
    ("sort by price, highest first", "price_desc"), ("best rated first", "rating_desc"),
    ("order the list by customer rating", "rating_desc"), ("sort by relevance again", "relevance")])
def test_sort_words_reorder_the_running_search_whatever_the_model_called(text, order):
    state = searched("bluetooth speaker", [20, 30, 40], max_price=50)
    for name, args in (("search_products", {"cheaper": True, "refine": True}), ("compare_products", {"positions": [1]}),
                       ("get_product", {"position": 1})):
        assert state_guard(state, name, args, text, PRODUCT_TYPES) == ("search_products",
                                                                       {"refine": True, "sort": order})


def test_questions_about_the_cheapest_are_not_sort_requests():
    state = searched("bluetooth speaker", [20, 30, 40])
    for text in ("which is the cheapest?", "compare the cheapest and the first", "add the cheapest to my cart"):
        name, args = state_guard(state, "compare_products", {"positions": [1, 2]}, text, PRODUCT_TYPES)
        assert "sort" not in args, text


def test_a_new_search_in_an_order_keeps_its_words_and_drops_an_unasked_cheaper():
    state = DialogueState()
    name, args = state_guard(state, "search_products", {"query": "headphones", "cheaper": True},
                             "cheapest headphones first", PRODUCT_TYPES)
    assert (name, args) == ("search_products", {"query": "headphones", "sort": "price_asc"})
    name, args = state_guard(searched("bluetooth speaker", [20, 30]), "get_product", {"position": 1},
                             "best rated laptops first", PRODUCT_TYPES)
    assert name == "search_products" and args["sort"] == "rating_desc" and "laptop" in args["query"]
    # another product named with the order, the model's call only sorting the shown list (a Chorus chat)
    name, args = state_guard(searched("inkjet printer", [60, 80, 120]), "search_products", {"sort": "price_asc"},
                             "hmm, the cheapest toner first", PRODUCT_TYPES)
    assert (name, args) == ("search_products", {"query": "toner", "sort": "price_asc"})
    assert not args.get("refine")
    # the shown kind named with the order is the running search re-ordered, its filters kept
    assert state_guard(searched("inkjet printer", [60, 80, 120], max_price=150), "search_products",
                       {"sort": "price_asc"}, "show the printers cheapest first", PRODUCT_TYPES) == \
        ("search_products", {"refine": True, "sort": "price_asc"})


def test_a_kind_asked_instead_replaces_the_shown_kind_and_keeps_the_filters():
    state = searched("inkjet printer", [60, 80, 120], max_price=150)
    name, args = state_guard(state, "search_products", {"brands": ["hp"], "refine": True},
                             "ok what about a laser one instead, hp please", PRODUCT_TYPES)
    assert (name, args) == ("search_products", {"brands": ["hp"], "refine": True, "query": "laser printer"})
    request = state.next_search(SearchProductsArgs(**args))
    assert request.query == "laser printer" and request.filters.max_price == 150
    for text, call in (("a cheaper one instead", {"cheaper": True, "refine": True}),
                       ("a refurbished one instead", {"refine": True, "max_price": 100}),
                       ("a black one instead", {"colour": "black", "refine": True}),
                       ("a laser one instead", {"query": "laser printer", "refine": True})):
        assert state_guard(state, "search_products", call, text, PRODUCT_TYPES) == ("search_products", call), text


def test_words_from_a_chorus_chat_are_routed_as_meant():
    state = searched("portable camera", [20, 30, 40, 50, 60])
    assert state_guard(state, "search_products", {"refine": True}, "put the second and the third next to each other",
                       PRODUCT_TYPES) == ("compare_products", {"positions": [2, 3]})
    name, args = state_guard(state, "view_cart", {}, "can I get the top one right away or is it sold out?",
                             PRODUCT_TYPES)
    assert name == "answer_product_question" and args["position"] == 1
    # a capacity is not a price and "gigabytes" is not the brand Gigabyte: searched as words
    name, args = state_guard(state, "search_products", {"refine": True, "brands": ["gigabyte"]},
                             "only 64 gigabytes or bigger", PRODUCT_TYPES)
    assert (name, args) == ("search_products", {"query": "64 gigabytes or bigger", "refine": True})


def test_a_number_with_a_unit_is_never_a_price():
    from assistant.safety.argument_guard import guard_search_args

    assert guard_search_args({"max_price": 64, "refine": True}, "only 64 gigabytes or bigger") == {"refine": True}
    assert guard_search_args({"max_price": 15}, "a laptop under 15 inches") == {}
    assert guard_search_args({"max_price": 500}, "a 15 inch laptop under $500") == {"max_price": 500}
    assert guard_search_args({"max_price": 50}, "speaker under 50 in black") == {"max_price": 50}
    assert guard_search_args({"min_price": 20000}, "power bank 20000 mAh") == {}


def test_a_brand_is_not_read_into_a_longer_word():
    from assistant.safety.argument_guard import shopper_named_filters

    assert "brands" not in shopper_named_filters({}, "only 64 gigabytes or bigger", ["Gigabyte", "Canon"], [])
    assert shopper_named_filters({}, "a Gigabyte board", ["Gigabyte"], [])["brands"] == ["Gigabyte"]


def test_radios_players_and_housings_are_types_of_their_own():
    assert PRODUCT_TYPES.of_text("Sony Portable ICF-304L radio Analog") == "radio"
    assert PRODUCT_TYPES.of_text("Philips Portable CD/MP3-CD Player EXP2461 Portable CD player") == "media player"
    assert PRODUCT_TYPES.of_text("Canon WP-DC7 underwater camera housing") == "housing"


@pytest.mark.parametrize("text", ["thx!", "ok thanks a lot", "cheers", "Great, thanks!", "thank you so much",
                                  "that's everything, cheers", "i'm done, thanks"])
def test_a_thank_you_is_answered_without_a_tool(text):
    from assistant.dialogue.state_rules import thanked

    assert thanked(text)


@pytest.mark.parametrize("text", ["thanks, now show me a laptop", "thanks for nothing, cheaper please", "tyres",
                                  "that's all wrong, thanks"])
def test_a_request_after_thanks_is_not_only_a_thank_you(text):
    from assistant.dialogue.state_rules import thanked

    assert not thanked(text)


def test_a_brand_the_catalog_lacks_is_named_as_the_shopper_wrote_it():
    from assistant.dialogue.state_rules import unknown_brands_named

    text = "ok any of those from sandisk or kingston?"
    assert unknown_brands_named({"brands": ["SANDSKY", "Verbatim"], "refine": True}, text, ["Verbatim"]) == ["sandisk"]
    assert unknown_brands_named({"brands": ["Sony"]}, "running shoes", ["Verbatim"]) == []  # never written: no word
    assert unknown_brands_named({"brands": ["verbatim"]}, "from verbatim", ["Verbatim"]) == []
    assert unknown_brands_named({"brands": ["wich"]}, "wich of the ones you showed is tough?", ["Verbatim"]) == []
    assert unknown_brands_named({"brands": ["Kingston"]}, "any kingston ones?", ["Verbatim"]) == ["kingston"]


@pytest.mark.parametrize(("text", "position", "exclude"), [
    ("eh not a fan of the brand on the first one, leave those out", 1, True),
    ("no more from the brand of the last one", 3, True),
    ("more from the same brand as #2", 2, False),
    ("anything else by the maker of the third one?", 3, False),
])
def test_a_brand_named_through_a_shown_product_is_resolved(text, position, exclude):
    from assistant.dialogue.state_rules import BrandReference, brand_reference

    assert brand_reference(text, DialogueState(query="x", shown=["a", "b", "c"])) == BrandReference(position, exclude)


@pytest.mark.parametrize("text", ["what brand is the first one", "the brand doesn't matter", "any brand is fine"])
def test_other_brand_words_are_not_a_brand_reference(text):
    from assistant.dialogue.state_rules import brand_reference

    assert brand_reference(text, DialogueState(query="x", shown=["a", "b", "c"])) is None


@pytest.mark.parametrize("text,allowed", [
    ("hi there", True), ("Hello!", True), ("good morning", True), ("what can you do?", True), ("who are you", True),
    ("help", True), ("write a haiku about rain", False), ("what is the capital of peru", False),
    ("tell me a joke", False), ("hmm ok", False), ("i had pasta for lunch", False)])
def test_only_greetings_and_questions_about_the_assistant_get_a_reply_without_a_tool(text, allowed):
    from assistant.dialogue.state_rules import small_talk

    assert small_talk(text) is allowed


SPEAKER = frozenset("jbl ultra 900 outdoor rugged speaker pink connectivity bluetooth battery life hours output "
                    "power".split())


@pytest.mark.parametrize("text,about", [
    ("does it have a mic?", True),            # points at it
    ("is the battery any good?", True),       # the product's own word
    ("how much is the second one", True),     # a position
    ("what's the price", True),               # what shoppers ask of any product
    ("how loud does the output power get", True),
    ("who won the football game last night?", False),
    ("what is the capital of peru", False),
    ("hmm ok", False)])
def test_a_product_question_must_be_about_the_product(text, about):
    from assistant.dialogue.state_rules import about_the_product

    assert about_the_product(text, SPEAKER) is about


@pytest.mark.parametrize("text", ["hold off", "wait", "not yet", "maybe later", "let me think"])
def test_not_yet_is_no_confirmation(text):
    from assistant.dialogue.state_rules import yes_or_no

    assert yes_or_no(text) is False


def test_a_model_code_the_running_search_lacks_is_searched_afresh():
    empty = DialogueState()
    assert state_guard(empty, "ask_clarification", {"question": "what kind?"},
                       "hello, have you got the brother tn2110 cartridge?", PRODUCT_TYPES) == \
        ("search_products", {"query": "brother tn2110 cartridge"})
    state = searched("brother tn2110 toner", [30, 40])
    # not the accessories of the shown toner, and not a refinement of it
    assert state_guard(state, "find_accessories", {}, "next, a targus tcg40 bag for my notebook", PRODUCT_TYPES) == \
        ("search_products", {"query": "targus tcg40 bag for my notebook"})
    assert state_guard(state, "search_products", {"brands": ["oki"], "refine": True},
                       "do you carry oki ml6300 printers", PRODUCT_TYPES) == \
        ("search_products", {"query": "oki ml6300 printers", "brands": ["oki"]})
    # the code already searched, or a question about a shown product, stays as it is
    assert state_guard(state, "search_products", {"refine": True, "cheaper": True}, "any cheaper tn2110 ones?",
                       PRODUCT_TYPES) == ("search_products", {"refine": True, "cheaper": True})
    assert state_guard(state, "answer_product_question", {"position": 1, "question": "a genuine tn-2110?"},
                       "is the first one a genuine tn-2110?", PRODUCT_TYPES)[0] == "answer_product_question"
    # a shown product's id (the card buttons write "Tell me about AIS-1019") is no new code either
    carded = searched("headphones", [20, 30])
    carded.shown = ["AIS-1019", "AIS-1020"]
    assert state_guard(carded, "get_product", {"product_id": "AIS-1019"}, "Tell me about AIS-1019",
                       PRODUCT_TYPES)[0] == "get_product"
    # an order number in the shop's format, spoken of as an order, is no model code
    for text in ("where is my order A1002?", "any update on my order A1002?", "A1002 hasn't arrived"):
        assert state_guard(empty, "ask_clarification", {"question": "order?"}, text, PRODUCT_TYPES)[0] == \
            "ask_clarification", text
