"""Check a search call's price arguments against the shopper's own words before it runs.

The 135M model sometimes swaps ``min_price`` and ``max_price`` ("under $80" read as a minimum,
about 5% of held-out searches). Price cues are unambiguous in text, so the agent lets the
shopper's words decide the direction, and drops a price the shopper never mentioned. `guard_call`
is the whole guard the agent runs; `aisle eval agent` reports the raw model and, beside it, the
calls after this guard.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from assistant.dialogue.query_words import tidy
from assistant.safety.spelled_amounts import spelled_amounts
from retrieval.product_types import PRODUCT_TYPES
from retrieval.spec_match import amounts, asked_amounts

_NUM = r"\$?\s*(\d+(?:[.,]\d+)?)\s*(?:dollars|usd|bucks)?"
MAX_CUE = re.compile(r"(?:under|undr|unde|below|bellow|less than|les than|max(?:imum)?|up to|no more than|at most|"
                     r"(?:nothing|not|never|no) (?:above|over|more than|beyond|exceeding)|"
                     r"(?:can'?t|cannot|won'?t|wouldn'?t|doesn'?t|don'?t|shouldn'?t|mustn'?t|not|never)"
                     r"(?: want to)? (?:spend|pay|cost|be|go|run) (?:more than|over|above|beyond)|"
                     r"budget(?: is| of)?|(?:my )?limit(?: is| of)?|"
                     r"cheaper than|within|<=?)\s*" + _NUM, re.I)
MIN_CUE = re.compile(r"(?:(?<!nothing )(?<!not )(?<!never )(?<!no )(?<!spend )(?<!pay )(?:over|above|more than)|"
                     r"at least|min(?:imum)?|from|starting at|>=?)\s*"
                     + _NUM, re.I)
# the cue after the amount: "$40 or less", "100 bucks tops", "$60 is my limit", "$500 and up"
MAX_AFTER = re.compile(r"\$?\s*(\d+(?:[.,]\d+)?)\s*(?:dollars|usd|bucks)?\s*(?:or less|or under|or below|or cheaper|"
                       r"max(?:imum)?\b|tops\b|at (?:the )?most|is my (?:max|limit|ceiling|budget|top))", re.I)
MIN_AFTER = re.compile(r"\$?\s*(\d+(?:[.,]\d+)?)\s*(?:dollars|usd|bucks)?\s*(?:or more|or above|or higher|and up\b|"
                       r"and above|minimum\b|at (?:the )?least)", re.I)
RANGE_CUE = re.compile(r"(?:between\s*)?\$\s*(\d+(?:[.,]\d+)?)\s*(?:and|to|-)\s*\$?\s*(\d+(?:[.,]\d+)?)"
                       r"|between\s*(\d+(?:[.,]\d+)?)\s*(?:and|to|-)\s*\$?\s*(\d+(?:[.,]\d+)?)"
                       # "in the 30 to 80 dollar range", "50-100 bucks"
                       r"|(?:(?:something|anything) )?(?:in the |around the )?(\d+(?:[.,]\d+)?)\s*(?:to|-)\s*"
                       r"(\d+(?:[.,]\d+)?)\s*(?:(?:dollars?|bucks|usd)(?:\s*range)?|range|price range)", re.I)


# a number with a unit is a spec, not a price: "64 gigabytes", "15 inch", "20000 mAh", "1080p" ("1k" stays a price)
SPEC = re.compile(r"\b(\d+(?:[.,]\d+)?)\s*(?:-\s*)?(?:gb|gigabytes?|gigs?|tb|terabytes?|mb|megabytes?|inch(?:es)?|"
                  r"\"|''|mp\b|megapixels?|hz|khz|mhz|ghz|w\b|watts?|mah|cm|mm|kg|g\b|lbs?|oz\b|ft\b|feet|foot|"
                  r"v\b|volts?|p\b|cores?|ports?|pcs?\b|pieces?|pack\b|x\b|zoom|fps|dpi|ppm|rpm|"
                  r"(?:hours?|hrs?)\b|m\b|meters?|metres?)"
                  r"(?:\s+(?:or (?:bigger|more|larger|higher|better|above|up)|and (?:up|above|bigger)|plus|\+))?",
                  re.I)


_RATING_CUE = re.compile(r"star|rated|rating|review|\bscore", re.I)
# a rating the shopper asks for: "rated 4+", "4.5 stars and up", "well reviewed ones, like 4.5 and up"
_RATING_AMOUNT = re.compile(
    r"(?:rated|ratings?|reviews?|reviewed|stars?|score)\b[^\d$]{0,15}?(?:at least |over |above |of )?"
    r"(?<![$\d.])([1-5](?:\.\d)?)(?![\d.]|\s*(?:dollars|bucks|usd|%))(?:\s*(?:\+|stars?\b|and up\b|or (?:more|better|"
    r"higher|above)\b|plus\b))*"
    r"|(?<![$\d.])\b([1-5](?:\.\d)?)\s*(?:\+\s*)?(?:stars?\b|★)(?:\s*(?:and up|or (?:more|better|higher|above)|plus))?"
    r"|(?<![$\d.])\b([1-5](?:\.\d)?)\s*(?:\+|and up\b|or (?:more|better|higher|above)\b|plus\b)", re.I)


def rating_asked(text: str) -> float | None:
    """The lowest rating a message asks for, if its words speak of ratings at all."""
    if not _RATING_CUE.search(text):
        return None
    found = [float(next(g for g in m.groups() if g)) for m in _RATING_AMOUNT.finditer(text)]
    return found[-1] if found else None


def _without_ratings(text: str) -> str:
    return _RATING_AMOUNT.sub(" ", text) if _RATING_CUE.search(text) else text


def spec_phrases(text: str) -> list[str]:
    """The spec phrases a message states ("64 gigabytes or bigger", "15 inch")."""
    return [m.group(0).strip() for m in SPEC.finditer(text)]


def amounts_kept(args: dict[str, Any], text: str) -> dict[str, Any]:
    """An amount the shopper asked for ("usb stick, 64 gig") stays in the search words: the model drops it at
    times, and the spec stage of search reads it there."""
    query = args.get("query")
    if not isinstance(query, str) or not query.strip():
        return args
    stated = amounts(query)
    missing = [a.text for a in asked_amounts(text) if not any(a.same(s) for s in stated)]
    return {**args, "query": f"{query.strip()} {' '.join(missing)}"[:300]} if missing else args


def _values(pattern: re.Pattern[str], text: str) -> list[float]:
    return [float(m.group(1).replace(",", "")) for m in pattern.finditer(text)]


_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|percent\b|per cent\b)", re.I)  # "50% lower" is no price
# a number before things people count is no price: "at least 6 sockets", "4 usb ports", "over 200 5-star reviews"
_COUNTED_THINGS = (r"sockets?|outlets?|ports?|slots?|bays?|reviews?|ratings?|pieces?|pcs|items?|packs?|drawers?|"
                   r"shelves|shelf|seats?|pages?|sheets?|keys|buttons?|channels?|burners?|blades?|speeds?|settings?|"
                   r"cups?|servings?|people|persons?|users?|plugs?|pockets?|compartments?|wheels?|tiers?|zones?|"
                   r"connections?|inputs?|outputs?|jacks?|sims?|cores?|threads?|gangs?")
# up to two words between the number and the thing ("4 usb ports", "200 5-star reviews"), none that joins or cues
_BETWEEN = r"(?:(?!(?:with|and|or|for|under|below|over|than|at|to|in|of)\b)(?:[a-z][\w-]*|\d+-[a-z][\w-]*)\s+)"
_COUNT_OF_THINGS = re.compile(rf"(?<![$\w.,])\d+(?:[.,]\d+)?\s*(?:-\s*)?{_BETWEEN}{{0,2}}(?:{_COUNTED_THINGS})\b", re.I)


def _without_counts(text: str) -> str:
    """The text with its counts of things ("6 sockets", "4 usb ports") blanked: those numbers are no prices."""
    return _COUNT_OF_THINGS.sub(" ", text)


def guard_search_args(args: dict[str, Any], text: str) -> dict[str, Any]:
    """Price arguments made consistent with the shopper's text (other arguments untouched); a number
    with a unit ("64 gigabytes") or a rating ("4.5 and up", with rating words) is never a price; money in
    words ("under a grand") is read as digits."""
    text = _without_counts(_without_ratings(SPEC.sub(" ", _PERCENT.sub(" ", spelled_amounts(text)))))
    maxes = _values(MAX_CUE, text) + _values(MAX_AFTER, text)
    # an amount a ceiling cue holds is no floor ("won't cost more than 30 bucks": "more than" after a negation)
    mins = _values(MIN_CUE, MAX_CUE.sub(" ", text)) + _values(MIN_AFTER, text)
    for m in RANGE_CUE.finditer(text):
        low, high = sorted(float(g.replace(",", "")) for g in m.groups() if g)
        mins, maxes = mins + [low], maxes + [high]
    mentioned = {float(n.replace(",", "")) for n in re.findall(r"\d+(?:[.,]\d+)?", text)}
    # a price the shopper never wrote is dropped ("$60 max" read as max 60 and min 1)
    fixed = {k: v for k, v in args.items()
             if k not in ("max_price", "min_price") or (isinstance(v, int | float) and float(v) in mentioned)}
    if not maxes and not mins:
        return fixed
    for key, wanted, other in (("max_price", maxes, "min_price"), ("min_price", mins, "max_price")):
        if wanted and fixed.get(key) is None and isinstance(fixed.get(other), int | float) \
                and float(fixed[other]) in wanted and float(fixed[other]) not in (maxes if other == "max_price"
                                                                                  else mins):
            fixed[key] = fixed.pop(other)  # the model put the shopper's limit on the wrong side
    for key, wanted in (("max_price", maxes), ("min_price", mins)):
        if wanted and fixed.get(key) is None:
            fixed[key] = wanted[-1]
    for key, wanted, opposite in (("min_price", mins, maxes), ("max_price", maxes, mins)):
        value = fixed.get(key)
        if isinstance(value, int | float) and float(value) not in wanted and float(value) in opposite:
            del fixed[key]  # "$150 or less" read as both a ceiling and a minimum of 150
    return fixed


_STOCK_WORDS = re.compile(r"\s*,?\s*\b(?:(?:anything|something|any|ones?) )?(?:that (?:is|are) |which (?:is|are) |"
                          r"currently |still )?in[- ]stock(?: only)?\b|"
                          r"\s*,?\s*\bonly (?:the ones )?in[- ]stock\b|"
                          r"\s*,?\s*\b(?:and|if|only|that'?s|that are|which are) available\b|"
                          r"\s*,?\s*\bavailable (?:now|today|right away)\b|"
                          r"\s*,?\s*\b(?:i can get |you can ship |that ships? )?(?:right away|immediately)\b", re.I)


def _filter_names_dropped(query: str, args: dict[str, Any]) -> str:
    """The brands and the colour the call filters on leave the words ("55 inch samsung tv", brand Samsung ->
    "55 inch tv"; "mechanical keyboard, no razer" -> "mechanical keyboard"), with the word that negated them."""
    names = [b for key in ("brands", "exclude_brands") if isinstance(args.get(key), list)
             for b in args[key] if isinstance(b, str) and b.strip()]
    colour = args.get("colour")
    for name in sorted(names, key=len, reverse=True):
        spelt = shopper_spelling(name, query)
        if spelt:
            query = re.sub(rf"(?:\b(?:no|not|except|without|anything but|but not|nothing from|drop|remove|exclude|"
                           rf"skip|avoid|ditch|lose)\s+(?:(?:the|any|all)\s+)?)?(?<![\w-])"
                           rf"{re.escape(spelt)}(?:'s)?(?![\w-])", " ", query, flags=re.I)
    if isinstance(colour, str) and colour.strip():
        for spelling in colour_spellings(colour):
            query = re.sub(rf"(?<![\w-]){re.escape(spelling)}(?:\s+(?:colou?r(?:ed)?|one))?(?![\w-])", " ", query,
                           flags=re.I)
    return query


def constraint_words_dropped(args: dict[str, Any]) -> dict[str, Any]:
    """The price, stock, brand and colour words a call already carries as filters leave its query ("bluetooth
    speaker under $5", max_price 5 -> "bluetooth speaker"): they match nothing in a product's text (a brand is a
    filter, not a word to rank by), and the reply that echoes the query would state the limit twice; the words
    left dangling go with them ("rain jacket, or"). A query left with no words of its own once the price and
    stock words are gone is dropped (the call adjusts the running search); one that would be left with no
    words once the brand or colour is gone keeps them ("sony" alone is a search)."""
    query = args.get("query")
    if not isinstance(query, str) or not query.strip():
        return args
    query = spelled_amounts(query)
    prices = {float(v) for k, v in args.items() if k in ("max_price", "min_price") and isinstance(v, int | float)}
    cleaned = query
    if prices:
        specs = [m.span() for m in SPEC.finditer(cleaned)]

        def spare(m: re.Match[str]) -> str:
            amounts_in = {float(g.replace(",", "")) for g in m.groups() if g}
            clash = any(a < m.end() and m.start() < b for a, b in specs)
            return " " if amounts_in and amounts_in <= prices and not clash else m.group(0)

        for pattern in (RANGE_CUE, MAX_CUE, MIN_CUE, MAX_AFTER, MIN_AFTER):
            cleaned = pattern.sub(spare, cleaned)
            specs = [m.span() for m in SPEC.finditer(cleaned)]
    if args.get("in_stock") is True:
        cleaned = _STOCK_WORDS.sub(" ", cleaned)
    if args.get("min_rating") is not None:
        cleaned = _without_ratings(cleaned)
    cleaned = tidy(cleaned) if cleaned != query else cleaned  # a query no filter took a word from stays as typed
    named = _filter_names_dropped(cleaned, args)
    without_names = tidy(named) if named != cleaned else named
    if not re.search(r"\w", cleaned):
        return {k: v for k, v in args.items() if k != "query"}
    if re.search(r"\w", without_names):
        cleaned = without_names
    return args if cleaned == args["query"] else {**args, "query": cleaned}


def known_brands_only(args: dict[str, Any], brands: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Drop brand filters that name no catalog brand ("headphones" read as a brand empties a search);
    a brand is matched case- and accent-insensitively and given its catalog spelling."""
    from retrieval.filters import norm

    catalog = {norm(b): b for b in brands}
    fixed = dict(args)
    for key in ("brands", "exclude_brands"):
        value = fixed.get(key)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            fixed[key] = [catalog[norm(v)] for v in value if isinstance(v, str) and norm(v) in catalog]
    return fixed


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def shopper_spelling(brand: str, text: str) -> str | None:
    """How the shopper wrote this brand, if they did: as spelt (any case), with a slip in a one-word name
    ("Viatmix"), or without its spaces or hyphens ("tplink", then the brand itself is returned)."""
    hits = _mentions(text, brand) or _misspelt(text, brand)
    if hits:
        return hits[0].group()
    compact = _compact(brand)
    return brand if len(compact) >= 4 and compact in _compact(text) else None


