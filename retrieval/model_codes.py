"""Model codes: "WH-1000XM4", "CE285A", "SPC700NC/00", "dc7800", and a shopper's way of typing them.

Shoppers paste a code whole, type part of it ("spc700" for "SPC700NC/00"), or join and split it differently from the
title ("wh1000xm4" for "WH-1000XM4", "dc 7800" for "dc7800"). BM25 sees whole tokens: "spc700" is no token of any
title, and "WH-1000XM4" is indexed as "wh" and "1000xm4". So codes are read here on both sides in one normal form
(lower case, the hyphens, slashes and dots inside a code dropped, a series prefix written apart joined to its number),
and a query's code matches a title's code when they are equal, when one starts the other (the title's code carries a
variant suffix, or the shopper typed one), or when the query's code stands inside the title's ("1000xm4"). The
lexical store keeps every title's codes in an indexed table and an FTS5 trigram table, so a code or a part of one is
found without scanning the catalog (``LexicalStore.code_search``).

What is not a code:
- an amount or a range of amounts: "64gb", "1080p", "200mg", "2gallon", "110v-240v", "70-200" (the spec stage's);
- a word with one digit: "ps4", "usb3", "ddr4", "cat6", "gen5", "i7" (standards and generations that many titles
  write in several ways; BM25 finds them whole), unless written with a hyphen inside ("pgi-9", "tn-11");
- a standard and its version: "Cat-6", "USB3.0", "DDR4", "HDMI 2.1", "IP68";
- a word run into a number: only a series prefix of two or three letters without a vowel is joined to the number
  after it ("dc 7800", "rtx 2060", "wh 1000xm4"), not "gen 5", "pro 2" or "air 5".
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum

from retrieval.fusion import min_max

_RUN = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*")
_JOINERS = re.compile(r"[-/.]")
_UNITS = ("gb|mb|tb|kb|gig|gigs|mp|mpx|mm|cm|m|km|in|inch|inches|w|kw|v|mah|ah|wh|hz|khz|mhz|ghz|p|i|k|x|th|st|nd|rd|"
          "pcs|pc|pk|pack|oz|lb|lbs|ml|l|g|kg|mg|mcg|ft|feet|gallon|gal|ct|count|bit|bits|core|cores|gen|d|fps|rpm|db|"
          "dpi|lm|nm|ms|s|mbps|gbps|kbps|ppm|sheet|sheets|page|pages|ohm|a|ma|yr|yrs|year|years|month|months|day|"
          "days|hr|hrs|min|sec|c|f|mm2|qt|quart|cup|cups|in1|pin|port|ports|iu|btu|lux|kwh|va|kva|cc|cfm|psi")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_AMOUNT = re.compile(rf"^\d+(?:[.,]\d+)?(?:{_UNITS})$")
# a standard and its version, however it is written ("Cat-6", "USB3.0", "DDR4", "HDMI 2.1", "Gen5"): not a model
_STANDARD = re.compile(r"^(?:cat|gen|usb|ddr|lpddr|gddr|pcie|hdmi|wifi|rev|dp|lte|mk|ver|v|ip|bt)\d{1,2}$")
_UNIT_WORD = re.compile(rf"^(?:{_UNITS})$")
_SERIES = re.compile(r"^[b-df-hj-np-tv-z]{2,3}$")  # "dc", "rtx", "spc": letters with no vowel (not "gen", "pro")
MIN_CODE_CHARS = 4   # "a7x": whole tokens BM25 finds; as parts of codes they would match too much
MIN_CODE_DIGITS = 2  # "usb3", "ddr4", "gen5": one digit is a standard or a generation, not a model
MIN_PART_CHARS = 5   # a query code inside a longer title code ("1000xm4" in "wh1000xm4")
MIN_NUMBER_CODE = 6  # a number alone is a part number from six digits ("43503601"); "10000", "2160" are amounts
# the code stage's lift per strength of match, in units of the range of the scores before it: at 1, a product carrying
# the code typed comes first, then those whose code it starts or is started by, then those whose code holds it
# (BENCHMARKS.md, "Model codes")
CODE_WEIGHT = 1.0
CODE_CANDIDATES = 200  # products with a matching code the stage looks at, per code and kind of match


class CodeMatch(IntEnum):
    """How a query's code meets a title's, strongest last."""

    PART = 1     # the query's code stands inside the title's ("1000xm4" in "wh1000xm4")
    PREFIX = 2   # one starts the other ("spc700" / "spc700nc00")
    EXACT = 3


def normal(run: str) -> str:
    return _JOINERS.sub("", run)


def is_code(code: str, joined: bool = False) -> bool:
    """A normalised run that names a model: letters with two digits or more (one, where the run was written with a
    hyphen, slash or dot inside: "pgi-9", "tn-11"), or a number of six digits or more; not an amount."""
    digits = sum(ch.isdigit() for ch in code)
    if digits == len(code):
        return len(code) >= MIN_NUMBER_CODE
    return (len(code) >= MIN_CODE_CHARS and digits >= (1 if joined else MIN_CODE_DIGITS)
            and not _AMOUNT.match(code) and not _STANDARD.match(code))


def _is_spec(run: str) -> bool:
    """An amount, or numbers and amounts joined ("110v-240v", "70-200", "1/2"): a spec, not a code."""
    parts = _JOINERS.split(run)
    return bool(_AMOUNT.match(normal(run))) or (
        len(parts) > 1 and all(_NUMBER.match(part) or _AMOUNT.match(part) for part in parts))


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def _codes(runs: list[str], split_too: bool) -> list[str]:
    """The codes among a text's runs: each run that is one (and, for titles, its part before a slash), and a series
    prefix written apart joined to the number after it."""
    found: list[str] = []
    for i, run in enumerate(runs):
        if _is_spec(run):
            continue
        for part in ((run, run.split("/")[0]) if split_too else (run,)):
            code = normal(part)
            if is_code(code, joined=code != part) and code not in found:
                found.append(code)
        unit_next = i + 2 < len(runs) and _UNIT_WORD.match(runs[i + 2])  # "tv 55 inch": an amount, not "tv55"
        if (i + 1 < len(runs) and _SERIES.match(run) and runs[i + 1][:1].isdigit() and not _is_spec(runs[i + 1])
                and not unit_next):
            joined = run + normal(runs[i + 1].split("/")[0] if split_too else runs[i + 1])
            if is_code(joined) and joined not in found:
                found.append(joined)
    return found


def title_codes(title: str) -> tuple[str, ...]:
    """The codes a title carries, normalised, in order ("Sony WH-1000XM4/B" -> ("wh1000xm4b", "wh1000xm4"); a code
    written with a slash also gives its part before the slash; "GeForce RTX 2060" gives "rtx2060")."""
    return tuple(_codes(_runs(title), split_too=True))


def query_codes(query: str) -> tuple[str, ...]:
    """The codes a query names, normalised ("dc 7800" -> "dc7800"; "iphone 7", "usb3 hub", "gen 5": none)."""
    return tuple(_codes(_runs(query), split_too=False))


def match(query_code: str, code: str) -> CodeMatch | None:
    """How ``query_code`` meets a title's ``code`` (both normalised), or None."""
    if query_code == code:
        return CodeMatch.EXACT
    shorter = min(len(query_code), len(code))
    if shorter >= MIN_CODE_CHARS and (code.startswith(query_code) or query_code.startswith(code)):
        return CodeMatch.PREFIX
    if len(query_code) >= MIN_PART_CHARS and not query_code.isdigit() and query_code in code:
        return CodeMatch.PART
    return None


def best_matches(wanted: tuple[str, ...], codes_of: dict[str, tuple[str, ...]]) -> dict[str, CodeMatch]:
    """Per product, its strongest match with any of the query's codes (products with none are left out)."""
    hits: dict[str, CodeMatch] = {}
    for pid, codes in codes_of.items():
        found = [m for q in wanted for code in codes if (m := match(q, code)) is not None]
        if found:
            hits[pid] = max(found)
    return hits


def lift(scores: dict[str, float], hits: dict[str, CodeMatch], weight: float) -> dict[str, float]:
    """The code stage's term, on top of the min-max normalised scores: ``weight`` times the match's strength (part 1,
    prefix 2, exact 3). At weight 1 (shipped) each strength is a tier of its own above the products without a code
    match, in the order of the scores before; a product found only by its code enters at the bottom of its tier."""
    if not hits or weight == 0:
        return dict(scores)
    floor = min(scores.values(), default=0.0)
    norm = min_max(dict(scores) | {pid: floor for pid in hits if pid not in scores})
    return {pid: s + (weight * int(hits[pid]) if pid in hits else 0.0) for pid, s in norm.items()}
