"""What a tool returns besides its text for the model: the typed artifact of langchain's ``ToolMessage``.

The UI renders it, the template replies are built from it, the grounding check reads its
``sources()``, and the test harnesses assert on it. Everything in it comes from catalog fields or
the store, never from model text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from assistant.storage import CartLine, Order
from retrieval.filters import SearchFilters

Direction = Literal["most", "least"]
Status = Literal["ok", "empty", "error", "unknown", "declined", "added", "out_of_stock", "needs_confirmation",
                 "removed", "absent", "not_found"]


@dataclass(frozen=True)
class ProductCard:
    """One product as the shopper sees it; ``why`` lists the shopper's constraints it meets."""

    position: int | None
    id: str
    title: str
    brand: str | None
    category: str
    price: float | None
    display_price: str
    rating: float | None
    rating_count: int | None
    in_stock: bool | None
    stock: str
    specs: dict[str, str] = field(default_factory=dict)
    image_url: str | None = None
    why: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RecoveryOffer:
    """One way out of zero results, as the shopper would say it: label "Search without the $5 price limit",
    say "yes" (the pending relaxed search) or "any colour"."""

    label: str
    say: str


SORT_WORDS = {"price_asc": "cheapest first", "price_desc": "most expensive first", "rating_desc": "best rated first"}


@dataclass(frozen=True)
class SearchEcho:
    """What a search ran with: the query, its filters, and (after zero results) the constraint it dropped."""

    query: str
    filters: SearchFilters
    relaxed: str | None = None  # the one constraint whose removal brought back the closest matches
    derived: tuple[str, ...] = ()  # constraints the agent derived ("cheaper") rather than the shopper stated
    sort: str | None = None        # a key of SORT_WORDS; None: best match first

    @property
    def sort_words(self) -> str | None:
        return SORT_WORDS.get(self.sort) if self.sort else None

    @property
    def applied(self) -> dict[str, Any]:
        """The filters that are on (not at their defaults), by name."""
        return self.filters.model_dump(exclude_defaults=True)


@dataclass(frozen=True)
class SimilarEcho:
    """What a "more like this" ran with: the product the others are like, and the hard filters applied."""

    source_id: str
    source_title: str
    filters: SearchFilters
    source_price: float | None = None

    @property
    def applied(self) -> dict[str, Any]:
        return self.filters.model_dump(exclude_defaults=True)


@dataclass(frozen=True)
class AccessoryEcho:
    """What a "what goes with it?" answered: for which product, in which direction, and on what evidence."""

    source_id: str
    source_title: str
    direction: Literal["accessories", "fits"]  # accessories for a device / devices an accessory fits
    evidence: Literal["compatibility", "carts", "text", "none"]  # catalog lists / other shoppers' carts /
    # named in text / nothing known
    related: tuple[str, ...] = ()  # product types often bought for this one's type (when nothing is known)


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    values: list[str]  # one per compared product, in the order of the result's products

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass(frozen=True)
class Comparison:
    keys: list[str]  # the attributes every compared product has, shown side by side
    cheapest: str | None = None  # "title (price)"
    best_rated: str | None = None  # "title (N stars)"
    rows: list[ComparisonRow] = field(default_factory=list)  # the side-by-side table: price, rating, stock, specs


@dataclass(frozen=True)
class ShownValue:
    position: int
    product_id: str
    title: str
    value: str | None  # as the catalog has it; None: not listed
    number: float | None


@dataclass(frozen=True)
class ShownPick:
    """The answer: the property compared, the direction, every shown product's value, the winners."""

    label: str               # "price", "rating" or an attribute label ("battery life hours")
    direction: Direction
    word: str                # the shopper's superlative ("lightest", "most")
    values: tuple[ShownValue, ...]

    @property
    def winners(self) -> list[ShownValue]:
        numbered = [v for v in self.values if v.number is not None]
        if not numbered:
            return []
        best = (max if self.direction == "most" else min)(v.number for v in numbered)
        return [v for v in numbered if v.number == best]


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]

    @property
    def total(self) -> float:
        return round(sum(line.subtotal or 0 for line in self.lines), 2)


@dataclass(frozen=True)
class ToolResult:
    tool: str
    status: Status
    message: str
    products: list[ProductCard] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    search: SearchEcho | None = None
    similar: SimilarEcho | None = None
    accessories: AccessoryEcho | None = None
    comparison: Comparison | None = None
    pick: ShownPick | None = None
    cart: CartView | None = None
    order: Order | None = None
    question: str | None = None
    topic: str | None = None
    error: Literal["invalid_arguments", "lookup"] | None = None

    def sources(self) -> list[str]:
        """The strings a reply may draw facts from (besides the tool text the model read)."""
        return [*self.facts, *(f"{p.title} {p.display_price}" for p in self.products)]
