"""Queries that ask for an amount ("usb flash drive 64 gig"), built from a catalog, and the share of the top 5 that
state it.

For every product type of the lexicon and every amount that at least ``min_products`` products of that type state
in their titles (the most common ``amounts_per_type`` of each kind), the query is the type's name with the amount
as shoppers write it, in a spelling that rotates over ``SPELLINGS`` (none is the catalog's own "64 GB" form for
every query: "64gb", "64 gig", "64 gigabytes"). A result counts when its title states that amount
(``spec_fit`` True); one that states another amount, or none, does not. The reader is the one the spec stage
uses, so this measures that the stage does its job; the judged dev queries (``aisle eval ranking``) show what it
does to everything else.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from retrieval.evaluation.type_queries import top_ids
from retrieval.search import Searcher
from retrieval.spec_match import Amount, amounts, product_amounts, spec_fit

SPELLINGS: dict[str, tuple[str, ...]] = {
    "capacity": ("{n}gb", "{n} gig", "{n} gigabytes", "{n} GB"),
    "capacity_tb": ("{t}tb", "{t} terabyte", "{t} TB"),
    "size": ("{n} inch", '{n}"', "{n}-inch", "{n}in"),
    "power": ("{n}w", "{n} watt", "{n} W"),
    "charge": ("{n}mah", "{n} mAh"),
    "frequency": ("{n}ghz", "{n} GHz"),
    "refresh": ("{n}hz", "{n} Hz"),
    "resolution": ("{n}mp", "{n} megapixel"),
    "print speed": ("{n} ppm",),
}


@dataclass(frozen=True)
class SpecQuery:
    text: str
    wanted: tuple[Amount, ...]
    product_type: str


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _written(amount: Amount, i: int) -> str:
    if amount.kind == "capacity" and amount.value >= 1000 and amount.value % 1000 == 0:
        options = SPELLINGS["capacity_tb"]
        return options[i % len(options)].format(t=_number(amount.value / 1000))
    options = SPELLINGS[amount.kind]
    return options[i % len(options)].format(n=_number(amount.value))


def spec_queries(searcher: Searcher, min_products: int = 3, amounts_per_type: int = 3) -> list[SpecQuery]:
    ids = searcher.lexical.all_ids()
    types = searcher.product_types(ids)
    products = searcher.lexical.get_many(ids)
    counts: dict[tuple[str, str], Counter[float]] = defaultdict(Counter)
    for pid, kind in types.items():
        if kind is None:
            continue
        stated = product_amounts(products[pid])
        for amount_kind in {a.kind for a in stated}:
            values = {round(a.value, 3) for a in stated if a.kind == amount_kind}
            if len(values) == 1:  # one amount of the kind: "2 TB" drive, not "2 TB with 64 MB cache"
                counts[(kind, amount_kind)][values.pop()] += 1
    queries: list[SpecQuery] = []
    for (kind, amount_kind), values in sorted(counts.items()):
        for value, count in values.most_common(amounts_per_type):
            if count < min_products:
                break
            text = f"{kind} {_written(Amount(amount_kind, value, ''), len(queries))}"
            wanted = tuple(amounts(text))
            if len(wanted) == 1 and wanted[0].same(Amount(amount_kind, value, "")):
                queries.append(SpecQuery(text, wanted, kind))
    return queries


def spec_share_at_k(searcher: Searcher, queries: list[SpecQuery], stages: tuple[str, ...] | str,
                    k: int = 5) -> list[float]:
    """Per query: the share of the top ``k`` whose title states the amount asked for."""
    shares = []
    for q in queries:
        top = top_ids(searcher, q.text, stages, k)
        products = searcher.lexical.get_many(top)
        shares.append(sum(spec_fit(q.wanted, product_amounts(products[p])) is True for p in top if p in products) / k
                      if top else 0.0)
    return shares
