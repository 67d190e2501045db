"""Check a search call's price arguments against the shopper's own words before it runs.

The 135M model sometimes swaps ``min_price`` and ``max_price`` ("under $80" read as a minimum,
about 5% of held-out searches). Price cues are unambiguous in text, so the agent lets the
shopper's words decide the direction, and drops a price the shopper never mentioned. Evaluation
scores the raw model (`aisle eval agent`); this guard is part of the agent at run time.
"""

from __future__ import annotations

import re
from typing import Any

_NUM = r"\$?\s*(\d+(?:[.,]\d+)?)\s*(?:dollars|usd|bucks)?"
MAX_CUE = re.compile(r"(?:under|below|less than|max(?:imum)?|up to|no more than|at most|budget(?: is| of)?|"
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
