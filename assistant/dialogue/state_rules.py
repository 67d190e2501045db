"""Rules that read the dialogue state around the model's call, so a turn never replays old state.

- A bare "yes"/"no" answers what is pending (a cart confirmation, a relaxed search offered after
  zero results) without asking the model; with nothing pending it gets a plain answer, never a
  repeated search.
- A search call that changes nothing (``refine`` and no new constraint) is not run: if the shopper
  named a kind of product it becomes a search for their words, otherwise the shopper hears what the
  assistant can do (an off-topic or unreadable message never repeats the last search).
- A search whose shopper message names another kind of product than the running search starts a
  new search from the shopper's words instead of refining the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from assistant.dialogue.query_words import shopper_words, tidy
from assistant.dialogue.state import CLEARED, DialogueState
from assistant.safety.argument_guard import (
    ADD_CUE,
    ORDER_ID,
    colour_written,
    constraint_words_dropped,
    order_call_from_text,
    overview_asked,
    policy_topic,
    shopper_spelling,
    spec_phrases,
    swapped_in,
)
from assistant.tools.schemas import SearchProductsArgs
from assistant.tools.shown_superlative import asked_superlative
from retrieval.filters import norm
from retrieval.model_codes import normal, query_codes
from retrieval.product_types import ProductTypes

NO_TOOL = "__no_tool__"
NOT_UNDERSTOOD = ("Sorry, I can't help with that. I can search the catalog (for example \"a quiet bluetooth "
                  "speaker in black\"), answer questions about products I showed, compare them, manage your cart, "
                  "look up an order, and explain store policies. Questions in English work best.")
NOTHING_PENDING = ("There's nothing waiting for a yes or no right now. Tell me what you're looking for, or ask about "
                   "one of the products shown.")
OFFER_DECLINED = "Okay, I'll keep your filters as they are. Tell me what you'd like to change."
THANKED = "You're welcome! Is there anything else I can help you find?"
ORDER_QUESTION = "Please give me the order number and the e-mail address used for the order."
CLARIFY_QUESTION = "What kind of product are you looking for, and what is your budget?"
_THANKS = re.compile(r"^\W*(?:ok(?:ay)?[,.!\s]+|great[,.!\s]+|cool[,.!\s]+|perfect[,.!\s]+|nice[,.!\s]+)?(?:thanks?(?: "
                     r"(?:a lot|so much|very much|again|mate|man|heaps|a bunch))?|thank you(?: so much| very much)?|"
                     r"thx|thnx|thnks|ty|tysm|cheers|much appreciated|appreciate it)\W*(?:(?:bye|goodbye|that'?s "
                     r"(?:all|it|everything)(?: for (?:now|today))?|all set|i'?m (?:done|good|all set)|see (?:ya|you)"
                     r")\W*)*$"
                     # "that's everything, cheers": the closing words first
                     r"|^\W*(?:that'?s (?:all|it|everything)(?: for (?:now|today))?|i'?m (?:done|good|all set)|all set)"
                     r"\W*(?:thanks?(?: a lot| so much)?|thank you|thx|ty|cheers|bye|goodbye)?\W*$", re.I)


# what the assistant may answer in its own words, without a tool: a greeting, or a question about the assistant
_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|heya|hiya|howdy|yo|hallo|greetings|good (?:morning|afternoon|evening|day))\b|"
    r"\bwhat (?:can|do|else can) you (?:do|help|sell|offer|carry)|\bwho are you\b|\bwhat are you\b|"
    r"\bhow (?:does|do) (?:this|you|it) work|^\W*(?:help|help me|can you help(?: me)?)\W*$|\bwhat is (?:this|aisle)\b",
    re.I)


def small_talk(text: str) -> bool:
    """A greeting or a question about the assistant: the only messages the model answers without a tool. Anything
    else it answers without one (a poem, the weather, trivia) gets the plain what-I-can-do answer instead."""
    return bool(_SMALL_TALK.search(text.strip()))


# words that point at a product already on screen ("does *it* have …", "the second one", "#2", "these")
_POINTS_AT = re.compile(r"\b(?:it|its|it's|this|that|these|those|them|they|their|one|ones|both|either|each|item|"
                        r"product|1st|2nd|3rd|4th|5th)\b|#\s*\d|\b[A-Z]+-\d+\b|\bnumber \d\b|"
                        r"\b(?:the|that|this) (?:first|second|third|fourth|fifth|last|top|cheapest|priciest)\b", re.I)
# what shoppers ask about any product, whether or not its catalog text uses the word
_ANY_PRODUCT = re.compile(r"price|cost|cheap|expensive|much|rating|rated|review|star|stock|availab|ship|deliver|"
                          r"brand|make|colou?r|size|big|small|weigh|heavy|light|dimension|warrant|guarantee|"
                          r"battery|spec|feature|material|model|compatib|work with|fit|support|include|come with|"
                          r"waterproof|wireless|bluetooth|return", re.I)
_WORD = re.compile(r"[a-z0-9]{3,}")


def about_the_product(text: str, product_words: frozenset[str]) -> bool:
    """Could a product question be about the product on screen? It points at it, asks what shoppers ask of any
    product, or shares a word with the product's own text. "who won the game last night?" does none of these:
    answered as "the catalog doesn't say that about <product>" it would only look like a glitch."""
    if _POINTS_AT.search(text) or _ANY_PRODUCT.search(text):
        return True
    return any(w in product_words or w.rstrip("s") in product_words for w in _WORD.findall(text.lower()))


# questions about the world, not the shop: the weather, the news and sports, trivia, sums, something to write
_WORLD = re.compile(
    r"(?:what'?s|how'?s|what is|how is) the weather|\bweather (?:today|tomorrow|forecast|like|in [a-z]+)|"
    r"\bforecast for\b|(?:going to|gonna|will it|is it|did it) (?:rain|snow|storm|hail|be (?:sunny|hot|cold|windy))\b|"
    r"\bis it (?:raining|snowing)\b|\bwho (?:won|is winning|will win|scored)\b|\bscore of (?:the|last)\b|"
    r"\b(?:latest|today'?s) (?:news|headlines)\b|\bcapital (?:city )?of\b|\bwho is the (?:president|prime minister|"
    r"king|queen|ceo)\b|\bpopulation of\b|\bmeaning of life\b|\bwhat (?:time|day|year) is it\b|"
    r"\bsolve (?:for|this|the equation|x)\b|\b(?:square root|derivative|integral) of\b|"
    r"\b(?:write|tell|compose|make up) (?:me |us )?(?:a |an |another )?(?:short |little |funny )?"
    r"(?:poem|joke|story|haiku|song|essay|limerick|riddle)s?\b", re.I)


def world_question(text: str, types: ProductTypes) -> bool:
    """A question about the world ("is it going to snow in denver?", "who won the match?"), naming no product
    type: the what-I-can-do answer, never a search ("snow" is an ESCI colour and "Denver" a brand)."""
    return bool(_WORLD.search(text)) and not types.named(text)


def thanked(text: str) -> bool:
    """The whole message is a thank-you ("thx!", "ok thanks a lot", "cheers"): it never runs a tool."""
    return bool(_THANKS.match(text.strip()))


def unknown_brands_named(args: Any, text: str, brands: tuple[str, ...] | list[str]) -> list[str]:
    """Brands the shopper wrote and the model passed that the catalog does not carry ("from sandisk or kingston"
    on a catalog without either), in the shopper's spelling: the guard drops them, and the shopper is told why."""
    if not isinstance(args, dict):
        return []
    catalog = {norm(b) for b in brands}
    named = [b for key in ("brands", "exclude_brands") for b in (args.get(key) or []) if isinstance(b, str)]
    spelt = [shopper_spelling(b, text) for b in dict.fromkeys(named) if norm(b) not in catalog]
    return list(dict.fromkeys(w for w in spelt if w and _in_brand_context(w, text)))  # as the shopper wrote them


