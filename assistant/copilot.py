"""The copilot's suggested reply: the shopper's agent run for staff, with the facts it rests on.

Kept out of the UI so the dialogue runner checks exactly what staff see in the copilot tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.agent import ShoppingAgent
from assistant.answers.product_facts import card
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
    """The shopper conversations, most recent activity first."""
    handoffs = {sid: reason for sid, reason, _ in store.handoffs()}
    out = []
    for sid, n, last in store.sessions(limit + 20):
        if sid.startswith(COPILOT_PREFIX):
            continue
        turns = store.turns(sid)
        final = turns[-1] if turns else None
        thumbs = store.feedback(sid)
        unanswered = final is not None and (final["reply"] == NOT_UNDERSTOOD or thumbs.get(final["turn"]) == -1
                                            or not final["reply"].strip())
        out.append(QueueEntry(sid, int(n), float(last), final["user"] if final else "", handoffs.get(sid),
                              unanswered))
    return out[:limit]


@dataclass(frozen=True)
class ConversationView:
    """What staff see on opening a conversation: the cart, and orders the shopper verified (number + e-mail) in it."""

    cart: list[CartLine]
    orders: list[Order]


def verified_orders(store: Store, session_id: str) -> list[Order]:
    """Orders looked up in the conversation with a matching number and e-mail (the shopper's own verification)."""
    found: dict[str, Order] = {}
    for turn in store.turns(session_id):
        for call in turn["tool_calls"]:
            args = call.get("args") or {}
            if call.get("name") == "order_status" and isinstance(args, dict):
                order = store.order(str(args.get("order_id") or ""), str(args.get("email") or ""))
                if order is not None:
                    found[order.order_id] = order
    return list(found.values())


def open_conversation(store: Store, session_id: str) -> ConversationView:
    return ConversationView(store.cart(session_id), verified_orders(store, session_id))
