"""Check that every fact in a reply comes from this turn's tool results (or the shopper's words).

A "fact" is any token carrying a digit (prices, ratings, specs, model numbers, order dates) and
any catalog brand name. A reply with one fact not found in the sources is not shown; the agent
replaces it with a template built from the structured results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBER_TOKEN = re.compile(r"[$€£]?\d[\w.,:/-]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MONEY = re.compile(r"[$€£]\s?\d[\d,]*(?:\.\d+)?|price[=: ]+\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:dollars|usd|bucks)",
                    re.I)


def _numbers(text: str) -> set[str]:
    found = set()
    for raw in _NUMBER.findall(text):
        value = raw.replace(",", "")
        found.add(value)
        if "." in value:
            found.add(value.rstrip("0").rstrip("."))
    return found


def numeric_facts(reply: str) -> list[str]:
    """Digit-bearing tokens of the reply, minus small counts and list positions (1-10)."""
    facts = []
    for token in _NUMBER_TOKEN.findall(reply):
        token = token.rstrip(".,:;")
        nums = _numbers(token)
        if nums and all(n.isdigit() and int(n) <= 10 for n in nums) and not token.startswith(("$", "€", "£")):
            continue
        facts.append(token)
    return facts


# Claims a shop assistant must never make on its own: money off, a changed cart, its instructions.
_CLAIMS = re.compile(
    r"\d+\s?% off|discount|coupon|promo(?:tion(?:al)?)? code|voucher|free of charge|for free|at no (?:extra )?cost"
    r"|price (?:is|was|has been) (?:now |)(?:changed|reduced|lowered|updated)|price override"
    r"|added (?:it |them |that |this )?to (?:your|the) cart|(?:system|hidden) prompt|my instructions"
    r"|developer mode|jailbreak", re.I)


def unsupported_claims(reply: str, sources: Iterable[str]) -> list[str]:
    """Promises and disclosures (discounts, cart changes, the system prompt) no tool result backs."""
    lowered = "\n".join(sources).lower()
    return [m.group(0) for m in _CLAIMS.finditer(reply) if m.group(0).lower() not in lowered]


def ungrounded_facts(reply: str, sources: Iterable[str], brands: Iterable[str] = ()) -> list[str]:
    """Facts in ``reply`` that no source supports (empty list: the reply is grounded)."""
    source_text = "\n".join(sources)
    source_numbers = _numbers(source_text)
    # amounts of money: "$28.99" in results, "price=80.0" in applied filters, the shopper's "$80" / "80 dollars"
    money = _numbers(" ".join(_MONEY.findall(source_text)))
    lowered = source_text.lower()
    missing = []
    for token in numeric_facts(reply):
        allowed = money if token.startswith(("$", "€", "£")) else source_numbers
        if not _numbers(token) <= allowed:
            missing.append(token)
    reply_lower = reply.lower()
    for brand in brands:
        b = brand.lower()
        if len(b) >= 3 and b in reply_lower and b not in lowered \
                and re.search(rf"(?<!\w){re.escape(b)}(?!\w)", reply_lower):
            missing.append(brand)
    return missing
