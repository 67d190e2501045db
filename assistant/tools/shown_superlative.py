"""Which of the shown products has the most (or least) of something: "which of these has the most memory?",
"which one is the lightest?", "the one with the longest battery life?".

The question names a direction (a superlative) and a property. Price and rating are read from their catalog
fields; anything else is matched to one numeric attribute the shown products share, by the same bi-encoder
search uses plus word overlap with the attribute name (as ``product_question`` matches one product's facts).
Values are the catalog's own; a product without that attribute is "not listed", never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answers.product_facts import attr_label, attr_value
from assistant.safety.untrusted_text import is_steering
from assistant.tools.results import Direction, ShownPick, ShownValue
from retrieval.catalog.product import Product
from retrieval.encoder import Encoder

# stricter than for one product's facts (0.32): a ranking over the list must be about what was asked
# ("memory" ~ "capacity" 0.54, "durable" ~ "capacity" 0.37, "comfortable on a long flight" ~ "battery life" 0.24)
MIN_SIMILARITY = 0.5

# superlative -> (direction, the property it implies when the question names none)
_IMPLIED: dict[str, tuple[Direction, str | None]] = {
    "most": ("most", None), "highest": ("most", None), "biggest": ("most", "size"), "largest": ("most", "size"),
    "longest": ("most", "length"), "greatest": ("most", None), "maximum": ("most", None), "max": ("most", None),
    "heaviest": ("most", "weight"), "fastest": ("most", "speed"), "brightest": ("most", "brightness"),
    "loudest": ("most", "volume"), "widest": ("most", "width"), "tallest": ("most", "height"),
    "strongest": ("most", "power"), "more": ("most", None),
    "least": ("least", None), "lowest": ("least", None), "smallest": ("least", "size"),
    "shortest": ("least", "length"), "lightest": ("least", "weight"), "fewest": ("least", None),
    "slowest": ("least", "speed"), "quietest": ("least", "noise level"), "thinnest": ("least", "thickness"),
    "narrowest": ("least", "width"), "minimum": ("least", None), "min": ("least", None), "less": ("least", None),
    "furthest": ("most", "range"), "farthest": ("most", "range"), "newest": ("most", "release date"),
    "most compact": ("least", "size"), "most portable": ("least", "weight"), "most lightweight": ("least", "weight"),
}
_PRICE_LEAST = re.compile(r"\b(?:cheapest|least expensive|lowest[- ]priced?|lowest price|most affordable|"
                          r"(?:costs?|priced) the least)\b", re.I)
_PRICE_MOST = re.compile(r"\b(?:most expensive|priciest|dearest|highest[- ]priced?|highest price|"
                         r"(?:costs?|priced) the most)\b", re.I)
_RATING = re.compile(r"\b(?:best|highest|top)[- ]?(?:rated|reviewed)\b|\b(?:best|highest|most) (?:ratings?|reviews?|"
                     r"stars)\b", re.I)
_RATING_LEAST = re.compile(r"\b(?:worst|lowest|least)[- ]?(?:rated|reviewed)\b|\b(?:worst|lowest|fewest) (?:ratings?|"
                           r"reviews?|stars)\b", re.I)
SUPERLATIVE = re.compile(r"\b(" + "|".join(sorted(_IMPLIED, key=len, reverse=True)) + r")\b", re.I)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[a-z0-9]+")
_FILLER = {"which", "one", "ones", "of", "these", "those", "them", "the", "a", "an", "is", "has", "have", "with",
           "got", "gets", "offers", "does", "do", "what", "out", "shown", "listed", "here", "there", "in", "on",
           "and", "or", "it", "its", "product", "products", "item", "items", "option", "options", "amount", "lot",
           "really", "actually", "please", "pls", "me", "you", "i", "would", "say", "thing", "to", "between",
           "for", "all", "any", "amongst", "among", "best", "comes", "come", "least", "most", "are", "whats",
           "bunch", "five", "tell", "us", "my"}
# units in values, to one scale per kind ("1 TB" vs "512 GB", "1.2 kg" vs "800 g")
_UNITS = {"tb": 1024.0, "gb": 1.0, "mb": 1 / 1024, "kg": 1000.0, "g": 1.0, "h": 60.0, "hours": 60.0, "min": 1.0,
          "minutes": 1.0}


@dataclass(frozen=True)
class Superlative:
    direction: Direction
    word: str   # "cheapest", "most expensive", "best rated", or the superlative as written ("lightest", "most")
    start: int  # where it begins in the question


def asked_superlative(text: str) -> Superlative | None:
    """The superlative a question names (price and rating phrases first), or None."""
    for pattern, direction, word in ((_PRICE_LEAST, "least", "cheapest"), (_PRICE_MOST, "most", "most expensive"),
                                     (_RATING, "most", "best rated"), (_RATING_LEAST, "least", "worst rated")):
        if (m := pattern.search(text)) is not None:
            return Superlative(direction, word, m.start())
    m = SUPERLATIVE.search(text)
    if m is None:
        return None
    return Superlative(_IMPLIED[m.group(1).lower()][0], m.group(1).lower(), m.start())


def implied_property(word: str) -> str | None:
    """The property a superlative implies on its own ("lightest" -> "weight"), or None ("most")."""
    return _IMPLIED.get(word, (None, None))[1]


def _property_words(text: str, word: str) -> str:
    """What the question compares: its words without the superlative and filler, else what the word implies."""
    rest = SUPERLATIVE.sub(" ", text.lower())
    words = [w for w in _WORD.findall(rest) if w not in _FILLER and not w.isdigit()]
    return " ".join(words) or implied_property(word) or ""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    m = _NUMBER.search(str(value))
    if m is None or m.start() > 3:  # "Bluetooth 5.3" is a version, not an amount
        return None
    number = float(m.group().replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", m.group())
                   else m.group().replace(",", "."))
    unit = _WORD.match(str(value)[m.end():].strip().lower())
    return number * _UNITS.get(unit.group(), 1.0) if unit else number


def pick_shown(products: list[tuple[int, Product]], question: str, encoder: Encoder) -> ShownPick | None:
    """The shown products ranked on the property the question asks about; None when no numeric property of
    theirs matches it (or the question names no superlative)."""
    asked = asked_superlative(question)
    if asked is None or not products:
        return None
    direction, word = asked.direction, asked.word
    if word in ("cheapest", "most expensive"):
        return ShownPick("price", direction, word, tuple(
            ShownValue(n, p.id, p.title, p.display_price() if p.price is not None else None, p.price)
            for n, p in products))
    if word in ("best rated", "worst rated"):
        return ShownPick("rating", direction, word, tuple(
            ShownValue(n, p.id, p.title, f"{p.rating:g} stars" if p.rating is not None else None, p.rating)
            for n, p in products))
    wanted = _property_words(question, word)
    keys = sorted({k for _, p in products for k, v in p.attributes.items()
                   if _number(v) is not None and not is_steering(f"{k} {v}")})
    if not wanted or not keys:
        return None
    vectors = encoder.encode([wanted] + [attr_label(k) for k in keys])
    sims = vectors[1:] @ vectors[0]
    asked_words = {w.rstrip("s") for w in _WORD.findall(wanted)}
    overlap = np.array([len(asked_words & {w.rstrip("s") for w in _WORD.findall(attr_label(k))}) for k in keys])
    shared = np.array([sum(k in p.attributes for _, p in products) for k in keys])
    match = sims + 0.15 * np.minimum(overlap, 2)
    best = int(np.argmax(match + 0.02 * shared))  # among close matches, the attribute more of them list
    if match[best] < MIN_SIMILARITY:
        return None
    key = keys[best]
    values = []
    for n, p in products:
        raw = p.attributes.get(key)
        number = _number(raw) if raw is not None else None
        values.append(ShownValue(n, p.id, p.title, attr_value(raw) if raw is not None else None, number))
    return ShownPick(attr_label(key), direction, word, tuple(values))
