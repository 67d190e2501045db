"""Argument schemas of every tool: what the model may ask for, validated before anything runs.

Product references accept a 1-based ``position`` in the list last shown to the shopper (what "the
second one" means) or a catalog ``product_id``; the dialogue state resolves either.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from retrieval.filters import listify

POLICY_TOPICS = ("returns", "shipping", "warranty", "payment", "price_match", "privacy")


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


Sort = Literal["relevance", "price_asc", "price_desc", "rating_desc"]


class SearchProductsArgs(_Args):
    """Find products. With refine=true the new constraints are applied on top of the current search."""

    query: str | None = Field(default=None, max_length=300, description="What to look for, in words.")
    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    brands: list[str] = Field(default_factory=list, description="Only these brands.")
    exclude_brands: list[str] = Field(default_factory=list, description="Never these brands.")
    category: str | None = None
    colour: str | None = None
    min_rating: float | None = Field(default=None, ge=0, le=5)
    in_stock: bool | None = None
    refine: bool = Field(default=False, description="Keep the current constraints and change only these.")
    cheaper: bool = Field(default=False, description="Only products cheaper than the ones shown.")
    clear: list[Literal["price", "brand", "colour", "rating", "stock"]] = Field(
        default_factory=list, description="Constraints of the current search to drop (\"any price\", \"any brand\").")
    sort: Sort | None = Field(default=None, description="Order of the results: price_asc (cheapest first), "
                              "price_desc (most expensive first), rating_desc (best rated first), relevance (best "
                              "match first, the default).")

    _listify = field_validator("brands", "exclude_brands", mode="before")(listify)


class ProductRef(_Args):
    position: int | None = Field(default=None, ge=1, le=50, description="1-based position in the shown list.")
    product_id: str | None = Field(default=None, max_length=200)


class GetProductArgs(ProductRef):
    """Details of one product."""


class CompareProductsArgs(_Args):
    """Compare two to four products side by side."""

    positions: list[int] = Field(default_factory=list, max_length=4)
    product_ids: list[str] = Field(default_factory=list, max_length=4)


class AnswerProductQuestionArgs(ProductRef):
    """Answer a question about one product from its catalog attributes and description only."""

    question: str = Field(min_length=1, max_length=500)


class SimilarProductsArgs(ProductRef):
    """Products like one shown product ("more like the second one"); cheaper=true keeps only cheaper ones, and
    the other constraints work as in search_products."""

    cheaper: bool = Field(default=False, description="Only products cheaper than the one they are like.")
    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    brands: list[str] = Field(default_factory=list, description="Only these brands.")
    exclude_brands: list[str] = Field(default_factory=list, description="Never these brands.")
    colour: str | None = None
    in_stock: bool | None = None

    _listify = field_validator("brands", "exclude_brands", mode="before")(listify)


class FindAccessoriesArgs(ProductRef):
    """What goes with one shown product: accessories and supplies the catalog lists as fitting it (or, for an
    accessory, the products it fits)."""


class PickFromShownArgs(_Args):
    """Which of the shown products has the most or least of something ("which of these has the most memory?",
    "which one is the lightest?"), from catalog values only."""

    question: str = Field(min_length=1, max_length=300, description="The shopper's question, verbatim.")
    positions: list[int] = Field(default_factory=list, max_length=10,
                                 description="1-based positions to choose among; empty: every product shown.")


class AddToCartArgs(ProductRef):
    """Add a product to the cart; the shopper must confirm first (confirm=true answers our question)."""

    quantity: int = Field(default=1, ge=1, le=20)
    confirm: bool | None = Field(default=None, description="true/false: the shopper's answer to our question.")


class RemoveFromCartArgs(ProductRef):
    """Remove a product from the cart (position counts cart lines)."""


class ViewCartArgs(_Args):
    """Show the cart."""


class OrderStatusArgs(_Args):
    """Status of an order; the order id and the e-mail on the order must both match."""

    order_id: str = Field(min_length=1, max_length=40)
    email: str = Field(min_length=3, max_length=254)


class StorePolicyArgs(_Args):
    """The store's policy on a topic."""

    topic: Literal["returns", "shipping", "warranty", "payment", "price_match", "privacy"]


class AskClarificationArgs(_Args):
    """Ask the shopper a question when the request is too vague to act on."""

    question: str = Field(min_length=1, max_length=300)


TOOL_ARGS: dict[str, type[_Args]] = {
    "search_products": SearchProductsArgs,
    "get_product": GetProductArgs,
    "compare_products": CompareProductsArgs,
    "similar_products": SimilarProductsArgs,
    "find_accessories": FindAccessoriesArgs,
    "pick_from_shown": PickFromShownArgs,
    "answer_product_question": AnswerProductQuestionArgs,
    "add_to_cart": AddToCartArgs,
    "remove_from_cart": RemoveFromCartArgs,
    "view_cart": ViewCartArgs,
    "order_status": OrderStatusArgs,
    "store_policy": StorePolicyArgs,
    "ask_clarification": AskClarificationArgs,
}

# The tools an in-process model is offered (prompt and grammar): the ones the shipped adapter was trained to call.
# The recommendation tools and ``pick_from_shown`` are reached through the dialogue rules
# (``state_rules.similar_asked``, ``accessories_asked``, ``superlative_asked``) until an adapter is trained on
# them; a served model (vLLM, TGI, OpenAI) is offered all.
MODEL_TOOLS: tuple[str, ...] = ("search_products", "get_product", "compare_products", "answer_product_question",
                                "add_to_cart", "remove_from_cart", "view_cart", "order_status", "store_policy",
                                "ask_clarification")
MODEL_TOOL_ARGS: dict[str, type[_Args]] = {name: TOOL_ARGS[name] for name in MODEL_TOOLS}
