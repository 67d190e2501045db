"""Clean a shopper's message before anything reads it: control characters, size, emptiness."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")  # terminal colour/cursor codes
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class CleanInput:
    text: str
    notice: str | None = None  # said to the shopper before the answer (e.g. "your message was cut")
    reply: str | None = None   # when set, answer this and do not call the model


def clean_message(raw: str | bytes | None, max_chars: int) -> CleanInput:
    if raw is None:
        raw = ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFKC", _ANSI.sub("", raw))
    junk = len(_CONTROL.findall(text)) + text.count("\ufffd")
    if junk > 8 and junk > 0.3 * len(text):  # binary data or a control-character flood, not a message
        return CleanInput("", reply="Sorry, I couldn't read that message. Could you write what you're "
                                    "looking for in words?")
    text = _CONTROL.sub(" ", text).replace("\ufffd", " ")
    text = " ".join(text.split())
    if not text:
        return CleanInput("", reply="I didn't catch a message. Tell me what you're shopping for, for example "
                                    "\"bluetooth speaker under $50\".")
    letters = sum(ch.isalnum() for ch in text)
    if letters < max(1, len(text) // 5):
        return CleanInput(text[:200], reply="Sorry, I couldn't read that message. Could you write what you're "
                                            "looking for in words?")
    if len(text) > max_chars:
        return CleanInput(text[:max_chars], notice=f"Your message was long, so I read only its first {max_chars:,} "
                                                   "characters.")
    return CleanInput(text)
