"""The shopper's chat: streamed replies, product cards, cart panel, filter chips, thumbs up/down.

Each browser is its own session: a random id kept in the browser's localStorage (``gr.BrowserState``), so a
page reload continues the conversation with its history, cart and constraints (they live in the store), and
carts and histories of different shoppers never mix. ``/chat`` is also exposed as an API endpoint for scripted
clients (gradio_client), one session per client connection.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.agent import ShoppingAgent
from assistant.events import Done, Failed, Replaced, Token, ToolCalled
from ui.render import CSS, cards_html, cart_html, comparison_html, constraints_html, parse_cart_event, suggestions_html
from ui.sessions import SessionRegistry

CHIPS = {"Under $50": "under $50 please", "In stock only": "only in stock ones",
         "4★ and up": "at least 4 stars please", "Cheaper": "something cheaper"}
THINKING = {"search_products": "Searching the catalog…", "compare_products": "Comparing…",
            "answer_product_question": "Checking the specs…", "order_status": "Looking up your order…",
            "similar_products": "Finding similar products…", "find_accessories": "Checking what fits…"}


def build_shopper(agent: ShoppingAgent, registry: SessionRegistry, secret: str | None = None) -> gr.Blocks:
    def session_of(browser_id: str, request: gr.Request):
        return registry.get(browser_id or request.session_hash or "anonymous")

    def respond(message: str, history: list[dict], turns: list[int], browser_id: str, request: gr.Request
                ) -> Iterator[tuple[Any, ...]]:
        session = session_of(browser_id, request)
        # the reply's place shows a step at once (Enter -> something visible), then the tool being run, then tokens
        history = [*history, {"role": "user", "content": message or ""}, {"role": "assistant", "content": "Thinking…"}]
        cards = gr.update()
        yield "", history, cards, gr.update(), turns, gr.update()
        for event in agent.stream_turn(session, message):
            if isinstance(event, ToolCalled):
                history[-1]["content"] = THINKING.get(event.name, "…")
            elif isinstance(event, Token):
                text = history[-1]["content"]
                history[-1]["content"] = ("" if text.endswith("…") else text) + event.text
            elif isinstance(event, Replaced):
                history[-1]["content"] = event.text
            elif isinstance(event, Failed):
                continue
            elif isinstance(event, Done):
                result = event.result
                history[-1]["content"] = result.reply
                offers = suggestions_html(result.recovery)
                if result.cards:
                    table = comparison_html(result.cards, result.comparison) if result.comparison else ""
                    cards = offers + table + cards_html(result.cards)
                elif offers:
                    cards = offers + cards_html([])
                turns = [*turns, result.turn]
                yield ("", history, cards, cart_html(session.store.cart(session.session_id)), turns,
                       constraints_html(session.state))
                return
            yield "", history, cards, gr.update(), turns, gr.update()

    def chip(label: str):
        def send(history: list[dict], turns: list[int], browser_id: str, request: gr.Request):
            yield from respond(CHIPS[label], history, turns, browser_id, request)
        return send

    def feedback(data: gr.LikeData, turns: list[int], browser_id: str, request: gr.Request) -> None:
        session = session_of(browser_id, request)
        answer_number = data.index[0] // 2 if isinstance(data.index, list | tuple) else int(data.index) // 2
        if 0 <= answer_number < len(turns) and data.liked in (True, False):
            agent.rate_turn(session, turns[answer_number], bool(data.liked))

    def rate_card(event: str, browser_id: str, request: gr.Request) -> str:
        """A card's thumb ("up:<product id>"): a signal for the shopper's profile; the note says what was kept."""
        session = session_of(browser_id, request)
        rating, _, product_id = (event or "").partition(":")
        if rating not in ("up", "down") or not product_id:
            return ""
        try:
            return agent.rate_product(session, product_id, rating == "up")
        except LookupError as exc:
            return str(exc)

    def api_chat(message: str, request: gr.Request) -> dict[str, Any]:
        """One turn for scripted clients: reply, cards, cart and tool calls as JSON."""
        session = registry.get(request.session_hash or "anonymous")
        result = agent.turn(session, message)
        cart = session.store.cart(session.session_id)
        return {"reply": result.reply, "cards": [c.to_dict() for c in result.cards], "tool_calls": result.tool_calls,
                "cart": [{"product_id": x.product_id, "title": x.title, "quantity": x.quantity} for x in cart],
                "grounded": not result.shown_ungrounded, "error": result.error,
                "session": session.session_id}

    def edit_cart(event: str, browser_id: str, request: gr.Request) -> str:
        """A cart button ("set:<quantity>:<product id>"): change the quantity, 0 removes the line."""
        session = session_of(browser_id, request)
        parsed = parse_cart_event(event)
        if parsed is not None:
            session.store.set_quantity(session.session_id, *parsed)
        return cart_html(session.store.cart(session.session_id))

    def load_page(browser_id: str, request: gr.Request) -> tuple[Any, ...]:
        """A new browser keeps this connection's session id (a turn sent before this ran used it too); a known
        one gets its conversation, cart and constraints back."""
        browser_id = browser_id or request.session_hash or uuid.uuid4().hex
        session = session_of(browser_id, request)
        stored = session.store.turns(session.session_id)
        history = [m for t in stored for m in ({"role": "user", "content": t["user"]},
                                              {"role": "assistant", "content": t["reply"]})]
        return (browser_id, history, [t["turn"] for t in stored], cart_html(session.store.cart(session.session_id)),
                constraints_html(session.state))

    with gr.Blocks(title="Aisle — shopping assistant") as demo:
        gr.HTML(f"<style>{CSS}</style>")
        gr.Markdown("## Aisle\nAsk for a product, refine it (\"cheaper\", \"in black\", \"not Sony\"), compare, "
                    "ask about specs, or add to your cart.")
        turns = gr.State([])
        browser_id = gr.BrowserState("", storage_key="aisle-shopper", secret=secret)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=420, elem_id="chat", feedback_options=("Like", "Dislike"),
                                     buttons=["copy"])  # no "share" (Hugging Face Spaces; an unlabeled icon)
                with gr.Row():
                    box = gr.Textbox(placeholder="e.g. quiet bluetooth speaker under $50, black", show_label=False,
                                     scale=5, elem_id="message", max_lines=4)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    chip_buttons = {label: gr.Button(label, size="sm", elem_classes=["chip"]) for label in CHIPS}
                constraints = gr.HTML("<div class='aisle-chips' data-chips='0'></div>", elem_id="constraints")
            with gr.Column(scale=2):
                gr.Markdown("### Cart")
                cart = gr.HTML(cart_html([]), elem_id="cart")
        gr.Markdown("### Products")
        rated = gr.Markdown("", elem_id="rated")
        cards = gr.HTML(cards_html([]), elem_id="cards")
        card_event = gr.Textbox(elem_id="card-event", elem_classes=["aisle-hidden"], show_label=False)
        card_event_send = gr.Button("record", elem_id="card-event-send", elem_classes=["aisle-hidden"])
        cart_event = gr.Textbox(elem_id="cart-event", elem_classes=["aisle-hidden"], show_label=False)
        cart_event_send = gr.Button("update cart", elem_id="cart-event-send", elem_classes=["aisle-hidden"])
        outputs = [box, chatbot, cards, cart, turns, constraints]
        box.submit(respond, [box, chatbot, turns, browser_id], outputs, api_visibility="private")
        send.click(respond, [box, chatbot, turns, browser_id], outputs, api_visibility="private")
        for label, button in chip_buttons.items():
            button.click(chip(label), [chatbot, turns, browser_id], outputs, api_visibility="private")
        chatbot.like(feedback, [turns, browser_id], None)
        card_event_send.click(rate_card, [card_event, browser_id], rated, api_visibility="private")
        cart_event_send.click(edit_cart, [cart_event, browser_id], cart, api_visibility="private")
        demo.load(load_page, browser_id, [browser_id, chatbot, turns, cart, constraints], api_visibility="private")
        api_in = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        api_in.submit(api_chat, api_in, api_out, api_name="chat")
    return demo
