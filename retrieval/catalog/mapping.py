"""Column mappings: how a foreign row becomes `Product` fields.

A user's CSV/JSONL/Parquet rarely uses our field names; a `ColumnMapping` says which column holds
what, so the same validation and reject reporting applies to every source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from retrieval.catalog.product import AttributeValue


class ColumnMapping(BaseModel):
    """Our field -> the source column. Unmapped columns become attributes when ``extra_as_attributes``."""

    id: str = "id"
    title: str = "title"
    description: list[str] = Field(default_factory=lambda: ["description"])
    brand: str | None = "brand"
    category: str | None = "category"
    price: str | None = "price"
    price_scale: float = Field(default=1.0, description="0.01 when prices are in cents.")
    currency: str | None = "currency"
    default_currency: str = "USD"
    rating: str | None = "rating"
    rating_count: str | None = "rating_count"
    image_url: str | None = "image_url"
    stock: str | None = "stock"
    attributes: str | None = Field(default="attributes", description="Column holding a dict of attributes.")
    attribute_prefixes: list[str] = Field(default_factory=list, description="Columns with these prefixes.")
    extra_as_attributes: bool = True

    @classmethod
    def from_file(cls, path: Path) -> ColumnMapping:
        return cls.model_validate(json.loads(path.read_text()))

    def mapped_columns(self) -> set[str]:
        cols = {self.id, self.title, *self.description}
        for name in ("brand", "category", "price", "currency", "rating", "rating_count", "image_url", "stock",
                     "attributes"):
            value = getattr(self, name)
            if value:
                cols.add(value)
        return cols


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _attribute_value(value: Any) -> AttributeValue | None:
    if _blank(value):
        return None
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if not _blank(v)) or None
    return str(value).strip()


def _number(value: Any, scale: float = 1.0) -> Any:
    if _blank(value):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace("$", "").replace(",", ""))
        except ValueError:
            return value  # left for Product validation to reject with a clear message
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value * scale, 2) if scale != 1.0 else value
    return value


def apply_mapping(row: dict[str, Any], mapping: ColumnMapping) -> dict[str, Any]:
    """Product keyword arguments from a raw row."""
    description = "\n".join(str(row[c]).strip() for c in mapping.description if not _blank(row.get(c)))
    fields: dict[str, Any] = {
        "id": row.get(mapping.id),
        "title": row.get(mapping.title),
        "description": description,
    }
    if mapping.brand and not _blank(row.get(mapping.brand)):
        fields["brand"] = str(row[mapping.brand]).strip()
    if mapping.category and not _blank(row.get(mapping.category)):
        fields["category"] = row[mapping.category]
    if mapping.price:
        fields["price"] = _number(row.get(mapping.price), mapping.price_scale)
    fields["currency"] = (
        str(row[mapping.currency]).strip().upper()
        if mapping.currency and not _blank(row.get(mapping.currency))
        else mapping.default_currency
    )
    for name in ("rating", "rating_count", "stock"):
        column = getattr(mapping, name)
        if column:
            value = _number(row.get(column))
            if name != "rating" and isinstance(value, float) and value.is_integer():
                value = int(value)
            fields[name] = value
    if mapping.image_url and not _blank(row.get(mapping.image_url)):
        fields["image_url"] = str(row[mapping.image_url]).strip()

    attributes: dict[str, AttributeValue] = {}
    raw_attrs = row.get(mapping.attributes) if mapping.attributes else None
    if isinstance(raw_attrs, str) and raw_attrs.strip().startswith("{"):
        raw_attrs = json.loads(raw_attrs)
    if isinstance(raw_attrs, dict):
        for key, value in raw_attrs.items():
            if (clean := _attribute_value(value)) is not None:
                attributes[str(key)] = clean
    known = mapping.mapped_columns()
    for key, value in row.items():
        if key in known:
            continue
        prefix = next((p for p in mapping.attribute_prefixes if key.startswith(p)), None)
        if prefix is None and not mapping.extra_as_attributes:
            continue
        name = key[len(prefix):] if prefix else key
        if (clean := _attribute_value(value)) is not None:
            attributes[name] = clean
    fields["attributes"] = attributes
    return fields