def named_by_shopper(brand: str, text: str) -> bool:
    return shopper_spelling(brand, without_greeting(text)) is not None


_GREETING = re.compile(r"^\W*(?:hi|hello|hey|heya|hiya|howdy|yo|greetings)\b(?:\s+there)?[\s,!.:;-]*", re.I)


def without_greeting(text: str) -> str:
    """The message after its greeting ("hello, a cooling fan": the brand Hello is not asked for)."""
    return _GREETING.sub("", text, count=1)


def brands_only_when_named(args: dict[str, Any], text: str) -> dict[str, Any]:
    """Brands the shopper never wrote are dropped ("running shoes, 4 stars and up" read as brand Sony): a brand
    filter comes from the shopper's words, as a price does; the running search keeps its own brands."""
    fixed = dict(args)
    for key in ("brands", "exclude_brands"):
        value = fixed.get(key)
        if isinstance(value, list):
            fixed[key] = [b for b in value if isinstance(b, str) and named_by_shopper(b, text)]
    return fixed


_COLOUR_SPELLINGS = (("grey", "gray"),)


def colour_spellings(colour: str) -> tuple[str, ...]:
    """A colour as shoppers spell it ("grey" and "gray")."""
    low = colour.strip().lower()
    for pair in _COLOUR_SPELLINGS:
        if low in pair:
            return pair
    return (low,)


