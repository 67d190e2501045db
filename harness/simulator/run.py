"""Play simulated shoppers against the real agent, index and a fresh SQLite store per conversation."""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.agent import ShoppingAgent
from assistant.dialogue.state import DialogueState
from assistant.session import ShopSession
from assistant.storage import Store
from assistant.tools.results import ToolResult
from harness.simulator.invariants import ROUTING, TurnView, check
from harness.simulator.shopper import Order, SimulatedShopper, TurnKind
from retrieval.catalog.product import Product
from retrieval.product_types import PRODUCT_TYPES, ProductTypes
from retrieval.search import Searcher


@dataclass
class TurnRecord:
    kind: str
    user: str
    reply: str
    tool_calls: list[dict[str, Any]]
    listed: list[str]
    checks: dict[str, bool]
    routed: bool
    seconds: float
    of_type: int = 0      # listed products of the requested type
    typed_listed: int = 0  # listed products, when the shopper had named a type
    wants: dict[str, Any] = field(default_factory=dict)  # what the shopper had asked for, after this turn

    @property
    def passed(self) -> bool:
        return all(self.checks.values())


@dataclass
class ConversationRecord:
    index: str
    seed: int
    target: str
    turns: list[TurnRecord] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)


@dataclass
class SimulationReport:
    conversations: list[ConversationRecord] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pass_rate(self) -> float:
        return sum(c.passed for c in self.conversations) / max(1, len(self.conversations))

    def per_invariant(self) -> dict[str, tuple[int, int]]:
        """invariant -> (turns where it held, turns where it applied)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for c in self.conversations:
            for t in c.turns:
                for name, held in t.checks.items():
                    counts[name][0] += held
                    counts[name][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(counts.items())}

    def per_kind(self) -> dict[str, dict[str, int]]:
        """turn kind -> turns, turns passing every invariant, turns answered with an expected tool."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: {"turns": 0, "passed": 0, "routed": 0})
        for c in self.conversations:
            for t in c.turns:
                row = out[t.kind]
                row["turns"] += 1
                row["passed"] += t.passed
                row["routed"] += t.routed
        return dict(sorted(out.items()))

    def type_share(self, index: str | None = None) -> tuple[int, int]:
        """(listed products of the requested type, listed products) over search turns that named a type,
        over every catalog or only ``index``'s."""
        turns = [t for c in self.conversations if index in (None, c.index) for t in c.turns]
        return sum(t.of_type for t in turns), sum(t.typed_listed for t in turns)

    def per_index(self) -> dict[str, dict[str, Any]]:
        """catalog -> conversations, those passing every invariant, and its requested-type share."""
        out: dict[str, dict[str, Any]] = {}
        for name in dict.fromkeys(c.index for c in self.conversations):
            runs = [c for c in self.conversations if c.index == name]
            of_type, listed = self.type_share(name)
            out[name] = {"conversations": len(runs), "passed": sum(c.passed for c in runs),
                         "of_type": of_type, "listed": listed, "share": of_type / max(1, listed)}
        return out

    def to_dict(self) -> dict[str, Any]:
        of_type, listed = self.type_share()
        return {
            "conversations": len(self.conversations), "pass_rate": self.pass_rate, "seconds": self.seconds,
            "turns": sum(len(c.turns) for c in self.conversations),
            "per_invariant": {k: {"held": h, "applied": n, "rate": h / n}
                              for k, (h, n) in self.per_invariant().items()},
            "per_kind": self.per_kind(),
            "requested_type_share": {"of_type": of_type, "listed": listed, "share": of_type / max(1, listed)},
            "per_index": self.per_index(),
            "failures": [asdict(c) for c in self.conversations if not c.passed],
        }


def demo_orders() -> list[Order]:
    rows = json.loads((resources.files("assistant") / "data" / "demo_orders.json").read_text())
    return [Order(r["order_id"], r["email"]) for r in rows]


def targets(searcher: Searcher, types: ProductTypes) -> list[Product]:
    """Products a shopper can ask for by kind: a known type and a price."""
    products = [searcher.get_product(pid) for pid in searcher.lexical.all_ids()]
    return [p for p in products if p is not None and p.price and types.of_product(p) is not None]


