"""The copilot's suggested reply: the shopper's agent run for staff, with the facts it rests on.

Kept out of the UI so the dialogue runner checks exactly what staff see in the copilot tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.agent import ShoppingAgent
from assistant.answers.product_facts import card
from assistant.events import TurnResult
from assistant.session import ShopSession
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