def colour_written(colour: str, text: str) -> bool:
    """The shopper wrote this colour: in any of its spellings ("grey", "gray"), or with two neighbouring letters
    swapped ("balck")."""
    low = text.lower()
    return any(s in low for s in colour_spellings(colour)) or bool(_transposed(text, colour))


def _catalog_colour(wanted: str, catalog: dict[str, str]) -> str | None:
    return next((catalog[s] for s in colour_spellings(wanted) if s in catalog), None)


def known_colours_only(args: dict[str, Any], colours: tuple[str, ...] | list[str], text: str = "") -> dict[str, Any]:
    """A colour filter must name a catalog colour ("prefer white tbh" read as colour "tbh" empties a search) and,
    when the shopper's words are given, one they wrote as a word of three letters or more (free-text catalogs list
    "a" and "s" as colours: "recommend a good movie" is no colour "a"); with no catalog colours known, the model's
    colour stands. The running search keeps its own colour."""
    colour = args.get("colour")
    if not colours or not isinstance(colour, str):
        return args
    catalog = {c.lower(): c for c in colours}
    wanted = colour.strip().lower()
    written = not text or (len(wanted) >= 3 and any(
        re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text, re.I) and not names_a_kind(s, text)
        for s in colour_spellings(wanted)))
    known = _catalog_colour(wanted, catalog)
    if known and written:
        return {**args, "colour": longest_colour_written(known, colours, text)}
    return {k: v for k, v in args.items() if k != "colour"}


