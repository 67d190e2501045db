"""Which of the shown products has the most or least of something: the routing rule (no model, no index) and
the tool over the real demo index (catalog values only, "not listed" never guessed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answers.replies import template_reply
from assistant.dialogue.state import DialogueState
from assistant.dialogue.state_rules import state_guard, superlative_asked
from assistant.tools.shown_superlative import asked_superlative
from retrieval.product_types import PRODUCT_TYPES

SHOWN = DialogueState(query="headphones", shown=["a", "b", "c", "d", "e"])


@pytest.mark.parametrize("text", ["which of these has the longest battery life?", "which one is the lightest",
                                  "Which is cheapest?", "what's the best rated one here", "which has the most memory",
                                  "the one with the biggest screen?", "which of them weighs the least?",
                                  "which of the first three is the heaviest?"])
def test_superlative_questions_about_the_shown_list_route_to_the_pick(text):
    assert superlative_asked(text, SHOWN)
    name, args = state_guard(SHOWN, "search_products", {"query": "battery", "refine": True}, text, PRODUCT_TYPES)
    assert name == "pick_from_shown" and args["question"] == text
    if "first three" in text:
        assert args["positions"] == [1, 2, 3]


@pytest.mark.parametrize("text", ["show me the cheapest ones first", "show me the lightest laptops",
                                  "cheapest first please", "which is better, the first or the second?",
                                  "the longest cable you have", "is the second one light?",
                                  "find the best rated speakers", "which one is waterproof?"])
def test_orders_searches_comparisons_and_plain_questions_are_not_picks(text):
    assert not superlative_asked(text, SHOWN)


def test_nothing_or_one_product_shown_is_not_a_pick():
    assert not superlative_asked("which is the cheapest?", DialogueState())
    assert not superlative_asked("which is the cheapest?", DialogueState(query="x", shown=["a"]))


def test_the_superlative_sets_the_direction():
    assert asked_superlative("which is the lightest").direction == "least"
    assert asked_superlative("which has the most storage").direction == "most"
    assert asked_superlative("which one is least expensive").word == "cheapest"
    assert asked_superlative("which one is highest rated").word == "best rated"
    assert asked_superlative("which one is blue") is None


def _attribute(tools, key: str) -> dict[str, float]:
    found = tools.searcher.lexical.get_many(tools.state.shown)
    return {pid: p.attributes[key] for pid, p in found.items() if key in p.attributes}


def test_the_pick_reads_the_catalog_values_of_the_shown_products(tools):
    tools.run("search_products", {"query": "wireless headphones"})
    values = _attribute(tools, "battery_life_hours")
    assert len(values) >= 2
    _, art = tools.run("pick_from_shown", {"question": "which of these has the longest battery life?"})
    assert art.status == "ok" and art.pick.label == "battery life hours" and art.pick.direction == "most"
    best = max(values.values())
    assert {v.product_id for v in art.pick.winners} == {pid for pid, v in values.items() if v == best}
    assert [p.id for p in art.products] == [v.product_id for v in art.pick.winners]
    reply = template_reply([art])
    assert art.pick.winners[0].title in reply and f"({best:g})" in reply
    shown_before = list(tools.state.shown)
    _, lightest = tools.run("pick_from_shown", {"question": "which one is the lightest?"})
    weights = _attribute(tools, "weight_g")
    assert lightest.pick.label == "weight g"
    assert lightest.pick.winners[0].number == min(weights.values())
    assert tools.state.shown == shown_before  # a question about the list does not replace it
    assert tools.state.focus == lightest.pick.winners[0].product_id  # "add it" means the lightest


def test_price_and_rating_come_from_their_fields(tools):
    _, found = tools.run("search_products", {"query": "bluetooth speaker"})
    _, cheapest = tools.run("pick_from_shown", {"question": "which is the least expensive?"})
    assert cheapest.pick.label == "price"
    assert cheapest.products[0].price == min(p.price for p in found.products)
    _, rated = tools.run("pick_from_shown", {"question": "which one is best rated?", "positions": [2, 3]})
    assert {v.position for v in rated.pick.values} == {2, 3}
    assert rated.products[0].rating == max(p.rating for p in found.products[1:3])


def test_a_property_the_catalog_lacks_is_said_so_never_guessed(tools):
    tools.run("search_products", {"query": "wireless headphones"})
    _, art = tools.run("pick_from_shown", {"question": "which of them is the most comfortable for a long flight?"})
    assert art.status == "unknown" and not art.products
    assert "doesn't list" in template_reply([art])


def test_a_pick_needs_a_shown_list(tools):
    _, art = tools.run("pick_from_shown", {"question": "which is the cheapest?"})
    assert art.status == "error" and "search first" in art.message


def _read(name: str) -> dict:
    import yaml

    return yaml.safe_load((Path(__file__).parent / "data" / name).read_text())


def _picked(item: dict) -> bool:
    """Read as a pick, in the right direction, over the positions named (if any)."""
    from assistant.dialogue.state_rules import _pick_call

    text = item["text"]
    asked = asked_superlative(text)
    if not superlative_asked(text, SHOWN) or asked is None or asked.direction != item["direction"]:
        return False
    return not item.get("positions") or _pick_call(SHOWN, text)[1].get("positions") == item["positions"]


@pytest.mark.parametrize("name", ["superlative_phrasings_dev.yaml", "superlative_phrasings_test.yaml"])
def test_blind_messages_that_are_not_picks_are_never_read_as_one(name):
    wrong = [t for t in _read(name)["not_pick"] if superlative_asked(t, SHOWN)]
    assert not wrong, wrong


def test_blind_dev_phrasings_are_routed():
    items = _read("superlative_phrasings_dev.yaml")["pick"]
    assert sum(map(_picked, items)) / len(items) >= 0.95


def test_blind_test_phrasings_stay_at_their_measured_level():
    """Written blind by a helper (session 29) and measured once after the rules were fixed on the dev set: 30/40.
    A drop is a regression; tuning on these misses would not be evidence (write a new blind set instead)."""
    items = _read("superlative_phrasings_test.yaml")["pick"]
    assert sum(map(_picked, items)) >= 30
