"""The staff copilot: suggested, editable replies with the facts they used; direct lookups; hand-off.

A suggestion runs the same agent on a copilot-side session for the customer's conversation, so
staff see exactly the tools and facts a reply rests on before they approve it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.agent import ShoppingAgent
from assistant.copilot import COPILOT_PREFIX, conversation_queue, open_conversation, staff_session, suggest_reply
from assistant.copilot import find_products as lookup_products
from assistant.dashboard import read_turn_log, summarize
from assistant.storage import Store
from assistant.tools.schemas import POLICY_TOPICS
from assistant.tools.shop_tools import policies
from ui.dashboard_view import dashboard_html, dashboard_plot
from ui.render import CSS, cards_html, cart_html, orders_html, queue_html
from ui.sessions import SessionRegistry


def _transcript(store: Store, session_id: str | None) -> list[dict[str, str]]:
    if not session_id:
        return []
    out: list[dict[str, str]] = []
    for t in store.turns(session_id):
        out += [{"role": "user", "content": t["user"]}, {"role": "assistant", "content": t["reply"]}]
    return out


def build_copilot(agent: ShoppingAgent, registry: SessionRegistry, index: str | None,
                  turn_log: Path | None = None) -> gr.Blocks:
    store = registry.store

    def dashboard() -> tuple[Any, str]:
        records, skipped = read_turn_log(turn_log)
        board = summarize(records, store.ratings(), skipped_lines=skipped)
        return dashboard_plot(board), dashboard_html(board)

    def queue() -> str:
        return queue_html(conversation_queue(store), time.time())

    def choices() -> list[tuple[str, str]]:
        return [(f"{e.session_id[:12]}… ({e.turns} turns)", e.session_id) for e in conversation_queue(store)]

    def conversations() -> gr.Dropdown:
        return gr.Dropdown(choices=choices(), value=None)

    def open_one(session_id: str | None) -> tuple[Any, ...]:
        """A conversation opened from the queue or the list: its transcript, the shopper's cart and verified orders,
        and the shopper's last message ready for a suggested reply."""
        if not session_id or session_id.startswith(COPILOT_PREFIX):
            return gr.update(), [], cart_html([], editable=False), orders_html([]), gr.update()
        view = open_conversation(store, session_id)
        return (gr.update(choices=choices(), value=session_id), _transcript(store, session_id),
                cart_html(view.cart, editable=False), orders_html(view.orders), view.last_message)

    def suggest(conversation: str | None, customer_text: str) -> tuple[str, str, str, Any]:
        if not customer_text.strip():
            return "", "_Type or paste the customer's message first._", cards_html([]), "{}"
        # an opened conversation: from the shopper's state (before the last turn, when answering that one again);
        # a pasted message: the copilot's own session
        if conversation:
            turns = store.turns(conversation)
            last = bool(turns) and turns[-1]["user"].strip() == customer_text.strip()
            session = staff_session(store, conversation, index, answering_last_turn=last)
        else:
            session = registry.get(COPILOT_PREFIX + "pasted")
        s = suggest_reply(agent, session, customer_text)
        return s.reply, s.facts, cards_html(s.result.cards), json.dumps(
            {"tool_calls": s.result.tool_calls, "grounded": s.grounded})

    def approve(conversation: str | None, customer_text: str, suggested: str, final: str,
                request: gr.Request) -> str:
        if not final.strip():
            return "Nothing to approve: the reply is empty."
        staff = getattr(request, "username", None) or "staff"
        store.approve(conversation or "pasted", customer_text, suggested, final, staff)
        return f"Approved by {staff} and stored ({len(final)} characters)."

    def hand_off(conversation: str | None, reason: str) -> str:
        if not conversation:
            return "Pick a conversation to hand off."
        store.hand_off(conversation, reason or "needs a human")
        return f"Conversation {conversation[:12]}… marked for human hand-off."

    def find_products(query: str, max_price: float | None) -> str:
        if not query.strip():
            return cards_html([])
        return cards_html(lookup_products(agent, index, query, max_price))

    def find_order(order_id: str, email: str) -> str:
        order = store.order(order_id or "", email or "")
        if order is None:
            return "No order with that number and e-mail address."
        items = ", ".join(f"{q} × {pid}" for pid, q in order.items)
        return f"**{order.order_id}** — {order.status}; carrier {order.carrier or '-'}; ETA {order.eta or '-'}; {items}"

    with gr.Blocks(title="Aisle — staff copilot") as demo:
        gr.HTML(f"<style>{CSS}</style>")
        gr.Markdown("## Aisle copilot")
        with gr.Tab("Suggest a reply"):
            queue_view = gr.HTML(elem_id="queue")
            opened = gr.Textbox(elem_id="open-conversation", elem_classes=["aisle-hidden"], show_label=False)
            opened_send = gr.Button("open", elem_id="open-conversation-send", elem_classes=["aisle-hidden"])
            with gr.Row():
                conversation = gr.Dropdown(label="Customer conversation", choices=[], elem_id="conversation")
                refresh = gr.Button("Refresh list", size="sm")
            with gr.Row():
                transcript = gr.Chatbot(label="Conversation so far", height=220, scale=3)
                with gr.Column(scale=2):
                    gr.Markdown("**Shopper's cart**")
                    shopper_cart = gr.HTML(cart_html([], editable=False), elem_id="shopper-cart")
                    gr.Markdown("**Verified orders**")
                    shopper_orders = gr.HTML(orders_html([]), elem_id="shopper-orders")
            customer = gr.Textbox(label="Customer message (paste or type)", elem_id="customer-message")
            suggest_btn = gr.Button("Suggest reply", variant="primary", elem_id="suggest")
            suggestion = gr.Textbox(label="Suggested reply (edit before approving)", lines=3, interactive=True,
                                    elem_id="suggestion")
            original = gr.State("")
            meta = gr.Textbox(visible=False)
            facts = gr.Markdown(elem_id="facts")
            cards = gr.HTML()
            with gr.Row():
                approve_btn = gr.Button("Approve", variant="primary", elem_id="approve")
                reason = gr.Textbox(label="Hand-off reason", scale=2)
                handoff_btn = gr.Button("Hand off to a human", elem_id="handoff")
            status = gr.Markdown(elem_id="status")
        with gr.Tab("Look up"):
            with gr.Row():
                q = gr.Textbox(label="Product search")
                maxp = gr.Number(label="Max price", value=None)
                q_btn = gr.Button("Search")
            found = gr.HTML()
            with gr.Row():
                oid = gr.Textbox(label="Order number")
                email = gr.Textbox(label="E-mail")
                o_btn = gr.Button("Find order")
            order_out = gr.Markdown()
            topic = gr.Dropdown(list(POLICY_TOPICS), label="Policy")
            policy_out = gr.Markdown()
        with gr.Tab("Dashboard"):
            board_btn = gr.Button("Refresh dashboard", size="sm", elem_id="dashboard-refresh")
            board_plot = gr.Plot(label="Over time", elem_id="dashboard-plot")
            board_html = gr.HTML(elem_id="dashboard")
        board_btn.click(dashboard, None, [board_plot, board_html])
        refresh.click(conversations, None, conversation).then(queue, None, queue_view)
        demo.load(conversations, None, conversation).then(queue, None, queue_view)
        gr.Timer(5).tick(queue, None, queue_view)  # live: new and handed-off conversations appear on their own
        view = [conversation, transcript, shopper_cart, shopper_orders, customer]
        suggested = [suggestion, facts, cards, meta]
        for opening in (conversation.input(open_one, conversation, view), opened_send.click(open_one, opened, view)):
            opening.then(suggest, [conversation, customer], suggested).then(lambda s: s, suggestion, original)
        suggest_btn.click(suggest, [conversation, customer], suggested).then(lambda s: s, suggestion, original)
        approve_btn.click(approve, [conversation, customer, original, suggestion], status)
        handoff_btn.click(hand_off, [conversation, reason], status)
        q_btn.click(find_products, [q, maxp], found)
        o_btn.click(find_order, [oid, email], order_out)
        topic.change(lambda t: policies().get(t, "") if t else "", topic, policy_out)
    return demo
