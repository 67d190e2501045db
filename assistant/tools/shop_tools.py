"""The shop's tools, bound to one session: each returns text for the model and a structured artifact.

The artifact (products as cards, facts, status) is what the UI renders and what grounding checks
replies against; the text is a compact rendering of the same facts for the model to phrase.
Safety rules live here, not in the prompt: a cart only changes after the shopper confirmed in a
later turn, and an order is only shown when its id and e-mail match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from assistant.answers.product_facts import card, summary_line
from assistant.dialogue.state import PendingCart, SearchRequest
from assistant.safety.untrusted_text import is_steering
from assistant.session import ShopSession
from assistant.tools import schemas as s
from assistant.tools.product_question import best_facts
from assistant.tools.results import (
    SORT_WORDS,
    AccessoryEcho,
    CartView,
    Comparison,
    ComparisonRow,
    ProductCard,
    SearchEcho,
    SimilarEcho,
    ToolResult,
)
from assistant.tools.shown_superlative import pick_shown
from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters
from retrieval.product_types import PRODUCT_TYPES, ProductTypes
from retrieval.recommend.accessories import bought_together, compatibility_index
from retrieval.recommend.profile import Personalizer, Signal, SignalKind
from retrieval.recommend.similar import SimilarItems, SimilarityWeights
from retrieval.search import CatalogVocabulary, IndexNotFoundError, Searcher
from retrieval.spec_match import Amount, product_amounts, spec_fit

SEARCH_K = 5
MAX_RELAXATIONS = 4  # searches tried to recover from zero results
# the order constraints are relaxed in after zero results (derived ones go first), and their "off" values
DEFAULTS: dict[str, Any] = {"colour": None, "brands": [], "min_rating": None, "in_stock": False,
                            "exclude_brands": [], "max_price": None, "min_price": None, "category": None}


def relaxable(request: SearchRequest) -> list[str]:
    """The request's constraints, in the order a zero-result search relaxes them."""
    applied = request.filters.model_dump(exclude_defaults=True)
    names = [n for n in DEFAULTS if n in applied]
    return sorted(names, key=lambda n: n not in request.derived)
Result = tuple[str, ToolResult]  # (text for the model, typed artifact)


@lru_cache(maxsize=1)
def policies() -> dict[str, str]:
    return json.loads((resources.files("assistant") / "data" / "policies.json").read_text())


def sort_products(products: list[Product], sort: str | None) -> list[Product]:
    """The matches in the order the shopper asked for; products without the sorted field go last, and equal
    ones keep their relevance order."""
    if sort is None or sort == "relevance":
        return products
    if sort == "price_asc":
        return sorted(products, key=lambda p: (p.price is None, p.price or 0.0))
    if sort == "price_desc":
        return sorted(products, key=lambda p: (p.price is None, -(p.price or 0.0)))
    if sort == "rating_desc":
        return sorted(products, key=lambda p: (p.rating is None, -(p.rating or 0.0)))
    raise ValueError(f"unknown sort order {sort!r}")