def names_a_kind(colour: str, text: str) -> bool:
    """Is the colour word part of a product type's name ("coffee maker" in the type lexicon)? It is when the
    word and the next make a type the next word alone does not ("black speaker" is a speaker either way)."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(colour)}\s+([\w-]+(?:\s+[\w-]+)?)", text, re.I):
        rest = m.group(1)
        kinds = PRODUCT_TYPES.named(f"{colour} {rest}")
        if kinds and kinds[:1] != PRODUCT_TYPES.named(rest)[:1]:
            return True
    return False


# colour words of five letters or more: a slip is corrected only toward these (a free-text catalog's colour field
# also holds "three", "satin", "pairs": "is there a stain resistant rug" must stay as written)
COLOUR_WORDS = frozenset("""black white silver green brown purple orange yellow beige smoke golden bronze charcoal
ivory maroon violet cream khaki olive turquoise crimson magenta graphite titanium copper platinum champagne lavender
burgundy coral indigo amber walnut espresso mocha taupe slate pewter chrome rosegold fuchsia mauve salmon emerald
sapphire scarlet cherry lemon mustard aqua navyblue midnight cyan""".split())


@lru_cache(maxsize=16)
def _slip_targets(colours: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for c in colours for w in re.split(r"[/ &,-]+", c.lower()) if w in COLOUR_WORDS)


def colour_slips_fixed(text: str, colours: tuple[str, ...] | list[str]) -> str:
    """The text with each word of five letters or more that is a colour word of the catalog's colours with two
    neighbouring letters swapped written as that word ("a blakc/silver airpod" -> "a black/silver airpod",
    "white/msoke" -> "white/smoke"); a colour word is one of a small closed set, so its first two letters may
    be the swapped ones."""
    targets = _slip_targets(tuple(colours))
    if not targets:
        return text

    def fix(m: re.Match[str]) -> str:
        word = m.group().lower()
        if word in targets:
            return m.group()
        return next((c for c in targets if _swapped(word, c)), m.group())

    return re.sub(r"[A-Za-z]{5,}", fix, text)


def longest_colour_written(known: str, colours: tuple[str, ...] | list[str], text: str) -> str:
    """The catalog colour the shopper wrote that holds the model's one ("black/silver", "rose gold" for "gold")."""
    low = known.lower()
    longer = [c for c in colours if len(c) > len(known) and low in c.lower() and _mentions(text, c)]
    return max(longer, key=len) if longer else known