# a word is said as a brand after "from / by / only / not ..." (an or-list between allowed) or before "brand / ones"
_BRAND_BEFORE = re.compile(r"\b(?:from|by|brand|brands|made by|only|just|no|not|except|without|prefer|any)\s+"
                           r"(?:[\w-]+\s*(?:,|or|and)\s+){0,2}$", re.I)
_BRAND_AFTER = re.compile(r"^\s+(?:brand|ones|products|stuff|models)\b", re.I)


def _in_brand_context(word: str, text: str) -> bool:
    for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.I):
        if _BRAND_BEFORE.search(text[:m.start()][-40:]) or _BRAND_AFTER.match(text[m.end():]):
            return True
    return False

_YES = frozenset({"yes", "y", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "k", "confirm", "confirmed",
                  "yes please", "please do", "do it", "go ahead", "go for it", "sounds good", "correct", "right",
                  "absolutely", "of course", "definitely", "yes do it", "ok do it", "sure thing", "alright", "si",
                  "oui", "ja"})
_NO = frozenset({"no", "n", "nope", "nah", "no thanks", "no thank you", "cancel", "don't", "dont", "never mind",
                 "nevermind", "not now", "no way", "forget it", "skip it", "no don't", "nein", "non",
                 # not yet: a pending cart is never confirmed by a "wait"
                 "hold off", "hold on", "wait", "not yet", "maybe later", "later", "let me think", "i'll pass",
                 "pass", "no need", "not really", "rather not", "i'd rather not", "actually no", "no wait"})


def yes_or_no(text: str) -> bool | None:
    """True/False when the whole message is a bare yes/no ("yes please!", "nope"); None otherwise."""
    bare = " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())
    if bare in _YES:
        return True
    if bare in _NO:
        return False
    return None


@dataclass(frozen=True)
class PendingAnswer:
    """What a bare yes/no means now: a call to run, a reply to give, or neither (ask the model)."""

    call: dict[str, Any] | None = None
    reply: str | None = None


def offer_call_args(state: DialogueState) -> dict[str, Any]:
    """The pending relaxed search as search arguments (a new search with exactly its constraints)."""
    offer = state.pending_offer
    assert offer is not None
    return {"query": offer.query, **offer.filters.model_dump(exclude_defaults=True)}


def pending_answer(state: DialogueState, text: str) -> PendingAnswer:
    answer = yes_or_no(text)
    if answer is None:
        return PendingAnswer()
    if state.pending_cart is not None:
        return PendingAnswer({"name": "add_to_cart", "args": {"confirm": answer}, "id": "pending-cart",
                              "type": "tool_call"})
    if state.pending_offer is not None:
        if not answer:
            state.pending_offer = None
            return PendingAnswer(reply=OFFER_DECLINED)
        return PendingAnswer({"name": "search_products", "args": offer_call_args(state), "id": "pending-offer",
                              "type": "tool_call"})
    return PendingAnswer(reply=NOTHING_PENDING)


# up to three words between, never across "and"/"or"/"with" ("cheapest bluetooth speakers first", not
# "compare the cheapest and the first")
_UP_TO_3 = r"(?:(?!and\b|or\b|with\b|to\b|vs\b)[\w-]+\s+){0,3}"
_FIRST = r"(?:first|on top|at the top)\b"
_BY = r"\b(?:sort|order|rank)(?:ed)?\s+(?:them\s+|it\s+|these\s+|those\s+|the list\s+)?by\s+(?:the\s+)?"
# "arrange them from cheapest", "list these starting with the priciest"
_ARRANGED = (r"\b(?:arrange|sort|order|list|rank|put|show)\s+(?:them|these|those|the results|the list|it)?\s*"
             r"(?:from|by|starting (?:with|from)|beginning (?:with|from))\s+(?:the\s+)?")
