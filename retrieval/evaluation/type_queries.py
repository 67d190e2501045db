"""Product-type queries built from a catalog, and the share of top-5 results of the type asked for.

For every type of the lexicon that at least ``min_products`` products of the catalog are (read from
their titles or category paths), the queries are the type's name ("tablet") and "<brand> <type>" for
its two most common brands ("samsung tablet"). A result counts as matching when it fits the type
(``ProductTypes.fit``); a result whose text names no type counts as not matching (it was not shown
to be the thing asked for). The judge is the same lexicon the type stage reads, so this measures that the
stage does what it is for; whether that is what shoppers want is measured on human judgements
(``aisle eval tune-type``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from retrieval.filters import SearchFilters
from retrieval.search import Searcher


@dataclass(frozen=True)
class TypeQuery:
    text: str
    wanted: str


def type_queries(searcher: Searcher, min_products: int = 20, brands_per_type: int = 2) -> list[TypeQuery]:
    ids = searcher.lexical.all_ids()
    types = searcher.product_types(ids)
    products = searcher.lexical.get_many(ids)
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for pid, kind in types.items():
        if kind is not None:
            by_type[kind][(products[pid].brand or "").strip().lower()] += 1
    queries = []
    for kind in sorted(by_type):
        brands = by_type[kind]
        if sum(brands.values()) < min_products:
            continue
        queries.append(TypeQuery(kind, kind))
        for brand, count in brands.most_common():
            if len([q for q in queries if q.wanted == kind]) > brands_per_type:
                break
            if brand and count >= 5 and searcher.types.of_text(f"{brand} {kind}") == kind:
                queries.append(TypeQuery(f"{brand} {kind}", kind))
    return queries


def top_ids(searcher: Searcher, text: str, stages: tuple[str, ...] | str, k: int) -> list[str]:
    """The top ``k`` product ids of a query after the given search stages (no filters)."""
    c = searcher.run_stages(text, SearchFilters(), searcher.settings.candidates_per_stage, stages)
    return sorted(c.final, key=lambda p: -c.final[p])[:k]


def type_share_at_k(searcher: Searcher, queries: list[TypeQuery], stages: tuple[str, ...] | str,
                    k: int = 5) -> list[float]:
    """Per query: the share of the top ``k`` whose type is the one asked for."""
    shares = []
    for q in queries:
        top = top_ids(searcher, q.text, stages, k)
        fits = searcher.type_fits(top, q.wanted)
        shares.append(sum(fits[p] is True for p in top) / k if top else 0.0)
    return shares
