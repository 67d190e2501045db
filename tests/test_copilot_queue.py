"""The copilot's queue, an opened conversation (cart, verified orders) and staff edits exported as training signal,
on the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time

from assistant.copilot import conversation_queue, open_conversation
from assistant.dialogue.state_rules import NOT_UNDERSTOOD
from assistant.storage import Store
from finetune.agent.staff_edits import staff_edits, write_staff_edits
from ui.render import cart_html, orders_html, queue_html


def _email(store: Store) -> str:
    from importlib import resources

    rows = json.loads((resources.files("assistant") / "data" / "demo_orders.json").read_text())
    return next(r["email"] for r in rows if r["order_id"] == "A1001")


def test_queue_is_newest_first_flags_handoffs_and_unanswered_and_skips_copilot_sessions(store_url):
    store = Store(store_url)
    store.record_turn("calm", "bluetooth speaker", "Here are 5 options.", [], ["P1"], True)
    time.sleep(0.01)
    store.record_turn("lost", "¿tienen altavoces?", NOT_UNDERSTOOD, [], [], True)
    time.sleep(0.01)
    rated = store.record_turn("unhappy", "cheaper", "Here are 3 options.", [], [], True)
    store.set_feedback("unhappy", rated, -1)
    time.sleep(0.01)
    store.record_turn("copilot:calm", "draft", "a suggestion", [], [], True)
    store.hand_off("calm", "wants a human")
    queue = conversation_queue(store)
    assert [e.session_id for e in queue] == ["unhappy", "lost", "calm"]
    by_id = {e.session_id: e for e in queue}
    assert by_id["calm"].handed_off == "wants a human" and not by_id["calm"].unanswered
    assert by_id["lost"].unanswered and by_id["unhappy"].unanswered
    html = queue_html(queue, time.time())
    assert html.count("<tr class='attention'") == 2 and html.count("<tr class='handoff'") == 1
    assert "data-conversations='3'" in html and "copilot:" not in html


def test_an_opened_conversation_shows_the_cart_and_only_orders_verified_in_it(store_url):
    store = Store(store_url)
    email = _email(store)
    store.add_to_cart("s1", "P1", "Speaker One", 20.0, 2)
    store.record_turn("s1", "where is A1001?", "Which e-mail?", [{"name": "order_status",
                      "args": {"order_id": "A1001", "email": "wrong@example.com"}}], [], True)
    assert open_conversation(store, "s1").orders == []  # a wrong e-mail verifies nothing
    store.record_turn("s1", email, "It has shipped.", [{"name": "order_status",
                      "args": {"order_id": "A1001", "email": email}}], [], True)
    view = open_conversation(store, "s1")
    assert [o.order_id for o in view.orders] == ["A1001"]
    assert [(x.product_id, x.quantity) for x in view.cart] == [("P1", 2)]
    assert "<button" not in cart_html(view.cart, editable=False) and "$40.00" in cart_html(view.cart, editable=False)
    assert "data-order='A1001'" in orders_html(view.orders)
    assert open_conversation(store, "s2").orders == [] and open_conversation(store, "s2").cart == []


def test_staff_edits_become_preference_pairs_with_their_conversation(store_url, tmp_path):
    store = Store(store_url)
    store.record_turn("s1", "bluetooth speaker", "Here are 5 options.", [], [], True)
    store.approve("s1", "is the first one loud?", "It is 20 W.", "Yes: the first one is rated 20 W.", "ana")
    store.approve("s1", "thanks", "You're welcome!", "You're welcome! ", "ana")
    time.sleep(0.01)
    store.record_turn("s1", "a later question", "a later reply", [], [], True)  # after both approvals: not in them
    edits = staff_edits(store)
    assert [e.edited for e in edits] == [True, False]
    first = edits[0]
    assert first.chosen == "Yes: the first one is rated 20 W." and first.rejected == "It is 20 W."
    assert first.prompt == [{"role": "user", "content": "bluetooth speaker"},
                            {"role": "assistant", "content": "Here are 5 options."},
                            {"role": "user", "content": "is the first one loud?"}]
    path = tmp_path / "out" / "edits.jsonl"
    assert write_staff_edits(staff_edits(store, edited_only=True), path) == 1
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0]["chosen"] == first.chosen and rows[0]["staff"] == "ana" and rows[0]["edited"] is True


def test_a_suggestion_for_an_opened_conversation_continues_from_the_shoppers_state(agent, demo_index, tmp_path):
    """Staff open a conversation and ask for "cheaper": the suggestion refines the shopper's own search (same type,
    under the shown prices); answering the shopper's last message again starts from before it (the same answer the
    shopper got, not a second "cheaper"); the shopper's state is not moved by either."""
    from assistant.copilot import staff_session, suggest_reply
    from assistant.session import ShopSession

    store, index = Store(tmp_path / "queue.sqlite"), demo_index.name
    shopper = ShopSession(store, "shopper-1", index)
    first = agent.turn(shopper, "bluetooth speaker")
    cheaper = agent.turn(shopper, "something cheaper")
    assert first.cards and cheaper.cards
    before = shopper.state.to_json()
    again = suggest_reply(agent, staff_session(store, "shopper-1", index, answering_last_turn=True),
                          "something cheaper")
    assert [c.id for c in again.result.cards] == [c.id for c in cheaper.cards]
    further = suggest_reply(agent, staff_session(store, "shopper-1", index), "something cheaper")
    prices = [c.price for c in cheaper.cards if c.price is not None]
    assert further.result.cards, further.reply
    assert all(c.price is not None and c.price < max(prices) for c in further.result.cards)
    assert all("speaker" in (c.title + " " + " ".join(c.specs.values())).lower() for c in further.result.cards)
    assert ShopSession.resume(store, "shopper-1", index).state.to_json() == before
    assert [e.session_id for e in conversation_queue(store)] == ["shopper-1"]  # the copilot's turns are not queued
    assert open_conversation(store, "shopper-1").last_message == "something cheaper"
    fresh = suggest_reply(agent, staff_session(store, "nobody", index), "something cheaper")
    assert fresh.reply  # an unknown conversation starts from an empty state, with a safe answer
