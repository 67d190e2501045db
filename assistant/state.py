"""Per-session dialogue state: the running search, what was shown, and what awaits confirmation.

The model only says what *this* turn changes (``refine``, ``cheaper``, a position); the rules for
accumulating and revising constraints live here, deterministic and testable, so "cheaper",
"not Sony" and "the second one" mean the same thing with any model behind the agent.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from assistant.tools.schemas import SearchProductsArgs
from retrieval.filters import SearchFilters, norm

FILTER_FIELDS = ("min_price", "max_price", "category", "colour", "min_rating")


@dataclass
class PendingCart:
    product_id: str
    title: str
    quantity: int
    asked_turn: int


@dataclass
class DialogueState:
    query: str | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    shown: list[str] = field(default_factory=list)
    shown_prices: dict[str, float] = field(default_factory=dict)
    pending_cart: PendingCart | None = None
    turns: int = 0

    def next_search(self, args: SearchProductsArgs) -> tuple[str, SearchFilters]:
        """The query and filters a search call means, given what came before."""
        base = self.filters.model_dump() if args.refine or args.cheaper else SearchFilters().model_dump()
        query = args.query or self.query
        if not query:
            raise ValueError("what should I search for?")
        for name in FILTER_FIELDS:
            value = getattr(args, name)
            if value is not None:
                base[name] = value
        if args.in_stock is not None:
            base["in_stock"] = args.in_stock
        brands = [b for b in base["brands"]] if (args.refine or args.cheaper) else []
        excluded = [b for b in base["exclude_brands"]] if (args.refine or args.cheaper) else []
        for b in args.brands:
            if norm(b) not in {norm(x) for x in brands}:
                brands.append(b)
            excluded = [x for x in excluded if norm(x) != norm(b)]
        for b in args.exclude_brands:
            if norm(b) not in {norm(x) for x in excluded}:
                excluded.append(b)
            brands = [x for x in brands if norm(x) != norm(b)]
        base["brands"], base["exclude_brands"] = brands, excluded
        if args.cheaper and self.shown_prices:
            # cheaper than the median shown: below the cheapest often leaves nothing relevant
            ceiling = round(statistics.median(self.shown_prices.values()) - 0.01, 2)
            base["max_price"] = ceiling if base["max_price"] is None else min(base["max_price"], ceiling)
            if base["min_price"] is not None and base["min_price"] > base["max_price"]:
                base["min_price"] = None
        if base["min_price"] is not None and base["max_price"] is not None and base["min_price"] > base["max_price"]:
            base["min_price"], base["max_price"] = base["max_price"], base["min_price"]
        return query, SearchFilters(**base)

    def remember_search(self, query: str, filters: SearchFilters, shown: list[tuple[str, float | None]]) -> None:
        self.query, self.filters = query, filters
        self.shown = [pid for pid, _ in shown]
        self.shown_prices = {pid: price for pid, price in shown if price is not None}

    def resolve(self, position: int | None, product_id: str | None) -> str:
        """A position in the shown list or an explicit id -> product id; a clear error otherwise."""
        if product_id:
            return product_id.strip()
        if position is None:
            if len(self.shown) == 1:
                return self.shown[0]
            raise LookupError("which product do you mean? Give its number in the list.")
        if not self.shown:
            raise LookupError("I haven't shown any products yet; tell me what you're looking for.")
        if position > len(self.shown):
            raise LookupError(f"I only showed {len(self.shown)} product(s); pick a number from 1 to {len(self.shown)}.")
        return self.shown[position - 1]

    def summary(self) -> str:
        """The compact state line the model reads before the shopper's message."""
        parts = []
        if self.query:
            parts.append(f"search: {self.query}")
            applied = self.filters.model_dump(exclude_defaults=True)
            if applied:
                parts.append("filters: " + ", ".join(f"{k}={v}" for k, v in applied.items()))
        parts.append(f"shown: {len(self.shown)}")
        if self.pending_cart:
            parts.append(f"awaiting cart confirmation: {self.pending_cart.title}")
        return "; ".join(parts)
