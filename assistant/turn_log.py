"""One structured log line per turn: what was asked, which tools ran with which arguments, how long each step
took, whether Aisle replaced the model's reply, and the error if the turn failed.

Shoppers type e-mail addresses, order numbers and phone numbers; none of them reach the log: every string
(the message, tool arguments, the error and its traceback) passes through ``redact`` first.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from assistant.events import TurnResult

LOGGER_NAME = "aisle.turns"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ORDER_ID = re.compile(r"\b[A-Z]\d{4,5}\b", re.I)  # the order numbers the order tools accept ("A1234")
# 8-15 digits, optionally grouped by spaces, dots, dashes or brackets; a leading + allowed. Prices ("$1,299"),
# amounts ("20000 mAh") and model numbers ("WH-1000XM4": letters touch the digits) stay.
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ ().-]{0,2}\d){7,14}(?!\w)")


def redact(text: str) -> str:
    """The text with e-mail addresses, order numbers and phone numbers replaced by a placeholder."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _ORDER_ID.sub("[order]", text)


def redact_value(value: Any) -> Any:
    """``redact`` over every string inside lists, tuples and dicts (keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


@dataclass(frozen=True)
class TurnLogRecord:
    """What one turn did, already redacted; one JSON object per line."""

    at: str
    session: str
    turn: int
    index: str | None
    text: str
    tools: list[dict[str, Any]]
    results: list[dict[str, Any]]  # each tool result's status and error kind ("lookup", "invalid_arguments")
    timings_ms: dict[str, float]
    products_shown: int
    reply_chars: int
    reply_replaced: bool  # the model's reply failed the grounding check and Aisle's own phrasing was shown
    template_reply: bool
    fixed_reply: bool
    error: str | None = None
    traceback: str | None = None
    ungrounded: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, session_id: str, index: str | None, result: TurnResult, trace: str | None = None) -> TurnLogRecord:
        tools = [{"name": c.get("name"), "args": redact_value(c.get("args", {}))} for c in result.tool_calls]
        return cls(
            at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            session=session_id,
            turn=result.turn,
            index=index,
            text=redact(result.text),
            tools=tools,
            results=[{"tool": a.tool, "status": str(a.status), "error": a.error} for a in result.artifacts],
            timings_ms={k.removesuffix("_s"): round(v * 1000, 1) for k, v in result.timings.items()
                        if isinstance(v, int | float)},
            products_shown=len(result.cards),
            reply_chars=len(result.reply),
            reply_replaced=bool(result.ungrounded),
            template_reply=result.used_template,
            fixed_reply=result.fixed_reply,
            error=redact(result.error) if result.error else None,
            traceback=redact(trace) if trace else None,
            ungrounded=[redact(u) for u in result.ungrounded],
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)


class TurnLog:
    """Writes each turn's record to a ``logging`` logger (INFO; a failed turn at ERROR with its traceback)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    def record(self, session_id: str, index: str | None, result: TurnResult,
               exc: BaseException | None = None) -> TurnLogRecord:
        trace = "".join(traceback.format_exception(exc)) if exc is not None else None
        entry = TurnLogRecord.of(session_id, index, result, trace)
        self.logger.log(logging.ERROR if result.error else logging.INFO, entry.to_json())
        return entry
