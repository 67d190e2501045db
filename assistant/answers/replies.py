"""Deterministic replies built from tool results.

They are the fallback when a model reply fails the grounding check, the only reply for tools
whose result must be stated exactly (cart, orders, policy, clarification, errors), and the
training targets of the adapter's reply step (``variant`` picks a phrasing).
"""

from __future__ import annotations

from typing import Any

from assistant.tools.results import RecoveryOffer, SearchEcho, ToolResult
from assistant.tools.shown_superlative import implied_property

# Tools whose result text is the reply; the model phrases only the product-facing ones.
EXACT_REPLY_TOOLS = {"add_to_cart", "remove_from_cart", "view_cart", "order_status", "store_policy",
                     "ask_clarification"}
# tools the adapter was not trained to phrase: their reply is built here from the result
# the words the templates write themselves: a catalog brand spelled like one of them ("Best" on ESCI) in Aisle's own
# phrasing ("Best match:") is no claim about that brand
OWN_PHRASING = ("Here are is options option for The top match I found matches My first pick These products fit One "
                "product fits Best match cheapest best rated See the table specs cards show full")
TEMPLATE_ONLY_TOOLS = {"similar_products", "find_accessories", "pick_from_shown"}


def constraint_phrase(filters: dict[str, Any]) -> str:
    parts = []
    if "max_price" in filters:
        parts.append(f"under ${filters['max_price']:g}")
    if "min_price" in filters:
        parts.append(f"over ${filters['min_price']:g}")
    if "colour" in filters:
        parts.append(f"in {filters['colour']}")
    if filters.get("brands"):
        parts.append("from " + " or ".join(filters["brands"]))
    if filters.get("exclude_brands"):
        parts.append("not from " + " or ".join(filters["exclude_brands"]))
    if "min_rating" in filters:
        parts.append(f"rated {filters['min_rating']:g}+")
    if filters.get("in_stock"):
        parts.append("in stock")
    return (" " + ", ".join(parts)) if parts else ""


def _relaxed_phrase(name: str, filters: dict[str, Any], derived: list[str]) -> str:
    """The constraint a zero-result search dropped, in the shopper's terms."""
    value = filters.get(name)
    if name == "max_price":
        return (f"the ${value:g} ceiling I set for \"cheaper\"" if name in derived else f"the ${value:g} price limit")
    phrases = {
        "min_price": lambda: f"the ${value:g} minimum price",
        "colour": lambda: f"the colour {value}",
        "brands": lambda: "the brand " + " or ".join(value),
        "exclude_brands": lambda: "leaving out " + " and ".join(value),
        "min_rating": lambda: f"the {value:g}+ rating",
        "in_stock": lambda: "the in-stock filter",
        "category": lambda: f"the category {value}",
    }
    return phrases[name]()


def _search(a: ToolResult) -> SearchEcho:
    if a.search is None:
        raise ValueError(f"a {a.tool} result carries no search")
    return a.search


def empty_search_reply(a: ToolResult) -> str:
    """Zero results: what was asked, which constraint ruled everything out, and the closest matches."""
    search = _search(a)
    asked = f"I couldn't find {search.query}{constraint_phrase(search.applied)}."
    if not search.relaxed or not a.products:
        return asked + " Try other words, or drop a filter (for example \"any price\" or \"any brand\")."
    top = a.products[0]
    what = _relaxed_phrase(search.relaxed, search.applied, list(search.derived))
    return (f"{asked} {what[0].upper() + what[1:]} ruled everything out. Closest matches without it: "
            f"{top.title} at {top.display_price} and the others listed. Say yes to keep searching without it.")


# what a shopper says to drop a filter (the dialogue rules read these: state_rules.relaxations_asked); the
# constraint chips' × and the zero-result buttons say them
DROP_SAYS = {"max_price": "any price", "min_price": "any price", "brands": "any brand", "exclude_brands": "any brand",
              "colour": "any colour", "min_rating": "any rating", "in_stock": "include out of stock too"}