_SORTS = (
    ("price_asc", re.compile(
        r"\b(?:cheapest|lowest[- ]priced?|least expensive|low(?:est)? price)\s+" + _UP_TO_3 + _FIRST
        + r"|\bprice\s*:?\s*low(?:est)?\s+to\s+high(?:est)?\b|\b(?:start|begin)\s+(?:with|from)\s+the\s+cheapest\b|"
        + _ARRANGED + r"(?:cheapest|lowest[- ]priced?|least expensive|low(?:est)? price)\b|"
        + _BY + r"(?:lowest\s+)?price\b(?!\s*,?\s*(?:high|desc|from high))", re.I)),
    ("price_desc", re.compile(
        r"\b(?:most expensive|highest[- ]priced?|priciest|dearest)\s+" + _UP_TO_3 + _FIRST
        + r"|\bprice\s*:?\s*high(?:est)?\s+to\s+low(?:est)?\b|"
        + _ARRANGED + r"(?:most expensive|priciest|highest[- ]priced?|dearest)\b|"
        + r"\bsort(?:ed)?\s+by\s+price\s*,?\s*(?:descending|high(?:est)? first|from high)", re.I)),
    ("rating_desc", re.compile(
        r"\b(?:best|top|highest)[- ]rated\s+" + _UP_TO_3 + _FIRST
        + r"|\b(?:best|highest|top)\s+(?:ratings?|reviews?|stars)\s+(?:first|on top)\b|"
        + _ARRANGED + r"(?:best|top|highest)[- ]rated\b|"
        + _BY + r"(?:customer\s+)?(?:ratings?|reviews?|stars|score)\b", re.I)),
    ("relevance", re.compile(r"\b(?:sort|order)(?:ed)?\s+by\s+relevance\b|\bbest match(?:es)? first\b", re.I)),
)
_CHEAPER_WORD = re.compile(r"cheaper|less expensive|lower price|more affordable", re.I)
# the words of an order, left out of a search's words ("the cheapest toner first" searches "toner": "first" would
# find "My First Baby Annabell")
_SORT_WORDS = re.compile(r"\b(?:cheapest|lowest[- ]priced?|least expensive|low(?:est)? price|most expensive|"
                         r"highest[- ]priced?|priciest|dearest|(?:best|top|highest)[- ]rated|first|on top|"
                         r"(?:sort|order)(?:ed)?\s+by(?:\s+price)?|price\s*:?\s*(?:low|high)(?:est)?\s+to\s+"
                         r"(?:low|high)(?:est)?|hmm+|ok(?:ay)?|please)\b", re.I)
_NOT_PRICEY = re.compile(r"\bnot (?:too|very|that|so|super|overly) (?:pricey|expensive|costly|dear|spendy)|"
                         r"\b(?:affordable|inexpensive|budget[- ]friendly|on a budget)\b|"
                         r"\b(?:won'?t|doesn'?t|not) break the bank\b", re.I)


def cheaper_asked(text: str) -> bool:
    """"cheaper", "not too pricey", "something affordable": lower prices than those shown (no amount named)."""
    return bool(_CHEAPER_WORD.search(text) or _NOT_PRICEY.search(text))


def sort_asked(text: str) -> str | None:
    """The order a message asks for ("cheapest first", "sort by rating"), or None. "Which is the cheapest?"
    asks a question about the shown products, not for an order."""
    for order, pattern in _SORTS:
        if pattern.search(text):
            return order
    return None


def _with_sort(state: DialogueState, name: str, args: dict[str, Any], text: str, sort: str,
               named: str | None) -> tuple[str, dict[str, Any]]:
    """A sort request is a search: the running one re-ordered, or (naming a product) a new one in that order."""
    if state.query is not None and (named is None or named == state.product_type):  # "the printers, cheapest first"
        kept = {k: v for k, v in args.items() if k in ("min_price", "max_price")} if re.search(r"\d", text) else {}
        return "search_products", {"refine": True, "sort": sort, **kept}
    # the model's own search, unless it left out the product the shopper named ("the cheapest toner first" while
    # printers are shown: {"sort": "price_asc"} alone would re-order the printers)
    if name == "search_products" and (named is None or args.get("query")):
        fresh = dict(args)
    else:
        words = _without_filler(text)
        fresh = {"query": (tidy(_SORT_WORDS.sub(" ", words)) or words)[:300]}
    if fresh.get("cheaper") and not _CHEAPER_WORD.search(text):
        del fresh["cheaper"]
    return "search_products", {**fresh, "sort": sort}


_REF = r"(?:the|this|that|it|number|no\.?|item|#|\d)"
# similarity in the idioms shoppers use, each followed (or preceded) by the product it is about; a bare "like"
# only with a reference right after it and no liker before it ("like #2 but cheaper", not "i'd like the first one")
_SIMILAR = re.compile(
    r"\bsimilar\b|\balike\b|\bmore like\b|\blook-?alikes?\b|\balternatives?\b|\b(?:comparable|equivalent|akin|close)\s+"
    r"(?:to|with)\s+" + _REF + r"|\bresembl\w*|\bsame (?:vein|style|kind|sort|type|range|line|category) as\b|"
    r"\balong (?:the|those|these) lines\b|\bin the spirit of\b|\bother(?:s| ones| options| models| versions)? like\b|"
    r"\bmore of the same\b|\bdupes?\b|\b(?:cheaper|budget|lower[- ]priced|less expensive) (?:version|alternative|"
    r"option|take|model)s? of\b|\b(?:stuff|things?|something|anything|options?|products?|what)\b[\w\s']{0,30}\blike\s+"
    r"(?:the one|product|option|item|position)|^\s*(?:#\s*\d|number \w+|the \w+ one)\b[\w\s,]{0,12}\bbut\s+"
    r"(?:cheaper|less|lower)|"
    r"\b(?:something|anything|stuff|ones?|products?|items?|options?|models?)\s+(?:else\s+)?(?:just\s+|a bit\s+)?"
    r"like\s+" + _REF + r"|(?:^|[,.;:!?]\s*|\b(?:but|just|kinda|sort of|more)\s+)like\s+"
    r"(?:#\s*\d|number\s+\d|no\.?\s*\d|item\s+\d|the\s+(?:first|second|third|fourth|fifth|last|top|\d\w*)\b)",
    re.I)
_OWN_WORDS = re.compile(r"\b(?:similar|like)\b\s+(?:to\s+)?(?:a|an|some)\b", re.I)  # "similar to a tablet": a search


