"""Item-to-item recommendation: "more like this", from the catalog's content alone.

A product's neighbours are drawn from two pools under the same hard filters as search (so "similar
but cheaper / black / not Sony" holds by construction): the nearest stored embeddings (Chroma) and
the best title matches (BM25 over titles with the product's title as the query). Each candidate gets
six signals against the source product (``SimilaritySignals``), and a weighted sum of them ranks the
pool. The weights are chosen out of fold on pairs of products judged relevant to the same query
(``retrieval/evaluation/recommend_eval.py``, ``aisle eval recommend --write``) and shipped in
``retrieval/data/similar_weights.json``; no weights file means plain cosine kNN.

Nothing here is learned from traffic, so a product is recommendable the moment it is indexed
(cold start), and every recommendation carries reasons a shopper can check on the card.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path

import numpy as np

from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters, norm
from retrieval.product_types import ProductTypes
from retrieval.search import Searcher

DENSE_POOL = 100  # nearest embeddings considered per source product
TITLE_POOL = 50   # best title matches considered per source product
PRICE_SPAN = math.log(4.0)  # a price 4x apart (either way) shares nothing of the source's price band
_SKIP_ATTRIBUTES = frozenset({"model", "ean", "id", "sku", "asin", "mpn", "gtin"})


def default_path() -> Path:
    return Path(str(resources.files("retrieval") / "data" / "similar_weights.json"))


@dataclass(frozen=True)
class SimilaritySignals:
    """How a candidate relates to the source product, each in [0, 1]."""

    dense: float       # cosine similarity of the stored embeddings (clipped at 0)
    title: float       # title BM25 against the source's title, divided by the pool's best
    brand: float       # 1: same brand, 0: another or unknown
    kind: float        # 1: same product type by the lexicon, 0: another known type, 0.5: unknown
    attributes: float  # share of the source's attribute values the candidate has too
    price: float       # 1: same price, falling to 0 at 4x apart; 0.5 when either price is unknown

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, f.name) for f in fields(self)], dtype=np.float32)


SIGNALS = tuple(f.name for f in fields(SimilaritySignals))


@dataclass(frozen=True)
class SimilarityWeights:
    dense: float = 1.0
    title: float = 0.0
    brand: float = 0.0
    kind: float = 0.0
    attributes: float = 0.0
    price: float = 0.0

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in SIGNALS], dtype=np.float32)

    @classmethod
    def from_vector(cls, values: np.ndarray | list[float]) -> SimilarityWeights:
        return cls(*(round(float(v), 4) for v in values))

    @classmethod
    def load(cls, path: Path | None = None) -> SimilarityWeights:
        """The shipped (or given) weights; no file means plain cosine kNN."""
        path = path or default_path()
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(**{name: float(data.get(name, getattr(cls(), name))) for name in SIGNALS})

    def save(self, path: Path, report: Mapping | None = None) -> None:
        path.write_text(json.dumps(asdict(self) | dict(report or {}), indent=2) + "\n")

    def score(self, signals: SimilaritySignals) -> float:
        return float(self.vector() @ signals.vector())


@dataclass(frozen=True)
class Recommendation:
    product: Product
    score: float
    signals: SimilaritySignals
    reasons: tuple[str, ...]


def attribute_values(product: Product) -> set[tuple[str, str]]:
    """The product's (attribute, value) pairs that describe it (identifiers such as the model code left out)."""
    return {(k.lower(), norm(str(v))) for k, v in product.attributes.items()
            if k.lower() not in _SKIP_ATTRIBUTES and str(v).strip()}


def price_closeness(a: float | None, b: float | None) -> float:
    if not a or not b:
        return 0.5
    return max(0.0, 1.0 - abs(math.log(b / a)) / PRICE_SPAN)


def other_type(signals: SimilaritySignals) -> bool:
    """A candidate of another known product type than the source: never "like" it (a mouse is not like headphones,
    whatever its colour)."""
    return signals.kind == 0.0


def kind_match(a: str | None, b: str | None) -> float:
    if a is None or b is None:
        return 0.5
    return 1.0 if a == b else 0.0


