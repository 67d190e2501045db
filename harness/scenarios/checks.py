"""Compare what one turn did with what its script expects; every mismatch says expected vs actual."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.tools.results import ToolResult
from harness.scenarios.script import ToolExpectation, TurnExpectation
from retrieval.catalog.product import Product
from retrieval.filters import norm
from retrieval.product_types import PRODUCT_TYPES


@dataclass
class Observation:
    """What a turn produced, in the terms expectations speak."""

    user: str
    reply: str
    tool_calls: list[dict[str, Any]]
    artifacts: list[ToolResult]
    products: list[Product]
    cart: list[tuple[str, int]]
    shown_ungrounded: list[str]
    shown_list: list[str] = field(default_factory=list)  # the session's last shown list (for positions)
    facts: str = ""
    error: str | None = None
    previous_products: list[Product] = field(default_factory=list)  # what the previous turn showed


@dataclass
class Mismatch:
    field: str
    expected: Any
    actual: Any

    def render(self) -> str:
        return f"  {self.field}\n    - expected: {self.expected}\n    + actual:   {self.actual}"


@dataclass
class TurnCheck:
    mismatches: list[Mismatch] = field(default_factory=list)

    def fail(self, name: str, expected: Any, actual: Any) -> None:
        self.mismatches.append(Mismatch(name, expected, actual))


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return abs(float(expected) - float(actual)) < 1e-6
    if isinstance(expected, str) and isinstance(actual, str):
        return norm(expected) == norm(actual)
    if isinstance(expected, list) and isinstance(actual, list):
        return all(any(_same(e, a) for a in actual) for e in expected)
    return expected == actual


def args_match(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Keys of ``expected`` whose value the call does not carry (null expects the key absent/null)."""
    return [k for k, v in expected.items() if not (actual.get(k) is None if v is None else _same(v, actual.get(k)))]


def _match_tools(expected: list[ToolExpectation], calls: list[dict[str, Any]], check: TurnCheck) -> None:
    i = 0
    for n, want in enumerate(expected):
        while i < len(calls) and calls[i]["name"] != want.name:
            i += 1
        if i == len(calls):
            check.fail(f"tools[{n}]", want.name, [c["name"] for c in calls] or "no tool call")
            return
        args = calls[i]["args"] if isinstance(calls[i]["args"], dict) else {}
        for key in args_match(want.args, args):
            check.fail(f"tools[{n}].args.{key}", want.args[key], args.get(key))
        i += 1


_ORDER_KEYS = {"price_asc": (lambda p: p.price, False), "price_desc": (lambda p: p.price, True),
               "rating_desc": (lambda p: p.rating, True)}


def _check_shown(exp: TurnExpectation, obs: Observation, check: TurnCheck) -> None:
    """Checks on what was shown beyond ids: titles, product type, order, price against the previous turn."""
    if exp.titles_match is not None:
        for p in obs.products:
            if not re.search(exp.titles_match, p.title, re.I):
                check.fail("titles_match", exp.titles_match, p.title)
    if exp.product_type is not None:
        for p in obs.products:
            if PRODUCT_TYPES.of_product(p) != exp.product_type:
                check.fail("product_type", exp.product_type, f"{p.title} ({PRODUCT_TYPES.of_product(p)})")
    if exp.ordered_by is not None:
        key, descending = _ORDER_KEYS[exp.ordered_by]
        values = [key(p) for p in obs.products]
        if None in values or values != sorted(values, reverse=descending):  # type: ignore[type-var]
            check.fail("ordered_by", exp.ordered_by, values)
    if exp.max_price_below_previous:
        now = [p.price for p in obs.products if p.price is not None]
        before = [p.price for p in obs.previous_products if p.price is not None]
        if not now or not before or max(now) >= max(before):
            check.fail("max_price_below_previous", f"below {max(before) if before else '?'}",
                       max(now) if now else "nothing shown")


