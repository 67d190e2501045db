"""A simulated shopper: a target product from the catalog, a request built from its attributes, and
random follow-ups, with the state the shopper expects tracked by the shopper itself.

The shopper sees what a person sees (the numbered products on screen and the cart), never the
agent's internal state, and expects what a person would: every product shown meets everything they
asked for so far, "#2" is the second product on screen, the cart changes only after they said yes.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from enum import StrEnum

from harness.simulator import phrases as ph
from retrieval.catalog.product import Product
from retrieval.product_types import ProductTypes, type_names


class TurnKind(StrEnum):
    OPEN = "open"
    LOWER_PRICE = "lower_price"
    BRAND = "brand"
    EXCLUDE = "exclude"
    COLOUR = "colour"
    CHEAPER = "cheaper"
    QUESTION = "question"
    COMPARE = "compare"
    ADD = "add"
    CONFIRM = "confirm"
    DECLINE = "decline"
    OFF_TOPIC = "off_topic"
    NOTHING_PENDING = "nothing_pending"
    POLICY = "policy"
    ORDER = "order"
    NEW_TYPE = "new_type"
    SORT = "sort"
    SIMILAR = "similar"


SEARCH_KINDS = frozenset({TurnKind.OPEN, TurnKind.LOWER_PRICE, TurnKind.BRAND, TurnKind.EXCLUDE, TurnKind.COLOUR,
                          TurnKind.CHEAPER, TurnKind.NEW_TYPE, TurnKind.SORT})
# the tools a turn of each kind may be answered with
EXPECTED_TOOLS: dict[TurnKind, frozenset[str]] = {
    **{k: frozenset({"search_products"}) for k in SEARCH_KINDS},
    TurnKind.QUESTION: frozenset({"answer_product_question", "get_product"}),
    TurnKind.COMPARE: frozenset({"compare_products"}),
    TurnKind.ADD: frozenset({"add_to_cart"}),
    TurnKind.CONFIRM: frozenset({"add_to_cart"}),
    TurnKind.DECLINE: frozenset({"add_to_cart"}),
    TurnKind.POLICY: frozenset({"store_policy"}),
    TurnKind.SIMILAR: frozenset({"similar_products"}),
    TurnKind.ORDER: frozenset({"order_status"}),
    TurnKind.OFF_TOPIC: frozenset(),
    TurnKind.NOTHING_PENDING: frozenset(),
}


@dataclass
class Constraints:
    """What the shopper asked for so far (explicit words only)."""

    product_type: str | None = None
    max_price: float | None = None
    brands: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    colour: str | None = None
    sort: str | None = None  # the order asked for: price_asc | price_desc | rating_desc

    def as_dict(self) -> dict[str, object]:
        return {"product_type": self.product_type, "max_price": self.max_price, "brands": sorted(self.brands),
                "excluded": sorted(self.excluded), "colour": self.colour, "sort": self.sort}


@dataclass
class ShopperTurn:
    kind: TurnKind
    text: str
    positions: tuple[int, ...] = ()  # the on-screen positions the turn refers to
    cheaper: bool = False            # a similar-items turn that asks for cheaper ones


@dataclass
class Order:
    order_id: str
    email: str


@dataclass
class SimulatedShopper:
    """One conversation's shopper; ``next_turn`` picks a follow-up that makes sense for what is on screen."""

    rng: random.Random
    target: Product
    catalog: list[Product]
    types: ProductTypes
    brands: list[str]
    orders: list[Order] = field(default_factory=list)
    wants: Constraints = field(default_factory=Constraints)
    shown: list[Product] = field(default_factory=list)
    pending_add: str | None = None
    offer_pending: bool = False  # the agent offered a relaxed search after zero results
    cart: dict[str, int] = field(default_factory=dict)
    typos: bool = False

    def type_word(self, kind: str) -> str:
        """A word a shopper may use for a type: its name or one of its synonyms from the lexicon."""
        names = [n for n in type_names(kind, self.types) if len(n) > 2]
        return self.rng.choice(names)

    def _thing(self, product: Product, kind: str, fresh: Constraints) -> str:
        words = [self.type_word(kind)]
        if product.brand and self.rng.random() < 0.4:
            words.insert(0, product.brand)
            fresh.brands = {product.brand}
        if product.colour and self.rng.random() < 0.3 and len(product.colour.split()) == 1:
            words.insert(0, product.colour.lower())
            fresh.colour = product.colour.lower()
        if self.rng.random() < 0.3:
            words.reverse() if len(words) > 1 and self.rng.random() < 0.3 else None  # word-order change
        text = " ".join(words)
        if self.typos:
            text = typo(text, self.rng)
        return ("a " if not text.endswith("s") else "") + text

    def opening(self) -> ShopperTurn:
        kind = self.types.of_product(self.target)
        assert kind is not None, "targets are products of a known type"
        return self._request(TurnKind.OPEN, ph.OPEN, self.target, kind)

    def _request(self, turn: TurnKind, bank: list[str], product: Product, kind: str) -> ShopperTurn:
        fresh = Constraints(product_type=kind)
        thing = self._thing(product, kind, fresh)
        price = ""
        if product.price and self.rng.random() < 0.6:
            ceiling = nice_ceiling(product.price * self.rng.uniform(1.05, 1.6))
            fresh.max_price = ceiling
            price = self.rng.choice(ph.CEILING).format(n=f"{ceiling:g}")
        self.wants = fresh
        return ShopperTurn(turn, self.rng.choice(bank).format(thing=thing, price=price))

    def next_turn(self) -> ShopperTurn:
        if self.pending_add is not None:
            kind = TurnKind.CONFIRM if self.rng.random() < 0.6 else TurnKind.DECLINE
            return ShopperTurn(kind, self.rng.choice(ph.CONFIRM if kind is TurnKind.CONFIRM else ph.DECLINE))
        options: list[TurnKind] = [TurnKind.OFF_TOPIC, TurnKind.POLICY, TurnKind.NEW_TYPE]
        if not self.offer_pending:  # a bare "ok" would rightly accept the offer
            options.append(TurnKind.NOTHING_PENDING)
        if self.orders:
            options.append(TurnKind.ORDER)
        if self.shown:
            options += [TurnKind.QUESTION, TurnKind.QUESTION, TurnKind.ADD, TurnKind.CHEAPER, TurnKind.EXCLUDE,
                        TurnKind.LOWER_PRICE, TurnKind.BRAND, TurnKind.COLOUR, TurnKind.SORT, TurnKind.SIMILAR]
            if len(self.shown) >= 2:
                options += [TurnKind.COMPARE, TurnKind.COMPARE]
        for _ in range(10):
            turn = self._make(self.rng.choice(options))
            if turn is not None:
                return turn
        return self._make(TurnKind.OFF_TOPIC)  # type: ignore[return-value]

    def _make(self, kind: TurnKind) -> ShopperTurn | None:
        rng, shown = self.rng, self.shown
        if kind is TurnKind.LOWER_PRICE:
            prices = sorted(p.price for p in shown if p.price)
            if len(prices) < 2:
                return None
            n = nice_floor(statistics.median(prices))
            if n <= 0 or (self.wants.max_price is not None and n >= self.wants.max_price):
                return None
            self.wants.max_price = n
            return ShopperTurn(kind, rng.choice(ph.LOWER_PRICE).format(n=f"{n:g}"))
        if kind is TurnKind.BRAND:
            brands = sorted({p.brand for p in shown if p.brand} - self.wants.excluded)
            if len(brands) < 2:
                return None
            b = rng.choice(brands)
            self.wants.brands = {b}
            return ShopperTurn(kind, rng.choice(ph.BRAND_ONLY).format(b=b))
        if kind is TurnKind.EXCLUDE:
            brands = sorted({p.brand for p in shown if p.brand} - self.wants.brands)
            if len(brands) < 2:
                return None
            b = rng.choice(brands)
            self.wants.excluded.add(b)
            return ShopperTurn(kind, rng.choice(ph.EXCLUDE).format(b=b))
        if kind is TurnKind.COLOUR:
            colours = sorted({p.colour.lower() for p in shown if p.colour and len(p.colour.split()) == 1})
            if len(colours) < 2 or self.wants.colour:
                return None
            c = rng.choice(colours)
            self.wants.colour = c
            return ShopperTurn(kind, rng.choice(ph.COLOUR).format(c=c))
        if kind is TurnKind.CHEAPER:
            return ShopperTurn(kind, rng.choice(ph.CHEAPER))
        if kind is TurnKind.SORT:
            orders = [o for o in sorted(ph.SORT) if o != self.wants.sort
                      and (o != "rating_desc" or sum(p.rating is not None for p in shown) >= 2)]
            if len(shown) < 2 or not orders:
                return None
            self.wants.sort = rng.choice(orders)
            return ShopperTurn(kind, rng.choice(ph.SORT[self.wants.sort]))
        if kind is TurnKind.QUESTION:
            n = rng.randrange(1, len(shown) + 1)
            attrs = [k for k in shown[n - 1].attributes if not k.startswith("attr_n_")] or ["price"]
            attr = rng.choice(attrs).removeprefix("attr_t_").replace("_", " ")
            return ShopperTurn(kind, rng.choice(ph.QUESTION).format(n=n, ord=ORDINAL[n], attr=attr), (n,))
        if kind is TurnKind.COMPARE:
            a, b = sorted(rng.sample(range(1, len(shown) + 1), 2))
            return ShopperTurn(kind, rng.choice(ph.COMPARE).format(a=a, b=b), (a, b))
        if kind is TurnKind.ADD:
            n = rng.randrange(1, len(shown) + 1)
            return ShopperTurn(kind, rng.choice(ph.ADD).format(n=n, ord=ORDINAL[n]), (n,))
        if kind is TurnKind.SIMILAR:
            n = rng.randrange(1, len(shown) + 1)
            cheaper = shown[n - 1].price is not None and rng.random() < 0.4
            bank = ph.SIMILAR_CHEAPER if cheaper else ph.SIMILAR
            self.wants.sort = None  # a new list, in its own order
            return ShopperTurn(kind, rng.choice(bank).format(n=n, ord=ORDINAL[n]), (n,), cheaper)
        if kind is TurnKind.OFF_TOPIC:
            return ShopperTurn(kind, rng.choice(ph.OFF_TOPIC))
        if kind is TurnKind.NOTHING_PENDING:
            return ShopperTurn(kind, rng.choice(ph.NOTHING_PENDING))
        if kind is TurnKind.POLICY:
            topic = rng.choice(sorted(ph.POLICY))
            return ShopperTurn(kind, rng.choice(ph.POLICY[topic]))
        if kind is TurnKind.ORDER:
            order = rng.choice(self.orders)
            return ShopperTurn(kind, rng.choice(ph.ORDER).format(id=order.order_id, e=order.email))
        if kind is TurnKind.NEW_TYPE:
            current = self.wants.product_type
            others = [p for p in rng.sample(self.catalog, min(200, len(self.catalog)))
                      if (t := self.types.of_product(p)) is not None and t != current and p.price]
            if not others:
                return None
            other = others[0]
            return self._request(kind, ph.NEW_TYPE, other, self.types.of_product(other))  # type: ignore[arg-type]
        return None


ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def nice_ceiling(price: float) -> float:
    """A round budget above a price: 37.2 -> 40, 412 -> 450, 1730 -> 1800."""
    step = 10 ** max(0, math.floor(math.log10(max(price, 1))) - 1)
    step = step * 5 if price / step > 50 else step
    return float(math.ceil(price / step) * step)


def nice_floor(price: float) -> float:
    step = 10 ** max(0, math.floor(math.log10(max(price, 1))) - 1)
    return float(math.floor(price / step) * step)


def typo(text: str, rng: random.Random) -> str:
    """One adjacent-letter swap in the longest word ("speaker" -> "speakre")."""
    words = text.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    if len(w) < 5:
        return text
    k = rng.randrange(1, len(w) - 2)
    words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    return " ".join(words)
