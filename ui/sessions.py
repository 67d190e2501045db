"""Live chat sessions by id (Gradio's per-connection session hash), least recently used dropped first.

Carts and history live in the database, so a dropped session loses only its in-memory dialogue state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from assistant.session import ShopSession
from assistant.storage import Store


class SessionRegistry:
    def __init__(self, store: Store, index: str | None, max_sessions: int = 1_000) -> None:
        self.store = store
        self.index = index
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, ShopSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> ShopSession:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                session = ShopSession(self.store, session_id, self.index)
                self._sessions[session_id] = session
            self._sessions.move_to_end(session_id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return session
