"""The checks every simulated turn must pass, from what the shopper saw and asked for.

Each check returns True (held), False (broken) or None (does not apply to this turn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.agent import ERROR_REPLY
from assistant.events import TurnResult
from assistant.tools.results import ToolResult
from harness.simulator.shopper import EXPECTED_TOOLS, Constraints, ShopperTurn, TurnKind
from retrieval.catalog.product import Product
from retrieval.filters import colours_of, norm
from retrieval.product_types import ProductTypes


@dataclass(frozen=True)
class TurnView:
    """One turn as the shopper experienced it."""

    turn: ShopperTurn
    result: TurnResult
    wants: Constraints
    shown_before: list[str]
    shown_after: list[str]
    listed: list[Product]          # the products of this turn's search results (empty when none ran or none found)
    previous_prices: list[float]   # prices of the products on screen before the turn
    cart: dict[str, int]
    expected_cart: dict[str, int]
    types: ProductTypes


def _searches(view: TurnView) -> list[ToolResult]:
    return [a for a in view.result.artifacts if a.tool == "search_products"]


def no_error(view: TurnView) -> bool:
    return view.result.error is None and bool(view.result.reply.strip()) and view.result.reply != ERROR_REPLY


def grounded(view: TurnView) -> bool:
    return not view.result.shown_ungrounded


def expected_tool(view: TurnView) -> bool:
    called = {c["name"] for c in view.result.tool_calls}
    allowed = EXPECTED_TOOLS[view.turn.kind]
    return bool(called & allowed) if allowed else not called


def meets_constraints(view: TurnView) -> bool | None:
    if not view.listed:
        return None
    w = view.wants
    return all(_meets(p, w) for p in view.listed)


def _meets(p: Product, w: Constraints) -> bool:
    if w.max_price is not None and (p.price is None or p.price > w.max_price):
        return False
    if w.brands and norm(p.brand or "") not in {norm(b) for b in w.brands}:
        return False
    if w.excluded and norm(p.brand or "") in {norm(b) for b in w.excluded}:
        return False
    # a product's colours as the catalog states them: each its colour attribute names, else its title's colour
    # words ("Black,Silver" is black; "HP 564 Magenta Original" is magenta)
    return not (w.colour and norm(w.colour) not in colours_of(p))


def of_requested_type(view: TurnView) -> bool | None:
    """No product of another known type is listed (untyped products are not counted against it; a product
    that names the accessory asked for counts as one, ``ProductTypes.fit``)."""
    if not view.listed or view.wants.product_type is None:
        return None
    return all(view.types.matches(p, view.wants.product_type) for p in view.listed)


def references_resolve(view: TurnView) -> bool | None:
    if not view.turn.positions:
        return None
    if any(n > len(view.shown_before) for n in view.turn.positions):
        return None
    wanted = [view.shown_before[n - 1] for n in view.turn.positions]
    if view.turn.kind is TurnKind.SIMILAR:
        return None  # ``similar_resolves``
    used = [p.id for a in view.result.artifacts if a.tool != "search_products" for p in a.products]
    return used[: len(wanted)] == wanted if len(wanted) > 1 else wanted[0] in used[:1]


def cart_after_confirmation_only(view: TurnView) -> bool:
    return view.cart == view.expected_cart


def zero_results_recover(view: TurnView) -> bool | None:
    empty = [a for a in _searches(view) if a.status == "empty"]
    if not empty:
        return None
    return bool(empty[-1].search and empty[-1].search.relaxed) or "drop a filter" in view.result.reply


def never_replays(view: TurnView) -> bool | None:
    if view.turn.kind not in (TurnKind.OFF_TOPIC, TurnKind.NOTHING_PENDING):
        return None
    return not _searches(view) and view.shown_after == view.shown_before


def cheaper_is_cheaper(view: TurnView) -> bool | None:
    if view.turn.kind is not TurnKind.CHEAPER or not view.listed or not view.previous_prices:
        return None
    prices = [p.price for p in view.listed if p.price is not None]
    return bool(prices) and max(prices) < max(view.previous_prices)


def similar_resolves(view: TurnView) -> bool | None:
    """"More like #2" shows products like #2 (not a new search, not another product's neighbours)."""
    if view.turn.kind is not TurnKind.SIMILAR or not view.turn.positions:
        return None
    n = view.turn.positions[0]
    if n > len(view.shown_before):
        return None
    sources = [a.similar.source_id for a in view.result.artifacts if a.similar is not None]
    return sources[:1] == [view.shown_before[n - 1]]


def similar_is_other_and_cheaper(view: TurnView) -> bool | None:
    """"More like #2" never lists #2 itself; "... but cheaper" lists only products cheaper than it."""
    if view.turn.kind is not TurnKind.SIMILAR or not view.listed or not view.turn.positions:
        return None
    n = view.turn.positions[0]
    if n > len(view.shown_before):
        return None
    source = view.shown_before[n - 1]
    if any(p.id == source for p in view.listed):
        return False
    if not view.turn.cheaper:
        return True
    price = next((a.similar.source_price for a in view.result.artifacts if a.similar is not None), None)
    return price is not None and all(p.price is not None and p.price < price for p in view.listed)


_SORT_KEYS = {"price_asc": (lambda p: p.price, False), "price_desc": (lambda p: p.price, True),
              "rating_desc": (lambda p: p.rating, True)}


def ordered_as_asked(view: TurnView) -> bool | None:
    """After "cheapest first" (kept by later refinements) a list comes in that order (unknown values last)."""
    if not view.wants.sort or not view.listed:
        return None
    key, descending = _SORT_KEYS[view.wants.sort]
    values = [key(p) for p in view.listed]
    known = [v for v in values if v is not None]
    return known == sorted(known, reverse=descending) and values[: len(known)] == known


INVARIANTS: dict[str, Callable[[TurnView], bool | None]] = {
    "no_error": no_error,
    "grounded": grounded,
    "meets_constraints": meets_constraints,
    "of_requested_type": of_requested_type,
    "references_resolve": references_resolve,
    "cart_after_confirmation_only": cart_after_confirmation_only,
    "zero_results_recover": zero_results_recover,
    "never_replays": never_replays,
    "cheaper_is_cheaper": cheaper_is_cheaper,
    "ordered_as_asked": ordered_as_asked,
    "similar_resolves": similar_resolves,
    "similar_is_other_and_cheaper": similar_is_other_and_cheaper,
}


# measured per turn kind and reported beside the invariants, not one of them: a question answered with
# the product's details instead of the asked fact is a weaker turn, not a broken conversation
ROUTING = expected_tool


def check(view: TurnView) -> dict[str, bool]:
    """The invariants that apply to this turn and whether each held."""
    out = {}
    for name, rule in INVARIANTS.items():
        held = rule(view)
        if held is not None:
            out[name] = held
    return out