def rating_only_when_asked(args: dict[str, Any], text: str) -> dict[str, Any]:
    """A minimum rating the shopper never asked for ("keep it under 80" read as rating 5) is dropped."""
    if "min_rating" in args and not _RATING_CUE.search(text):
        return {k: v for k, v in args.items() if k != "min_rating"}
    asked = rating_asked(text)
    if asked is None:
        return args
    # "only the well reviewed ones, like 4.5 and up" read as a price of 4.5: the number is the rating
    fixed = {k: v for k, v in args.items()
             if not (k in ("min_price", "max_price") and isinstance(v, int | float) and float(v) == asked
                     and not re.search(rf"\$\s*{re.escape(str(v))}", text))}
    if fixed.get("min_rating") is None:
        fixed["min_rating"] = int(asked) if asked == int(asked) else asked
    return fixed


# a word of five characters or more as brands are written: with hyphens, apostrophes and inner dots ("Arc'teryx",
# "Barry.Wang"), so a slip in such a name is a word too
_WORDS_5 = re.compile(r"[A-Za-z](?:[\w'-]|\.(?=\w)){4,}")


def _swapped(a: str, b: str) -> bool:
    """One pair of neighbouring letters swapped ("aplpe" / "apple", "sivler" / "silver", "balck" / "black")."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _transposed(text: str, name: str) -> list[re.Match[str]]:
    """A word of five letters or more typed with two neighbouring letters swapped (the first one right)."""
    low = name.lower()
    if len(low) < 5 or " " in low:
        return []
    return [m for m in _WORDS_5.finditer(text) if m.group()[0].lower() == low[0] and _swapped(m.group().lower(), low)]


def swapped_in(text: str, name: str) -> bool:
    """The shopper typed this one-word name (five letters or more) with two neighbouring letters swapped."""
    return bool(_transposed(text, name))


def _misspelt(text: str, name: str) -> list[re.Match[str]]:
    """A one-word brand typed with a slip ("Viatmix" for Vitamix): a word of five letters or more, of the same
    first letter, that is at least 85% alike; short names are never guessed ("like" is no LiKee)."""
    if len(name) < 5 or " " in name:
        return []
    return [m for m in _WORDS_5.finditer(text)
            if m.group().lower()[0] == name.lower()[0] and name.lower() not in m.group().lower()
            and difflib.SequenceMatcher(None, m.group().lower(), name.lower()).ratio() >= 0.85] \
        or _transposed(text, name)


_IN_STOCK_CUE = re.compile(r"(?<!out of )(?<!not )\bin[- ]stock\b|available (?:now|today|right away)|"
                           r"ships? (?:now|today|right away)|\b(?:and|if|only|that'?s|that are|which are) available\b|"
                           r"\bavailable\W*$|\b(?:get|have|ship)\b.{0,20}\b(?:right away|immediately)\b", re.I)
_NEGATION = re.compile(r"(?:not|no|except|without|anything but|but not|skip|avoid|hate|don't like|drop|remove|ditch|"
                       r"exclude|lose|leave out|get rid of|no more|nothing from|none from|none of)\s+"
                       r"(?:(?:the|any|all)\s+)?(?:from\s+|by\s+)?$", re.I)


def _mentions(text: str, name: str) -> list[re.Match[str]]:
    if name.lower() not in text.lower():  # most of a catalog's brands: no regex to compile (~35 ms a turn on Chorus)
        return []
    return list(re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I))


def shopper_named_filters(args: dict[str, Any], text: str, brands: tuple[str, ...] | list[str],
                          colours: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Brands, colours and "in stock" the shopper wrote ("JBL speaker", "red backpack", "not Sony") that
    the call left out are added: the 135M model often keeps such words in the query text only."""
    fixed = dict(args)
    colour_words = {c.lower() for c in colours}
    text = without_greeting(text)
    for brand in sorted(brands, key=len, reverse=True):
        if len(brand) < 2 or brand.lower() in colour_words:
            continue
        hits = _mentions(text, brand) or _misspelt(text, brand)
        if not hits:
            continue
        negated = bool(_NEGATION.search(text[: hits[0].start()][-30:]))
        key, other = ("exclude_brands", "brands") if negated else ("brands", "exclude_brands")
        # the shopper's words decide the side: "a Corsair keyboard" never excludes Corsair
        if isinstance(fixed.get(other), list):
            fixed[other] = [b for b in fixed[other] if not (isinstance(b, str) and b.lower() == brand.lower())]
        if any(isinstance(b, str) and b.lower() == brand.lower() for b in fixed.get(key) or []):
            continue
        fixed[key] = list(fixed.get(key) or []) + [brand]
    if "in_stock" not in fixed and _IN_STOCK_CUE.search(text):
        fixed["in_stock"] = True
    if not fixed.get("colour"):
        named = [c for c in colours if len(c) >= 3 and any(_mentions(text, s) and not names_a_kind(s, text)
                                                           for s in colour_spellings(c))]
        named = [c for c in named if not any(c.lower() in o.lower() and len(o) > len(c) for o in named)]
        spelt: dict[str, str] = {}  # "grey" and "gray" are one colour, in the shopper's spelling
        for c in named:
            if colour_spellings(c)[0] not in spelt or _mentions(text, c):
                spelt[colour_spellings(c)[0]] = c
        named = list(spelt.values())
        if not named:  # "a balck case", "sivler shoe": one catalog colour with two letters swapped
            named = list({c.lower(): c for c in colours if _transposed(text, c)}.values())
        if len(named) == 1:
            fixed["colour"] = named[0]
    return nested_brands_dropped(fixed)


