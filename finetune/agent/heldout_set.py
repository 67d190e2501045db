"""The hand-written held-out set: shopper turns written by people, never generated, never trained on.

`heldout/handwritten.yaml` holds each turn's state line, the shopper's words and the expected tool
call. `load_handwritten` validates every item against the tools' schemas and the state-line format;
`handwritten_examples` turns the items into the same call examples the dialogue generator builds, so
`aisle eval agent --set handwritten` scores them with the generated set's metrics.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant.dialogue.state import DialogueState, PendingCart
from assistant.tools.schemas import TOOL_ARGS
from finetune.agent import phrasing as ph
from finetune.agent.dialogues import Example, Gold, clean_args
from retrieval.filters import SearchFilters

# the fixed plain-text replies a no-tool item expects (the generator's chat and injection replies)
REPLIES = {"greeting": ph.GREETING_REPLY, "thanks": ph.THANKS_REPLY, "off_topic": ph.OFF_TOPIC_REPLY,
           "refuse_prompt": ph.INJECT_TEXT_REPLY, "refuse_price": ph.INJECT_PRICE_REPLY}
_FILTER = re.compile(r"(\w+)=(\[[^\]]*\]|[^,]+)(?:, |$)")


@dataclass(frozen=True)
class HandwrittenItem:
    id: str
    state: str
    user: str
    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    reply: str | None = None  # tool None: which fixed reply (a key of REPLIES)


def default_path() -> Path:
    return Path(str(resources.files("finetune.agent") / "heldout" / "handwritten.yaml"))


def state_from_summary(line: str) -> DialogueState:
    """The dialogue state a summary line describes (shown products as placeholders)."""
    state = DialogueState()
    for part in line.split("; "):
        key, sep, value = part.partition(": ")
        if not sep:
            raise ValueError(f"state part {part!r} is not 'key: value'")
        if key == "search":
            state.query = value
        elif key == "filters":
            values = {}
            for name, raw in _FILTER.findall(value):
                try:
                    values[name] = ast.literal_eval(raw)
                except (ValueError, SyntaxError):
                    values[name] = raw  # a bare word: colour=red
            state.filters = SearchFilters(**values)
        elif key == "shown":
            state.shown = [f"shown-{i}" for i in range(int(value))]
        elif key == "awaiting cart confirmation":
            state.pending_cart = PendingCart("pending", value, 1, 0)
        else:
            raise ValueError(f"unknown state part {key!r}")
    return state


def _check(raw: Any) -> HandwrittenItem:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ValueError(f"every item needs a string id: {raw!r}")
    name = raw["id"]
    unknown = set(raw) - {"id", "state", "user", "tool", "args", "reply"}
    if unknown:
        raise ValueError(f"{name}: unknown keys {sorted(unknown)}")
    state, user, tool, args = raw.get("state"), raw.get("user"), raw.get("tool"), raw.get("args", {})
    if not isinstance(state, str) or not isinstance(user, str) or not user.strip():
        raise ValueError(f"{name}: state and user must be non-empty strings")
    if not isinstance(args, dict):
        raise ValueError(f"{name}: args must be a mapping")
    try:
        rebuilt = state_from_summary(state).summary()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: state {state!r} is not a DialogueState.summary() line: {exc}") from exc
    if rebuilt != state:
        raise ValueError(f"{name}: state {state!r} should read {rebuilt!r}")
    if tool is None:
        if args or raw.get("reply") not in REPLIES:
            raise ValueError(f"{name}: a no-tool item has empty args and a reply in {sorted(REPLIES)}")
        return HandwrittenItem(name, state, user, None, {}, raw["reply"])
    if tool not in TOOL_ARGS:
        raise ValueError(f"{name}: unknown tool {tool!r}")
    if "reply" in raw:
        raise ValueError(f"{name}: only a no-tool item has a reply")
    try:
        TOOL_ARGS[tool](**args)
    except Exception as exc:  # noqa: BLE001 - pydantic's ValidationError and friends
        raise ValueError(f"{name}: arguments do not fit {tool}: {exc}") from exc
    if clean_args(args) != args:
        raise ValueError(f"{name}: give only arguments that differ from their defaults")
    return HandwrittenItem(name, state, user, tool, args)


def load_handwritten(path: Path | str | None = None) -> list[HandwrittenItem]:
    """The hand-written items (the packaged file by default), each validated; ValueError names a bad one."""
    text = Path(path).read_text(encoding="utf-8") if path else default_path().read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, list):
        raise ValueError("the hand-written set is a YAML list of items")
    items, seen = [], set()
    for entry in raw:
        item = _check(entry)
        if item.id in seen:
            raise ValueError(f"{item.id}: duplicate id")
        seen.add(item.id)
        items.append(item)
    return items


def scenario_of(item: HandwrittenItem) -> str:
    """The generator's scenario name for an item, so `by_scenario` reads the same for both sets."""
    if item.tool is None:
        return "inject" if item.reply and item.reply.startswith("refuse") else "chat"
    if item.tool == "search_products":
        return "refine" if item.args.get("refine") or item.args.get("cheaper") else "search"
    if item.tool == "ask_clarification":
        return "order" if item.args.get("question") == ph.ORDER_QUESTION else "vague"
    return {"get_product": "reference", "answer_product_question": "reference", "compare_products": "reference",
            "order_status": "order", "store_policy": "policy"}.get(item.tool, "cart")


def handwritten_examples(items: list[HandwrittenItem] | None = None) -> list[Example]:
    """Call examples built as `finetune.agent.data.build_examples` builds them: the compact tool
    prompt (``chat``), the full-signature one (``chat_full``), the rendered call as target."""
    from assistant.runtime.prompts import tool_system_prompt
    from assistant.runtime.tool_calls import render_call
    from assistant.tools.schemas import MODEL_TOOLS
    from assistant.tools.shop_tools import tool_definitions
    from assistant.turn_protocol import local_chat, tool_step_messages

    items = load_handwritten() if items is None else items
    tools = tool_definitions(names=MODEL_TOOLS)  # as served to an in-process model
    tool_prompt, full_prompt = tool_system_prompt(tools, compact=True), tool_system_prompt(tools)
    examples = []
    for item in items:
        step = tool_step_messages(item.state, item.user)
        chat, chat_full = local_chat(step, tool_prompt), local_chat(step, full_prompt)
        if item.tool is None:
            gold = Gold("text", text=REPLIES[item.reply or "greeting"])
            target = gold.text or ""
        else:
            gold = Gold("call", item.tool, dict(item.args))
            target = render_call(item.tool, clean_args(item.args))
        examples.append(Example("call", chat, target, gold, scenario=scenario_of(item), chat_full=chat_full,
                                shopper=item.user))
    return examples
