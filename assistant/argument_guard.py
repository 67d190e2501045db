"""Check a search call's price arguments against the shopper's own words before it runs.

The 135M model sometimes swaps ``min_price`` and ``max_price`` ("under $80" read as a minimum,
about 5% of held-out searches). Price cues are unambiguous in text, so the agent lets the
shopper's words decide the direction, and drops a price the shopper never mentioned. `guard_call`
is the whole guard the agent runs; `aisle eval agent` reports the raw model and, beside it, the
calls after this guard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_NUM = r"\$?\s*(\d+(?:[.,]\d+)?)\s*(?:dollars|usd|bucks)?"
MAX_CUE = re.compile(r"(?:under|undr|unde|below|bellow|less than|les than|max(?:imum)?|up to|no more than|at most|"
                     r"budget(?: is| of)?|"
                     r"cheaper than|within|<=?)\s*" + _NUM, re.I)
MIN_CUE = re.compile(r"(?:over|above|(?<!no )(?<!not )more than|at least|min(?:imum)?|from|starting at|>=?)\s*"
                     + _NUM, re.I)
RANGE_CUE = re.compile(r"(?:between\s*)?\$\s*(\d+(?:[.,]\d+)?)\s*(?:and|to|-)\s*\$?\s*(\d+(?:[.,]\d+)?)"
                       r"|between\s*(\d+(?:[.,]\d+)?)\s*(?:and|to|-)\s*\$?\s*(\d+(?:[.,]\d+)?)", re.I)


def _values(pattern: re.Pattern[str], text: str) -> list[float]:
    return [float(m.group(1).replace(",", "")) for m in pattern.finditer(text)]


def guard_search_args(args: dict[str, Any], text: str) -> dict[str, Any]:
    """Price arguments made consistent with the shopper's text (other arguments untouched)."""
    maxes, mins = _values(MAX_CUE, text), _values(MIN_CUE, text)
    for m in RANGE_CUE.finditer(text):
        low, high = sorted(float(g.replace(",", "")) for g in m.groups() if g)
        mins, maxes = mins + [low], maxes + [high]
    if not maxes and not mins:
        if "max_price" in args or "min_price" in args:
            mentioned = {float(n.replace(",", "")) for n in re.findall(r"\d+(?:[.,]\d+)?", text)}
            return {k: v for k, v in args.items()
                    if k not in ("max_price", "min_price") or (isinstance(v, int | float) and float(v) in mentioned)}
        return args
    fixed = dict(args)
    for key, wanted, other in (("max_price", maxes, "min_price"), ("min_price", mins, "max_price")):
        if wanted and fixed.get(key) is None and isinstance(fixed.get(other), int | float) \
                and float(fixed[other]) in wanted and float(fixed[other]) not in (maxes if other == "max_price"
                                                                                  else mins):
            fixed[key] = fixed.pop(other)  # the model put the shopper's limit on the wrong side
    for key, wanted in (("max_price", maxes), ("min_price", mins)):
        if wanted and fixed.get(key) is None:
            fixed[key] = wanted[-1]
    return fixed


def known_brands_only(args: dict[str, Any], brands: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Drop brand filters that name no catalog brand ("headphones" read as a brand empties a search);
    a brand is matched case- and accent-insensitively and given its catalog spelling."""
    from retrieval.filters import norm

    catalog = {norm(b): b for b in brands}
    fixed = dict(args)
    for key in ("brands", "exclude_brands"):
        value = fixed.get(key)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            fixed[key] = [catalog[norm(v)] for v in value if isinstance(v, str) and norm(v) in catalog]
    return fixed


_NEGATION = re.compile(r"(?:not|no|except|without|anything but|but not|skip|avoid|hate|don't like)\s+"
                       r"(?:from\s+|by\s+)?$", re.I)


def _mentions(text: str, name: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I))


def shopper_named_filters(args: dict[str, Any], text: str, brands: tuple[str, ...] | list[str],
                          colours: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Brands and colours the shopper wrote ("JBL speaker", "red backpack", "not Sony") that the call
    left out are added: the 135M model often keeps such adjectives in the query text only."""
    fixed = dict(args)
    have = {b.lower() for b in (fixed.get("brands") or []) + (fixed.get("exclude_brands") or [])
            if isinstance(b, str)}
    colour_words = {c.lower() for c in colours}
    for brand in sorted(brands, key=len, reverse=True):
        if brand.lower() in have or len(brand) < 2 or brand.lower() in colour_words:
            continue
        hits = _mentions(text, brand)
        if not hits:
            continue
        negated = bool(_NEGATION.search(text[: hits[0].start()][-30:]))
        key = "exclude_brands" if negated else "brands"
        fixed[key] = list(fixed.get(key) or []) + [brand]
        have.add(brand.lower())
    if not fixed.get("colour"):
        named = [c for c in colours if _mentions(text, c)]
        if len(named) == 1:
            fixed["colour"] = named[0]
    return fixed


_ORDER_ID = re.compile(r"\b([A-Z]\d{4,5})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def order_call_from_text(text: str) -> dict[str, Any] | None:
    """An order number and an e-mail in one message mean an order lookup, whatever the model chose."""
    ids, emails = _ORDER_ID.findall(text.upper()), _EMAIL.findall(text)
    if len(set(ids)) == 1 and len(set(emails)) == 1:
        return {"order_id": ids[0], "email": emails[0]}
    return None


def product_id_from_text(args: dict[str, Any], text: str, exists) -> dict[str, Any]:
    """A product id the shopper typed ("add AIS-1042") wins over a list position the model guessed."""
    for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]{3,}", text):
        if any(ch.isdigit() for ch in token) and exists(token):
            fixed = {k: v for k, v in args.items() if k != "position"}
            fixed["product_id"] = token
            return fixed
    return args


_POLICY_CUE = re.compile(
    r"return|refund|send (?:it )?back|exchange|restock|ship|deliver|arriv|express|warrant|guarantee|break|broke|"
    r"fail|damage|repair|replace|pay|card|visa|amex|mastercard|paypal|gift card|charge|price ?match|match|cheaper "
    r"elsewhere|competitor|for less|privacy|data|information|details|share|keep|polic|rule|fee|cost|how much|"
    r"how long|change my mind", re.I)


def is_policy_question(text: str) -> bool:
    """Does the shopper's message ask about a store policy at all? (A store_policy call for "monitor"
    is a model error: the turn is a product search.)"""
    return bool(_POLICY_CUE.search(text))


REFERENCE_TOOLS = frozenset({"get_product", "answer_product_question", "add_to_cart", "remove_from_cart"})


def guard_call(name: str, args: Any, text: str, brands: tuple[str, ...] | list[str],
               colours: tuple[str, ...] | list[str], product_exists: Callable[[str], bool]) -> tuple[str, Any]:
    """The call the agent runs for the model's call: an order id + e-mail, a price cue, a catalog brand
    or colour, a typed product id in the shopper's words win over the model's reading of them.

    One pure function so the agent and `aisle eval agent` (its "guarded" figures) apply the same rules.
    """
    if not isinstance(args, dict):
        return name, args
    order = order_call_from_text(text)
    if order and name != "order_status":
        return "order_status", order
    if name == "store_policy" and not is_policy_question(text):
        name, args = "search_products", {"query": text[:300]}
    if name == "search_products":
        args = shopper_named_filters(guard_search_args(args, text), text, brands, colours)
        args = known_brands_only(args, brands)
    elif name in REFERENCE_TOOLS:
        args = product_id_from_text(args, text, product_exists)
    return name, args