_CART_WORD = re.compile(r"\b(?:cart|basket|trolley)\b", re.I)


def negated_brand(text: str, brands: tuple[str, ...] | list[str]) -> str | None:
    """A catalog brand the shopper's words rule out ("leave out HERMA", "no more Sony")."""
    for brand in brands:
        hits = _mentions(text, brand) if len(brand) >= 2 else []
        if hits and _NEGATION.search(text[: hits[0].start()][-30:]):
            return brand
    return None


def nested_brands_dropped(args: dict[str, Any]) -> dict[str, Any]:
    """A brand whose name is part of another brand the call names is the same mention ("anker soundcore" is
    Anker Soundcore, not also Anker)."""
    fixed = dict(args)
    for key in ("brands", "exclude_brands"):
        value = fixed.get(key)
        if isinstance(value, list) and len(value) > 1:
            names = [b for b in value if isinstance(b, str)]
            fixed[key] = [b for b in names if not any(
                o != b and len(o) > len(b) and re.search(rf"(?<![\w-]){re.escape(b.lower())}(?![\w-])", o.lower())
                for o in names)]
    return fixed


ORDER_ID = re.compile(r"\b([A-Z]\d{4,5})\b")  # the order numbers the order tools accept (upper-cased text)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # "li.wei@example.net." ends the sentence


def order_call_from_text(text: str) -> dict[str, Any] | None:
    """An order number and an e-mail in one message mean an order lookup, whatever the model chose."""
    ids, emails = ORDER_ID.findall(text.upper()), _EMAIL.findall(text)
    if len(set(ids)) == 1 and len(set(emails)) == 1:
        return {"order_id": ids[0], "email": emails[0]}
    return None


def product_ids_in_text(text: str, exists) -> list[str]:
    """The catalog product ids a message types ("compare AIS-1007 and AIS-1022"), in order."""
    found: list[str] = []
    for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]{3,}", text):
        if any(ch.isdigit() for ch in token) and token not in found and exists(token):
            found.append(token)
    return found


def product_id_from_text(args: dict[str, Any], text: str, exists) -> dict[str, Any]:
    """A product id the shopper typed ("add AIS-1042") wins over a list position the model guessed."""
    typed = product_ids_in_text(text, exists)
    if typed:
        fixed = {k: v for k, v in args.items() if k != "position"}
        fixed["product_id"] = typed[0]
        return fixed
    pid = args.get("product_id")
    if pid is not None and args.get("position") is not None and not (isinstance(pid, str) and exists(pid)):
        return {k: v for k, v in args.items() if k != "product_id"}  # {"position": 2, "product_id": "2"}: the position
    return args


