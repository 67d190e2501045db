"""What a query asks to be without ("wine glasses without stem", "knife set without block", "silicone not clear"), and
whether a product's title has it, says it lacks it, or does not say.

Lexical and dense scores reward the very word the shopper excludes: "knife sets without block" ranks block sets
first, because "block" matches. Titles say both: "Knife Set with Block" has it, "Chef Knife Set without Block",
"Stemless Wine Glasses", "Buckle-Free Belt" and "Cordless Wall Sconce" say they lack it. The negation stage of
search (``Searcher._stage_negation``) ranks the products that say they lack the excluded thing above the rest and
those that have it below; titles that do not mention it are left as they are. Its two weights are chosen by
cross-validation over the judged dev queries (``aisle eval tune-negation``) and shipped in
``retrieval/data/negation_boost.json``.

An excluded phrase is the one or two words after "without", "no", "not", "w/o", "sans", "minus", "except" or
"excluding" ("without c wire", "not your phone": "phone"), up to the next joining word ("lights without wiring with
switch": "wiring"), as ``product_types.negated_span`` reads it (the product-type reading shares it); when a title
does not have both words, the first one alone counts ("drain without overflow solid brass": "overflow"). A title
lacks it when a negation stands up to two words before it ("without block", "no buckle", "not your phone"),
"free"/"less", "not included" or "sold separately" just after it ("buckle free"), or it is fused with "less"/"free"
("stemless"); "wired", "corded" and "hooded" have the wire, cord or hood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from retrieval.product_types import NEGATION_CUES, negated_span, singular, spelt_out

_LACKING_AFTER = frozenset({"free", "less"})
_LACKING_AFTER_PAIRS = frozenset({("not", "included"), ("sold", "separately")})
_WINDOW = 2  # a negation up to this many words before the phrase ("without belt buckle", "not your phone")
_WORD = re.compile(r"[a-z0-9]+")


def default_path() -> Path:
    return Path(str(resources.files("retrieval") / "data" / "negation_boost.json"))


def words(text: str) -> list[str]:
    """Lower-case singular words, split at every non-alphanumeric ("Buckle-Free" -> buckle, free; "w/o" -> without)."""
    return [w if w in NEGATION_CUES else singular(w) for w in _WORD.findall(spelt_out(text))]


def excluded(query: str) -> tuple[tuple[str, ...], ...]:
    """The phrases a query asks to be without, in order ("brown belt without buckle" -> (("buckle",),)). A word the
    query also asks for before the negation is what the product is for, not a part to avoid ("silverware box without
    silverware")."""
    ws, found = words(query), []
    for i, w in enumerate(ws):
        if w not in NEGATION_CUES:
            continue
        start, end = negated_span(ws, i)
        phrase = tuple(ws[start:end])
        if phrase and phrase not in found and phrase[0] not in ws[:i]:
            found.append(phrase)
    return tuple(found)


def lacks(title_words: Sequence[str], phrase: tuple[str, ...]) -> bool | None:
    """Does a title (its ``words``) say it lacks ``phrase`` (True), have it (False), or not mention it (None)?"""
    if not phrase:
        return None
    n, mentioned = len(phrase), False
    last = {phrase[-1], phrase[-1] + "d", phrase[-1] + "ed"}  # "wired", "corded", "hooded" have it
    for i in range(len(title_words) - n + 1):
        if tuple(title_words[i:i + n - 1]) != phrase[:-1] or title_words[i + n - 1] not in last:
            continue
        mentioned = True
        before, after = title_words[max(0, i - _WINDOW):i], tuple(title_words[i + n:i + n + 2])
        if any(w in NEGATION_CUES for w in before) or (after and after[0] in _LACKING_AFTER) \
                or after in _LACKING_AFTER_PAIRS:
            return True
    if n == 1 and any(w in (phrase[0] + "less", phrase[0] + "free") for w in title_words):
        return True
    if not mentioned and n > 1 and len(phrase[0]) >= 3:  # "without overflow solid brass": the phrase ran on
        return lacks(title_words, phrase[:1])
    return False if mentioned else None


def fits(titles: dict[str, Sequence[str]], phrases: tuple[tuple[str, ...], ...]) -> dict[str, bool | None]:
    """Per product: True when its title says it lacks an excluded phrase, False when it has one (and says it lacks
    none), None when it mentions none."""
    result: dict[str, bool | None] = {}
    for pid, title_words in titles.items():
        marks = [lacks(title_words, p) for p in phrases]
        result[pid] = True if True in marks else (False if False in marks else None)
    return result
