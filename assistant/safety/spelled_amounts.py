"""Amounts of money written in words ("under a grand", "less than twenty bucks") as digits, so the price
cues read them like "$1000" and "$20".

Only amounts that are money by their words are rewritten: a number word before "dollars", "bucks",
"grand" or "k", or right after a price cue ("under fifty"). "The second one" or "one with a mic" keep
their words.
"""

from __future__ import annotations

import re

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand", "a", "an"], key=len, reverse=True))
# a run of number words ("two hundred and fifty", "twenty-five", "a hundred"), or digits before "grand"/"k";
# "and" joins only after hundred/thousand ("between thirty and eighty" is two amounts)
_JOIN = r"(?:[\s-]+|(?:(?<=hundred)|(?<=thousand))\s+and\s+)"
_RUN = rf"(?:\d+(?:\.\d+)?|(?:{_WORD})(?:{_JOIN}(?:{_WORD}))*)"
_MONEY_AFTER = re.compile(rf"\b({_RUN})\s*(grand|dollars?|bucks|usd|quid)", re.I)
_PRICE_CUE = (r"under|below|less than|up to|no more than|at most|max(?:imum)?|over|above|more than|at least|"
              r"around|about|roughly|budget(?: of| is)?|between|from|to|and|spend|pay")
# "1.5k" is money after "$" or a price cue only ("a 4k tv" is a resolution)
_THOUSANDS = re.compile(rf"(\$\s*|\b(?:{_PRICE_CUE})\s+\$?\s*)(\d+(?:\.\d+)?)\s*k\b", re.I)
_AFTER_CUE = re.compile(rf"\b({_PRICE_CUE})\s+({_RUN})\b(?!\s*(?:star|stars|inch|gb|tb|mp|hz|w\b|ones?\b))", re.I)


def words_value(words: str) -> float | None:
    """The number a run of number words names ("two hundred and fifty" -> 250, "a hundred" -> 100,
    "twenty-five" -> 25); None when the words are no number ("a", "fifty a")."""
    text = words.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    words_ = [w for w in re.split(r"[\s-]+", text) if w and w != "and"]
    if words_ and words_[0] in ("a", "an"):
        if len(words_) == 1:
            return 1.0  # "a grand"
        if words_[1] not in ("hundred", "thousand"):
            return None
        words_[0] = "one"
    total, current = 0, 0
    for word in words_:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred" and current:
            current *= 100
        elif word == "thousand" and current:
            total, current = total + current * 1000, 0
        else:
            return None
    return float(total + current) if words_ else None


def _digits(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def spelled_amounts(text: str) -> str:
    """The message with money amounts in words written as digits ("under a grand" -> "under 1000",
    "twenty bucks" -> "20 bucks", "two hundred and fifty dollars" -> "250 dollars", "under 1.5k" -> "under 1500")."""

    def after(m: re.Match[str]) -> str:
        value = words_value(m.group(1))
        if value is None:
            return m.group(0)
        unit = m.group(2).lower()
        if unit == "grand":
            return _digits(value * 1000)
        return f"{_digits(value)} {m.group(2)}"

    def cued(m: re.Match[str]) -> str:
        words = m.group(2)
        if re.fullmatch(r"\d+(?:\.\d+)?|an?|and", words.strip(), re.I):
            return m.group(0)  # digits already, or a lone article
        value = words_value(words)
        return m.group(0) if value is None or value == 0 else f"{m.group(1)} {_digits(value)}"

    text = _THOUSANDS.sub(lambda m: f"{m.group(1)}{_digits(float(m.group(2)) * 1000)}", text)
    return _AFTER_CUE.sub(cued, _MONEY_AFTER.sub(after, text))
