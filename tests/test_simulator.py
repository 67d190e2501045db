"""The shopper simulator: its wording is disjoint from training, and a seeded sample holds up."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from assistant.runtime.prompts import shopper_text
from finetune.agent import phrasing as training_phrases
from harness.simulator.shopper import SimulatedShopper
from retrieval.catalog.product import Product
from retrieval.product_types import PRODUCT_TYPES

SAMPLE_CONVERSATIONS = 30
SAMPLE_SEED = 7
MIN_PASS_RATE = 0.9  # the CI sample; the benchmark (BENCHMARKS.md) runs 500 conversations over three catalogs


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def utterances(products, n: int = 400) -> set[str]:
    """Every kind of simulator turn, played against products as if they were on screen."""
    typed = [p for p in products if p.price and PRODUCT_TYPES.of_product(p) is not None]
    out: set[str] = set()
    for seed in range(n):
        rng = random.Random(seed)
        shopper = SimulatedShopper(rng, rng.choice(typed), typed, PRODUCT_TYPES, [], typos=seed % 5 == 0)
        out.add(_norm(shopper.opening().text))
        shopper.shown = rng.sample(typed, 5)
        for _ in range(6):
            turn = shopper.next_turn()
            out.add(_norm(turn.text))
            if turn.kind.value == "add":
                shopper.pending_add = shopper.shown[0].id
            else:
                shopper.pending_add = None
    return out


def test_simulator_wording_never_occurs_in_training_data(demo_searcher, demo_products):
    from finetune.agent.data import build_examples
    from finetune.agent.pipeline import real_queries
    from finetune.agent.trainer import AgentTrainConfig

    sim = utterances(demo_products)
    assert len(sim) > 300
    train = build_examples(demo_searcher, demo_products, "train", 100, AgentTrainConfig().seed,
                           real_queries=real_queries(), progress=False)
    seen = {_norm(shopper_text(HumanMessage(e.chat[-1]["content"]))) for e in train if e.kind == "call"}
    phrases = {_norm(s) for name in dir(training_phrases) if name.isupper()
               for s in _strings(getattr(training_phrases, name))}
    from harness.simulator import phrases as sim_phrases

    sim_templates = {_norm(s) for name in dir(sim_phrases) if name.isupper() for s in _strings(getattr(sim_phrases,
                                                                                                      name))}
    assert not sim & seen, sorted(sim & seen)[:5]
    assert not sim_templates & phrases, sorted(sim_templates & phrases)[:5]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.fixture(scope="module")
def sample_report(agent, demo_searcher, tmp_path_factory):
    from harness.simulator.run import Simulator, demo_orders

    simulator = Simulator(agent, demo_searcher, "demo", tmp_path_factory.mktemp("sim"),
                          orders=demo_orders())
    return simulator.run(SAMPLE_CONVERSATIONS, SAMPLE_SEED)


def test_a_seeded_sample_of_simulated_shoppers_holds_up(sample_report):
    report = sample_report.to_dict()
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    (out / "simulation.json").write_text(json.dumps(report, indent=1))
    assert report["conversations"] == SAMPLE_CONVERSATIONS and report["turns"] >= 4 * SAMPLE_CONVERSATIONS
    assert report["pass_rate"] >= MIN_PASS_RATE, json.dumps(report["failures"][:3], indent=1)
    invariants = report["per_invariant"]
    for name in ("no_error", "cart_after_confirmation_only", "references_resolve", "grounded"):
        assert invariants[name]["rate"] == 1.0, (name, invariants[name])
    kinds = report["per_kind"]
    assert {"open", "question", "add"} <= set(kinds)


def test_the_simulator_catches_a_broken_invariant(sample_report, demo_products):
    """The checks can fail: a listed product over the shopper's budget breaks meets_constraints."""
    from harness.simulator.invariants import TurnView, meets_constraints
    from harness.simulator.shopper import Constraints, ShopperTurn, TurnKind

    expensive = max((p for p in demo_products if p.price), key=lambda p: p.price)
    view = TurnView(ShopperTurn(TurnKind.OPEN, "x"), None, Constraints(max_price=1.0), [], [], [expensive], [],
                    {}, {}, PRODUCT_TYPES)  # type: ignore[arg-type]
    assert meets_constraints(view) is False
    two = Product(id="two", title="Notebook case", attributes={"colour": "Black,Silver"})
    red = Product(id="red", title="Notebook case", attributes={"colour": "Red"})
    for product, colour, held in ((two, "silver", True), (red, "black", False)):  # colours as the catalog states them
        view = TurnView(ShopperTurn(TurnKind.OPEN, "x"), None, Constraints(colour=colour), [], [], [product], [],
                        {}, {}, PRODUCT_TYPES)  # type: ignore[arg-type]
        assert meets_constraints(view) is held, (product.id, colour)


def test_the_order_invariant_holds_only_for_the_order_asked(demo_products):
    from harness.simulator.invariants import TurnView, ordered_as_asked
    from harness.simulator.shopper import Constraints, ShopperTurn, TurnKind

    priced = sorted((p for p in demo_products if p.price), key=lambda p: p.price)[:5]

    def view(listed, sort):
        return TurnView(ShopperTurn(TurnKind.SORT, "x"), None, Constraints(sort=sort), [], [], listed, [], {}, {},
                        PRODUCT_TYPES)  # type: ignore[arg-type]

    assert ordered_as_asked(view(priced, "price_asc")) is True
    assert ordered_as_asked(view(priced[::-1], "price_asc")) is False
    assert ordered_as_asked(view(priced[::-1], "price_desc")) is True
    assert ordered_as_asked(view(priced, None)) is None


def test_the_similar_invariants_hold_only_for_the_product_asked_about(demo_products):
    from assistant.events import TurnResult
    from assistant.tools.results import SimilarEcho, ToolResult
    from harness.simulator.invariants import TurnView, similar_is_other_and_cheaper, similar_resolves
    from harness.simulator.shopper import Constraints, ShopperTurn, TurnKind
    from retrieval.filters import SearchFilters

    priced = sorted((p for p in demo_products if p.price), key=lambda p: p.price)
    shown = [p.id for p in priced[10:15]]
    source = priced[11]  # shown as #2

    def view(listed, cheaper, source_id=source.id):
        art = ToolResult("similar_products", "ok", "x", similar=SimilarEcho(source_id, "t", SearchFilters(),
                                                                           source.price))
        return TurnView(ShopperTurn(TurnKind.SIMILAR, "x", (2,), cheaper), TurnResult(text="x", artifacts=[art]),
                        Constraints(), shown, [], listed, [], {}, {}, PRODUCT_TYPES)

    assert similar_resolves(view(priced[:3], False)) is True
    assert similar_resolves(view(priced[:3], False, source_id=priced[12].id)) is False
    assert similar_is_other_and_cheaper(view(priced[:3], True)) is True
    assert similar_is_other_and_cheaper(view([source, *priced[:2]], False)) is False  # lists #2 itself
    assert similar_is_other_and_cheaper(view(priced[:2] + priced[-1:], True)) is False  # one dearer than #2
