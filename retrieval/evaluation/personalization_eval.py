"""Personalization with simulated shoppers: does it find what they like without losing what they asked for?

For every judged query the served search's top 20 (what the shopping tools reorder) are retrieved once. Each
simulated shopper has one hidden preference, drawn (seeded) from what the query's results could satisfy: a
brand, a price band (a third of the results' price range) or a colour that at least 3 of the 20 have but at
most 2 of the top 5. Before the query, the shopper gave 0-3 thumbs up in earlier sessions, each on a random
catalog product with the preference that is not among this query's results (so the signal is about the
shopper, not about the answer). After n signals we report preference-match@5 (share of the top 5 with the
preference) and the query's judged nDCG@10 of the personalized order.

The weight of the profile is chosen out of fold (folds by query): the largest mean match@5 over 1-3
signals whose mean nDCG@10 drop against no personalization stays within ``MAX_NDCG_DROP`` on the
training folds. Per signal count the held-out results are tested, paired over shoppers, against 0 signals.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from retrieval.catalog.product import Product
from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.metrics import ndcg_at_k
from retrieval.evaluation.significance import paired_test
from retrieval.filters import SearchFilters, norm
from retrieval.recommend.profile import Personalizer, PreferenceProfile, Signal, SignalKind
from retrieval.search import Searcher

DEPTH = 20  # what the shopping tools reorder (SEARCH_K * 4)
MAX_SIGNALS = 3
WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
MAX_NDCG_DROP = 0.005  # on the training folds; the bound (0.01) is checked on the held-out ones


@dataclass(frozen=True)
class Preference:
    dimension: str  # "brand", "price" or "colour"
    value: str
    low: float = 0.0
    high: float = 0.0

    def matches(self, product: Product) -> bool:
        if self.dimension == "brand":
            return bool(product.brand) and norm(product.brand) == self.value
        if self.dimension == "colour":
            return bool(product.colour) and norm(product.colour) == self.value
        return product.price is not None and self.low <= product.price <= self.high

    def describe(self) -> str:
        return f"price ${self.low:,.0f}-${self.high:,.0f}" if self.dimension == "price" else \
            f"{self.dimension} {self.value}"


@dataclass
class Shopper:
    catalog: str
    query: str
    preference: Preference
    scores: dict[str, float]         # the served search's scores, top DEPTH
    products: dict[str, Product]
    judged: dict[str, float]
    liked: list[Product]             # earlier thumbs up, in order
    fold: int = 0

    def ranking(self, personalizer: Personalizer, signals: int) -> list[str]:
        profile = PreferenceProfile()
        for product in self.liked[:signals]:
            profile.add(Signal(SignalKind.THUMBS_UP, product))
        scores = personalizer.rescore(self.scores, self.products, profile)
        return sorted(scores, key=lambda pid: -scores[pid])

    def match_at_5(self, ranking: list[str]) -> float:
        top = ranking[:5]
        return sum(self.preference.matches(self.products[pid]) for pid in top) / max(len(top), 1)

    def ndcg(self, ranking: list[str]) -> float:
        return ndcg_at_k(ranking, self.judged, 10)


def _candidates(products: list[Product], ranked: list[str]) -> list[Preference]:
    """Preferences the results could satisfy and the top 5 mostly do not."""
    top5 = products[:5]
    found: list[Preference] = []
    for dimension, key in (("brand", lambda p: norm(p.brand) if p.brand else None),
                           ("colour", lambda p: norm(p.colour) if p.colour else None)):
        counts: dict[str, int] = {}
        for p in products:
            if (value := key(p)) is not None:
                counts[value] = counts.get(value, 0) + 1
        for value, n in sorted(counts.items()):
            pref = Preference(dimension, value)
            if n >= 3 and sum(pref.matches(p) for p in top5) <= 2:
                found.append(pref)
    prices = sorted(p.price for p in products if p.price)
    if len(prices) >= 9:
        cuts = [prices[0], prices[len(prices) // 3], prices[2 * len(prices) // 3], prices[-1]]
        for low, high in zip(cuts, cuts[1:], strict=False):
            pref = Preference("price", f"{low:.2f}-{high:.2f}", low, high)
            if high > low and sum(pref.matches(p) for p in products) >= 3 and sum(pref.matches(p) for p in top5) <= 2:
                found.append(pref)
    return found


def collect(searcher: Searcher, catalog: str, judgments: Judgments, seed: int = 0, folds: int = 5,
            method: str = "full", progress: Callable[[str], None] | None = None) -> list[Shopper]:
    """One shopper per judged query that has a satisfiable preference (one drawn per dimension available)."""
    rng = random.Random(zlib.crc32(f"{seed}:{catalog}".encode()))
    catalog_products = list(searcher.lexical.get_many(searcher.lexical.all_ids()).values())
    shoppers = []
    for query in judgments.queries:
        c = searcher.run_stages(query, SearchFilters(), DEPTH, method)  # type: ignore[arg-type]
        ranked = sorted(c.final, key=lambda pid: -c.final[pid])[:DEPTH]
        products = searcher.lexical.get_many(ranked)
        ordered = [products[pid] for pid in ranked if pid in products]
        by_dimension: dict[str, list[Preference]] = {}
        for pref in _candidates(ordered, ranked):
            by_dimension.setdefault(pref.dimension, []).append(pref)
        for dimension in sorted(by_dimension):
            pref = rng.choice(by_dimension[dimension])
            pool = [p for p in catalog_products if p.id not in products and pref.matches(p)]
            if len(pool) < MAX_SIGNALS:
                continue
            liked = rng.sample(pool, MAX_SIGNALS)
            shoppers.append(Shopper(catalog, query, pref, {pid: c.final[pid] for pid in ranked if pid in products},
                                    products, judgments.gains[query], liked,
                                    zlib.crc32(query.encode()) % folds))
        if progress:
            progress(query)
    return shoppers


@dataclass
class PersonalizationReport:
    weight: float                            # chosen on all shoppers (what --write ships)
    fold_weights: list[float]
    per_catalog: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"weight": self.weight, "fold_weights": self.fold_weights, "catalogs": self.per_catalog}


def _table(shoppers: list[Shopper], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """(match@5, nDCG@10) per shopper and signal count 0..MAX_SIGNALS."""
    personalizer = Personalizer(weight)
    match = np.zeros((len(shoppers), MAX_SIGNALS + 1))
    ndcg = np.zeros_like(match)
    for i, s in enumerate(shoppers):
        for n in range(MAX_SIGNALS + 1):
            ranking = s.ranking(personalizer, n)
            match[i, n], ndcg[i, n] = s.match_at_5(ranking), s.ndcg(ranking)
    return match, ndcg


def choose(tables: dict[float, tuple[np.ndarray, np.ndarray]], rows: np.ndarray) -> float:
    """The weight with the best mean match@5 over 1-3 signals whose nDCG drop stays within the bound."""
    base = tables[0.0][1][rows, 1:].mean()
    best, best_match = 0.0, tables[0.0][0][rows, 1:].mean()
    for weight, (match, ndcg) in sorted(tables.items()):
        if base - ndcg[rows, 1:].mean() <= MAX_NDCG_DROP and match[rows, 1:].mean() > best_match + 1e-9:
            best, best_match = weight, match[rows, 1:].mean()
    return best


def evaluate(shoppers: list[Shopper], folds: int = 5) -> PersonalizationReport:
    tables = {w: _table(shoppers, w) for w in WEIGHTS}
    fold_of = np.array([s.fold for s in shoppers])
    oof_match = np.zeros((len(shoppers), MAX_SIGNALS + 1))
    oof_ndcg = np.zeros_like(oof_match)
    fold_weights = []
    for fold in range(folds):
        weight = choose(tables, np.flatnonzero(fold_of != fold))
        fold_weights.append(weight)
        held = np.flatnonzero(fold_of == fold)
        oof_match[held], oof_ndcg[held] = tables[weight][0][held], tables[weight][1][held]
    report = PersonalizationReport(choose(tables, np.arange(len(shoppers))), fold_weights)
    for catalog in sorted({s.catalog for s in shoppers}):
        rows = np.array([i for i, s in enumerate(shoppers) if s.catalog == catalog])
        entry: dict = {"shoppers": len(rows), "by_dimension": {}}
        for dimension in ("brand", "price", "colour"):
            n = sum(shoppers[i].preference.dimension == dimension for i in rows)
            if n:
                entry["by_dimension"][dimension] = int(n)
        entry["match@5"] = [round(float(oof_match[rows, n].mean()), 4) for n in range(MAX_SIGNALS + 1)]
        entry["ndcg@10"] = [round(float(oof_ndcg[rows, n].mean()), 4) for n in range(MAX_SIGNALS + 1)]
        entry["match_vs_0_signals"] = [paired_test(oof_match[rows, 0], oof_match[rows, n]).to_dict()
                                       for n in range(1, MAX_SIGNALS + 1)]
        entry["ndcg_vs_0_signals"] = [paired_test(oof_ndcg[rows, 0], oof_ndcg[rows, n]).to_dict()
                                      for n in range(1, MAX_SIGNALS + 1)]
        report.per_catalog[catalog] = entry
    return report
