"""Staff edits to copilot suggestions as training signal: preference pairs (the staff's final reply is chosen,
the suggestion it replaced is rejected), each with the shopper conversation that led to it.

The records are chat-format JSONL (``prompt`` messages, ``chosen`` and ``rejected`` replies), the layout preference
trainers such as TRL's DPOTrainer read; approvals staff left unchanged are kept too (``edited`` false) as
supervised examples of replies staff stood behind.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.storage import Store


@dataclass(frozen=True)
class StaffEdit:
    session_id: str
    prompt: list[dict[str, str]]  # the conversation before the customer's message, then the message
    chosen: str                   # what staff approved
    rejected: str                 # what the copilot suggested
    staff: str
    edited: bool


def staff_edits(store: Store, edited_only: bool = False) -> list[StaffEdit]:
    """Every approved reply with its conversation so far; only the changed ones with ``edited_only``."""
    out, conversations = [], {}
    for a in store.all_approvals():
        edited = a["final"].strip() != a["suggested"].strip()
        if edited_only and not edited:
            continue
        if a["session"] not in conversations:
            conversations[a["session"]] = store.turns(a["session"])
        history: list[dict[str, str]] = []
        for t in conversations[a["session"]]:
            if t["at"] > a["at"]:
                break  # the shopper's later turns are no part of what staff answered
            history += [{"role": "user", "content": t["user"]}, {"role": "assistant", "content": t["reply"]}]
        prompt = [*history, {"role": "user", "content": a["customer"]}]
        out.append(StaffEdit(a["session"], prompt, a["final"], a["suggested"], a["staff"], edited))
    return out


def write_staff_edits(edits: list[StaffEdit], path: Path) -> int:
    """Write the records as JSONL (replacing ``path`` only once all are written); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for e in edits:
            f.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")
    tmp.replace(path)
    return len(edits)
