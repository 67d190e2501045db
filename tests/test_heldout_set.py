"""The hand-written held-out set: it loads and validates, and none of it was ever training data."""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.messages import HumanMessage
from typer.testing import CliRunner

from assistant.runtime.prompts import shopper_text
from finetune.agent import phrasing as ph
from finetune.agent.heldout_set import HandwrittenItem, default_path, handwritten_examples, load_handwritten

TRAIN_DIALOGUES = 100  # a few seconds; the 1000 dialogues (seed 11) of the shipped adapter were checked once too


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module", params=["handwritten.yaml", "handwritten_b.yaml"])
def items(request) -> list[HandwrittenItem]:
    """Each hand-written set: A (tuned against) and B (written later, blind)."""
    return load_handwritten(default_path().with_name(request.param))


def test_file_loads_validates_and_is_large_enough(items):
    assert len(items) >= 150
    assert len({i.id for i in items}) == len(items)
    assert len({_norm(i.user) for i in items}) == len(items), "an utterance is written twice"
    tools = {i.tool for i in items}
    assert tools >= {"search_products", "get_product", "compare_products", "answer_product_question", "add_to_cart",
                     "remove_from_cart", "view_cart", "order_status", "store_policy", "ask_clarification", None}


def test_items_follow_the_training_conventions(items, demo_products):
    brands = {p.brand for p in demo_products if p.brand}
    colours = {p.colour.lower() for p in demo_products if p.colour}
    titles = {p.title for p in demo_products}
    for item in items:
        args = item.args
        assert set(args.get("brands", [])) | set(args.get("exclude_brands", [])) <= brands, item.id
        assert args.get("colour") in colours | {None}, item.id
        if item.tool == "answer_product_question":
            assert args["question"] == item.user, item.id  # the generator passes the shopper's text verbatim
        if item.tool == "ask_clarification":
            assert args["question"] in (ph.CLARIFY_QUESTION, ph.ORDER_QUESTION), item.id
        if "awaiting cart confirmation: " in item.state:
            assert item.state.split("awaiting cart confirmation: ")[1] in titles, item.id
            assert item.tool == "add_to_cart" and set(args) == {"confirm"}, item.id


def test_a_bad_item_is_rejected_by_id(tmp_path):
    good = {"id": "x-1", "state": "shown: 0", "user": "a speaker", "tool": "search_products",
            "args": {"query": "speaker"}}
    for bad, why in (({"tool": "buy_now"}, "unknown tool"), ({"args": {"query": "x", "max_price": -1}}, "arguments"),
                     ({"args": {"query": "x", "colour": "red", "foo": 1}}, "arguments"),
                     ({"state": "search: speaker; filters: max_price=50; shown: 5"}, "state"),
                     ({"tool": None}, "no-tool")):
        path = tmp_path / "set.yaml"
        path.write_text(json.dumps([{**good, **bad}]))
        with pytest.raises(ValueError, match=f"x-1.*{why}"):
            load_handwritten(path)
    path = tmp_path / "dupes.yaml"
    path.write_text(json.dumps([good, good]))
    with pytest.raises(ValueError, match="x-1: duplicate"):
        load_handwritten(path)


def _phrase_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _phrase_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _phrase_strings(v)]
    return []


def test_no_utterance_is_a_phrase_of_the_generator(items, demo_products):
    """Neither a literal phrase of phrasing.py nor one of its follow-up templates with its slots filled."""
    phrases = {_norm(s) for name in dir(ph) if name.isupper() for s in _phrase_strings(getattr(ph, name))}
    ordinal = "|".join(re.escape(w) for words in ph.ORDINALS.values() for w in words)
    brand = "|".join(re.escape(p.brand.lower()) for p in demo_products if p.brand)
    slots = {"o": ordinal, "o1": ordinal, "o2": ordinal, "n": r"[\d.]+", "k": r"\d+", "r": r"[\d.]+",
             "b": brand, "b1": brand, "b2": brand, "c": r"[a-z]+", "a": r".+", "id": r"\w+", "e": r"\S+@\S+"}
    templates = [t for name in ("REFINE_MAX", "REFINE_MIN", "REFINE_COLOUR", "REFINE_EXCLUDE", "REFINE_EXCLUDES",
                                "REFINE_BRAND", "REFINE_BRANDS", "REFINE_RATING", "REFINE_STOCK", "CHEAPER", "GET",
                                "QUESTION", "COMPARE", "COMPARE_LAST_TWO", "COMPARE_THREE", "ADD", "ADD_QTY",
                                "REMOVE", "YES", "NO", "VIEW", "ORDER", "ORDER_NO_EMAIL") for t in getattr(ph, name)]
    patterns = [re.compile(re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?:{slots[m.group(1)]})", re.escape(_norm(t))))
                for t in templates]
    numbers = {"a": r"[\d.]+", "b": r"[\d.]+"}  # a price range: both slots are numbers
    patterns += [re.compile(re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?:{numbers[m.group(1)]})", re.escape(_norm(t))))
                 for t in ph.REFINE_RANGE]
    for item in items:
        text = _norm(item.user)
        assert text not in phrases, item.id
        assert not any(p.fullmatch(text) for p in patterns), item.id


def test_no_utterance_occurs_in_generated_training_data(items, demo_searcher, demo_products):
    from finetune.agent.data import build_examples
    from finetune.agent.pipeline import real_queries
    from finetune.agent.trainer import AgentTrainConfig

    train = build_examples(demo_searcher, demo_products, "train", TRAIN_DIALOGUES, AgentTrainConfig().seed,
                           real_queries=real_queries(), progress=False)
    seen = {_norm(shopper_text(HumanMessage(e.chat[-1]["content"]))) for e in train if e.kind == "call"}
    assert len(seen) > TRAIN_DIALOGUES
    assert not [i.id for i in items if _norm(i.user) in seen]


def test_examples_are_built_like_generated_call_examples(items, demo_index):
    examples = handwritten_examples(items)
    assert len(examples) == len(items) and all(e.kind == "call" and e.chat_full for e in examples)
    first, item = examples[0], items[0]
    assert first.chat[-1]["content"] == f"state: {item.state}\nshopper: {item.user}"
    assert first.chat[0]["content"].startswith("You are Aisle") and len(first.chat_full[0]["content"]) > len(
        first.chat[0]["content"])
    calls = [e for e in examples if e.gold.kind == "call"]
    assert all(json.loads(e.target) == {"name": e.gold.name, "arguments": e.gold.args} for e in calls)
    assert all(e.target == e.gold.text for e in examples if e.gold.kind == "text")


def test_eval_agent_reports_the_handwritten_set_separately(demo_index):
    """`--set handwritten` evaluates the shipped adapter on the hand-written set alone, under its own JSON key
    (the generated set and `--set both` are run by tests/test_agent_training.py and the benchmarks)."""
    from app.cli import app

    result = CliRunner().invoke(app, ["eval", "agent", "--no-base", "--set", "handwritten", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == {"handwritten"}
    lora = summary["handwritten"]["lora"]
    assert lora["unknown_tool_calls"] == 0 and lora["json_valid"] == 1.0
    assert 0.5 <= lora["tool_accuracy"] <= 1.0
    served = summary["handwritten"]["served"]  # routed by the agent on sessions in each item's state
    assert served["n_items"] == len(load_handwritten()) == len(served["per_item"])
    assert served["states_as_labelled"] >= 0.9  # the demo search fills the shown lists the state lines describe
    assert served["unknown_tool_calls"] == 0
    assert served["tool_accuracy"] >= lora["guarded"]["tool_accuracy"] - 0.02  # the routes add to the guard