def recovery_offers(a: ToolResult) -> list[RecoveryOffer]:
    """Zero results: the relaxed search on offer (a "yes" runs it), then each other filter the shopper can drop,
    as buttons say them. Empty for a search that found something."""
    if a.status != "empty" or a.search is None:
        return []
    search, offers, says = a.search, [], set()
    if search.relaxed and a.products:
        what = _relaxed_phrase(search.relaxed, search.applied, list(search.derived))
        offers.append(RecoveryOffer(f"Search without {what}", "yes"))
        says.add(DROP_SAYS.get(search.relaxed))
    for name in search.applied:
        say = DROP_SAYS.get(name)
        if say is None or say in says:
            continue
        says.add(say)
        offers.append(RecoveryOffer(f"Without {_relaxed_phrase(name, search.applied, list(search.derived))}", say))
    return offers


def search_reply(a: ToolResult, variant: int = 0) -> str:
    if a.status == "empty":
        return empty_search_reply(a)
    search = _search(a)
    top = a.products[0]
    n = len(a.products)
    where = constraint_phrase(search.applied) + (f", {search.sort_words}" if search.sort_words else "")
    if n == 1:
        options = [f"Here is 1 option for {search.query}{where}: {top.title} at {top.display_price}.",
                   f"I found 1 match for {search.query}{where}: {top.title} ({top.display_price}).",
                   f"One product fits {search.query}{where}: {top.title}, {top.display_price}."]
        return options[variant % len(options)] + stock_unknown_note(a)
    options = [
        f"Here are {n} options for {search.query}{where}. The top match is {top.title} at {top.display_price}.",
        f"I found {n} matches for {search.query}{where}. My first pick is {top.title} ({top.display_price}).",
        f"These {n} products fit {search.query}{where}. Best match: {top.title}, {top.display_price}.",
    ]
    return options[variant % len(options)] + stock_unknown_note(a)


def stock_unknown_note(a: ToolResult) -> str:
    """With "in stock" asked, the shown products whose stock the catalog does not list are said to be so (the
    filter drops only products known to be out of stock)."""
    search = _search(a)
    if not search.applied.get("in_stock"):
        return ""
    unknown = [n for n, p in enumerate(a.products, 1) if p.in_stock is None]
    if not unknown:
        return ""
    if len(unknown) == len(a.products):
        return " The catalog doesn't list stock for these, so availability is not confirmed."
    return f" The catalog doesn't list stock for {', '.join(f'#{n}' for n in unknown)}."


_OVERVIEW_FACTS = ("price:", "brand:", "rating:", "availability:", "category:")


def product_reply(a: ToolResult, variant: int = 0) -> str:
    """A product's overview: price, rating, stock, then its first specs as the catalog states them."""
    p = a.products[0]
    rating = f"rated {p.rating:g} out of 5" if p.rating is not None else "not yet rated"
    options = [
        f"{p.title} costs {p.display_price}, is {rating} and is {p.stock}.",
        f"The {p.title} is {p.display_price} and {rating}; it is {p.stock}.",
    ]
    specs = [f for f in a.facts if not f.startswith(_OVERVIEW_FACTS)][:4]
    return options[variant % len(options)] + (f" Specs: {'; '.join(specs)}." if specs else "")


def compare_reply(a: ToolResult, variant: int = 0) -> str:
    cheapest = a.comparison.cheapest if a.comparison else None
    best = a.comparison.best_rated if a.comparison else None
    parts = []
    if cheapest:
        parts.append(f"The cheapest is {cheapest}")
    if best:
        parts.append(f"the best rated is {best}" if parts else f"The best rated is {best}")
    if not parts:
        return "Here is the side-by-side comparison."
    tail = [". See the table for the specs.", ". The cards show the full specs."][variant % 2]
    return ", and ".join(parts) + tail


def answer_reply(a: ToolResult, variant: int = 0) -> str:
    p = a.products[0]
    if a.status != "ok":
        return f"The catalog doesn't say that about {p.title}."
    fact = a.facts[0]
    if ":" in fact:
        label, value = (x.strip() for x in fact.split(":", 1))
        options = [f"For the {p.title}, the {label} is {value}.", f"The {p.title} has {label}: {value}."]
        return options[variant % len(options)]
    return f"From the {p.title} description: {fact}"


def similar_reply(a: ToolResult, variant: int = 0) -> str:
    """More like this: what the products are like, the constraints kept, and the top one with its reasons."""
    if a.similar is None:
        raise ValueError("a similar_products result carries no source product")
    where = constraint_phrase(a.similar.applied)
    if a.status == "empty" or not a.products:
        return (f"I couldn't find products like {a.similar.source_title}{where}. Try dropping a constraint, "
                "or search for what you need in words.")
    top = a.products[0]
    why = f" ({', '.join(top.why[:2])})" if top.why else ""
    return (f"Here are {len(a.products)} products like {a.similar.source_title}{where}. The closest is "
            f"{top.title} at {top.display_price}{why}.")