_THIS = (r"(?:it|this(?: one)?|that(?: one)?|these|those|them|the (?:first|second|third|fourth|fifth|last|final|top|"
         r"[1-5](?:st|nd|rd|th))\b|number|no\.?|#|[1-5](?![\d.,]?\d)(?!\s*(?:dollars?|bucks|usd|%)))")
_ACCESSORY_WORDS = (r"accessor(?:y|ies)|add-?ons?|extras|supplies|spares?|spare parts?|replacement \w+(?: \w+)?|parts|"
                    r"toner|ink|cartridges?|refills?|batter(?:y|ies)|chargers?|cables?|adapters?|cases?|covers?|"
                    r"sleeves?|bags?|stands?|mounts?|docks?|straps?|bands?|filters?|tips|protectors?|lens(?:es)?|"
                    r"memory cards?|pods|capsules|bits|blades|pads|screen protectors?")
_ACCESSORIES = re.compile(
    r"\b(?:goes|go|work|works|pairs?)\s+(?:well\s+)?with\s+" + _THIS + r"|\bwhat (?:fits|goes with)\b|"
    r"\b(?:" + _ACCESSORY_WORDS + r")\b[\w\s']{0,25}?\b(?:for|to go with|with|that fits?|fits?|fit|to fit|compatible "
    r"with|made for|work with|works with)\s+(?:my\s+|your\s+)?(?:" + _THIS[3:-1] + r"|product|item|option|position)|"
    r"\bcompatible with\s+" + _THIS + r"|\bwhat (?:does|do|will|would|can) " + _THIS + r"(?:\s+\w+)?(?: one)? fit\b|"
    r"\b(?:buy|get|need|use)\s+(?:along\s+)?with\s+" + _THIS + r"|\bbought (?:along )?with\b",
    re.I)


def accessories_asked(text: str, state: DialogueState) -> bool:
    """The message asks what goes with (or what fits) a product already shown ("what goes with the second one?",
    "toner for that one", "is there a case for it?")."""
    return bool(state.shown) and bool(_ACCESSORIES.search(text)) and not _CHOSEN.search(text) \
        and not new_code_named(state, text)


def new_code_named(state: DialogueState, text: str) -> bool:
    """The message names a model code the running search does not ("a targus tcg40 bag for my notebook", "do you
    carry oki ml6300 printers"): a request for that product, searched afresh (``retrieval/model_codes.py``)."""
    codes = query_codes(text)
    shown = {normal(pid.lower()) for pid in (*state.shown, state.focus or "")}  # "Tell me about AIS-1019": a card
    if not codes or set(codes) & set(query_codes(state.query or "")) or set(codes) <= shown:
        return False
    # "where is my order A1002?", "A1002 hasn't arrived": an order number in the shop's format, spoken of as an order
    return not (ORDER_ID.search(text.upper()) and (_ORDER_HELP.search(text) or _ORDER_WORD.search(text)))


_ORDER_WORD = re.compile(r"\b(?:orders?|purchase|shipment|parcel|package|delivery|tracking|track)\b", re.I)


# "i'll go with #5", "let's go with the second": a choice, not what goes with it
_CHOSEN = re.compile(r"\b(?:i'?ll|i will|i'?d|let'?s|we'?ll|gonna|going to|i)\s+(?:just\s+)?go with\b", re.I)