_POLICY_CUE = re.compile(
    r"return|refund|send (?:it )?back|exchange|restock|ship|deliver|arriv|express|warrant|guarantee|break|broke|"
    r"fail|damage|repair|replace|pay|card|visa|amex|mastercard|paypal|gift card|charge|price ?match|match|cheaper "
    r"elsewhere|competitor|for less|privacy|data|information|details|share|keep|polic|rule|fee|cost|how much|"
    r"how long|change my mind|get here|gets here|dies|died|stop(?:s|ped)? working|about me|personal", re.I)


_POLICY_TOPICS = (
    ("price_match", r"price ?match|cheaper elsewhere|competitor|for less (?:at|somewhere)|match (?:it|that|the price|"
                    r"their price)|(?:another|a different|other) (?:shop|store|site|website|retailer)"),
    ("returns", r"\breturn|refund|send (?:\w+ )?back|money back|exchange|change my mind"),
    ("warranty", r"warrant|guarantee|\bbreaks?\b|broke|stops? working|stopped working|\bdies\b|died|repair"),
    ("shipping", r"\bship|deliver|arriv|get (?:it |here |to me)|gets here|express|how long .* take"),
    ("payment", r"\bpay\b|paypal|credit card|debit card|\bcard\b|visa|amex|mastercard|gift card|installment"),
    ("privacy", r"privacy|my data|personal (?:data|info)|store about me|share my"),
)


# a price-match request, whatever else the message mentions ("found the same blender for $20 less at another
# shop, can you match it?")
_PRICE_MATCH = re.compile(r"price[- ]?match|\bmatch (?:it|that|this|the price|their price|a price)\b|"
                          r"\bbeat (?:that|their|the other) price|"
                          r"cheaper (?:elsewhere|at (?:another|a different|other))", re.I)


def policy_topic(text: str) -> str | None:
    """The store policy a message asks about, when its words say so unambiguously."""
    found = [topic for topic, cue in _POLICY_TOPICS if re.search(cue, text, re.I)]
    return found[0] if len(found) == 1 else None


def is_policy_question(text: str) -> bool:
    """Does the shopper's message ask about a store policy at all? (A store_policy call for "monitor"
    is a model error: the turn is a product search.)"""
    return bool(_POLICY_CUE.search(text))


# "tell me about AIS-1019", "more details on the second one": the product's overview, not one spec question
_OVERVIEW = re.compile(r"^\W*(?:(?:can you |could you |please )?(?:tell|show) me (?:more )?(?:about|on)|"
                       r"(?:give me |show me |i'?d like |i want )?(?:more |the |full )?(?:details|info(?:rmation)?|"
                       r"specs|specifications)(?: please)? (?:on|about|for|of)|describe|what about|more about|"
                       r"what'?s the (?:deal|story|lowdown) (?:with|on)|(?:open|pull up|bring up|expand)|"
                       r"details:?)\s+(.*)$", re.I)
# the cue after the product: "what's the top result like?", "AIS-1190 details please"
_OVERVIEW_AFTER = re.compile(r"^\W*(?:(?:what|how)(?:'?s| is| are)\s+(.*?)\s+like|(.*?)\s+(?:details|info|specs|"
                             r"overview)(?:\s+(?:please|pls|plz))?)\W*$", re.I)
_REFERENCE_WORDS = re.compile(r"^(?:the|this|that|it|one|item|product|result|pick|option|choice|number|no|#?\d|first|"
                              r"second|third|fourth|fifth|"
                              r"last|top|1st|2nd|3rd|4th|5th|please|pls|[a-z]+-\d+|[a-z]*\d[a-z\d-]*)$", re.I)


def overview_asked(text: str) -> bool:
    """A request for a product's details as a whole: the cue, then only words that point at the product."""
    m = _OVERVIEW.match(text.strip()) or _OVERVIEW_AFTER.match(text.strip())
    if not m:
        return False
    rest = re.findall(r"#?[\w-]+", next((g for g in m.groups() if g), ""))
    return bool(rest) and all(_REFERENCE_WORDS.match(w) for w in rest)


# words that ask to add or buy ("i'll take AIS-1042", "can you add the second one?")
ADD_CUE = re.compile(r"\badd\b|cart|basket|\bbuy\b|purchase|\bi'?ll (?:take|have|get|go with)\b|\bgrab\b|"
                     r"\bi want (?:the|this|that|it|#|number|one)\b|\b(?:gimme|give me) (?:the |that |this |#|number )?"
                     r"(?:first|second|third|fourth|fifth|last|top|1st|2nd|3rd|4th|5th|[1-5]\b|one\b)", re.I)
REFERENCE_TOOLS = frozenset({"get_product", "answer_product_question", "add_to_cart", "remove_from_cart",
                             "similar_products", "find_accessories"})