class Simulator:
    def __init__(self, agent: ShoppingAgent, searcher: Searcher, index: str, work_dir: Path | None = None,
                 types: ProductTypes = PRODUCT_TYPES, orders: list[Order] | None = None) -> None:
        self.agent, self.searcher, self.index, self.types = agent, searcher, index, types
        self.work_dir = work_dir or Path(tempfile.mkdtemp(prefix="aisle-simulate-"))
        self.orders = orders if orders is not None else []
        self.catalog = targets(searcher, types)
        if not self.catalog:
            raise ValueError(f"index {index!r} has no products of a known type to simulate shoppers for")

    def conversation(self, seed: int) -> ConversationRecord:
        rng = random.Random(seed)
        shopper = SimulatedShopper(rng, rng.choice(self.catalog), self.catalog, self.types,
                                   self.searcher.lexical.brands(), self.orders, typos=rng.random() < 0.15)
        store = Store(self.work_dir / f"{self.index}-{seed}.sqlite")
        session = ShopSession(store, index=self.index, state=DialogueState())
        record = ConversationRecord(self.index, seed, shopper.target.id)
        for i in range(rng.randint(4, 8)):
            turn = shopper.opening() if i == 0 else shopper.next_turn()
            shown_before = [p.id for p in shopper.shown]
            previous_prices = [p.price for p in shopper.shown if p.price is not None]
            t0 = time.perf_counter()
            result = self.agent.turn(session, turn.text)
            seconds = time.perf_counter() - t0
            listed = self._listed(result.artifacts)
            on_screen = self._on_screen(result.artifacts)
            if on_screen is not None:
                shopper.shown = on_screen
            self._track_cart(shopper, turn.kind, result.artifacts)
            searches = [a for a in result.artifacts if a.tool == "search_products"]
            if searches:  # an offer stands until the next search
                shopper.offer_pending = bool(searches[-1].search and searches[-1].search.relaxed)
            cart = {line.product_id: line.quantity for line in store.cart(session.session_id)}
            view = TurnView(turn, result, shopper.wants, shown_before, [p.id for p in shopper.shown], listed,
                            previous_prices, cart, dict(shopper.cart), self.types)
            wanted = shopper.wants.product_type
            typed = listed if wanted is not None else []
            record.turns.append(TurnRecord(turn.kind.value, turn.text, result.reply, result.tool_calls,
                                           [p.id for p in listed], check(view), ROUTING(view), seconds,
                                           sum(self.types.of_product(p) == wanted for p in typed), len(typed),
                                           shopper.wants.as_dict()))
        return record

    def _products(self, ids: list[str]) -> list[Product]:
        return [p for p in (self.searcher.get_product(i) for i in ids) if p is not None]

    def _listed(self, artifacts: list[ToolResult]) -> list[Product]:
        """The products this turn's last search (or "more like this") found (closest matches after zero results are
        not listed)."""
        for a in reversed(artifacts):
            if a.tool in ("search_products", "similar_products") and a.status == "ok":
                return self._products([p.id for p in a.products])
        return []

    def _on_screen(self, artifacts: list[ToolResult]) -> list[Product] | None:
        """The numbered list on screen after the turn, when a search (or "more like this") put one there."""
        for a in reversed(artifacts):
            if a.tool in ("search_products", "similar_products") and a.products:
                return self._products([p.id for p in a.products])
        return None

    @staticmethod
    def _track_cart(shopper: SimulatedShopper, kind: TurnKind, artifacts: list[ToolResult]) -> None:
        """What the shopper expects in the cart: a product they said yes to, after being asked."""
        asked = next((a for a in reversed(artifacts) if a.tool == "add_to_cart"
                      and a.status == "needs_confirmation"), None)
        if kind is TurnKind.CONFIRM and shopper.pending_add is not None:
            shopper.cart[shopper.pending_add] = shopper.cart.get(shopper.pending_add, 0) + 1
        shopper.pending_add = asked.products[0].id if asked and asked.products else None

    def run(self, conversations: int, seed: int = 0,
            progress: Callable[[ConversationRecord], None] | None = None) -> SimulationReport:
        report = SimulationReport()
        started = time.perf_counter()
        for n in range(conversations):
            record = self.conversation(seed * 100_003 + n)
            report.conversations.append(record)
            if progress:
                progress(record)
        report.seconds = time.perf_counter() - started
        return report


def merge(reports: list[SimulationReport]) -> SimulationReport:
    merged = SimulationReport()
    for r in reports:
        merged.conversations += r.conversations
        merged.seconds += r.seconds
    return merged


def markdown(report: SimulationReport) -> str:
    d = report.to_dict()
    lines = [f"conversations: {d['conversations']}, turns: {d['turns']}, passing every invariant: "
             f"{d['pass_rate']:.1%}", "", "| invariant | held / applied | rate |", "|---|---|---|"]
    lines += [f"| {k} | {v['held']} / {v['applied']} | {v['rate']:.1%} |" for k, v in d["per_invariant"].items()]
    lines += ["", "| turn kind | turns | all invariants | expected tool |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['turns']} | {v['passed'] / v['turns']:.1%} | {v['routed'] / v['turns']:.1%} |"
              for k, v in d["per_kind"].items()]
    share = d["requested_type_share"]
    lines += ["", f"listed products of the requested type: {share['of_type']} / {share['listed']} "
                  f"({share['share']:.1%})"]
    lines += ["", "| catalog | conversations passing | listed products of the requested type |", "|---|---|---|"]
    lines += [f"| {k} | {v['passed']} / {v['conversations']} ({v['passed'] / max(1, v['conversations']):.1%}) | "
              f"{v['of_type']} / {v['listed']} ({v['share']:.1%}) |" for k, v in d["per_index"].items()]
    return "\n".join(lines)
