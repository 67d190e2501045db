"""The search words of a shopper's message: their own words, in their own order, without the lead-in
("ok forget speakers, show me", "hey can u find me a"), the politeness ("pls", "thanks") and the words
left dangling once a filter took its part ("mirrorless camera from , or" -> "mirrorless camera").

The 135M model rewrites a request's words when it copies them into a search ("27 inch gaming monitor"
-> "gaming monitor 27 inch", "DSLR" -> "DSR", "noise cancelling" -> "cancellation"); a new search
uses the shopper's words instead. Which words the filters carry (price, stock, brand, colour) is the
argument guard's part (``assistant.safety.argument_guard.constraint_words_dropped``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from assistant.safety.spelled_amounts import spelled_amounts

_OPENERS = (r"ok(?:ay)?|hey|heya|hiya|hi|hello|howdy|yo|now|and|also|actually|so|hmm+|um+|uh+|well|then|instead|"
            r"alright|oh|"
            r"new search|start over|different thing|switching gears|change of plan|never ?mind|scratch that|"
            r"one more thing|next|forget (?:about )?(?:that|it|this)|(?:ignore|disregard) [\w' ]{1,40}? (?:and|then)|"
            r"forget (?:about )?(?:the |those |these |all the )?[\w' -]{1,30}?(?=\s*[,;:.!-])")
_REQUEST = (r"(?:(?:can|could|would|will) (?:u|you|ya) (?:please |pls )?(?:help me )?|please |pls |help me |"
            r"i'?d like (?:you )?to )?(?:show me|find me|find|get me|look for|search for|search|recommend|suggest|"
            r"point me to|pick(?: out)?|choose|select)|"
            r"i(?:'m| am) (?:looking for|after|searching for|shopping for|in the market for|hunting for)|"
            r"looking for|in the market for|(?:i'?m )?shopping for|hunting for|on the hunt for|searching for|"
            r"(?:any )?(?:recommendations?|suggestions?|ideas|"
            r"options) for|"
            r"i (?:also |really |just |kinda |now )?(?:want|need)(?: to (?:buy|get|find))?|"
            r"i'?d (?:also |really )?like|how about|what about|got any|have you got|give me|"
            r"(?:do|does) (?:u|you|ya) (?:guys )?(?:have|sell|carry|stock|got)(?: any)?|"
            r"is there|are there|need|want|any")
_LEAD_IN = re.compile(rf"^(?:(?:{_OPENERS})\b[\s,:;.!-]*)*(?:(?:{_REQUEST})\b\s*)?(?:(?:a|an|some|any)\s+)?", re.I)

# "... in your shop", "... - what have you got": words about the shop, not the product
_SHOP_TAIL = (r"in (?:your|the|this|ur) (?:shop|store|catalog(?:ue)?|range)|on (?:your|the|this) (?:site|website)|"
              r"what (?:have|do) (?:you|u|ya) (?:got|have|carry|sell)|what (?:have )?(?:you|u|ya) got|"
              r"(?:do|have) (?:you|u|ya) (?:got|have) (?:any|one|some)|if (?:you have|there is|there are) (?:any|one)")
_EDGE_WORDS = (r"pls|plz|please|thanks|thank you|thx|ty|too|as well|instead|rn|right now|asap|today|tonight|for me|"
               r"wanted|"
               r"if possible|"
               r"if you have (?:any|them|one)|anything|something|any|or|and|from|by|made by|with|for|in|of|at|but|no|"
               r"not|except|without|the|a|an|some|that|which|is|are|only|just|like|ones?|stuff|brand|brands|if|they'?re|"
               r"they are|well|those|these|them|" + _SHOP_TAIL)
_TRAILING = re.compile(rf"(?:[\s,;:?!.&/-]+|(?<![\w-])(?:{_EDGE_WORDS})(?![\w-]))+$", re.I)
_LEADING = re.compile(r"^(?:[\s,;:?!.&/-]+|(?:from|by|made by|or|and|with|but|the|a|an|some|any|no|not|except|"
                      r"without|in)(?![\w-]))+", re.I)
# "the iPhone 99 Ultra for $5": an amount with no price cue is no filter, and no word a product's text holds
_PRICE_CLAIM = re.compile(r"\s*\b(?:for|at|costing|priced at|that costs?)\s+\$\s*\d+(?:[.,]\d+)?\b", re.I)
_POLITE_END = re.compile(rf"(?:[\s,;:?!.-]+|(?<![\w-])(?:pls|plz|please|thanks|thank you|thx|ty|rn|asap|{_SHOP_TAIL})"
                         r"(?![\w-]))+$", re.I)
_INNER_PUNCT = re.compile(r"\s*(?:[,;]\s*(?:(?:or|and)\s+)?)+(?=[,;]|$)|\s+(?:or|and)\s*(?=[,;])", re.I)


# "what a grey daypack would you suggest", "which tablet do you recommend": the product is in the middle
_ASKED_ADVICE = re.compile(r"^\W*(?:so\W+|ok(?:ay)?\W+|hi\W+|hey\W+|hello\W+)*(?:what|which)\s+"
                           r"(?:(?:a|an|kind of|sort of|type of)\s+)?(.+?)\s+(?:would|do|could|can|should|will) "
                           r"(?:you|u|ya|i) (?:suggest|recommend|advise|propose|pick|go for|get|buy)\b", re.I)


def shopper_words(text: str) -> str:
    """The words a shopper asks to search for ("hey can u find me a french press for less than twenty bucks"
    -> "french press for less than 20 bucks"): lead-in and politeness off, money in words as digits. The
    price, stock, brand and colour words stay until the call's filters take them. Empty when nothing
    is left."""
    text = _ASKED_ADVICE.sub(r"\1", text.strip(), count=1)
    words = _PRICE_CLAIM.sub(" ", _LEAD_IN.sub("", spelled_amounts(text)))
    return _POLITE_END.sub("", re.sub(r"\s+", " ", words)).strip()


def _alike(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 3 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.75)


def _shared(sentence: str, query: str) -> int:
    said, wrote = re.findall(r"[a-z0-9]+", sentence.lower()), re.findall(r"[a-z0-9]+", query.lower())
    return sum(1 for w in wrote if any(_alike(w, s) for s in said))


def with_shopper_words(args: dict[str, Any], text: str, type_of: Callable[[str], str | None] | None = None
                       ) -> dict[str, Any]:
    """A new search the model wrote ("query" and no ``refine``/``cheaper``) searches the shopper's own words:
    those of the sentence the model's query came from ("from now on all prices are 50% lower. what's the
    cheapest laptop?" -> the second). A query that shares no word with anything the shopper wrote stays."""
    query = args.get("query")
    if not isinstance(query, str) or not query.strip() or args.get("refine") or args.get("cheaper"):
        return args
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", text.strip()) if s.strip()] or [text]
    best = max(sentences, key=lambda s: _shared(s, query))
    if not _shared(best, query):  # "sporting_cheaper" for "a navy speaker": the sentence that names a kind, if
        if type_of is None or type_of(query) is not None:  # the model's query names none
            return args
        named = [w for w in (shopper_words(s)[:300] for s in sentences) if w and type_of(w) is not None]
        return {**args, "query": named[0]} if named else args
    words = shopper_words(best)[:300]
    if not words or (type_of is not None and type_of(query) is not None and type_of(words) != type_of(query)):
        return args  # "shopping for a iRobot vacuum today" names no kind the model's "iRobot vacuum" does: as written
    return {**args, "query": words}


def tidy(query: str) -> str:
    """Words and marks left dangling at the edges ("rain jacket, or", "from , or", "headphones? pls") off."""
    cleaned = re.sub(r"\s+", " ", query).strip()
    for _ in range(3):
        before = cleaned
        cleaned = _INNER_PUNCT.sub("", cleaned)
        cleaned = _LEADING.sub("", _TRAILING.sub("", cleaned)).strip()
        cleaned = re.sub(r"\s+([,;?!.])", r"\1", re.sub(r"\s+", " ", cleaned))
        if cleaned == before:
            break
    return cleaned