def reasons(source: Product, candidate: Product, signals: SimilaritySignals, kind: str | None) -> tuple[str, ...]:
    """Why a candidate is recommended, in facts the shopper can check on both cards."""
    why = []
    if signals.brand == 1.0 and candidate.brand:
        why.append(f"same brand ({candidate.brand})")
    if signals.kind == 1.0 and kind:
        why.append(f"same type ({kind})")
    shared = sorted((k, v) for k, v in attribute_values(source) & attribute_values(candidate)
                    if v not in ("0", "0.0", "false", "no", "none"))
    if shared:
        named = ", ".join(k.replace("_", " ") if v in ("true", "yes") else f"{k.replace('_', ' ')} {v}"
                          for k, v in shared[:2])
        why.append(f"same {named}" + (f" (+{len(shared) - 2} more specs)" if len(shared) > 2 else ""))
    if source.price and candidate.price:
        change = (candidate.price - source.price) / source.price
        if change <= -0.05:
            why.append(f"{-change:.0%} cheaper")
        elif change >= 0.05:
            why.append(f"{change:.0%} more expensive")
        else:
            why.append("about the same price")
    if not why:
        why.append("close in description")
    return tuple(why)


class SimilarItems:
    """Products like a given one, under hard filters, ranked by the weighted signals."""

    def __init__(self, searcher: Searcher, weights: SimilarityWeights | None = None, types: ProductTypes | None = None,
                 dense_pool: int = DENSE_POOL, title_pool: int = TITLE_POOL) -> None:
        self.searcher = searcher
        self.weights = weights if weights is not None else SimilarityWeights.load()
        self.types = types or searcher.types
        self.dense_pool = dense_pool
        self.title_pool = title_pool

    def source(self, product_id: str) -> Product:
        product = self.searcher.get_product(product_id)
        if product is None:
            raise LookupError(f"there is no product {product_id!r} in the catalog")
        return product

    def signals(self, source: Product, filters: SearchFilters | None = None) -> dict[str, SimilaritySignals]:
        """Every pooled candidate (never the source itself) with its signals; pools use ``filters``."""
        filters = filters or SearchFilters()
        stored = self.searcher.vectors.embeddings([source.id])
        vector = stored.get(source.id)
        if vector is None:  # indexed without a vector (should not happen): embed its text now
            vector = self.searcher.encoder.encode_products([self.searcher.encoder.product_text(source)])[0]
        dense = {h.product_id: h.score for h in self.searcher.dense.search(vector, filters, self.dense_pool + 1)}
        title = {h.product_id: h.score for h in
                 self.searcher.lexical.search(source.title, filters, self.title_pool + 1, column="title")}
        dense.pop(source.id, None)
        title.pop(source.id, None)
        missing = [pid for pid in title if pid not in dense]
        if missing:
            dense |= self.searcher.vectors.similarities(vector, missing)
        ids = list(dict.fromkeys([*dense, *title]))
        products = self.searcher.lexical.get_many(ids)
        best_title = max(title.values(), default=0.0)
        kinds = self.searcher.product_types([source.id, *ids])
        mine = attribute_values(source)
        brand = norm(source.brand) if source.brand else None
        out: dict[str, SimilaritySignals] = {}
        for pid in ids:
            product = products.get(pid)
            if product is None:
                continue
            theirs = attribute_values(product)
            out[pid] = SimilaritySignals(
                dense=max(0.0, float(dense.get(pid, 0.0))),
                title=title.get(pid, 0.0) / best_title if best_title > 0 else 0.0,
                brand=1.0 if brand and product.brand and norm(product.brand) == brand else 0.0,
                kind=kind_match(kinds.get(source.id), kinds.get(pid)),
                attributes=len(mine & theirs) / len(mine) if mine else 0.0,
                price=price_closeness(source.price, product.price),
            )
        return out

    def similar(self, product_id: str, filters: SearchFilters | None = None, k: int = 10) -> list[Recommendation]:
        """The ``k`` products most like ``product_id`` that satisfy ``filters``, best first, with reasons."""
        source = self.source(product_id)
        pooled = {pid: sig for pid, sig in self.signals(source, filters).items() if not other_type(sig)}
        ranked = sorted(pooled, key=lambda pid: -self.weights.score(pooled[pid]))[:k]
        products = self.searcher.lexical.get_many(ranked)
        kinds = self.searcher.product_types(ranked)
        return [Recommendation(products[pid], self.weights.score(pooled[pid]), pooled[pid],
                               reasons(source, products[pid], pooled[pid], kinds.get(pid)))
                for pid in ranked if pid in products]

    def knn(self, product_id: str, k: int = 10) -> list[str]:
        """Baseline: plain cosine kNN on the stored embeddings."""
        vector = self.searcher.vectors.embeddings([product_id]).get(product_id)
        if vector is None:
            return []
        hits = self.searcher.vectors.search(vector, None, k + 1)
        return [h.product_id for h in hits if h.product_id != product_id][:k]

    def title_bm25(self, product_id: str, k: int = 10) -> list[str]:
        """Baseline: BM25 over titles, the product's title as the query."""
        source = self.source(product_id)
        hits = self.searcher.lexical.search(source.title, None, k + 1, column="title")
        return [h.product_id for h in hits if h.product_id != product_id][:k]
