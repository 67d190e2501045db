"""What a turn streams to its caller (a tagged union of events) and what it ends with (``TurnResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.answers.replies import recovery_offers
from assistant.tools.results import Comparison, ProductCard, RecoveryOffer, ToolResult


@dataclass
class TurnResult:
    text: str
    reply: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[ToolResult] = field(default_factory=list)  # each tool's typed result, in call order
    model_reply: str | None = None
    ungrounded: list[str] = field(default_factory=list)  # in the model's reply (it was then replaced)
    shown_ungrounded: list[str] = field(default_factory=list)  # in the reply the shopper saw: must stay empty
    sources: list[str] = field(default_factory=list)  # tool results of this turn, as the model read them
    used_template: bool = False
    notices: list[str] = field(default_factory=list)  # said before the reply ("your message was cut")
    fixed_reply: bool = False  # a fixed answer of the dialogue-state rules (nothing pending, not understood)
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    turn: int = 0

    @property
    def comparison(self) -> Comparison | None:
        """The side-by-side table when this turn's last result was a comparison."""
        return self.artifacts[-1].comparison if self.artifacts else None

    @property
    def recovery(self) -> list[RecoveryOffer]:
        """After a search with zero results: the ways out to offer (empty otherwise)."""
        searches = [a for a in self.artifacts if a.tool == "search_products"]
        return recovery_offers(searches[-1]) if searches else []

    @property
    def cards(self) -> list[ProductCard]:
        """The products to show: those of the last tool that returned any."""
        for a in reversed(self.artifacts):
            if a.products:
                return a.products
        return []


@dataclass(frozen=True)
class ToolCalled:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class ToolFinished:
    result: ToolResult


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Replaced:
    """The streamed model reply failed the grounding check; ``text`` (a template) replaces it."""

    text: str


@dataclass(frozen=True)
class Failed:
    error: str


@dataclass(frozen=True)
class Done:
    result: TurnResult


AgentEvent = ToolCalled | ToolFinished | Token | Replaced | Failed | Done
