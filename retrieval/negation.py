"""What a query asks to be without ("wine glasses without stem", "knife set without block", "silicone not clear"), and
whether a product's title has it, says it lacks it, or does not say.

Lexical and dense scores reward the very word the shopper excludes: "knife sets without block" ranks block sets
first, because "block" matches. Titles say both: "Knife Set with Block" has it, "Chef Knife Set without Block",
"Stemless Wine Glasses", "Buckle-Free Belt" and "Cordless Wall Sconce" say they lack it. The negation stage of
search (``Searcher._stage_negation``) ranks the products that say they lack the excluded thing above the rest and
those that have it below; titles that do not mention it are left as they are. Its two weights are chosen by
cross-validation over the judged dev queries (``aisle eval tune-negation``) and shipped in
``retrieval/data/negation_boost.json``.

An excluded phrase is the one or two words after "without", "no", "not", "non", "w/o", "sans", "minus", "except"
or "excluding" ("without c wire", "not your phone": "phone"), up to the next joining word ("lights without wiring
with switch": "wiring"); when a title does not have both words, the first one alone counts ("drain without overflow
solid brass": "overflow"). A title lacks it when a negation stands just before it ("without block", "no buckle", "not
your phone"), "free"/"less" just after it ("buckle free"), or it is fused with "less"/"free" ("stemless"); "wired",
"corded" and "hooded" have the wire, cord or hood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from retrieval.product_types import singular

_CUES = frozenset({"without", "no", "not", "non", "sans", "minus", "except", "excluding", "wo"})
_SKIP = frozenset({"a", "an", "the", "any", "your", "my", "our", "their", "its"})
_JOIN = frozenset({"with", "and", "or", "for", "in", "on", "to", "of", "but", "that", "which", "from", "by", "at",
                   "is"})
_LACKING_AFTER = frozenset({"free", "less"})
_MAX_WORDS = 2
_WINDOW = 3  # a negation up to this many words before the phrase ("without belt buckle", "not your phone")
_WORD = re.compile(r"[a-z0-9]+")


def default_path() -> Path:
    return Path(str(resources.files("retrieval") / "data" / "negation_boost.json"))


def words(text: str) -> list[str]:
    """Lower-case singular words, split at every non-alphanumeric ("Buckle-Free" -> buckle, free; "w/o" -> wo)."""
    return [w if w in _CUES else singular(w) for w in _WORD.findall(text.lower().replace("w/o", "wo"))]


def excluded(query: str) -> tuple[tuple[str, ...], ...]:
    """The phrases a query asks to be without, in order ("brown belt without buckle" -> (("buckle",),)). A word the
    query also asks for before the negation is what the product is for, not a part to avoid ("silverware box without
    silverware")."""
    ws, found = words(query), []
    for i, w in enumerate(ws):
        if w not in _CUES:
            continue
        phrase: list[str] = []
        for nxt in ws[i + 1:]:
            if nxt in _CUES or nxt in _JOIN or len(phrase) == _MAX_WORDS:
                break
            if nxt in _SKIP and not phrase:
                continue
            phrase.append(nxt)
        if phrase and tuple(phrase) not in found and phrase[0] not in ws[:i]:
            found.append(tuple(phrase))
    return tuple(found)


def lacks(title_words: Sequence[str], phrase: tuple[str, ...]) -> bool | None:
    """Does a title (its ``words``) say it lacks ``phrase`` (True), have it (False), or not mention it (None)?"""
    n, mentioned = len(phrase), False
    last = {phrase[-1], phrase[-1] + "d", phrase[-1] + "ed"}  # "wired", "corded", "hooded" have it
    for i in range(len(title_words) - n + 1):
        if tuple(title_words[i:i + n - 1]) != phrase[:-1] or title_words[i + n - 1] not in last:
            continue
        mentioned = True
        before = title_words[max(0, i - _WINDOW):i]
        if any(w in _CUES for w in before) or (i + n < len(title_words) and title_words[i + n] in _LACKING_AFTER):
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
