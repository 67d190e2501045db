"""Turn a local model's text into structured tool calls (what ``AIMessage.tool_calls`` carries)."""

from __future__ import annotations

import json
import uuid
from typing import Any


def merge_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys may repeat: lists under one name are joined (``"brands": ["Hoka"],
    "brands": ["Brooks"]`` means both), for anything else the first value stands (the model's later
    repeats are drift, e.g. ``"min_rating": 4, "min_rating": 5`` for "4 stars and up")."""
    merged: dict[str, Any] = {}
    for key, value in pairs:
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
    return merged


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (models sometimes add words after it), or None."""
    start = text.find("{")
    if start < 0:
        return None
    decoder = json.JSONDecoder(object_pairs_hook=merge_repeated_keys)
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
