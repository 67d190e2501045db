"""Hard search filters, applied identically by the dense (Chroma) and lexical (SQLite) stages."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from retrieval.catalog.product import Product


def listify(value: Any) -> Any:
    """One brand given as a string (or nothing) means a list of it (or an empty list)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def norm(value: str) -> str:
    return " ".join(value.lower().split())


# colour names a title states where the catalog gives no colour ("HP 564 Magenta Original", "TN-11BK ... Original
# Black"); "black and white" is a kind of printing, not two colours
TITLE_COLOURS = frozenset("""black white grey gray silver blue red green yellow cyan magenta pink purple orange brown
beige gold transparent navy teal violet turquoise bronze copper ivory cream khaki maroon burgundy charcoal
graphite""".split())
_MONO = re.compile(r"\bblack\s*(?:&|and|/|\+)\s*white\b|\bb\s*&\s*w\b", re.I)
_COLOUR_SPLIT = re.compile(r"\s*(?:,|/|&|\+|\band\b)\s*")
_WORD = re.compile(r"[a-z]+")


def colours_of(product: Product) -> list[str]:
    """The colours a product filters as: its colour attribute as written and, when it names several, each of them
    ("Black,Silver" -> "black,silver", "black", "silver"); without the attribute, the colour words of its title that
    are not its brand's. Empty when neither says."""
    if product.colour:
        whole = norm(product.colour)
        parts = [norm(part) for part in _COLOUR_SPLIT.split(whole) if part.strip()]
        return list(dict.fromkeys([whole, *parts]))
    brand = set(_WORD.findall((product.brand or "").lower()))
    words = _WORD.findall(_MONO.sub(" ", product.title.lower()))
    return list(dict.fromkeys(w for w in words if w in TITLE_COLOURS and w not in brand))


class SearchFilters(BaseModel):
    """Constraints every returned product must satisfy; an empty filter matches everything."""

    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    brands: list[str] = Field(default_factory=list, description="Any of these brands.")
    exclude_brands: list[str] = Field(default_factory=list)
    category: str | None = Field(default=None, description="Matches any level of the category path.")
    colour: str | None = None
    min_rating: float | None = Field(default=None, ge=0, le=5)
    in_stock: bool = Field(default=False, description="Drop products known to be out of stock.")

    _listify = field_validator("brands", "exclude_brands", mode="before")(listify)

    @model_validator(mode="after")
    def _price_order(self) -> SearchFilters:
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError(f"min_price {self.min_price} is above max_price {self.max_price}")
        return self


    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.min_price is not None:
            clauses.append({"price": {"$gte": self.min_price}})
        if self.max_price is not None:
            clauses.append({"price": {"$lte": self.max_price}})
            clauses.append({"price": {"$gte": 0}})  # unknown prices are stored as -1
        if self.brands:
            clauses.append({"brand": {"$in": [norm(b) for b in self.brands]}})
        if self.exclude_brands:
            clauses.append({"brand": {"$nin": [norm(b) for b in self.exclude_brands]}})
        if self.category:
            clauses.append({"category": {"$contains": norm(self.category)}})
        if self.colour:
            clauses.append({"colour": {"$contains": norm(self.colour)}})
        if self.min_rating is not None:
            clauses.append({"rating": {"$gte": self.min_rating}})
        if self.in_stock:
            clauses.append({"stock_state": {"$ne": "out"}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def sql_where(self) -> tuple[str, list[Any]]:
        """A WHERE fragment over the `products` table of the lexical store."""
        sql: list[str] = []
        args: list[Any] = []
        if self.min_price is not None:
            sql.append("p.price >= ?")
            args.append(self.min_price)
        if self.max_price is not None:
            sql.append("p.price <= ? AND p.price >= 0")
            args.append(self.max_price)
        if self.brands:
            sql.append(f"p.brand IN ({','.join('?' * len(self.brands))})")
            args.extend(norm(b) for b in self.brands)
        if self.exclude_brands:
            sql.append(f"p.brand NOT IN ({','.join('?' * len(self.exclude_brands))})")
            args.extend(norm(b) for b in self.exclude_brands)
        if self.category:
            sql.append("EXISTS (SELECT 1 FROM json_each(p.category) WHERE value = ?)")
            args.append(norm(self.category))
        if self.colour:  # a JSON list of the product's colours (``colours_of``); a plain string in stores before v2
            sql.append("(instr(p.colour, ?) > 0 OR p.colour = ?)")  # the quoted element: '"black"' is not '"black,'
            args.extend([json.dumps(norm(self.colour)), norm(self.colour)])
        if self.min_rating is not None:
            sql.append("p.rating >= ?")
            args.append(self.min_rating)
        if self.in_stock:
            sql.append("p.stock_state != 'out'")
        return (" AND ".join(sql) or "1=1"), args

    def matches(self, product: Product) -> bool:
        """The same rules in Python, for checking results (tests, dialogue assertions)."""
        meta = filter_metadata(product)
        if self.min_price is not None and meta["price"] < self.min_price:
            return False
        if self.max_price is not None and not (0 <= meta["price"] <= self.max_price):
            return False
        if self.brands and meta["brand"] not in {norm(b) for b in self.brands}:
            return False
        if self.exclude_brands and meta["brand"] in {norm(b) for b in self.exclude_brands}:
            return False
        if self.category and norm(self.category) not in meta["category"]:
            return False
        if self.colour and norm(self.colour) not in meta["colour"]:
            return False
        if self.min_rating is not None and meta["rating"] < self.min_rating:
            return False
        return not (self.in_stock and meta["stock_state"] == "out")


def filter_metadata(product: Product) -> dict[str, Any]:
    """Filterable fields in the normalised form both stores index (unknown numbers are -1)."""
    stock_state = "unknown" if product.stock is None else ("in" if product.stock > 0 else "out")
    return {
        "price": float(product.price) if product.price is not None else -1.0,
        "brand": norm(product.brand) if product.brand else "",
        "category": [norm(c) for c in product.category] or [""],
        "colour": colours_of(product) or [""],
        "rating": float(product.rating) if product.rating is not None else -1.0,
        "stock_state": stock_state,
    }
