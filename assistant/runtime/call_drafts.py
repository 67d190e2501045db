"""Drafts of a tool call's fixed parts: what the JSON of a call must say next, given what it says so far.

A tool call ``{"name": "search_products", "arguments": {"query": "laptop", "max_price": 800}}`` is about
30 tokens, and about a third of them follow from the bound tools alone: the opening ``{"name": "``, the
rest of a tool name once its first letters single one tool out, ``", "arguments": {"``, and the rest of an
argument name once its first letters single one argument out. ``CallDrafts.continuation`` returns that
text; the batch scheduler (``assistant.runtime.continuous_batching``) puts its tokens into the pass with the
token being decoded and keeps those the greedy choice (under the tool grammar) confirms, so the output
is exactly what plain greedy decoding writes and each confirmed token is a forward pass saved. Unlike
prompt-lookup drafting (a guess copied from the prompt, confirmed ~10-20% of the time), these drafts
are what the call's own syntax requires of the JSON the model was tuned to write, so nearly all of them
are confirmed (BENCHMARKS.md, "Call drafts").

Only the layout the tuned model was trained on is drafted (``json.dumps`` spacing: ``": "`` and ``", "``),
so only its tool step uses them (``LocalChatModel.call_drafts``); anything else (plain text, the prompted
base model's own spacing, a string value) drafts nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OPEN = '{"name": "'
ARGUMENTS = '", "arguments": {'


def _common_prefix(words: Sequence[str]) -> str:
    return os.path.commonprefix(list(words)) if words else ""


@dataclass(frozen=True)
class CallDrafts:
    """Tool name -> its argument names (``parameters.properties`` of each tool's JSON schema)."""

    tools: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_specs(cls, specs: Sequence[Mapping[str, Any]]) -> CallDrafts:
        """From OpenAI-style function specs (``{"name", "parameters"}``), as the tool grammar reads them."""
        return cls({s["name"]: tuple((s.get("parameters") or {}).get("properties", {})) for s in specs})

    def continuation(self, text: str) -> str:
        """The text that must come next if ``text`` (the call so far) goes on as a call the tuned model
        writes; "" where the next characters are the model's choice."""
        if not text.startswith("{"):
            return ""
        if len(text) < len(OPEN):
            return OPEN[len(text):] if OPEN.startswith(text) else ""
        if not text.startswith(OPEN):
            return ""
        rest = text[len(OPEN):]
        name, quote, after = rest.partition('"')
        if not quote:  # inside the tool name
            names = [n for n in self.tools if n.startswith(name)]
            if len(names) == 1:
                return names[0][len(name):] + ARGUMENTS + '"' * bool(self.tools[names[0]])
            return _common_prefix([n[len(name):] for n in names])
        if name not in self.tools:
            return ""
        tail = '"' + after
        if len(tail) < len(ARGUMENTS):
            return ARGUMENTS[len(tail):] + '"' * bool(self.tools[name]) if ARGUMENTS.startswith(tail) else ""
        if not tail.startswith(ARGUMENTS):
            return ""
        return self._in_arguments(tail[len(ARGUMENTS):], self.tools[name])

    @staticmethod
    def _in_arguments(body: str, arguments: tuple[str, ...]) -> str:
        """Within the arguments object: the rest of a key its first letters single out, then ``":``;
        the closing ``}`` of the call after the arguments' own."""
        depth, in_string, escaped, key_start, expect_key = 1, False, False, -1, True
        used: list[str] = []
        for i, ch in enumerate(body):
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
                    if key_start >= 0:
                        used.append(body[key_start:i])
                        key_start = -1
                continue
            if ch == '"':
                in_string = True
                if depth == 1 and expect_key:
                    key_start, expect_key = i + 1, False
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    return "}" if body[i + 1:] == "" else ""
            elif ch == "," and depth == 1:
                expect_key = True
        if in_string and key_start >= 0:  # inside a key: its rest when one unused argument starts so
            partial = body[key_start:]
            keys = [a for a in arguments if a.startswith(partial) and a not in used]
            # '": ' would split as '":', ' ', but the model writes ' "' (or ' 2') as one token after '":'
            return keys[0][len(partial):] + '":' if len(keys) == 1 else _common_prefix([k[len(partial):] for k in keys])
        if not in_string and depth == 1 and expect_key and body.endswith(", "):
            return '"'
        return ""