class ShopTools:
    """Tool implementations over one session; ``as_langchain()`` wraps them for the agent loop."""

    search_method = "full"  # dialogue generation uses "hybrid": same tools, faster data

    def __init__(self, session: ShopSession, searcher: Searcher | Callable[[], Searcher],
                 types: ProductTypes = PRODUCT_TYPES, min_dense_score: float | None = None,
                 similar_weights: SimilarityWeights | None = None, personalizer: Personalizer | None = None) -> None:
        """``searcher``: the session's index, or how to open it (opened on first use, once: a turn that never
        needs the catalog never touches it). ``min_dense_score`` defaults to the searcher's settings;
        ``similar_weights`` (how "more like this" ranks) and ``personalizer`` (how much the shopper's profile
        reorders results) to the shipped ones."""
        self.session = session
        self.state = session.state
        self.types = types
        self._searcher = searcher if isinstance(searcher, Searcher) else None
        self._open = searcher if not isinstance(searcher, Searcher) else None
        self._min_dense_score = min_dense_score
        self.similar_weights = similar_weights
        self.personalizer = personalizer if personalizer is not None else Personalizer.load()

    @property
    def searcher(self) -> Searcher:
        """The session's index; a missing one raises ``IndexNotFoundError`` (a tool error, not a crash)."""
        if self._searcher is None:
            assert self._open is not None
            self._searcher = self._open()
        return self._searcher

    @property
    def min_dense_score(self) -> float:
        if self._min_dense_score is None:
            return self.searcher.settings.agent_min_dense_score
        return self._min_dense_score

    @property
    def vocabulary(self) -> CatalogVocabulary:
        """The catalog's brands and colours (kept per index generation); none when there is no index."""
        try:
            return self.searcher.vocabulary
        except IndexNotFoundError:
            return CatalogVocabulary((), ())

    def has_product(self, product_id: str) -> bool:
        return self.searcher.get_product(product_id) is not None

    def _product(self, position: int | None, product_id: str | None, focus: bool = False) -> Product:
        """The product a reference means; it becomes the dialogue's focus ("it" in the next turn)."""
        pid = self.state.resolve_focus(position, product_id) if focus else self.state.resolve(position, product_id)
        product = self.searcher.get_product(pid)
        if product is None:
            raise LookupError(f"there is no product {pid!r} in the catalog")
        self.state.focus = product.id
        return product

    def product_words(self, position: int | None, product_id: str | None) -> frozenset[str]:
        """The words of the product a reference means (title, brand, category, attribute names and values), or
        none when the reference resolves to nothing."""
        try:
            pid = self.state.resolve_focus(position, product_id)
        except (LookupError, ValueError):
            return frozenset()
        product = self.searcher.get_product(pid)
        if product is None:
            return frozenset()
        text = " ".join([product.title, product.brand or "", *product.category,
                         *(f"{k.replace('_', ' ')} {v}" for k, v in product.attributes.items()),
                         product.description[:500]])
        return frozenset(re.findall(r"[a-z0-9]{3,}", text.lower()))

    def brand_at(self, position: int) -> str | None:
        """The brand of the product at a shown position (None when it has none or the position is not shown)."""
        if not 1 <= position <= len(self.state.shown):
            return None
        product = self.searcher.get_product(self.state.shown[position - 1])
        return product.brand if product is not None else None

    def position_stating(self, amount: Amount) -> int | None:
        """The one shown position whose title states ``amount`` ("the 128gb one"); None when none or several do."""
        products = [self.searcher.get_product(pid) for pid in self.state.shown]
        positions = [i for i, p in enumerate(products, start=1)
                     if p is not None and spec_fit([amount], product_amounts(p)) is True]
        return positions[0] if len(positions) == 1 else None

    def _fitting(self, request: SearchRequest, limit: int | None = SEARCH_K) -> list[Product]:
        """The top products for a request: relevant enough (lexical match or dense score over the floor)
        and of the product type asked for, when it names one (those known to be of it first, then those
        whose text names no type), in the order asked for."""
        response = self.searcher.search(request.query, request.filters, k=SEARCH_K * 4, method=self.search_method)
        floor = self.min_dense_score
        products = [h.product for h in response.hits if "lexical" in h.stages or h.stages.get("dense", 1.0) >= floor]
        products = [p for p in products if self.types.matches(p, request.product_type)]
        if request.product_type is not None:  # products known to be of the type before those of unknown type
            known = {p.id for p in products if self.types.of_product(p) is not None}
            products = [p for p in products if p.id in known] + [p for p in products if p.id not in known]
        if request.sort in (None, "relevance"):  # the shopper's profile reorders what fits, never what is asked
            products = self.personalizer.reorder(products, self.session.profile)
        return sort_products(products, request.sort)[:limit]

    def _card(self, product: Product, filters: SearchFilters | None, position: int | None = None) -> ProductCard:
        """A card whose "why" also says what of the shopper's profile it meets ("you liked Sony")."""
        base = card(product, filters, position)
        if self.session.profile.empty or not self.personalizer.weight:
            return base
        _, liked = self.session.profile.affinity(product)
        return replace(base, why=[*base.why, *liked]) if liked else base

    def search_products(self, **kwargs: Any) -> Result:
        args = s.SearchProductsArgs(**kwargs)
        request = self.state.next_search(args, self.types)
        if request.product_type is None:  # "a eaprhone": the kind the speller's reading names
            spelt = self.searcher.speller.correct(request.query).text
            if spelt != request.query:
                request = replace(request, product_type=self.types.of_text(spelt))
        return self._search(request)

    def _search(self, request: SearchRequest) -> Result:
        products = self._fitting(request)
        self.state.remember_search(request, [(p.id, p.price) for p in products])
        query, filters = request.query, request.filters
        applied = filters.model_dump(exclude_defaults=True)
        if not products:
            return self._recover(request)
        constraint = ", ".join(f"{k}={v}" for k, v in applied.items())
        cards = [self._card(p, filters, i) for i, p in enumerate(products, start=1)]
        head = f"{len(products)} results for {query!r}" + (f" ({constraint})" if constraint else "") + \
            (f", {SORT_WORDS[request.sort]}" if request.sort in SORT_WORDS else "") + ":"
        text = "\n".join([head] + [summary_line(p, i) for i, p in enumerate(products, start=1)])
        return text, ToolResult("search_products", "ok", head, cards,
                                search=SearchEcho(query, filters, sort=request.sort))

    def _recover(self, request: SearchRequest) -> Result:
        """Zero results: find the one constraint whose removal brings matches back (derived ones first),
        show those matches labelled as the closest, and offer the relaxed search. The list shown before
        stays addressable when nothing close exists."""
        applied = request.filters.model_dump(exclude_defaults=True)
        constraint = ", ".join(f"{k}={v}" for k, v in applied.items())
        text = f"No products match {request.query!r}" + (f" with {constraint}" if constraint else "") + "."
        for name in relaxable(request)[:MAX_RELAXATIONS]:
            relaxed = SearchRequest(request.query, request.filters.model_copy(update={name: DEFAULTS[name]}),
                                    request.product_type, request.derived - {name}, False, request.sort)
            closest = self._fitting(relaxed, limit=None)
            if name in ("max_price", "min_price"):  # the relevant ones nearest to the dropped limit
                closest.sort(key=lambda p: p.price if p.price is not None else float("inf"),
                             reverse=name == "min_price")
            closest = closest[:SEARCH_K]
            if closest:
                self.state.remember_shown([(p.id, p.price) for p in closest])
                self.state.pending_offer = relaxed
                text += f" Without {name}, the closest are:\n" + "\n".join(
                    summary_line(p, i) for i, p in enumerate(closest, start=1))
                cards = [card(p, relaxed.filters, i) for i, p in enumerate(closest, start=1)]
                return text, ToolResult("search_products", "empty", text, cards, search=SearchEcho(
                    request.query, request.filters, name, tuple(sorted(request.derived))))
        return text, ToolResult("search_products", "empty", text, search=SearchEcho(
            request.query, request.filters, None, tuple(sorted(request.derived))))

    def get_product(self, **kwargs: Any) -> Result:
        args = s.GetProductArgs(**kwargs)
        product = self._product(args.position, args.product_id)
        from assistant.answers.product_facts import fact_lines

        facts = fact_lines(product)
        self.session.learn(Signal(SignalKind.ASKED_ABOUT, product))
        text = "\n".join([product.title] + facts[:10])
        return text, ToolResult("get_product", "ok", product.title, [card(product, self.state.filters)], facts)

    def compare_products(self, **kwargs: Any) -> Result:
        args = s.CompareProductsArgs(**kwargs)
        refs = [(p, None) for p in args.positions] + [(None, i) for i in args.product_ids]
        if not refs:
            refs = [(1, None), (2, None)]
        if len(refs) < 2:
            raise LookupError("name at least two products to compare")
        products = [self._product(p, i) for p, i in refs]
        for product in products:
            self.session.learn(Signal(SignalKind.COMPARED, product))
        keys = [k for k in products[0].attributes if all(k in p.attributes for p in products[1:])
                and not any(is_steering(f"{k} {p.attributes[k]}") for p in products)][:6]
        from assistant.answers.product_facts import attr_label, attr_value, stock_text

        lines, facts = [], []
        for n, p in enumerate(products, start=1):
            specs = "; ".join(f"{attr_label(k)} {attr_value(p.attributes[k])}" for k in keys)
            line = f"{n}. {p.title} | {p.display_price()} | " + (f"{p.rating:g} stars" if p.rating else "no rating")
            lines.append(line + (f" | {specs}" if specs else ""))
            facts.append(line)
        cheapest = min((p for p in products if p.price is not None), key=lambda p: p.price, default=None)
        best = max((p for p in products if p.rating is not None), key=lambda p: p.rating, default=None)
        summary = []
        if cheapest:
            summary.append(f"cheapest: {cheapest.title} ({cheapest.display_price()})")
        if best:
            summary.append(f"best rated: {best.title} ({best.rating:g} stars)")  # facts: what grounding reads
        text = "\n".join(lines + summary)
        cards = [card(p, None, n) for n, p in enumerate(products, start=1)]
        rows = [ComparisonRow("price", [p.display_price() for p in products]),
                ComparisonRow("rating", [f"{p.rating:g} stars" if p.rating else "no rating" for p in products]),
                ComparisonRow("availability", [stock_text(p) for p in products]),
                *(ComparisonRow(attr_label(k), [attr_value(p.attributes[k]) for p in products]) for k in keys)]
        comparison = Comparison(keys, f"{cheapest.title} ({cheapest.display_price()})" if cheapest else None,
                                f"{best.title} ({best.rating:g} stars)" if best else None, rows)
        return text, ToolResult("compare_products", "ok", "Comparison", cards, facts + summary,
                                comparison=comparison)

    def similar_products(self, **kwargs: Any) -> Result:
        args = s.SimilarProductsArgs(**kwargs)
        source = self._product(args.position, args.product_id, focus=True)
        self.session.learn(Signal(SignalKind.CLICKED, source))
        # the shopper's running constraints hold ("under $50, not Sony" stays), except those the dialogue derived; a
        # ceiling "cheaper" derived stays too: it replaced the shopper's own, higher one ("under $300", then "cheaper")
        kept = {k: v for k, v in self.state.filters.model_dump(exclude_defaults=True).items()
                if (k not in self.state.derived or k == "max_price") and k != "category"}
        wanted = kept | args.model_dump(include={"min_price", "max_price", "brands", "exclude_brands", "colour"},
                                        exclude_defaults=True)
        if args.in_stock:
            wanted["in_stock"] = True
        if args.brands or args.exclude_brands:  # the newest word on a brand wins, as in search
            excluded = {b.lower() for b in wanted.get("exclude_brands", [])}
            wanted["brands"] = [b for b in wanted.get("brands", []) if b.lower() not in excluded]
            wanted["exclude_brands"] = [b for b in wanted.get("exclude_brands", [])
                                        if b.lower() not in {x.lower() for x in args.brands}]
        if args.cheaper:
            if source.price is None:
                raise LookupError(f"the catalog has no price for {source.title}, so I can't look for cheaper ones")
            ceiling = round(source.price - 0.01, 2)
            wanted["max_price"] = min(ceiling, wanted.get("max_price", ceiling))
            if wanted.get("min_price") is not None and wanted["min_price"] > wanted["max_price"]:
                del wanted["min_price"]
        filters = SearchFilters(**wanted)
        # the kind being shopped for holds too: "more like #4" among docks lists no alarm clocks; a source of
        # another kind (an id typed, a product of an earlier list) keeps its own kind
        kind = self.state.product_type if self.types.matches(source, self.state.product_type) \
            else self.types.of_product(source)
        found = [r for r in SimilarItems(self.searcher, self.similar_weights).similar(source.id, filters, SEARCH_K * 4)
                 if self.types.matches(r.product, kind)][:SEARCH_K]
        echo = SimilarEcho(source.id, source.title, filters, source.price)
        applied = ", ".join(f"{k}={v}" for k, v in echo.applied.items())
        if not found:
            text = f"No products like {source.title}" + (f" with {applied}" if applied else "") + " are in the catalog."
            return text, ToolResult("similar_products", "empty", text, similar=echo)
        self.state.remember_shown([(r.product.id, r.product.price) for r in found])
        self.state.focus = source.id
        lines = [f"{summary_line(r.product, i)} | {', '.join(r.reasons)}" for i, r in enumerate(found, start=1)]
        head = f"{len(found)} products like {source.title}" + (f" ({applied})" if applied else "") + ":"
        cards = [replace(c, why=[*r.reasons, *c.why])
                 for i, r in enumerate(found, start=1) if (c := card(r.product, filters, i))]
        return "\n".join([head, *lines]), ToolResult("similar_products", "ok", head, cards, lines, similar=echo)

    def find_accessories(self, **kwargs: Any) -> Result:
        args = s.FindAccessoriesArgs(**kwargs)
        source = self._product(args.position, args.product_id, focus=True)
        index, related = compatibility_index(self.searcher)
        direction = "fits" if source.id in index.lists else "accessories"
        fits = index.devices_for(source) if direction == "fits" else index.accessories_for(source)
        evidence = "compatibility"
        if not fits and direction == "accessories":
            carts = [(e.shopper_id, e.product_id) for e in self.session.store.events() if e.kind == "added_to_cart"]
            fits, evidence = bought_together(carts, source.id), "carts"
        if not fits and direction == "accessories":
            fits, evidence = index.named_by_text(source), "text"
        if not fits:
            kind = self.searcher.product_types([source.id]).get(source.id)
            often = tuple(related.get(kind, ())[:3]) if kind else ()
            text = f"The catalog doesn't say what fits {source.title}."
            if often:
                text += f" Products often bought for a {kind}: {', '.join(often)}."
            return text, ToolResult("find_accessories", "empty", text, [card(source)],
                                    accessories=AccessoryEcho(source.id, source.title, direction, "none", often))
        found = self.searcher.lexical.get_many([f.product_id for f in fits[:SEARCH_K]])
        shown = [(f, found[f.product_id]) for f in fits[:SEARCH_K] if f.product_id in found]
        self.state.remember_shown([(p.id, p.price) for _, p in shown])
        self.state.focus = source.id
        head = (f"{source.title} fits {len(fits)} product(s) of the catalog" if direction == "fits" else
                f"{len(fits)} product(s) the catalog lists as fitting {source.title}" if evidence == "compatibility"
                else f"{len(fits)} product(s) other shoppers bought with {source.title}" if evidence == "carts"
                else f"{len(fits)} product(s) that name {source.title} (the catalog lists no compatibility)") + ":"
        lines = [f"{summary_line(p, i)} | {f.reason}" for i, (f, p) in enumerate(shown, start=1)]
        cards = [replace(card(p, None, i), why=[f.reason]) for i, (f, p) in enumerate(shown, start=1)]
        return "\n".join([head, *lines]), ToolResult(
            "find_accessories", "ok", head, cards, lines,
            accessories=AccessoryEcho(source.id, source.title, direction, evidence))

    def pick_from_shown(self, **kwargs: Any) -> Result:
        args = s.PickFromShownArgs(**kwargs)
        if len(self.state.shown) < 2:
            raise LookupError("I need at least two products on screen to pick one of them; search first")
        positions = [n for n in args.positions if 1 <= n <= len(self.state.shown)] or \
            list(range(1, min(len(self.state.shown), 10) + 1))
        found = self.searcher.lexical.get_many([self.state.shown[n - 1] for n in positions])
        shown = [(n, found[pid]) for n in positions if (pid := self.state.shown[n - 1]) in found]
        pick = pick_shown(shown, args.question, self.searcher.encoder)
        if pick is None or not pick.winners:
            text = "The catalog doesn't list that for the products shown."
            return text, ToolResult("pick_from_shown", "unknown", text, question=args.question, pick=pick)
        lines = [f"#{v.position} {v.title}: {pick.label} {v.value if v.value is not None else 'not listed'}"
                 for v in pick.values]
        winners = {v.product_id for v in pick.winners}
        cards = [card(p, None, n) for n, p in shown if p.id in winners]
        head = f"{pick.word} by {pick.label}: " + ", ".join(f"#{v.position}" for v in pick.winners)
        self.state.focus = pick.winners[0].product_id
        return "\n".join([head, *lines]), ToolResult("pick_from_shown", "ok", head, cards, lines,
                                                     question=args.question, pick=pick)

    def answer_product_question(self, **kwargs: Any) -> Result:
        args = s.AnswerProductQuestionArgs(**kwargs)
        product = self._product(args.position, args.product_id, focus=True)
        facts = best_facts(product, args.question, self.searcher.encoder)
        self.session.learn(Signal(SignalKind.ASKED_ABOUT, product))
        if not facts:
            text = f"The catalog does not say this about {product.title}."
            return text, ToolResult("answer_product_question", "unknown", text, [card(product)], [],
                                    question=args.question)
        text = f"{product.title}: " + "; ".join(facts)
        return text, ToolResult("answer_product_question", "ok", text, [card(product)], facts,
                                question=args.question)

    def add_to_cart(self, **kwargs: Any) -> Result:
        args = s.AddToCartArgs(**kwargs)
        pending = self.state.pending_cart
        if args.confirm is False:
            self.state.pending_cart = None
            text = "Okay, nothing was added to the cart."
            return text, ToolResult("add_to_cart", "declined", text)
        if args.confirm and pending is not None and pending.asked_turn < self.state.turns:
            requested = None
            if args.position is not None or args.product_id:
                requested = self.state.resolve(args.position, args.product_id)
            if requested in (None, pending.product_id):
                product = self.searcher.get_product(pending.product_id)
                price = product.price if product else None
                self.session.store.add_to_cart(self.session.session_id, pending.product_id, pending.title, price,
                                               pending.quantity)
                if product is not None:
                    self.session.learn(Signal(SignalKind.ADDED_TO_CART, product))
                self.state.pending_cart = None
                text = f"Added {pending.quantity} x {pending.title} to the cart."
                return text, ToolResult("add_to_cart", "added", text, [card(product)] if product else [],
                                        [pending.title], cart=self._cart())
        product = self._product(args.position, args.product_id)
        if product.in_stock is False:
            text = f"{product.title} is out of stock, so it can't be added."
            return text, ToolResult("add_to_cart", "out_of_stock", text, [card(product)])
        self.state.pending_cart = PendingCart(product.id, product.title, args.quantity, self.state.turns)
        text = f"Add {args.quantity} x {product.title} ({product.display_price()}) to your cart? Please confirm."
        return text, ToolResult("add_to_cart", "needs_confirmation", text, [card(product)])

    def remove_from_cart(self, **kwargs: Any) -> Result:
        args = s.RemoveFromCartArgs(**kwargs)
        lines = self.session.store.cart(self.session.session_id)
        if args.product_id:
            pid = args.product_id
        elif args.position is not None and 1 <= args.position <= len(lines):
            pid = lines[args.position - 1].product_id
        elif len(lines) == 1:
            pid = lines[0].product_id
        else:
            raise LookupError("which cart item should I remove? Give its number in the cart.")
        title = next((line.title for line in lines if line.product_id == pid), pid)
        removed = self.session.store.remove_from_cart(self.session.session_id, pid)
        text = f"Removed {title} from the cart." if removed else f"{title} is not in your cart."
        return text, ToolResult("remove_from_cart", "removed" if removed else "absent", text, cart=self._cart())

    def _cart(self) -> CartView:
        return CartView(self.session.store.cart(self.session.session_id))

    def view_cart(self, **kwargs: Any) -> Result:
        s.ViewCartArgs(**kwargs)
        lines = self.session.store.cart(self.session.session_id)
        if not lines:
            text = "The cart is empty."
            return text, ToolResult("view_cart", "empty", text, cart=CartView([]))
        cart = CartView(lines)
        rows = [f"{n}. {line.quantity} x {line.title} | ${line.subtotal:,.2f}" for n, line in enumerate(lines, 1)]
        text = "\n".join(rows + [f"total: ${cart.total:,.2f}"])
        return text, ToolResult("view_cart", "ok", text, facts=rows + [f"total: ${cart.total:,.2f}"], cart=cart)

    def order_status(self, **kwargs: Any) -> Result:
        args = s.OrderStatusArgs(**kwargs)
        order = self.session.store.order(args.order_id, args.email)
        if order is None:
            text = "I couldn't find an order with that order number and e-mail address."
            return text, ToolResult("order_status", "not_found", text)
        eta = f", expected {order.eta}" if order.eta else ""
        carrier = f" with {order.carrier}" if order.carrier else ""
        text = f"Order {order.order_id}: {order.status}{carrier}{eta}; {len(order.items)} item(s)."
        return text, ToolResult("order_status", "ok", text, facts=[text], order=order)

    def store_policy(self, **kwargs: Any) -> Result:
        args = s.StorePolicyArgs(**kwargs)
        text = policies()[args.topic]
        return text, ToolResult("store_policy", "ok", text, facts=[text], topic=args.topic)

    def ask_clarification(self, **kwargs: Any) -> Result:
        args = s.AskClarificationArgs(**kwargs)
        return args.question, ToolResult("ask_clarification", "ok", args.question)

    def as_langchain(self, model_tools_only: bool = False) -> list[BaseTool]:
        """The tools for langchain; ``model_tools_only``: those an in-process model was trained on (``MODEL_TOOLS``)."""
        return tool_definitions(self, s.MODEL_TOOLS if model_tools_only else None)

    def run(self, name: str, args: dict[str, Any]) -> Result:
        """Run a tool by name; bad arguments or references become an error artifact, never an exception."""
        from pydantic import ValidationError

        if name not in s.TOOL_ARGS:
            text = f"unknown tool {name!r}"
            return text, ToolResult(name, "error", text, error="invalid_arguments")
        try:
            return getattr(self, name)(**args)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            text = f"invalid arguments for {name}: {problems}"
            return text, ToolResult(name, "error", text, error="invalid_arguments")
        except (LookupError, ValueError) as exc:
            text = str(exc.args[0] if exc.args else exc)
        return text, ToolResult(name, "error", text, error="lookup")


def tool_definitions(tools: ShopTools | None = None, names: Iterable[str] | None = None) -> list[BaseTool]:
    """The tools as langchain sees them: name, description, argument schema, and (when ``tools`` is given)
    bound to that session's implementations. Unbound definitions are enough for prompts and grammars.
    ``names`` keeps only those tools (``schemas.MODEL_TOOLS``: what an in-process model is offered)."""
    wanted = set(s.TOOL_ARGS if names is None else names)
    return [StructuredTool(name=name, description=(schema.__doc__ or name).strip(), args_schema=schema,
                           func=getattr(tools, name) if tools is not None else None,
                           response_format="content_and_artifact")
            for name, schema in s.TOOL_ARGS.items() if name in wanted]