def accessories_reply(a: ToolResult, variant: int = 0) -> str:
    """What goes with a product, saying how the catalog knows (its compatibility lists, or only a mention)."""
    if a.accessories is None:
        raise ValueError("a find_accessories result carries no source product")
    echo = a.accessories
    if a.status == "empty" or not a.products or echo.evidence == "none":
        often = f" Products often bought for one like it: {', '.join(echo.related)}." if echo.related else ""
        return f"The catalog doesn't list anything compatible with {echo.source_title}.{often}"
    top = a.products[0]
    if echo.direction == "fits":
        return f"{echo.source_title} fits {top.title} ({top.display_price}) and the other products listed."
    if echo.evidence == "carts":
        return (f"The catalog lists no compatibility for {echo.source_title}; shoppers who bought it also bought "
                f"{top.title} ({top.display_price}) and the others listed.")
    if echo.evidence == "text":
        return (f"The catalog lists no compatibility for {echo.source_title}, but {top.title} ({top.display_price}) "
                "and the others listed name it in their description. Check the details before buying.")
    return (f"The catalog lists {len(a.products)} product(s) that fit {echo.source_title}; the first is "
            f"{top.title} at {top.display_price}.")


def pick_reply(a: ToolResult, variant: int = 0) -> str:
    """Which shown product has the most or least of something, with its value and how the others compare."""
    pick = a.pick
    if a.status != "ok" or pick is None or not pick.winners:
        return ("The catalog doesn't list that for the products shown. Ask about one of them, or compare two "
                "side by side.")
    winners = pick.winners
    names = " and ".join(f"#{v.position} {v.title}" for v in winners)
    verb = "is" if len(winners) == 1 else "are"
    if pick.label in ("price", "rating"):
        head = f"Of the {len(pick.values)} shown, {names} {verb} the {pick.word} ({winners[0].value})."
    elif (implied := implied_property(pick.word)) and implied.split()[0] in pick.label:  # "is the lightest"
        head = f"Of the {len(pick.values)} shown, {names} {verb} the {pick.word} ({pick.label}: {winners[0].value})."
    else:  # "has the most memory gb", "has the longest battery life hours"
        head = f"Of the {len(pick.values)} shown, {names} {'has' if len(winners) == 1 else 'have'} the {pick.word} " \
               f"{pick.label} ({winners[0].value})."
    others = [v for v in pick.values if v not in winners]
    listed = [f"#{v.position} {v.value}" for v in others if v.value is not None]
    missing = [f"#{v.position}" for v in others if v.value is None]
    tail = (" Others: " + ", ".join(listed) + ".") if listed else ""
    if missing:
        tail += f" Not listed for {', '.join(missing)}."
    return head + tail


def template_reply(results: list[ToolResult], variant: int = 0) -> str:
    """The reply for this turn's tool results (the last result decides)."""
    if not results:
        return "How can I help with your shopping today?"
    a = results[-1]
    if a.status == "error":
        if a.error == "invalid_arguments" or not a.message:  # the model's mistake, not the shopper's
            return ("Sorry, I didn't understand that request. Could you rephrase it? For example: "
                    "\"a quiet bluetooth speaker in black\".")
        return f"Sorry, {a.message[0].lower() + a.message[1:]}"
    if a.tool in EXACT_REPLY_TOOLS:
        return a.message
    builders = {"search_products": search_reply, "get_product": product_reply, "compare_products": compare_reply,
                "answer_product_question": answer_reply, "similar_products": similar_reply,
                "find_accessories": accessories_reply, "pick_from_shown": pick_reply}
    return builders[a.tool](a, variant)


def needs_model_reply(results: list[ToolResult]) -> bool:
    """The model phrases found products and facts; errors, zero results, facts the catalog lacks and
    exact tools get the template."""
    return bool(results) and results[-1].status == "ok" and results[-1].tool not in EXACT_REPLY_TOOLS \
        and results[-1].tool not in TEMPLATE_ONLY_TOOLS