_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "pair": 2, "couple": 2, "dozen": 12}
# a number that counts items: not a shown position ("#3", "number 3", "item 3", "the 3rd"), not money, not a size
_COUNT = re.compile(r"(?<![#$£€\w.])(?<!number )(?<!no\. )(?<!item )(?<!position )(?<!option )(?<!choice )"
                    r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|pair|couple|dozen)\b"
                    r"(?!(?:st|nd|rd|th|in|m|w)\b)(?!\s*(?:\"|''))"  # "3rd"; "2in", "2m", "60w", '55"': a size
                    r"(?!\s*(?:%|\$|dollars?|bucks|usd|gb|tb|mb|inch(?:es)?|cm|mm|ft|feet|watts?|pounds?|lbs?)(?!\w))",
                    re.I)
_TIMES = re.compile(r"\bx\s*(\d+)\b|\b(\d+)\s*x\b", re.I)  # "x2", "2x"


def quantity_backed(args: dict[str, Any], text: str) -> dict[str, Any]:
    """A quantity the shopper stated ("two of the first one", "3 units of #2", "a pair"); the model's guess of one
    ("#3 into the basket please" read as 5 of #3) is dropped, and one item is added."""
    quantity = args.get("quantity")
    if not isinstance(quantity, int) or quantity <= 1:
        return args
    stated = {int(w) if w.isdigit() else _COUNT_WORDS[w.lower()] for w in _COUNT.findall(text)}
    stated |= {int(a or b) for a, b in _TIMES.findall(text)}
    return args if quantity in stated else {k: v for k, v in args.items() if k != "quantity"}


def guard_call(name: str, args: Any, text: str, brands: tuple[str, ...] | list[str],
               colours: tuple[str, ...] | list[str], product_exists: Callable[[str], bool]) -> tuple[str, Any]:
    """The call the agent runs for the model's call: an order id + e-mail, a price cue, a catalog brand
    or colour, a typed product id in the shopper's words win over the model's reading of them.

    One pure function so the agent and `aisle eval agent` (its "guarded" figures) apply the same rules.
    """
    if not isinstance(args, dict):
        return name, args
    order = order_call_from_text(text)
    if order and name != "order_status":
        return "order_status", order
    if name != "store_policy" and _PRICE_MATCH.search(text):
        return "store_policy", {"topic": "price_match"}
    if name == "store_policy" and not is_policy_question(text):
        name, args = "search_products", {"query": text[:300]}
    if name == "store_policy" and (topic := policy_topic(text)) is not None:
        args = {"topic": topic}  # "is there a guarantee on refurbished stuff": the words name the topic
    if name == "remove_from_cart" and not _CART_WORD.search(text) and negated_brand(text, brands):
        name, args = "search_products", {"refine": True}  # "leave out HERMA": a brand out of the list, not the cart
    typed_ids = product_ids_in_text(text, product_exists)
    if name == "search_products" and typed_ids:
        if ADD_CUE.search(text):
            return "add_to_cart", {"product_id": typed_ids[0]}  # "I'll take AIS-1042": to buy, not a search
        if len(typed_ids) >= 2:
            return "compare_products", {"product_ids": typed_ids[:4]}
        return "get_product", {"product_id": typed_ids[0]}  # "AIS-1190 details please": a typed id is no search
    if name == "compare_products" and len(typed_ids) >= 2:
        return name, {"product_ids": typed_ids[:4]}  # "compare AIS-1007 and AIS-1022" read as positions 1007, 1022
    if name == "answer_product_question":
        args = {**args, "question": text.strip()[:500]}  # the shopper's question, as they asked it
    if name == "add_to_cart":
        args = quantity_backed(args, text)
    if name == "search_products":
        text = colour_slips_fixed(text, colours)
        if isinstance(args.get("query"), str):
            args = {**args, "query": colour_slips_fixed(args["query"], colours)}
        args = rating_only_when_asked(known_colours_only(args, colours, text), text)
        # names the catalog does not carry go first: the model's "A Fujifilm" must not swallow the shopper's
        # "Fujifilm" as the same mention (``nested_brands_dropped``) and then leave the call with no brand
        args = shopper_named_filters(guard_search_args(known_brands_only(args, brands), text), text, brands, colours)
        args = amounts_kept(brands_only_when_named(args, text), text)
    elif name == "answer_product_question" and overview_asked(text):
        name, args = "get_product", {k: v for k, v in args.items() if k in ("position", "product_id")}
        args = product_id_from_text(args, text, product_exists)
    elif name in REFERENCE_TOOLS:
        args = product_id_from_text(args, text, product_exists)
    if name == "similar_products":  # "similar but under $40, not Sony, in black": the search constraints
        args = shopper_named_filters(guard_search_args(known_brands_only(args, brands), text), text, brands, colours)
        args = brands_only_when_named(known_colours_only(args, colours), text)
    return name, args