def _accessories_call(state: DialogueState, name: str, args: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    kept = {k: v for k, v in args.items() if k == "product_id"} if name == "find_accessories" else {}
    position = _referenced(state, text)
    if position is not None and "product_id" not in kept:
        kept["position"] = position
    return "find_accessories", kept


def similar_asked(text: str, state: DialogueState) -> bool:
    """The message asks for products like one already shown ("more like the second one", "something similar
    but cheaper", "alternatives to #3"); "similar to a kindle" names no shown product and stays a search."""
    return bool(state.shown) and bool(_SIMILAR.search(text)) and not _OWN_WORDS.search(text)


_BARE_REF = re.compile(r"\b(?:to|for|like|with|of|fits?)\s+([1-5])(?!\s*[\w$%,.]\w)", re.I)
_CHEAPER_IDIOM = re.compile(r"\b(?:cheap|budget|less money|lower[- ]?(?:cost|priced)|costs? (?:a bit |a little )?less|"
                            r"(?:won'?t|doesn'?t|not) break the bank|for less)\b", re.I)


_BRAND_OF = re.compile(r"\b(?:brand|make|maker|manufacturer|company)\s+(?:of|on|behind|from|for)\s+|\b(?:same|that|"
                       r"this|whatever)\s+brand\s+as\s+|\bwhoever makes\s+", re.I)
_AGAINST = re.compile(r"not (?:a )?(?:fan|keen)|leave (?:those|them|it|that|these)? ?out|leave out|\bdrop\b|no more|"
                      r"\bskip\b|exclude|without|\bhate\b|don'?t (?:like|want|trust)|dislike|avoid|not from|other than|"
                      r"anything but|except|rid of|\bnot\b.*\bagain\b", re.I)


@dataclass(frozen=True)
class BrandReference:
    """ "not a fan of the brand on the first one, leave those out": the shown position whose brand is meant, and
    whether the shopper wants it left out (or only it)."""

    position: int
    exclude: bool


def brand_reference(text: str, state: DialogueState) -> BrandReference | None:
    """A brand named through a shown product ("the brand of #2", "same brand as the first one"); None otherwise."""
    m = _BRAND_OF.search(text)
    if not state.shown or m is None:
        return None
    position = _referenced(state, text[m.start():]) or _referenced(state, text)
    if position is None or not 1 <= position <= len(state.shown):
        return None
    return BrandReference(position, bool(_AGAINST.search(text)))


def _referenced(state: DialogueState, text: str) -> int | None:
    """The one shown position a recommendation request names, or None (several, or none)."""
    refs = {_position(m, len(state.shown)) for m in _ORDINAL.finditer(text)}
    if not refs:
        refs = {int(m.group(1)) for m in _BARE_REF.finditer(text)}
    return refs.pop() if len(refs) == 1 else None


def _similar_call(state: DialogueState, name: str, args: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    """The similar-products call a message means: its reference (one ordinal, a typed id, or the focus) and
    "cheaper" from the shopper's words; prices, brands and colours are the argument guard's."""
    kept = dict(args) if name == "similar_products" else {}
    position = _referenced(state, text)
    if position is not None and "product_id" not in kept:
        kept["position"] = position
    if _CHEAPER_WORD.search(text) or _CHEAPER_IDIOM.search(text):
        kept["cheaper"] = True
    return "similar_products", kept


# "which (one / of these / of the three) ...", "the one with the ...", "who has the ..." before the superlative, or
# the list named after it ("cheapest one here?", "top rated of these 5?", "biggest storage out of these?")
_WHICH = re.compile(r"\b(?:which|what(?:'?s| is)?)\b(?:\s+(?:one|ones|of (?:these|those|them|the \w+)|\w+))?|"
                    r"\bthe (?:one|model|product) (?:with|that has)\b|\bwho(?:'s| has| is)\b", re.I)
_THE_LIST = re.compile(r"\b(?:of|out of|from|among(?:st)?) (?:these|those|them|the (?:lot|bunch|list|ones shown|five|"
                       r"\w+ (?:shown|listed|above)))\b|\bone (?:here|there|shown)\b|\b(?:on|in) (?:the|this) list\b|"
                       r"\bof (?:these|the) \d\b", re.I)
_RANGE = re.compile(r"#?\s*([1-9])\s*(?:-|–|to|through|thru)\s*#?\s*([1-9])\b", re.I)


def superlative_asked(text: str, state: DialogueState) -> bool:
    """The message asks which shown product has the most or least of something ("which of these has the most
    memory?", "which one is lightest?"); "the cheapest ones first" is an order, two positions a comparison, and
    "show me the lightest laptops" a search."""
    asked = asked_superlative(text)
    if len(state.shown) < 2 or asked is None or sort_asked(text) is not None or _SEARCH_VERB.search(text):
        return False
    if single_reference(text, len(state.shown)) is not None and not re.search(r"\bwhich\b", text, re.I):
        return False  # "item 2: what max speed?" asks about #2
    which = _WHICH.search(text)
    listed = _THE_LIST.search(text) is not None or re.search(r"\bwhich\b", text, re.I) is not None
    if policy_topic(text) is not None and not listed:  # "what's the cheapest shipping option?" is about the store
        return False
    about_list = (which is not None and which.start() < asked.start) or _THE_LIST.search(text) is not None
    return about_list and (len(positions_named(text, len(state.shown))) != 2 or _RANGE.search(text) is not None)


_SEARCH_VERB = re.compile(r"\b(?:show|find|search|look(?:ing)? for|get me|recommend)\b", re.I)


def _pick_call(state: DialogueState, text: str) -> tuple[str, dict[str, Any]]:
    named = positions_named(text, len(state.shown))
    if (span := _RANGE.search(text)) is not None:  # "out of #1-#5"
        low, high = sorted((int(span.group(1)), int(span.group(2))))
        named = [n for n in range(low, high + 1) if n <= len(state.shown)]
    return "pick_from_shown", {"question": text[:300], **({"positions": named[:10]} if len(named) > 2 else {})}


def compare_asked(text: str, state: DialogueState) -> bool:
    """ "compare the first two", "#1 vs #3": two shown positions and a comparing word, which ``state_guard`` turns
    into a comparison whatever tool the model picks (so the agent need not ask it); a request for accessories,
    similar items, a superlative or an order comes first there, and here."""
    return len(positions_named(text, len(state.shown))) >= 2 and _STRONG_COMPARE.search(text) is not None \
        and not (accessories_asked(text, state) or similar_asked(text, state) or superlative_asked(text, state)
                 or sort_asked(text) is not None or order_call_from_text(text) is not None)


# "a laser one instead", "some wireless ones instead": another kind of the product shown, in the shopper's word(s)
_INSTEAD = re.compile(r"\b(?:an?|some)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:ones?|models?|versions?)\s+instead\b",
                      re.I)
_NOT_A_KIND = frozenset({"cheaper", "pricier", "better", "bigger", "smaller", "larger", "lighter", "newer", "older",
                         "different", "other", "another", "similar", "more", "less", "expensive", "new", "good", "nice",
                         "decent", "second", "third", "first", "last", "next", "same", "real", "proper", "cheap",
                         "pricey", "used", "refurbished", "stock", "available", "lower", "higher"})


def instead_kind(state: DialogueState, args: dict[str, Any], text: str, types: ProductTypes) -> str | None:
    """The words of "a laser one instead" while inkjet printers are shown, when the model's call lost them (it
    refined with the brand only): the search becomes "laser printer" with the running filters. None when the
    words are a comparison ("a cheaper one instead"), another product ("a tablet one"), a brand or colour the call
    already filters on, or already in the call's query."""
    found = _INSTEAD.search(text)
    if found is None or state.query is None or state.product_type is None:
        return None
    words = found.group(1).lower()
    if set(words.split()) & _NOT_A_KIND or types.of_text(words) is not None:
        return None
    brands, colour, query = args.get("brands"), args.get("colour"), args.get("query")
    held = [str(h) for h in [*(brands if isinstance(brands, list) else []), colour] if h]
    query = query if isinstance(query, str) else ""
    if any(norm(h) in norm(words) for h in held) or all(w in query.lower() for w in words.split()):
        return None
    return words


def state_guard(state: DialogueState, name: str, args: Any, text: str, types: ProductTypes) -> tuple[str, Any]:
    """The call to run after the rules above; ``NO_TOOL`` means answer without running anything."""
    if not isinstance(args, dict):
        return name, args
    if accessories_asked(text, state):
        return _accessories_call(state, name, args, text)
    if similar_asked(text, state):
        return _similar_call(state, name, args, text)
    if superlative_asked(text, state):
        return _pick_call(state, text)
    sort = sort_asked(text)
    if sort is not None and (state.query is not None or name == "search_products" or types.of_text(text)):
        return _with_sort(state, name, args, text, sort, types.of_text(text))  # "lowest first" names no position
    if name not in ("search_products", "add_to_cart") and state.query is not None and relaxations_asked(text) \
            and not single_reference(text, len(state.shown)):
        name, args = "search_products", {"refine": True}  # "any colour is fine" read as something else
    named_positions = positions_named(text, len(state.shown))
    if len(named_positions) >= 2 and (name == "compare_products" or _STRONG_COMPARE.search(text)):
        return "compare_products", {"positions": named_positions[:4]}
    position = single_reference(text, len(state.shown))
    if name in MISROUTED_QUESTION_TOOLS and position is not None:
        return "answer_product_question", {"position": position, "question": text[:500]}
    if name in MISROUTED_QUESTION_TOOLS and position is None and state.focus in state.shown \
            and _PART_QUESTION.search(text) and not ADD_CUE.search(text):
        # "does that one have a built-in mic?" after the pick of #5: a question about it, not a microphone search
        return "answer_product_question", {"product_id": state.focus, "question": text[:500]}
    if name == "add_to_cart" and args.get("confirm") is None and not args.get("product_id") \
            and (asked := _one_position(text, len(state.shown))) is not None:
        args = {**args, "position": asked}  # "#3 into the basket please": the position the shopper wrote
    if name in _PRICE_PICK_TOOLS and args.get("confirm") is None and (pick := priced_position(state, text)):
        args = {**{k: v for k, v in args.items() if k not in ("position", "product_id")}, "position": pick}
    if name in _FOCUS_TOOLS and args.get("position") is not None and not args.get("product_id") \
            and state.focus in state.shown and _IT.search(text) and not _ORDINAL.search(text) \
            and not _BARE_REF.search(text) and not re.search(r"\b[1-5]\b", text):
        # "tell me more about it" after a question about #3: the product last asked about, not the model's guess
        args = {**{k: v for k, v in args.items() if k != "position"}, "product_id": state.focus}
    named = types.of_text(text, weak=False)  # "connect it to my computer" names no product wanted
    if named is not None and named != state.product_type and name not in ("search_products", "store_policy",
                                                                          "order_status") \
            and position is None and not named_positions and not _asks_about_it(name, text):
        return "search_products", {"query": _without_filler(text)[:300]}  # another kind of product: a search
    if name not in _CODE_CALLS and position is None and not named_positions and new_code_named(state, text):
        return "search_products", {"query": _without_filler(text)[:300]}  # "got the brother tn2110?": a search
    if name == "search_products" and named is None and (topic := policy_topic(text)) is not None \
            and not re.search(r"\d", text):
        return "store_policy", {"topic": topic}  # "can i send stuff back?" is not a product search
    if name == "add_to_cart" and args.get("confirm") is None and not ADD_CUE.search(text) \
            and not args.get("product_id") and state.query is not None:
        return "search_products", {"refine": True}  # "make it pink" is not a purchase
    if name != "search_products":
        return name, args
    if (kind := instead_kind(state, args, text, types)) is not None:
        args = {**args, "query": f"{kind} {state.product_type}", "refine": True}  # the old kind goes, filters stay
    try:
        parsed = SearchProductsArgs(**args)
    except ValidationError:
        return name, args  # the tool reports the bad arguments
    dropped = relaxations_asked(text)
    if dropped and state.query is not None and not types.of_text(parsed.query):
        cleared_keys = {key for name in dropped for key in CLEARED[name]}  # filter names = argument names
        if "price" in dropped:
            cleared_keys.add("cheaper")  # "any price" is no request for cheaper ones ("price" reads as a price cue)
        args = {**{k: v for k, v in args.items() if k not in cleared_keys}, "refine": True,
                "clear": sorted(set(parsed.clear) | set(dropped))}
        parsed = SearchProductsArgs(**args)
    if (parsed.refine or not parsed.query) and not parsed.cheaper and parsed.max_price is None \
            and state.query is not None and cheaper_asked(text):
        args = {**args, "cheaper": True}  # "not too pricey though": the model left the price out
        parsed = SearchProductsArgs(**args)
    if parsed.refine or parsed.cheaper:
        args = backed_by_words(args, text)
        parsed = SearchProductsArgs(**args)
    elif state.product_type is not None and parsed.query and types.of_text(parsed.query) is None and named is None:
        args = {**args, "refine": True}  # "just show Samsung" narrows the running search, it is not a new one
        parsed = SearchProductsArgs(**args)
    if state.query is not None and (parsed.refine or parsed.cheaper or not parsed.query) \
            and _SOMETHING_ELSE.search(text) and not cheaper_asked(text) and sort_asked(text) is None:
        fresh = {k: v for k, v in args.items() if k not in ("refine", "cheaper", "query", "clear")}
        words = constraint_words_dropped({"query": _without_filler(text)[:300], **fresh}).get("query")
        if words:  # "different thing: a Bose erabud, $450 max" is a new search, whatever the model refined
            return name, {"query": _without_filler(text)[:300], **fresh}
    if (parsed.refine or parsed.cheaper or not parsed.query) and new_code_named(state, text):
        fresh = {k: v for k, v in args.items() if k not in ("refine", "cheaper", "query", "clear")}
        return name, {"query": _without_filler(text)[:300], **fresh}  # a model code named: that product, afresh
    if state.is_replay(parsed):
        if named:
            return name, {"query": _without_filler(text)[:300]}
        specs = spec_phrases(text)  # "64 gigabytes or bigger": a spec the filters cannot hold, searched as words
        return (name, {"query": " ".join(specs)[:300], "refine": True}) if specs else (NO_TOOL, {})
    asked = types.of_text(parsed.query) if parsed.query else None
    if named is not None and state.product_type is not None and named != state.product_type and asked is None \
            and (parsed.refine or parsed.cheaper or not parsed.query):
        fresh = {k: v for k, v in args.items() if k not in ("refine", "cheaper", "query")}
        return name, {"query": _without_filler(text)[:300], **fresh}
    return name, refine_as_meant(state, args)


# the calls a message naming a model code keeps: the others become a search for it
_CODE_CALLS = frozenset({"search_products", "add_to_cart", "answer_product_question", "compare_products",
                         "store_policy", "order_status"})
# the shopper says the request is a new one: nothing of the running search is meant to stay
_SOMETHING_ELSE = re.compile(r"^\W*(?:ok(?:ay)?\W+|so\W+|and\W+|now\W+)?(?:(?:a )?different thing|something else|"
                             r"something different|another thing|switching gears|change of plans?|new search|"
                             r"start over|unrelated|on another note)\b"
                             # "forget that, i want a calbe": a new thing asked for after the start-over words ("scratch
                             # that, make it black" and "never mind, show me waterproof ones" stay refinements)
                             r"|^\W*(?:forget (?:that|it|this)|scratch that|never ?mind(?: that)?)\W+"
                             r"(?:i (?:want|need)|i'd like|show me|give me|find me|how about|"
                             r"let'?s (?:see|try|look at))\s+(?:a|an)\s"
                             # "actually, show me laebls for $14 instead": another product; not the shown ones, not
                             # cheaper ones, not "black ones"
                             r"|^\W*actually\W+(?:show me|i want|i need|i'd like|give me|find me|how about|"
                             r"let'?s (?:see|try|look at))\s+(?!(?:them|these|those|the|it|ones?|more|others?|"
                             r"something|anything|cheaper|different)\b)(?!.*\b(?:ones?|them|those|these)\b)"
                             r".+\binstead\W*$", re.I)


def refine_as_meant(state: DialogueState, args: dict[str, Any]) -> dict[str, Any]:
    """``refine`` says what the call does: a search call with no words of its own refines the running search,
    and with no running search there is nothing to refine (the search runs the same either way; the call as
    logged and scored says so)."""
    if state.query is None:
        return {k: v for k, v in args.items() if k != "refine"}
    if not args.get("query") and not args.get("refine") and not args.get("cheaper"):
        return {**args, "refine": True}
    return args


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5, "top": 1}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_ORDINAL = re.compile(r"\b(?:(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|top(?= (?:one|result|pick|item|"
                      r"product|match)\b))|last|final|(?:number|no\.?|item|option|result|pick|product|position)\s*"
                      r"(\d|one|two|three|four|five))\b|#\s*(\d)\b", re.I)
_COMPARE_CUE = re.compile(r"compar|\bvs\.?\b|versus|differ|better|\bwhich\b|\bboth\b|\band\b|cheapest|best", re.I)
_QUESTION_CUE = re.compile(r"\?|^(?:is|are|does|do|has|have|can|will|what|how|which)\b", re.I)
# tools the model sometimes picks for a question about one shown product ("is the second one in stock?",
# "does number 2 come with a lens?"); a message that asks to add or buy is never such a question
MISROUTED_QUESTION_TOOLS = frozenset({"compare_products", "order_status", "search_products", "add_to_cart",
                                      "view_cart"})


_FOCUS_TOOLS = frozenset({"get_product", "answer_product_question", "add_to_cart"})
_IT = re.compile(r"\b(?:it|its|it's|this|that)\b", re.I)


_PART_QUESTION = re.compile(r"^\W*(?:does|do|did|is|are|has|have|can|will|would)\s+(?:it|this|that|this one|that one|"
                            r"they|these|those)\b.*?\b(?:have|has|come with|comes with|include|includes|got|support|"
                            r"supports|work with|fit)\b", re.I)
_PRICE_PICK_TOOLS = frozenset({"add_to_cart", "get_product", "answer_product_question", "similar_products",
                               "find_accessories"})
_PRICED_REF = re.compile(r"\bthe (?:(cheapest|least expensive|lowest[- ]priced)|(priciest|most expensive|dearest|"
                         r"highest[- ]priced))(?: one| item| option| product)?\b", re.I)


def _one_position(text: str, shown: int) -> int | None:
    """The one shown position a message writes ("#3", "the second one", "the last"), or None."""
    refs = {_position(m, shown) for m in _ORDINAL.finditer(text)} if shown else set()
    return refs.pop() if len(refs) == 1 and 1 <= min(refs) <= shown else None


def priced_position(state: DialogueState, text: str) -> int | None:
    """The shown position "the cheapest one" / "the priciest one" names ("put the cheapest one in my basket")."""
    m = _PRICED_REF.search(text)
    priced = [(state.shown_prices[pid], n) for n, pid in enumerate(state.shown, start=1) if pid in state.shown_prices]
    if m is None or not priced:
        return None
    return (min(priced) if m.group(1) else max(priced))[1]


def _asks_about_it(name: str, text: str) -> bool:
    """A question about the product on screen that names a part or a kind ("does that have a mic?")."""
    return name in ("answer_product_question", "get_product") and bool(_IT.search(text)) \
        and bool(_QUESTION_CUE.search(text.strip()))


_STRONG_COMPARE = re.compile(r"compar|side[- ]by[- ]side|\bvs\.?\b|versus|differ|next to each other|"
                             r"against each other|head[- ]to[- ]head|stack up", re.I)
_COUNTED = re.compile(r"\b(first|top|last)\s+(two|three|four|2|3|4)\b", re.I)
_COUNTS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}


