"""What a shopper says about themselves: stated brand preferences, "why am I seeing this?" and "forget me".

Stated preferences ("I prefer Sony", "I don't trust Acme") become profile signals and the turn goes on as
usual (the same message may also be a search). The two questions about the profile get fixed answers
from the session itself, never from the model: what the profile holds and what the running search
asked for, or the confirmation that the profile and its feedback events were deleted.
"""

from __future__ import annotations

import re

from assistant.answers.replies import constraint_phrase
from assistant.session import ShopSession
from retrieval.recommend.profile import Signal, SignalKind

_FORGET = re.compile(r"\bforget (?:me|about me|everything about me|my (?:data|preferences|profile|history))\b|"
                     r"\b(?:delete|clear|reset|erase|wipe|remove) (?:all )?my (?:data|profile|preferences|history)\b",
                     re.I)
_WHY = re.compile(r"\bwhy (?:am i|do i keep|do i) (?:seeing|getting|being shown)\b|"
                  r"\bwhy (?:are you|did you|do you keep) (?:showing|show|pick|choose|recommend)(?:ing)?\b|"
                  r"\bwhat do you know about me\b|\bwhat(?:'s| is) (?:in )?my (?:profile|preferences)\b", re.I)
_LIKE_CUE = re.compile(r"\bi(?: really| mostly| usually)? (?:prefer|love|like|trust|always buy|only buy)\s+|"
                       r"\bi'?m (?:a (?:big )?fan of|into)\s+|\bbig fan of\s+", re.I)
_DISLIKE_CUE = re.compile(r"\bi (?:don'?t|do not|never) (?:like|trust|buy|want)\s+|\bi (?:hate|dislike|avoid)\s+|"
                          r"\bnot a fan of\s+", re.I)


_CUED = re.compile(rf"(?:{_LIKE_CUE.pattern})(?:the\s+)?$", re.I)  # text that ends in a liking cue


def forget_asked(text: str) -> bool:
    return bool(_FORGET.search(text))


def why_asked(text: str) -> bool:
    return bool(_WHY.search(text))


def stated_brand_signals(text: str, brands: tuple[str, ...] | list[str]) -> list[Signal]:
    """A catalog brand right after a liking or disliking cue ("i prefer the sony ones", "i don't trust acme")."""
    signals = []
    for cue, kind in ((_DISLIKE_CUE, SignalKind.STATED_NOT_BRAND), (_LIKE_CUE, SignalKind.STATED_BRAND)):
        for m in cue.finditer(text):
            rest = re.sub(r"^(?:the|a|an|anything (?:from|by)|stuff (?:from|by)|products (?:from|by))\s+", "",
                          text[m.end():].lower())
            for brand in sorted(brands, key=len, reverse=True):
                if len(brand) >= 2 and re.match(rf"{re.escape(brand.lower())}(?:'s)?(?![\w-])", rest):
                    signals.append(Signal(kind, brand=brand))
                    break
    disliked = {s.brand for s in signals if s.kind is SignalKind.STATED_NOT_BRAND}
    return [s for s in signals if s.kind is SignalKind.STATED_NOT_BRAND or s.brand not in disliked]


_ONLY = re.compile(r"\b(?:only|exclusively|nothing but|nothing else|none other)\b", re.I)


def preferred_only(text: str, brands: list[str]) -> list[str]:
    """The brands the message names only as a liking ("I prefer Sony. speakers under $100"): a preference the
    profile ranks up, not a filter that hides every other brand."""
    if _ONLY.search(text):
        return []  # "i trust Cuisinart, only them": a liking and a filter
    liked = {s.brand for s in stated_brand_signals(text, brands) if s.kind is SignalKind.STATED_BRAND}
    soft = []
    for brand in brands:
        if brand not in liked:
            continue
        mentions = list(re.finditer(rf"(?<![\w-]){re.escape(brand)}(?![\w-])", text, re.I))
        cued = [m for m in mentions if _CUED.search(text[:m.start()])]
        if mentions and len(cued) == len(mentions):
            soft.append(brand)
    return soft


def forget_reply(session: ShopSession) -> str:
    held = session.forget()
    if not held:
        return ("I don't keep a preference profile for you, so there was nothing to delete. Your cart and orders are "
                "unchanged.")
    return (f"Done: I deleted your preference profile ({held} signal(s)) and the feedback it was built from. "
            "Your cart and orders are unchanged.")


def why_reply(session: ShopSession) -> str:
    state = session.state
    parts = []
    if state.query:
        asked = constraint_phrase(state.filters.model_dump(exclude_defaults=True))
        parts.append(f"The products shown match your search for \"{state.query}\"{asked}; the best matches come first.")
    profile = session.profile.explain()
    if profile:
        parts.append("Within what you asked for, your profile moves some up: " + "; ".join(profile) + ". "
                     "Say \"forget me\" to delete it.")
    else:
        parts.append("I don't keep a preference profile for you yet, so nothing is personalised.")
    return " ".join(parts)
