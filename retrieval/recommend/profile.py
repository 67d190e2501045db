"""A shopper's preference profile, built from what they do, and how it reorders what they asked for.

Signals (``Signal``) are the shopper's own actions and words: a thumbs up or down on a product or on a
reply that showed it, a product added to the cart, asked about or compared, a stated preference ("I
prefer Sony"). The profile keeps, per brand and per colour, the sum of the signals' weights, and the
prices of the products liked (the shopper's price band). ``Personalizer`` adds ``weight`` times the
profile's affinity for each candidate to the search's min-max normalised scores: it only reorders the
products the search returned, so it never overrides a hard filter the shopper asked for, and with an
empty profile or ``weight`` 0 the order is the search's. The weight is chosen by the simulated-shopper
evaluation (``retrieval/evaluation/personalization_eval.py``), not by hand.

A profile is plain data (``to_json``/``from_json``) so the store can keep it for a returning shopper,
show it ("why am I seeing this?") and delete it ("forget me").
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path

from retrieval.catalog.product import Product
from retrieval.filters import norm
from retrieval.fusion import min_max

MAX_PRICES = 20  # liked prices kept (the newest)


class SignalKind(StrEnum):
    THUMBS_UP = "thumbs_up"
    THUMBS_DOWN = "thumbs_down"
    ADDED_TO_CART = "added_to_cart"
    ASKED_ABOUT = "asked_about"
    COMPARED = "compared"
    CLICKED = "clicked"                  # "more like this" on a card, and other clicks on a product
    STATED_BRAND = "stated_brand"        # "I prefer Sony"
    STATED_NOT_BRAND = "stated_not_brand"  # "I don't like Sony"


SIGNAL_WEIGHTS: dict[SignalKind, float] = {
    SignalKind.THUMBS_UP: 1.0, SignalKind.THUMBS_DOWN: -1.0, SignalKind.ADDED_TO_CART: 1.0,
    SignalKind.ASKED_ABOUT: 0.3, SignalKind.COMPARED: 0.2, SignalKind.CLICKED: 0.5, SignalKind.STATED_BRAND: 1.5,
    SignalKind.STATED_NOT_BRAND: -1.5,
}


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    product: Product | None = None  # the product acted on (None for a stated preference)
    brand: str | None = None        # a stated brand


@dataclass
class PreferenceProfile:
    brands: dict[str, float] = field(default_factory=dict)   # normalised brand -> summed signal weight
    colours: dict[str, float] = field(default_factory=dict)  # normalised colour -> summed signal weight
    prices: list[float] = field(default_factory=list)        # prices of liked products (newest last)
    signals: int = 0

    @property
    def empty(self) -> bool:
        return self.signals == 0

    def add(self, signal: Signal) -> None:
        weight = SIGNAL_WEIGHTS[signal.kind]
        self.signals += 1
        brand = signal.brand or (signal.product.brand if signal.product else None)
        if brand:
            key = norm(brand)
            self.brands[key] = round(self.brands.get(key, 0.0) + weight, 4)
        product = signal.product
        if product is None:
            return
        if product.colour:
            key = norm(product.colour)
            self.colours[key] = round(self.colours.get(key, 0.0) + weight, 4)
        if weight > 0 and product.price:
            self.prices = [*self.prices, float(product.price)][-MAX_PRICES:]

    def price_anchor(self) -> float | None:
        """The geometric mean of liked prices: the middle of the shopper's price band."""
        if not self.prices:
            return None
        return math.exp(sum(math.log(p) for p in self.prices) / len(self.prices))

    def affinity(self, product: Product) -> tuple[float, list[str]]:
        """How well a product fits the profile, in [-1, 1] per part (brand, colour, price), with the reasons."""
        total, why = 0.0, []
        if product.brand and (b := self.brands.get(norm(product.brand))):
            total += math.tanh(b)
            why.append(f"you liked {product.brand}" if b > 0 else f"you passed on {product.brand}")
        if product.colour and (c := self.colours.get(norm(product.colour))):
            total += 0.5 * math.tanh(c)
            if c > 0:
                why.append(f"you liked {product.colour.lower()} ones")
        anchor = self.price_anchor()
        if anchor and product.price:
            closeness = max(0.0, 1.0 - abs(math.log(product.price / anchor)) / math.log(3.0))
            total += 0.5 * (closeness - 0.5)
            if closeness > 0.75:
                why.append(f"near the prices you liked (about ${anchor:,.0f})")
        return total, why

    def explain(self) -> list[str]:
        """What the profile holds, in words ("why am I seeing this?")."""
        if self.empty:
            return []
        lines = []
        liked = sorted((b for b, w in self.brands.items() if w > 0), key=lambda b: -self.brands[b])
        disliked = sorted((b for b, w in self.brands.items() if w < 0), key=lambda b: self.brands[b])
        if liked:
            lines.append("brands you liked: " + ", ".join(liked[:5]))
        if disliked:
            lines.append("brands you passed on: " + ", ".join(disliked[:5]))
        colours = sorted((c for c, w in self.colours.items() if w > 0), key=lambda c: -self.colours[c])
        if colours:
            lines.append("colours you liked: " + ", ".join(colours[:3]))
        if (anchor := self.price_anchor()) is not None:
            lines.append(f"prices you liked: around ${anchor:,.0f}")
        lines.append(f"from {self.signals} signal(s) in your sessions")
        return lines

    def to_json(self) -> str:
        return json.dumps({"brands": self.brands, "colours": self.colours, "prices": self.prices,
                           "signals": self.signals})

    @classmethod
    def from_json(cls, text: str) -> PreferenceProfile:
        data = json.loads(text)
        return cls({str(k): float(v) for k, v in data.get("brands", {}).items()},
                   {str(k): float(v) for k, v in data.get("colours", {}).items()},
                   [float(p) for p in data.get("prices", [])][-MAX_PRICES:], int(data.get("signals", 0)))


def default_path() -> Path:
    return Path(str(resources.files("retrieval") / "data" / "personalization.json"))


@dataclass(frozen=True)
class Personalizer:
    """The profile's affinity added to search scores with ``weight`` (0: off)."""

    weight: float = 0.0

    @classmethod
    def load(cls, path: Path | None = None) -> Personalizer:
        path = path or default_path()
        if not path.exists():
            return cls()
        return cls(float(json.loads(path.read_text()).get("weight", 0.0)))

    def save(self, path: Path, report: Mapping | None = None) -> None:
        path.write_text(json.dumps({"weight": self.weight} | dict(report or {}), indent=2) + "\n")

    def rescore(self, scores: Mapping[str, float], products: Mapping[str, Product],
                profile: PreferenceProfile | None) -> dict[str, float]:
        """Scores with the profile's affinity added; the same order when there is nothing to add."""
        if profile is None or profile.empty or not self.weight or not scores:
            return dict(scores)
        base = min_max(scores)
        return {pid: base[pid] + self.weight * (profile.affinity(products[pid])[0] if pid in products else 0.0)
                for pid in scores}

    def reorder(self, products: list[Product], profile: PreferenceProfile | None) -> list[Product]:
        """Products already in the search's order, reordered by rank score plus affinity."""
        if profile is None or profile.empty or not self.weight or len(products) < 2:
            return products
        scores = {p.id: -float(i) for i, p in enumerate(products)}
        rescored = self.rescore(scores, {p.id: p for p in products}, profile)
        return sorted(products, key=lambda p: -rescored[p.id])
