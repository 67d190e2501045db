"""Judged queries with typing mistakes, to measure typo tolerance on the same judgements.

Each word of five letters or more gets one mistake with probability ``rate`` (seeded per query): two
neighbouring letters swapped, a letter dropped, a letter doubled, or a letter replaced by a
neighbour on a QWERTY keyboard, the kinds of slip people make when typing fast. A query whose words
are all shorter keeps its spelling (it is not a typo query and is left out of the typo figures).
"""

from __future__ import annotations

import random
import re

_WORD = re.compile(r"[^\W\d_]+|\S+|\s+", re.UNICODE)
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {c: "".join(r[j] for j in (i - 1, i + 1) if 0 <= j < len(r)) for r in _ROWS for i, c in enumerate(r)}


def misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)  # first and last letters are seldom the ones people get wrong
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    near = NEIGHBOURS.get(word[i].lower())
    return word[:i] + (rng.choice(near) if near else word[i]) + word[i + 1:]


def typo_query(query: str, seed: int = 0, rate: float = 1.0) -> str:
    rng = random.Random(f"{seed}:{query}")
    out = []
    for piece in _WORD.findall(query):
        if piece.isalpha() and len(piece) >= 5 and rng.random() < rate:
            candidate = misspell(piece, rng)
            out.append(candidate if candidate.lower() != piece.lower() else piece)
        else:
            out.append(piece)
    return "".join(out)
