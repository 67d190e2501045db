"""What a catalog load kept and what it rejected, with the line and the reason for each reject."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.catalog.product import Product


@dataclass(frozen=True)
class Reject:
    source: str
    line: int
    reason: str
    row_id: str | None = None

    def __str__(self) -> str:
        ident = f" (id {self.row_id})" if self.row_id else ""
        return f"{self.source}:{self.line}{ident}: {self.reason}"


@dataclass
class LoadReport:
    """Products that loaded, rows that did not; duplicates keep the first occurrence."""

    source: str
    products: list[Product] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set, repr=False)

    def accept(self, product: Product, line: int) -> None:
        if product.id in self._seen:
            self.reject(line, f"duplicate id {product.id!r} (first occurrence kept)", product.id)
            return
        self._seen.add(product.id)
        self.products.append(product)

    def reject(self, line: int, reason: str, row_id: str | None = None) -> None:
        self.rejects.append(Reject(self.source, line, reason, row_id))

    @property
    def ok(self) -> bool:
        return not self.rejects
