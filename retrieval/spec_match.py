"""Amounts with units in a query ("usb stick, 64 gig", "2tb drive", "27 inch monitor") and whether a product has them.

A lexical or dense score barely tells "64 GB" from "16 GB": the number is one token among many, and "gig"
never matches "GB" at all. This module reads amounts the way shoppers and catalog titles write them
("64gb", "64 GB", "64 gigs", "64-gigabyte"; "27in", '27"', "27-inch"), each to one scale per kind
(capacity in GB, with 1 TB = 1000 GB as drive makers count; size in inches; power in W), so the spec stage
of search (``Searcher._stage_spec``) can rank products with the amount asked for above those that state
another amount of the same kind. A product that states no amount of that kind is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from retrieval.catalog.product import Product
from retrieval.type_boost import TypeBoost

# unit as written -> (kind, factor to the kind's scale)
_UNITS: dict[str, tuple[str, float]] = {}
for _kind, _factor, _names in (
    ("capacity", 1.0, ("gb", "gig", "gigs", "gigabyte", "gigabytes", "gbyte", "gbytes")),
    ("capacity", 1000.0, ("tb", "terabyte", "terabytes", "tbyte", "tbytes", "tera", "teras")),
    ("capacity", 0.001, ("mb", "megabyte", "megabytes")),
    ("size", 1.0, ("inch", "inches", "in", '"', "”", "''")),
    ("power", 1.0, ("w", "watt", "watts")),
    ("charge", 1.0, ("mah",)),
    ("frequency", 1.0, ("ghz",)),
    ("refresh", 1.0, ("hz",)),
    ("resolution", 1.0, ("mp", "megapixel", "megapixels")),
    ("print speed", 1.0, ("ppm", "pages per minute", "pages a minute", "pages per min", "pages/min")),
):
    for _name in _names:
        _UNITS[_name] = (_kind, _factor)

_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
# a number, optionally "-" or a space, a unit, and no letter straight after it ("64gbs" no, "64 gb," yes)
_AMOUNT = re.compile(rf"(?<![\w./])(\d+(?:[.,]\d+)?)\s?-?\s?({_UNIT_ALT})(?![a-z0-9])", re.IGNORECASE)
# the spec stage's terms on the min-max normalised score: the amount asked for +0.3, another amount of its kind -1.0
# (below every product that does not contradict the request). Set a priori, not tuned: the judged dev queries
# hold almost no amounts ("1/2 inch binder"); measured by ``aisle eval specs`` and on the judged queries.
SPEC_BOOST = TypeBoost(match=0.3, mismatch=1.0)
TOLERANCE = 0.03  # 1 TB vs 1024 GB, 15.6 vs 15.6": the same amount


@dataclass(frozen=True)
class Amount:
    kind: str
    value: float  # on the kind's scale
    text: str     # as written

    def same(self, other: Amount) -> bool:
        return self.kind == other.kind and abs(self.value - other.value) <= TOLERANCE * max(self.value, other.value)


def amounts(text: str) -> list[Amount]:
    """Every amount with a known unit in ``text``, in order ("in" only as "27in" or at a phrase's end)."""
    return [a for a, _, _ in _amounts_with_ends(text)]


def _amounts_with_ends(text: str) -> list[tuple[Amount, int, int]]:
    found = []
    for m in _AMOUNT.finditer(text or ""):
        number, unit = m.group(1), m.group(2).lower()
        attached = not re.search(r"[\s-]", m.group(0))
        if unit == "in" and not attached and not re.match(r"\s*(?:$|[,.;)])", text[m.end():]):
            continue  # "2 in 1 laptop", "for 2 in the kitchen"; "27in" and "a 27 in." are sizes
        kind, factor = _UNITS[unit]
        # "20,000 mAh" is twenty thousand; "3,5 inch" is three and a half
        value = float(number.replace(",", "") if re.fullmatch(r"\d{1,3},\d{3}", number) else number.replace(",", "."))
        if value > 0:
            found.append((Amount(kind, value * factor, m.group(0).strip()), m.start(), m.end()))
    return found


_ONE = re.compile(r"\s*(?:one|model|version|option|variant|size|kind)s?\b", re.I)
_THE = re.compile(r"\b(?:the|that|this)\s+$", re.I)


def referenced_amount(text: str) -> Amount | None:
    """The amount a message names one product by ("put the 128gb one in my cart", "is the 27 inch model
    matte?", "the 512GB ssd, add it"); None when it names none, or several. Only a reference tool's call uses it,
    and only when one shown product states the amount."""
    found = [a for a, start, end in _amounts_with_ends(text) if _ONE.match(text, end) or _THE.search(text[:start])]
    return found[0] if len(found) == 1 else None


def asked_amounts(query: str) -> list[Amount]:
    """The amounts a query asks for: the last of each kind ("usb stick 64 gig ... 128 gb" after a refinement asks
    for 128 GB)."""
    last: dict[str, Amount] = {}
    for amount in amounts(query):
        last.pop(amount.kind, None)
        last[amount.kind] = amount
    return list(last.values())


def product_amounts(product: Product) -> list[Amount]:
    """The amounts a product's title states (its name as the shopper sees it; descriptions mention others:
    "works with 16 GB cards")."""
    return amounts(product.title)


def spec_fit(wanted: Iterable[Amount], stated: Iterable[Amount]) -> bool | None:
    """True when the product states every kind asked for with the amount asked for; False when it states a
    kind asked for with only other amounts; None when it states none of the kinds asked for."""
    wanted, stated = list(wanted), list(stated)
    verdicts = []
    for want in wanted:
        same_kind = [s for s in stated if s.kind == want.kind]
        if same_kind:
            verdicts.append(any(want.same(s) for s in same_kind))
    if not verdicts:
        return None
    return all(verdicts)