def _position(m: re.Match[str], shown: int) -> int:
    digit = (m.group(2) or m.group(3) or "").lower()
    number = _NUMBER_WORDS.get(digit) or (int(digit) if digit.isdigit() else None)
    return _ORDINALS.get((m.group(1) or "").lower()) or number or shown


def positions_named(text: str, shown: int) -> list[int]:
    """The shown positions a message names, in order ("#1 and #3", "the first three", "the last two");
    empty when it names one or none, or one that was not shown."""
    if not shown:
        return []
    counted = _COUNTED.search(text)
    if counted:
        k = min(_COUNTS[counted.group(2).lower()], shown)
        return list(range(shown - k + 1, shown + 1)) if counted.group(1).lower() == "last" else list(range(1, k + 1))
    found: list[int] = []
    for m in _ORDINAL.finditer(text):
        n = _position(m, shown)
        if n not in found:
            found.append(n)
    return found if len(found) >= 2 and all(1 <= n <= shown for n in found) else []


def single_reference(text: str, shown: int) -> int | None:
    """The one shown product a question is about ("does the 2nd one have a mic?"), or None when the
    message is not a question, names no or several products, or compares."""
    if not shown or not _QUESTION_CUE.search(text.strip()) or _COMPARE_CUE.search(text) or ADD_CUE.search(text):
        return None
    refs = {_position(m, shown) for m in _ORDINAL.finditer(text)}
    if len(refs) != 1:
        return None
    position = refs.pop()
    return position if 1 <= position <= shown else None


