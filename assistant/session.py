"""One shopper's (or one copilot conversation's) session: its dialogue state, its storage handle and the
shopper's preference profile (kept in the store under the shopper's id, so a returning shopper keeps it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from assistant.dialogue.state import DialogueState
from assistant.storage import FeedbackEvent, Store
from retrieval.recommend.profile import PreferenceProfile, Signal


@dataclass
class ShopSession:
    store: Store
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    index: str | None = None
    state: DialogueState = field(default_factory=DialogueState)
    shopper_id: str | None = None  # a returning shopper's id; default: this session's
    _profile: PreferenceProfile | None = field(default=None, repr=False)

    @classmethod
    def resume(cls, store: Store, session_id: str, index: str | None = None) -> ShopSession:
        """The session as its last turn left it (any process may have served that turn), or a fresh one."""
        session = cls(store, session_id, index)
        session.refresh(always=True)
        return session

    def refresh(self, always: bool = False) -> None:
        """Take the stored state (index, shopper, dialogue) when another process served a later turn (or
        ``always``, when the session is being resumed)."""
        saved = self.store.dialogue(self.session_id)
        if saved is None:
            return
        saved_index, shopper_id, state = saved
        stored = DialogueState.from_json(state)
        if always or stored.turns > self.state.turns:
            self.state, self.index = stored, saved_index or self.index
            self.shopper_id, self._profile = shopper_id, None

    def save(self) -> None:
        """Store the dialogue state (after each turn), so a restarted or another worker continues the talk."""
        self.store.save_dialogue(self.session_id, self.index, self.shopper_id, self.state.to_json())

    @property
    def shopper(self) -> str:
        return self.shopper_id or self.session_id

    @property
    def profile(self) -> PreferenceProfile:
        """The shopper's profile, read from the store once per session."""
        if self._profile is None:
            stored = self.store.profile(self.shopper)
            self._profile = PreferenceProfile.from_json(stored) if stored else PreferenceProfile()
        return self._profile

    def learn(self, signal: Signal) -> None:
        """Add a signal to the profile, store the profile and the event (with the search it was shown for)."""
        self.profile.add(signal)
        self.store.save_profile(self.shopper, self.profile.to_json())
        if signal.product is not None:
            shown = tuple(self.state.shown)
            position = shown.index(signal.product.id) + 1 if signal.product.id in shown else None
            self.store.record_event(self.shopper, self.session_id, FeedbackEvent(
                signal.kind.value, signal.product.id, self.state.query, shown, position))

    def forget(self) -> int:
        """Delete the shopper's profile and feedback events; returns how many signals the profile held."""
        held = self.profile.signals
        self.store.forget(self.shopper)
        self._profile = PreferenceProfile()
        return held
