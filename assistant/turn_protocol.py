"""The turn protocol: one definition of what the model reads and what its output is checked against.

A turn has two model steps. The *tool step* reads the dialogue state and the shopper's words and
answers with a tool call (or plain text); the *reply step* reads the shopper's words and this turn's
tool results and phrases them. Around them: the argument guard bound to the catalog's vocabulary,
and the grounding check against this turn's sources.

The agent serves with this module, ``finetune/agent/data.py`` builds its training examples with
it, and ``finetune/agent/evaluate.py`` checks model output with it, so training, evaluation and
serving cannot drift apart (``tests/test_turn_protocol.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage

from assistant.runtime.prompts import TOOL_SYSTEM, shopper_message, to_chat
from assistant.safety.argument_guard import guard_call
from assistant.safety.grounding import ungrounded_facts, unsupported_claims
from assistant.tools.results import ToolResult
from retrieval.search import CatalogVocabulary

SERVED_SYSTEM = TOOL_SYSTEM.split(" Tools:")[0]  # a served model gets the rules; its tools come as schemas


def tool_step_messages(state_summary: str, text: str, served: bool = False) -> list[BaseMessage]:
    """What the tool step reads: the state and the shopper's words (a served model also gets the rules as a
    system message; a local model gets them with the tool list from ``bind_tools``)."""
    messages: list[BaseMessage] = [SystemMessage(SERVED_SYSTEM)] if served else []
    return [*messages, shopper_message(state_summary, text)]


def reply_step_messages(tool_step: Sequence[BaseMessage], call: AIMessage,
                        results: Sequence[tuple[str, str, str, ToolResult]]) -> list[BaseMessage]:
    """The tool step's messages, the model's call, and one ``ToolMessage`` per (id, name, text, result)."""
    return [*tool_step, call, *(ToolMessage(text, tool_call_id=call_id, name=name, artifact=result)
                                for call_id, name, text, result in results)]


def local_chat(messages: Sequence[BaseMessage], tool_prompt: str | None) -> list[dict[str, str]]:
    """The chat-template messages a local model reads for either step (see ``runtime/prompts.to_chat``)."""
    return to_chat(list(messages), tool_prompt)


def grounding_sources(tool_texts: Iterable[str], results: Iterable[ToolResult]) -> list[str]:
    """What this turn's tools said: the texts the model read, then every result's facts and cards."""
    results = list(results)
    echoed = [e.filters for r in results for e in (r.search, r.similar) if e is not None]
    return [*tool_texts, *(f for r in results for f in r.facts),
            *(f"{p.title} {p.display_price}" for r in results for p in r.products),
            # the brands and colour a search ran with, as written (the tool text shows them as a Python list: "n\\c")
            *(v for f in echoed for v in [*f.brands, *f.exclude_brands, f.colour or ""] if v)]


def reply_problems(reply: str, sources: list[str], shopper_text: str, brands: Iterable[str]) -> list[str]:
    """Ungrounded facts (numbers, brands: the shopper's own words may be repeated) and unsupported claims
    (discounts, cart changes, the prompt: only a tool can back those) in a reply."""
    if not reply:
        return []
    return ungrounded_facts(reply, [*sources, shopper_text], list(brands)) + unsupported_claims(reply, sources)


@dataclass(frozen=True)
class CatalogGuard:
    """The argument guard bound to one catalog: its brands and colours, and which product ids exist."""

    vocabulary: CatalogVocabulary
    has_product: Callable[[str], bool]

    def __call__(self, name: str, args: Any, text: str) -> tuple[str, Any]:
        if isinstance(args, dict):  # strict schemas spell unused arguments as null: null means "not given"
            args = {k: v for k, v in args.items() if v is not None}
        return guard_call(name, args, text, self.vocabulary.brands, self.vocabulary.colours, self.has_product)