_ANY = re.compile(r"\b(?:any|whatever|all|every)\s+(price|budget|brand|make|colou?r|rating)s?\b|"
                  r"\bdon'?t care (?:about|what) (?:the )?(price|budget|brand|make|colou?r|rating)|"
                  r"\b(price|budget|brand|colou?r|rating) (?:doesn'?t|does not) matter", re.I)
_ANY_NAMES = {"price": "price", "budget": "price", "brand": "brand", "make": "brand", "colour": "colour",
              "color": "colour", "rating": "rating"}


_ANY_STOCK = re.compile(r"\binclude (?:the )?(?:out[- ]of[- ]stock|sold[- ]out)|"
                        r"\b(?:out[- ]of[- ]stock|sold[- ]out)(?: ones| items| products)? (?:is|are) (?:fine|ok)|"
                        r"\b(?:stock|availability) (?:doesn'?t|does not) matter", re.I)


def relaxations_asked(text: str) -> list[str]:
    """The constraints a shopper asks to drop: "any colour is fine", "other brands", "price doesn't matter",
    "include out of stock"."""
    found = ["stock"] if _ANY_STOCK.search(text) else []
    for m in _ANY.finditer(text):
        word = next(g for g in m.groups() if g).lower()
        name = _ANY_NAMES[word]
        if name not in found:
            found.append(name)
    return found


