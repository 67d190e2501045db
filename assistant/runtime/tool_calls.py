"""Turn a local model's text into structured tool calls (what ``AIMessage.tool_calls`` carries)."""

from __future__ import annotations

import json
import uuid
from typing import Any


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (models sometimes add words after it), or None."""
    start = text.find("{")
    if start < 0:
        return None
    decoder = json.JSONDecoder()
    try:
        value, _ = decoder.raw_decode(text[start:])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def parse_tool_call(text: str) -> dict[str, Any] | None:
    """{"name": ..., "arguments": {...}} -> a langchain ToolCall dict; None when the text is not a call."""
    value = extract_json(text)
    if not value or not isinstance(value.get("name"), str):
        return None
    args = value.get("arguments", value.get("args", {}))
    if not isinstance(args, dict):
        return None
    return {"name": value["name"], "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


def looks_like_call(text: str) -> bool:
    return text.lstrip().startswith("{")


def render_call(name: str, args: dict[str, Any]) -> str:
    """The exact target text the adapter is trained to produce (compact, keys in schema order)."""
    return json.dumps({"name": name, "arguments": args}, ensure_ascii=False)
