"""A synthetic catalog of any size drawn from real catalogs' distributions (the 1M-product scale benchmark).

``CatalogModel.fit(products)`` learns, per category path: how often it occurs, its brands, prices, ratings,
rating counts, stock levels and, per attribute name, the values seen. ``generate(n, seed)`` then draws
products: a category by frequency; a real product of that category as the template for the title,
description and attribute names; a brand, price, rating and stock from the category's own distributions;
each attribute value from the template (half the time) or from the category's values for that name; and
fresh model numbers (same letter/digit shape) in the title and description, so no two texts repeat and an
embedding cache cannot shortcut the build. The same seed gives the same catalog.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from retrieval.catalog.product import AttributeValue, Product

MODEL_NUMBER = re.compile(r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]{3,}\b")
MAX_DESCRIPTION = 600  # characters of the template's description kept


@dataclass
class CategoryStats:
    templates: list[Product] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    prices: list[float] = field(default_factory=list)
    ratings: list[float] = field(default_factory=list)
    rating_counts: list[int] = field(default_factory=list)
    stocks: list[int] = field(default_factory=list)
    values: dict[str, list[AttributeValue]] = field(default_factory=dict)

    def add(self, product: Product) -> None:
        self.templates.append(product)
        if product.brand:
            self.brands.append(product.brand)
        if product.price is not None:
            self.prices.append(product.price)
        if product.rating is not None:
            self.ratings.append(product.rating)
        if product.rating_count is not None:
            self.rating_counts.append(product.rating_count)
        if product.stock is not None:
            self.stocks.append(product.stock)
        for name, value in product.attributes.items():
            self.values.setdefault(name, []).append(value)


def fresh_model_number(token: str, rng: random.Random) -> str:
    """The same shape (letters, digits, dashes in place) with new characters: "WH-1000XM4" -> "QT-4821RB7"."""
    out = []
    for ch in token:
        if ch.isdigit():
            out.append(rng.choice("0123456789"))
        elif ch.isalpha():
            letter = rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
            out.append(letter if ch.isupper() else letter.lower())
        else:
            out.append(ch)
    return "".join(out)


class CatalogModel:
    """Per-category distributions of real products, and products drawn from them."""

    def __init__(self, categories: dict[tuple[str, ...], CategoryStats]) -> None:
        if not categories:
            raise ValueError("no products to learn a catalog from")
        self.categories = categories
        self._paths = list(categories)
        self._weights = [len(categories[c].templates) for c in self._paths]

    @classmethod
    def fit(cls, products: Iterable[Product]) -> CatalogModel:
        categories: dict[tuple[str, ...], CategoryStats] = {}
        for product in products:
            categories.setdefault(product.category, CategoryStats()).add(product)
        return cls(categories)

    def _renumber(self, text: str, template_brand: str | None, brand: str | None, rng: random.Random,
                  numbers: dict[str, str]) -> str:
        if template_brand and brand and template_brand != brand:
            text = re.sub(re.escape(template_brand), lambda _: brand, text, flags=re.IGNORECASE)

        def swap(match: re.Match) -> str:
            token = match.group(0)
            if token not in numbers:
                numbers[token] = fresh_model_number(token, rng)
            return numbers[token]

        return MODEL_NUMBER.sub(swap, text)

    def product(self, index: int, rng: random.Random) -> Product:
        path = rng.choices(self._paths, weights=self._weights)[0]
        stats = self.categories[path]
        template = rng.choice(stats.templates)
        brand = rng.choice(stats.brands) if stats.brands else None
        numbers: dict[str, str] = {}  # one new model number per old one, shared by title and description
        title = self._renumber(template.title, template.brand, brand, rng, numbers)
        description = self._renumber(template.description[:MAX_DESCRIPTION], template.brand, brand, rng, numbers)
        attributes = {name: value if rng.random() < 0.5 else rng.choice(stats.values[name])
                      for name, value in template.attributes.items()}
        price = None
        if stats.prices:
            price = round(max(0.5, rng.choice(stats.prices) * rng.lognormvariate(0.0, 0.15)), 2)
        return Product(
            id=f"syn-{index:07d}", title=title, description=description, brand=brand, category=path, price=price,
            currency=template.currency,
            rating=rng.choice(stats.ratings) if stats.ratings else None,
            rating_count=rng.choice(stats.rating_counts) if stats.rating_counts else None,
            attributes=attributes,
            stock=rng.choice(stats.stocks) if stats.stocks else None,
        )

    def generate(self, n: int, seed: int = 0) -> Iterator[Product]:
        rng = random.Random(seed)
        for index in range(n):
            yield self.product(index, rng)