_CHEAPER_CUE = re.compile(r"cheap|less|lower|afford|budget|pricey|expensive|cost|price|money|save|bargain|deal|"
                          r"too much|spend", re.I)
_STOCK_CUE = re.compile(r"stock|availab|ships?\b|shipping today|right now|right away|immediately|today", re.I)


def backed_by_words(args: dict[str, Any], text: str) -> dict[str, Any]:
    """A refinement changes only what the shopper's message speaks of: "cheaper" needs a price word, "in
    stock" a stock word, a brand or colour must be named ("any plans for the weekend?" read as a cheaper
    in-stock search changes nothing, and then is not run)."""
    low = text.lower()
    fixed = dict(args)
    if fixed.get("cheaper") and not _CHEAPER_CUE.search(text):
        del fixed["cheaper"]
    if fixed.get("in_stock") is not None and not _STOCK_CUE.search(text):
        del fixed["in_stock"]
    for key in ("brands", "exclude_brands"):  # a whole word: "64 gigabytes" names no brand Gigabyte
        if isinstance(fixed.get(key), list):  # or typed with two letters swapped ("a Sacuony shoe")
            fixed[key] = [b for b in fixed[key] if isinstance(b, str) and b.strip()
                          and (re.search(rf"(?<![\w-]){re.escape(b.lower())}(?:'s)?(?![\w-])", low)
                               or swapped_in(text, b))]
    if isinstance(fixed.get("colour"), str) and not colour_written(fixed["colour"], text):
        del fixed["colour"]
    return fixed


def _without_filler(text: str) -> str:
    """The shopper's words without lead-ins and dangling edge words ("forget that, i want a mouse" -> "mouse",
    "actually, show me a portable drive instead" -> "portable drive")."""
    return tidy(shopper_words(text)) or text


_ORDER_HELP = re.compile(r"\b(?:where(?:'?s| is| are)|track(?:ing)?|status|update|happened to|has(?:n'?t| not) "
                         r"(?:arrived|come|shipped)|(?:not|never) (?:arrived|came|here)|still waiting|check on)\b",
                         re.I)
_ORDER_THING = re.compile(r"\b(?:my|the|our) (?:order|package|parcel|delivery|shipment|stuff|purchase)s?\b|"
                          r"\border (?:status|number)\b", re.I)


def order_help_asked(text: str) -> bool:
    """"where is my package??": an order lookup without the order number and e-mail it needs (rule 14)."""
    return bool(_ORDER_HELP.search(text) and _ORDER_THING.search(text)) and order_call_from_text(text) is None


_CART_VIEW = re.compile(r"^\W*(?:(?:can i |could i |let me |please )?(?:see|view|show(?: me)?|check|open|review)|"
                        r"what'?s|whats|what is|what do i have|how much is|"
                        r"how many (?:things|items) (?:are|do i have))\b"
                        r"[^.?!]*\b(?:my|the) (?:cart|basket|bag|trolley)\b", re.I)
_CART_CHANGE = re.compile(r"\b(?:add|put|remove|delete|take out|drop|empty|clear|buy|checkout|check out)\b", re.I)


def cart_view_asked(text: str) -> bool:
    """"whats in my basket rn": the cart as it is, nothing added or removed."""
    return bool(_CART_VIEW.search(text)) and not _CART_CHANGE.search(text)


def _one_position(text: str, shown: int) -> int | None:
    refs = {_position(m, shown) for m in _ORDINAL.finditer(text)}
    if len(refs) != 1:
        return None
    position = refs.pop()
    return position if 1 <= position <= shown else None


def words_call(state: DialogueState, text: str) -> tuple[str, dict[str, Any]] | None:
    """The call the shopper's words make when the model made none ("open the 2nd", "gimme the last one",
    "only ones I can get right away" after a search); None when the words make no call either."""
    if small_talk(text):
        return None
    position = _one_position(text, len(state.shown))
    if position is not None and overview_asked(text):
        return "get_product", {"position": position}
    if position is not None and ADD_CUE.search(text):
        return "add_to_cart", {"position": position}
    if state.query is not None:
        return "search_products", {"refine": True}  # the filters the words name, or nothing to run (rule 3)
    return None
