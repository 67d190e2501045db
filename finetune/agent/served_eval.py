"""Hand-written held-out turns as the shopper's turn runs them ("served"): model, routes and every guard.

`finetune.agent.evaluate` scores what the model writes, and that call after the argument guard alone.
A shopper's turn goes through more: the direct routes (an order id and e-mail, "compare the first
two", "more like #2", "which is cheapest"), the dialogue-state rules and the checks after them
(`ShoppingAgent.route`). Here each item's state line becomes a real session on the demo index (its
search run with its filters, the shown list cut to its length, the pending cart set to the product
it names), the agent routes the shopper's words, and the first call that would run is scored against
the item's label with the same metrics as the model's raw output.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.agent import ShoppingAgent
from assistant.dialogue.state import PendingCart
from assistant.events import TurnResult
from assistant.session import ShopSession
from assistant.storage import Store
from assistant.tools.schemas import TOOL_ARGS
from finetune.agent.dialogues import clean_args
from finetune.agent.evaluate import arg_f1
from finetune.agent.heldout_set import HandwrittenItem, state_from_summary
from retrieval.catalog.product import Product

INDEX = "demo"


@dataclass(frozen=True)
class ServedTurn:
    """What the agent would run for one item: the first call (None: a fixed or plain-text answer)."""

    item: HandwrittenItem
    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    reply: str = ""
    state_as_labelled: bool = True  # the session's state line reads as the item's (the demo search found enough)


def session_for(item: HandwrittenItem, agent: ShoppingAgent, store: Store, products: dict[str, Product]) -> ShopSession:
    """A session whose state is what the item's state line says, reached the way a shopper reaches it."""
    labelled = state_from_summary(item.state)
    session = ShopSession(store, f"heldout-{item.id}", INDEX)
    if labelled.query:
        filters = labelled.filters.model_dump(exclude_defaults=True)
        agent.tools_for(session).run("search_products", {"query": labelled.query, **filters})
        session.state.shown = session.state.shown[:len(labelled.shown)]
    if labelled.pending_cart:
        title = labelled.pending_cart.title
        product_id = next((pid for pid, p in products.items() if p.title == title), None)
        if product_id is None:
            raise ValueError(f"{item.id}: no demo product is titled {title!r}")
        session.state.pending_cart = PendingCart(product_id, title, 1, session.state.turns)
    session.state.turns += 1
    return session


def served_turns(agent: ShoppingAgent, items: list[HandwrittenItem], products: list[Product]) -> list[ServedTurn]:
    """Each item routed by the agent on its own fresh session (a throw-away store: nothing is kept)."""
    by_id = {p.id: p for p in products}
    out = []
    with tempfile.TemporaryDirectory(prefix="aisle-served-eval-") as folder:
        store = Store(Path(folder) / "eval.sqlite")
        for item in items:
            session = session_for(item, agent, store, by_id)
            as_labelled = session.state.summary() == item.state
            result = TurnResult(text=item.user)
            ai = agent.route(session, agent.tools_for(session), item.user, result)
            if ai is None or not ai.tool_calls:
                out.append(ServedTurn(item, None, {}, result.reply or str(getattr(ai, "content", "")), as_labelled))
            else:
                call = ai.tool_calls[0]
                args = call["args"] if isinstance(call["args"], dict) else {}
                out.append(ServedTurn(item, call["name"], clean_args(args), "", as_labelled))
    return out


def score_served(turns: list[ServedTurn]) -> dict[str, Any]:
    """Tool accuracy, argument F1 (0 for a wrong tool) and exact arguments over the items, as the
    model's own scores are counted; per item for paired comparisons; the misses for reading."""
    hits, f1s, exact, unknown, errors, per_item = 0, [], 0, 0, [], []
    for turn in turns:
        gold_tool = turn.item.tool
        hit = turn.tool == gold_tool
        hits += hit
        unknown += turn.tool is not None and turn.tool not in TOOL_ARGS
        if gold_tool is None:
            per_item.append({"tool": float(hit), "arg_f1": None})
            f = 1.0 if hit else 0.0
        else:
            f = arg_f1(turn.args, turn.item.args) if hit else 0.0
            f1s.append(f)
            exact += f == 1.0
            per_item.append({"tool": float(hit), "arg_f1": f})
        if f < 1.0:
            errors.append({"id": turn.item.id, "state": turn.item.state, "input": turn.item.user,
                           "gold": {"tool": gold_tool, "args": turn.item.args},
                           "served": {"tool": turn.tool, "args": turn.args, "reply": turn.reply[:120]}})
    return {
        "tool_accuracy": hits / max(1, len(turns)),
        "arg_f1": sum(f1s) / max(1, len(f1s)),
        "arg_exact_match": exact / max(1, len(f1s)),
        "unknown_tool_calls": unknown,
        "states_as_labelled": sum(t.state_as_labelled for t in turns) / max(1, len(turns)),
        "n_items": len(turns),
        "errors": errors,
        "per_item": per_item,
    }
