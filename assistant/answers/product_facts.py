"""Catalog facts about one product, as cards for the UI and as lines the model may quote.

Cards are built from structured catalog fields only, never from model text; "why it matches"
lists the shopper's constraints the product satisfies.
"""

from __future__ import annotations

from typing import Any

from assistant.safety.untrusted_text import is_steering
from assistant.tools.results import ProductCard
from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters


def attr_label(key: str) -> str:
    return key.replace("_", " ").strip()


def attr_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def stock_text(product: Product) -> str:
    if product.in_stock is None:
        return "stock unknown"
    return "in stock" if product.in_stock else "out of stock"


def why_it_matches(product: Product, filters: SearchFilters | None) -> list[str]:
    if filters is None:
        return []
    why = []
    if filters.max_price is not None and product.price is not None:
        why.append(f"{product.display_price()} is within your ${filters.max_price:g} limit")
    if filters.min_price is not None and product.price is not None:
        why.append(f"at least ${filters.min_price:g}")
    if filters.brands and product.brand:
        why.append(f"brand {product.brand}")
    if filters.exclude_brands and product.brand:
        why.append("not " + ", ".join(filters.exclude_brands))
    if filters.colour and product.colour:
        why.append(f"colour {product.colour}")
    if filters.category:
        why.append(f"in {filters.category}")
    if filters.min_rating is not None and product.rating is not None:
        why.append(f"rated {product.rating:g} (≥ {filters.min_rating:g})")
    if filters.in_stock and product.in_stock:
        why.append("in stock")
    return why


def card(product: Product, filters: SearchFilters | None = None, position: int | None = None) -> ProductCard:
    specs = {attr_label(k): attr_value(v) for k, v in product.attributes.items() if not is_steering(f"{k} {v}")}
    return ProductCard(position, product.id, product.title, product.brand, " > ".join(product.category),
                       product.price, product.display_price(), product.rating, product.rating_count,
                       product.in_stock, stock_text(product), dict(list(specs.items())[:4]), product.image_url,
                       why_it_matches(product, filters))


def summary_line(product: Product, position: int | None = None) -> str:
    """One line per product for the model: title | price | rating | stock."""
    head = f"{position}. " if position is not None else ""
    rating = f"{product.rating:g} stars" if product.rating is not None else "no rating"
    return f"{head}{product.title} | {product.display_price()} | {rating} | {stock_text(product)}"


def fact_lines(product: Product) -> list[str]:
    """Every quotable fact about a product, one per line ("label: value")."""
    lines = [f"price: {product.display_price()}"]
    if product.brand:
        lines.append(f"brand: {product.brand}")
    if product.rating is not None:
        count = f" from {product.rating_count} reviews" if product.rating_count else ""
        lines.append(f"rating: {product.rating:g} out of 5{count}")
    lines.append(f"availability: {stock_text(product)}")
    if product.category:
        lines.append(f"category: {' > '.join(product.category)}")
    lines.extend(f"{attr_label(k)}: {attr_value(v)}" for k, v in product.attributes.items()
                 if not is_steering(f"{k} {v}"))
    return lines
