"""The one product shape every part of Aisle speaks.

Everything the assistant says about a product (name, price, spec) is read from these fields, so
validation here is what keeps replies grounded: a row that cannot become a `Product` never
reaches the index.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

AttributeValue = str | float | int | bool

# Attribute names that carry a product's colour in the formats we load.
COLOUR_KEYS = ("color", "colour", "product_colour", "product_color", "attr_t_product_colour", "attr_t_colour")


class Product(BaseModel):
    """A catalog item; ``price`` is in major currency units (e.g. dollars), never cents."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=1_000)
    description: str = ""
    brand: str | None = None
    category: tuple[str, ...] = ()
    price: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    rating: float | None = Field(default=None, ge=0, le=5)
    rating_count: int | None = Field(default=None, ge=0)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    image_url: str | None = None
    stock: int | None = Field(default=None, ge=0, description="Units in stock; None when unknown.")

    @field_validator("id", "title", mode="before")
    @classmethod
    def _strip_required(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("must not be empty")
        return value

    @field_validator("price", mode="before")
    @classmethod
    def _finite_price(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValueError("price must be a number")
        if isinstance(value, str):
            cleaned = value.strip().replace("$", "").replace(",", "")
            try:
                value = float(cleaned)
            except ValueError as exc:
                raise ValueError(f"price {value!r} is not a number") from exc
        if isinstance(value, int | float) and not math.isfinite(float(value)):
            raise ValueError("price must be finite")
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category_path(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(">", "/").split("/")]
            return tuple(p for p in parts if p)
        return tuple(str(p).strip() for p in value if str(p).strip())

    @property
    def in_stock(self) -> bool | None:
        return None if self.stock is None else self.stock > 0

    @property
    def colour(self) -> str | None:
        for key in COLOUR_KEYS:
            value = self.attributes.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    def content_hash(self) -> str:
        """Hash of everything that feeds the index, so re-indexing embeds only changed products."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    def display_price(self) -> str:
        if self.price is None:
            return "price unavailable"
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(self.currency, self.currency + " ")
        return f"{symbol}{self.price:,.2f}"