def _cheaper_than_shown(exp: TurnExpectation, obs: Observation, check: TurnCheck) -> None:
    n = exp.cheaper_than_shown
    if n is None:
        return
    if len(obs.previous_products) < n or obs.previous_products[n - 1].price is None:
        check.fail("cheaper_than_shown", f"a priced product #{n} in the previous turn", len(obs.previous_products))
        return
    source = obs.previous_products[n - 1]
    dearer = [p.title for p in obs.products if p.price is None or p.price >= source.price or p.id == source.id]
    if not obs.products or dearer:
        check.fail("cheaper_than_shown", f"all below {source.display_price()} ({source.title})",
                   dearer or "nothing shown")


def check_turn(exp: TurnExpectation, obs: Observation) -> TurnCheck:
    check = TurnCheck()
    names = [c["name"] for c in obs.tool_calls]
    if obs.error:
        check.fail("error", None, obs.error)
    if exp.no_tools and names:
        check.fail("no_tools", "no tool call", names)
    if exp.tools is not None:
        _match_tools(exp.tools, obs.tool_calls, check)
    for name in exp.tools_not_called:
        if name in names:
            check.fail("tools_not_called", f"no {name}", names)
    shown = [p.id for p in obs.products]
    if exp.products is not None:
        for p in obs.products:
            if not exp.products.matches(p):
                check.fail("products", exp.products.model_dump(exclude_defaults=True),
                           f"{p.id} ({p.brand}, {p.display_price()}, rating {p.rating}, colour {p.colour}, "
                           f"stock {p.stock}, {' > '.join(p.category)})")
    _check_shown(exp, obs, check)
    _cheaper_than_shown(exp, obs, check)
    if exp.count is not None:
        unique = len(dict.fromkeys(shown))
        if unique < exp.count.min or (exp.count.max is not None and unique > exp.count.max):
            check.fail("count", f"{exp.count.min}..{exp.count.max if exp.count.max is not None else '∞'} products",
                       unique)
    for pid in exp.must_show:
        if pid not in shown:
            check.fail("must_show", pid, shown)
    for pid in exp.must_not_show:
        if pid in shown:
            check.fail("must_not_show", f"not {pid}", shown)
    low = obs.reply.lower()
    for s in exp.reply_contains:
        if s.lower() not in low:
            check.fail("reply_contains", s, obs.reply)
    if exp.reply_contains_any and not any(s.lower() in low for s in exp.reply_contains_any):
        check.fail("reply_contains_any", exp.reply_contains_any, obs.reply)
    for s in exp.reply_excludes:
        if s.lower() in low:
            check.fail("reply_excludes", f"no {s!r}", obs.reply)
    if exp.cart is not None:
        want = sorted((c.product_id, c.quantity) for c in exp.cart)
        if sorted(obs.cart) != want:
            check.fail("cart", want, sorted(obs.cart))
    for pid in exp.cart_contains:
        if pid not in {p for p, _ in obs.cart}:
            check.fail("cart_contains", pid, sorted(obs.cart))
    if exp.cart_count is not None and len(obs.cart) != exp.cart_count:
        check.fail("cart_count", exp.cart_count, sorted(obs.cart))
    if exp.cart_quantity is not None and sum(q for _, q in obs.cart) != exp.cart_quantity:
        check.fail("cart_quantity", exp.cart_quantity, sorted(obs.cart))
    if exp.cart_has_shown is not None:
        pos = exp.cart_has_shown
        pid = obs.shown_list[pos - 1] if pos <= len(obs.shown_list) else None
        if pid is None or pid not in {p for p, _ in obs.cart}:
            check.fail("cart_has_shown", f"shown #{pos} ({pid}) in the cart", sorted(obs.cart))
    orders = [a.order.order_id for a in obs.artifacts if a.tool == "order_status" and a.status == "ok" and a.order]
    if exp.order_shown is not None and exp.order_shown not in orders:
        check.fail("order_shown", exp.order_shown, orders or "no order shown")
    if exp.no_order_shown and orders:
        check.fail("no_order_shown", "no order shown", orders)
    if exp.grounded and obs.shown_ungrounded:
        check.fail("grounded", "no ungrounded fact", obs.shown_ungrounded)
    for s in exp.facts_contain:
        if s.lower() not in obs.facts.lower():
            check.fail("facts_contain", s, obs.facts)
    return check
