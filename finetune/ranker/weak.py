"""Weak supervision for the ranker: queries written from the catalog's own products, labelled by its structure.

Judged queries are few (~100 per catalog), so the ranker also learns from queries a shopper could type about any
product, with graded labels read from what the catalog says rather than from a person:

- ``brand_type``: "<brand> <type name>" ("philips headphones"). A product of that type and brand is 3, of that type
  and another brand 2 (a substitute), of that brand and another type 1 (goes with it), anything else 0.
- ``title_words``: two to four of the source title's words, in its order ("wireless laser mouse"). A product of the
  source's type whose title has every one of them is 3 (the source and its near-duplicates among them), of that
  type without them 1, of another type 0.
- ``colour_type``: "<colour> <type name>" ("red phone case"). Of that type and colour 3, of that type 1, else 0.
- ``code``: "<brand> <model code, the last one or two characters cut>" ("brother tn-21"), as shoppers shorten
  codes. A product whose code starts with it is 3, of the source's type 1, else 0.
- Any of them, about one in four, with one word misspelt (a letter dropped or two swapped), labelled as the word
  was meant.

Candidates are what hybrid retrieval returns for the query (the hard negatives search itself makes) plus the source
product; products whose type the lexicon cannot read are left out (nothing to label them by). Dev queries are never
read: ``weak_queries`` sees only the catalog, so validation on the judged queries stays out of sample.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters, colours_of
from retrieval.model_codes import title_codes
from retrieval.product_types import ProductTypes, type_names, without_brand
from retrieval.search import Searcher

TEMPLATES = ("brand_type", "title_words", "colour_type", "code")
TYPO_SHARE = 0.25
POOL = 60                 # hybrid candidates per weak query
MAX_PER_QUERY = 40        # labelled candidates kept per query
MAX_POSITIVES = 20        # of them at most this many labelled above 0
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
_DULL = frozenset({"with", "and", "for", "the", "black", "white", "silver", "grey", "gray", "blue", "red", "pack",
                   "original", "new", "set", "inch", "pcs", "pieces", "piece", "pc", "x"})


@dataclass(frozen=True)
class WeakQuery:
    """One generated query and its labelled candidates (product id -> class 0-3)."""

    query: str
    template: str
    source: str
    labels: dict[str, int]


def misspell(word: str, rng: random.Random) -> str:
    """One typo in a word of five letters or more: a letter dropped or two neighbours swapped."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _type_name(kind: str, types: ProductTypes, rng: random.Random) -> str:
    """A name of the type that reads back as the type ("headset" or "headphones" for headphones)."""
    names = type_names(kind, types)
    return rng.choice(names) if names else kind


def _title_words(product: Product, rng: random.Random) -> list[str]:
    words = [w for w in _WORD.findall(without_brand(product).lower()) if w not in _DULL and not any(c.isdigit()
                                                                                                    for c in w)]
    words = list(dict.fromkeys(words))
    if len(words) < 2:
        return []
    n = min(len(words), rng.randint(2, 4))
    keep = sorted(rng.sample(range(len(words)), n))
    return [words[i] for i in keep]


@dataclass
class _Facts:
    kind: dict[str, str | None]
    brand: dict[str, str]
    colours: dict[str, frozenset[str]]
    words: dict[str, frozenset[str]]
    codes: dict[str, tuple[str, ...]]


def _facts(products: dict[str, Product], types: dict[str, str | None]) -> _Facts:
    return _Facts(kind=types,
                  brand={pid: (p.brand or "").strip().lower() for pid, p in products.items()},
                  colours={pid: frozenset(colours_of(p)) for pid, p in products.items()},
                  words={pid: frozenset(_WORD.findall(p.title.lower())) for pid, p in products.items()},
                  codes={pid: title_codes(p.title) for pid, p in products.items()})


def _labeller(template: str, source: str, facts: _Facts, detail: tuple[str, ...]) -> Callable[[str], int]:
    kind, brand = facts.kind[source], facts.brand[source]

    def brand_type(pid: str) -> int:
        same_kind, same_brand = facts.kind[pid] == kind, facts.brand[pid] == brand
        return 3 if same_kind and same_brand else 2 if same_kind else 1 if same_brand else 0

    def title_words(pid: str) -> int:
        if facts.kind[pid] != kind:
            return 0
        return 3 if set(detail) <= facts.words[pid] else 1

    def colour_type(pid: str) -> int:
        if facts.kind[pid] != kind:
            return 0
        return 3 if detail[0] in facts.colours[pid] else 1

    def code(pid: str) -> int:
        if any(c.startswith(detail[0]) for c in facts.codes[pid]):
            return 3
        return 1 if facts.kind[pid] == kind else 0

    return {"brand_type": brand_type, "title_words": title_words, "colour_type": colour_type, "code": code}[template]


def _phrase(template: str, product: Product, kind: str, facts: _Facts, types: ProductTypes,
            rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    """The query text and what its labeller needs, or None where the product offers nothing for the template."""
    brand = facts.brand[product.id]
    if template == "brand_type":
        return (f"{brand} {_type_name(kind, types, rng)}", ()) if brand else None
    if template == "title_words":
        words = _title_words(product, rng)
        return (" ".join(words), tuple(words)) if words else None
    if template == "colour_type":
        single = [c for c in facts.colours[product.id] if c.isalpha()]
        if not single:
            return None
        colour = rng.choice(sorted(single))
        return f"{colour} {_type_name(kind, types, rng)}", (colour,)
    codes = [c for c in facts.codes[product.id] if len(c) >= 5]
    if not codes or not brand:
        return None
    cut = codes[0][:-rng.choice((1, 2))]
    return f"{brand} {cut}", (cut,)


def weak_queries(searcher: Searcher, n: int, seed: int = 0, pool: int = POOL) -> list[WeakQuery]:
    """``n`` generated queries from the searcher's catalog, each with its labelled hybrid candidates."""
    rng = random.Random(seed)
    ids = searcher.lexical.all_ids()
    products = searcher.lexical.get_many(ids)
    types = searcher.product_types(ids)
    facts = _facts(products, types)
    sources = sorted(pid for pid in products if types.get(pid))
    rng.shuffle(sources)
    out: list[WeakQuery] = []
    seen: set[str] = set()
    for pid in sources:
        if len(out) >= n:
            break
        kind = types[pid]
        for offset in range(len(TEMPLATES)):  # the next template in turn that this product can fill
            template = TEMPLATES[(len(out) + offset) % len(TEMPLATES)]
            phrased = _phrase(template, products[pid], kind, facts, searcher.types, rng)
            if phrased is not None:
                break
        else:
            continue
        text, detail = phrased
        if rng.random() < TYPO_SHARE:
            words = text.split()
            i = rng.randrange(len(words))
            words[i] = misspell(words[i], rng)
            text = " ".join(words)
        if text in seen:
            continue
        seen.add(text)
        label = _labeller(template, pid, facts, detail)
        found = searcher.run_stages(text, SearchFilters(), pool, "hybrid").final
        candidates = [c for c in dict.fromkeys([pid, *sorted(found, key=lambda c: -found[c])]) if facts.kind.get(c)]
        labelled = {c: label(c) for c in candidates}
        positives = [c for c in candidates if labelled[c] > 0][:MAX_POSITIVES]
        negatives = [c for c in candidates if labelled[c] == 0]
        kept = positives + negatives[:max(MAX_PER_QUERY - len(positives), 0)]
        if len(kept) < 2 or not negatives:
            continue
        out.append(WeakQuery(text, template, pid, {c: labelled[c] for c in kept}))
    return out
