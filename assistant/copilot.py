"""The copilot's suggested reply: the shopper's agent run for staff, with the facts it rests on.

Kept out of the UI so the dialogue runner checks exactly what staff see in the copilot tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.agent import ShoppingAgent
from assistant.answers.product_facts import card
from assistant.dialogue.state import DialogueState
from assistant.dialogue.state_rules import NOT_UNDERSTOOD
from assistant.events import TurnResult
from assistant.session import ShopSession
from assistant.storage import CartLine, Order, Store
from assistant.tools.results import ProductCard, ToolResult
from retrieval.filters import SearchFilters


def facts_markdown(results: list[ToolResult]) -> str:
    """What a suggested reply drew on, for staff to check before approving."""
    if not results:
        return "_No tool was used: the suggestion is a general reply._"
    out = []
    for a in results:
        out.append(f"**{a.tool}** ({a.status})")
        for p in a.products[:5]:
            out.append(f"- {p.id}: {p.title} — {p.display_price}, {p.stock}")
        if a.order is not None:
            out.append(f"- order {a.order.order_id}: {a.order.status}, ETA {a.order.eta or '-'}")
        for f in a.facts[:6]:
            if not a.products:
                out.append(f"- {f}")
    return "\n".join(out)


@dataclass
class Suggestion:
    reply: str
    facts: str
    result: TurnResult

    @property
    def grounded(self) -> bool:
        return not self.result.shown_ungrounded


def find_products(agent: ShoppingAgent, index: str | None, query: str, max_price: float | None = None,
                  k: int = 8) -> list[ProductCard]:
    """Staff's direct product lookup (hybrid search, no dialogue state): cards with why each fits."""
    filters = SearchFilters(max_price=max_price or None)
    hits = agent.indexes.searcher(index).search(query, filters, k=k, method="hybrid").hits
    return [card(h.product, filters, i) for i, h in enumerate(hits, 1)]


def suggest_reply(agent: ShoppingAgent, session: ShopSession, customer_text: str) -> Suggestion:
    """A reply for staff to edit and approve; nothing is sent to the customer from here."""
    result = agent.turn(session, customer_text)
    return Suggestion(result.reply, facts_markdown(result.artifacts), result)


COPILOT_PREFIX = "copilot:"  # the copilot's own sessions (suggestions) are no shopper conversation


def staff_session(store: Store, conversation: str, index: str | None,
                  answering_last_turn: bool = False) -> ShopSession:
    """A copilot session that starts where the shopper's conversation stands (its search, shown list, constraints),
    so a suggestion for "cheaper" or "the second one" means what it means to the shopper. Staff answering the
    shopper's last message again start from the state before that turn (its "cheaper" is not applied twice).
    Each call starts afresh from the stored state: suggestions do not drift the conversation, and the shopper's
    own session, cart and preference profile are left untouched."""
    session = ShopSession(store, COPILOT_PREFIX + conversation, index)
    saved = store.dialogue(conversation)
    if saved is None:
        return session
    session.index = saved[0] or index
    state = store.dialogue_before_last_turn(conversation) if answering_last_turn else saved[2]
    session.state = DialogueState.from_json(state) if state else DialogueState()
    return session


@dataclass(frozen=True)
class QueueEntry:
    """One shopper conversation in the staff queue: newest first; handed-off and unanswered ones stand out."""

    session_id: str
    turns: int
    last_at: float
    last_message: str
    handed_off: str | None   # the hand-off reason, when staff or the shopper asked for a human
    unanswered: bool         # the last turn got no answer: not understood, or a thumbs-down on it


def conversation_queue(store: Store, limit: int = 50) -> list[QueueEntry]:
    """The shopper conversations, most recent activity first (one query, however long the queue)."""
    handoffs = {sid: reason for sid, reason, _ in store.handoffs()}
    return [QueueEntry(c.session_id, c.turns, c.last_at, c.last_user, handoffs.get(c.session_id),
                       c.last_reply == NOT_UNDERSTOOD or c.last_rating == -1 or not c.last_reply.strip())
            for c in store.conversations(limit, exclude_prefix=COPILOT_PREFIX)]


@dataclass(frozen=True)
class ConversationView:
    """What staff see on opening a conversation: the cart, orders the shopper verified (number + e-mail) in it, and
    the shopper's last message (what a suggested reply answers)."""

    cart: list[CartLine]
    orders: list[Order]
    last_message: str


def verified_orders(store: Store, session_id: str, turns: list[dict] | None = None) -> list[Order]:
    """Orders looked up in the conversation with a matching number and e-mail (the shopper's own verification)."""
    found: dict[str, Order] = {}
    for turn in store.turns(session_id) if turns is None else turns:
        for call in turn["tool_calls"]:
            args = call.get("args") or {}
            if call.get("name") == "order_status" and isinstance(args, dict):
                order = store.order(str(args.get("order_id") or ""), str(args.get("email") or ""))
                if order is not None:
                    found[order.order_id] = order
    return list(found.values())


def open_conversation(store: Store, session_id: str) -> ConversationView:
    turns = store.turns(session_id)
    return ConversationView(store.cart(session_id), verified_orders(store, session_id, turns),
                            turns[-1]["user"] if turns else "")
