"""The rules that route "more like #2", "like #2 but cheaper" and "what goes with #2?" on phrasings written blind
by someone else: a dev set the rules were fixed on, and a test set that was measured once afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.dialogue.state import DialogueState
from assistant.dialogue.state_rules import _accessories_call, _similar_call, accessories_asked, similar_asked

DATA = Path(__file__).parent / "data"


def read(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text())


def routed(item: dict, kind: str) -> bool:
    """Read as the right request, about the right position (and "cheaper" exactly when asked)."""
    state = DialogueState(shown=list("abcde"))
    text, position = item["text"], item["position"]
    if kind == "accessories":
        return accessories_asked(text, state) and _accessories_call(state, "x", {}, text)[1].get("position") == position
    if not similar_asked(text, state) or accessories_asked(text, state):
        return False
    args = _similar_call(state, "x", {}, text)[1]
    return args.get("position") == position and args.get("cheaper", False) == (kind == "similar_cheaper")


def recall(data: dict, kind: str) -> float:
    items = data[kind]
    return sum(routed(i, kind) for i in items) / len(items)


@pytest.mark.parametrize("name", ["recommend_phrasings_dev.yaml", "recommend_phrasings_test.yaml"])
def test_other_messages_are_never_read_as_recommendation_requests(name):
    state = DialogueState(shown=list("abcde"))
    wrong = [t for t in read(name)["not_recommendation"] if similar_asked(t, state) or accessories_asked(t, state)]
    assert not wrong, wrong


def test_dev_phrasings_are_routed():
    data = read("recommend_phrasings_dev.yaml")
    assert {k: recall(data, k) >= 0.95 for k in ("similar", "similar_cheaper", "accessories")} == \
        dict.fromkeys(("similar", "similar_cheaper", "accessories"), True)


def test_held_out_phrasings_stay_at_their_measured_level():
    """Measured once, blind (session 28): similar 24/30, cheaper 11/15, accessories 18/20. A drop is a regression;
    a rise from tuning on these misses would not be evidence (write a new blind set instead)."""
    data = read("recommend_phrasings_test.yaml")
    assert recall(data, "similar") >= 24 / 30
    assert recall(data, "similar_cheaper") >= 11 / 15
    assert recall(data, "accessories") >= 18 / 20
