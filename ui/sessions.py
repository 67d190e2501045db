"""Live chat sessions by id (Gradio's per-connection session hash), least recently used dropped first.

Carts, history and each turn's dialogue state live in the database: a session this process has not seen (dropped,
or served by a process that was restarted or is another worker) is resumed from there.
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
                session = ShopSession.resume(self.store, session_id, self.index)
                self._sessions[session_id] = session
            else:  # another worker may have answered since (one indexed read)
                session.refresh()
            self._sessions.move_to_end(session_id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return session
