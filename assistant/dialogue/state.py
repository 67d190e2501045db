"""Per-session dialogue state: the running search, what was shown, and what awaits an answer.

The model only says what *this* turn changes (``refine``, ``cheaper``, a position); the rules for
accumulating and revising constraints live here, deterministic and testable, so "cheaper",
"not Sony" and "the second one" mean the same thing with any model behind the agent.
The rules are written down in ``docs/dialogue-state.md``.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from pydantic import TypeAdapter

from assistant.tools.schemas import SearchProductsArgs, Sort
from retrieval.filters import SearchFilters, norm
from retrieval.product_types import PRODUCT_TYPES, ProductTypes, tokens

FILTER_FIELDS = ("min_price", "max_price", "category", "colour", "min_rating")
# what "any price", "any brand", ... drop from the running search
CLEARED = {"price": ("min_price", "max_price"), "brand": ("brands", "exclude_brands"), "colour": ("colour",),
           "rating": ("min_rating",), "stock": ("in_stock",)}

# words of a follow-up that say how to change the search, not what to search for
_FOLLOW_UP_FILLER = frozenset(
    "a an the one ones something anything some any other another more option options similar like that this those "
    "these them it show me please instead cheaper cheap less expensive lower price budget version model kind "
    "thing stuff same but also too again now then just only maybe first sort sorted order ordered rank ranked by "
    "cheapest priciest rated rating ratings highest lowest top".split())


@dataclass
class PendingCart:
    product_id: str
    title: str
    quantity: int
    asked_turn: int


@dataclass(frozen=True)
class SearchRequest:
    """The search a call means once the dialogue's rules are applied."""

    query: str
    filters: SearchFilters
    product_type: str | None = None       # the kind of product asked for; shown products must be of it
    derived: frozenset[str] = frozenset()  # filters the dialogue derived ("cheaper"'s ceiling), not the shopper's words
    new_request: bool = True               # False when it refines the running search
    sort: Sort | None = None               # how to order the matches (None: best match first)


@dataclass
class DialogueState:
    query: str | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    product_type: str | None = None
    derived: frozenset[str] = frozenset()
    sort: Sort | None = None
    shown: list[str] = field(default_factory=list)
    shown_prices: dict[str, float] = field(default_factory=dict)
    pending_cart: PendingCart | None = None
    pending_offer: SearchRequest | None = None  # a relaxed search offered after zero results
    focus: str | None = None  # the product the shopper last asked about by itself ("it" in "more like it")
    turns: int = 0

    def to_json(self) -> str:
        """Everything the conversation holds (shown list, pending cart, running search) as JSON."""
        return _STATE_JSON.dump_json(self).decode()

    @classmethod
    def from_json(cls, text: str) -> DialogueState:
        return _STATE_JSON.validate_json(text)

    def next_search(self, args: SearchProductsArgs, types: ProductTypes = PRODUCT_TYPES) -> SearchRequest:
        """The search a call means, given what came before.

        A refinement keeps the running search's constraints and product type; a query naming another
        kind of product is a new request even when the call says ``refine``.
        """
        asked_type = types.of_text(args.query)
        # a call with no query of its own adjusts the running search ("520 bucks is my ceiling")
        refining = bool(args.refine or args.cheaper or not args.query) and self.query is not None
        if refining and asked_type is not None and self.product_type is not None and asked_type != self.product_type:
            refining = False
        query = self._query_for(args.query, refining, asked_type)
        if not query:
            raise ValueError("what should I search for?")
        product_type = asked_type if asked_type is not None else (
            self.product_type if refining or not args.query else types.of_text(query))
        base = self.filters.model_dump() if refining else SearchFilters().model_dump()
        derived = set(self.derived) if refining else set()
        for name in args.clear:
            for key in CLEARED[name]:
                base[key] = SearchFilters.model_fields[key].get_default(call_default_factory=True)
                derived.discard(key)
        for name in FILTER_FIELDS:
            value = getattr(args, name)
            if value is not None:
                base[name] = value
                derived.discard(name)
        if args.in_stock is not None:
            base["in_stock"] = args.in_stock
        brands = list(base["brands"]) if refining else []
        excluded = list(base["exclude_brands"]) if refining else []
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
            if base["max_price"] is None or ceiling < base["max_price"]:
                base["max_price"] = ceiling
                if args.max_price is None:
                    derived.add("max_price")
            if base["min_price"] is not None and base["min_price"] > base["max_price"]:
                base["min_price"] = None
                derived.discard("min_price")
        if base["min_price"] is not None and base["max_price"] is not None and base["min_price"] > base["max_price"]:
            if args.max_price is not None and args.min_price is None:  # the newest limit wins
                base["min_price"] = None
            elif args.min_price is not None and args.max_price is None:
                base["max_price"] = None
            else:
                base["min_price"], base["max_price"] = base["max_price"], base["min_price"]
        sort = args.sort if args.sort is not None else (self.sort if refining else None)
        return SearchRequest(query, SearchFilters(**base), product_type, frozenset(derived), not refining,
                             None if sort == "relevance" else sort)

    def _query_for(self, asked: str | None, refining: bool, asked_type: str | None) -> str | None:
        """A follow-up's words that name no product type ("waterproof", "with a mic") are added to the
        running query; filler ("cheaper ones") adds nothing; a new product type replaces the query."""
        if not asked or not asked.strip():
            return self.query
        if not refining or asked_type is not None or not self.query:
            return asked.strip()
        have = set(tokens(self.query))
        extra = [w for w in re.findall(r"[\w'-]+", asked) if w.lower() not in _FOLLOW_UP_FILLER
                 and tokens(w) and tokens(w)[0] not in have]
        return " ".join([self.query, *extra]) if extra else self.query

    def remember_search(self, request: SearchRequest, shown: list[tuple[str, float | None]]) -> None:
        """The running search becomes the request; the shown list changes only when products were shown."""
        self.query, self.filters = request.query, request.filters
        self.product_type, self.derived, self.sort = request.product_type, request.derived, request.sort
        self.pending_offer = None
        if shown:
            self.remember_shown(shown)

    def remember_shown(self, shown: list[tuple[str, float | None]]) -> None:
        self.shown = [pid for pid, _ in shown]
        self.shown_prices = {pid: price for pid, price in shown if price is not None}

    def is_replay(self, args: SearchProductsArgs) -> bool:
        """A search call that changes nothing (no query and no new constraint) would only repeat the last one."""
        changes = args.model_dump(exclude_defaults=True, exclude={"refine"})
        return not changes and self.query is not None

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

    def resolve_focus(self, position: int | None, product_id: str | None) -> str:
        """Like ``resolve``, but with no position "it" is the product last asked about on its own."""
        if position is None and not product_id and self.focus is not None and len(self.shown) != 1:
            return self.focus
        return self.resolve(position, product_id)

    def summary(self) -> str:
        """The compact state line the model reads before the shopper's message."""
        parts = []
        if self.query:
            parts.append(f"search: {self.query}")
            applied = self.filters.model_dump(exclude_defaults=True)
            if applied:
                parts.append("filters: " + ", ".join(f"{k}={v}" for k, v in applied.items()))
            if self.sort:
                parts.append(f"sorted: {self.sort}")
        parts.append(f"shown: {len(self.shown)}")
        if self.pending_cart:
            parts.append(f"awaiting cart confirmation: {self.pending_cart.title}")
        return "; ".join(parts)


_STATE_JSON = TypeAdapter(DialogueState)
