"""One shopper's (or one copilot conversation's) session: its dialogue state and its storage handle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from assistant.dialogue.state import DialogueState
from assistant.storage import Store


@dataclass
class ShopSession:
    store: Store
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    index: str | None = None
    state: DialogueState = field(default_factory=DialogueState)
