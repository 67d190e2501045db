"""Typo tolerance: query words the catalog never uses are corrected to the nearest catalog word.

"blutooth spekaer" finds nothing in BM25 (no product says "blutooth") and little in the dense index
(the encoder's word pieces of a typo are not the word's). The vocabulary is the catalog's own words
(titles, brands, categories, with how many products use each); a query word that is not in it, is
alphabetic, at least four letters long, and not an English word the encoder knows by heart (its
tokenizer's whole words: "google", "boys"), nor the plural of a catalog word or two catalog words run
together, is replaced by the catalog word with the same first letter within a small
Damerau-Levenshtein distance (1 up to seven letters, 2 beyond), the most used one on ties. Words the
catalog has, numbers and model codes are never touched, so a correct query searches as before.

Two words the catalog writes as one gain the one word ("head set" -> "head set headset", "smart watch" ->
"smart watch smartwatch") when the catalog uses it at least ``MIN_JOINED`` times and more than twice as often as the
two words side by side ("mouse pad" stays: the catalog says "mouse pad" more often than "mousepad"). The typed words
stay: the dev judgements reward products that match them (BENCHMARKS.md, session 40).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_TOKEN = re.compile(r"[^\W_]+|[\W_]+", re.UNICODE)
MIN_LENGTH = 4
MIN_JOINED = 3


def max_distance(word: str) -> int:
    return 1 if len(word) <= 7 else 2


@dataclass(frozen=True)
class Correction:
    text: str                               # the query with corrected words
    changes: tuple[tuple[str, str], ...]    # (typed word, catalog word)


class SpellingCorrector:
    def __init__(self, word_counts: Counter[str], known: frozenset[str] = frozenset(),
                 pair_counts: Counter[tuple[str, str]] | None = None) -> None:
        self.counts = word_counts
        self.known = known
        self.pairs = pair_counts or Counter()  # (a, b) -> texts with "a b" side by side, where "ab" is a catalog word
        self.words = [w for w, _ in word_counts.most_common()]

    @classmethod
    def from_texts(cls, texts: Iterable[str], known: frozenset[str] = frozenset(),
                   shop_words: Iterable[str] = ()) -> SpellingCorrector:
        """Document frequencies of the lower-cased words (two letters or more) of the given texts; ``known``
        are words that are right although the catalog lacks them; ``shop_words`` (the product-type lexicon's) are
        also corrections, once each: "suond bar" means a sound bar on a catalog that sells none."""
        words = [_WORD.findall(text.lower()) for text in texts]
        counts: Counter[str] = Counter()
        for ws in words:
            counts.update({w for w in ws if len(w) >= 2})
        pairs: Counter[tuple[str, str]] = Counter()  # once every word is counted: "ab" must be a catalog word
        for ws in words:
            pairs.update({(a, b) for a, b in zip(ws, ws[1:], strict=False) if a + b in counts})
        counts.update({w for w in shop_words if len(w) >= MIN_LENGTH and w not in counts})
        return cls(counts, known, pairs)

    def is_known(self, word: str) -> bool:
        """A catalog or known word, the plural of a catalog word, or two catalog words run together
        ("firestick")."""
        if word in self.counts or word in self.known:
            return True
        if any(word.endswith(end) and word[:-len(end)] + add in self.counts
               for end, add in (("s", ""), ("es", ""), ("ies", "y"))):
            return True
        return any(word[:i] in self.counts and word[i:] in self.counts for i in range(3, len(word) - 2))

    def suggest(self, word: str) -> str | None:
        """The catalog word a typed word most likely meant, or None (known, too short, or nothing close)."""
        w = word.lower()
        if len(w) < MIN_LENGTH or not w.isalpha() or self.is_known(w):
            return None
        limit = max_distance(w)
        matches = process.extract(w, self.words, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=16)
        # people seldom get the first letter wrong, and an unknown brand ("yudu") is not a typo of "dudu"
        matches = [m for m in matches if m[0][0] == w[0]]
        if not matches:
            return None
        best = min(matches, key=lambda m: (m[1], -self.counts[m[0]], m[0]))  # closest, then the more used word
        return best[0]

    def joined(self, first: str, second: str) -> str | None:
        """"headset" for "head set" when the catalog writes it as one word (see the module's note), else None; the
        query keeps both."""
        a, b = first.lower(), second.lower()
        word = a + b
        if not (a.isalpha() and b.isalpha()) or self.counts.get(word, 0) < MIN_JOINED:
            return None
        return word if self.counts[word] > 2 * self.pairs.get((a, b), 0) else None

    def correct(self, query: str) -> Correction:
        pieces, changes = [], []
        for piece in _TOKEN.findall(query):
            fixed = self.suggest(piece) if _WORD.fullmatch(piece) else None
            if fixed is not None:
                changes.append((piece, fixed))
                pieces.append(fixed)
            else:
                pieces.append(piece)
        joins = []  # (index of the second word, the one word), found on the words as typed or corrected
        for i in range(len(pieces) - 2):  # word, one space or hyphen, word ("head set", "head-set")
            if pieces[i + 1] in (" ", "-") and _WORD.fullmatch(pieces[i]) and _WORD.fullmatch(pieces[i + 2]) \
                    and (word := self.joined(pieces[i], pieces[i + 2])) is not None:
                joins.append((i + 2, word))
                typed = "".join(pieces[i:i + 3])
                changes.append((typed, f"{typed} {word}"))
        for at, word in reversed(joins):
            pieces.insert(at + 1, f" {word}")
        return Correction("".join(pieces) if changes else query, tuple(changes))
