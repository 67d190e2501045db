"""A conversation outlives its server process: the dialogue state is stored with every turn.

The web app is a real `aisle serve` process, killed with SIGKILL mid-conversation; a fresh process continues the
same session (the client keeps its session id, as a browser tab keeps its connection id) with the same shown list
and the same cart waiting for confirmation.
"""

from __future__ import annotations

import os
import signal

from assistant.dialogue.state import DialogueState, PendingCart
from assistant.session import ShopSession
from assistant.storage import Store
from retrieval.filters import SearchFilters


def test_the_dialogue_state_survives_a_json_round_trip(tmp_path):
    state = DialogueState(query="wireless headphones", filters=SearchFilters(max_price=200, brands=["Sony"]),
                          product_type="headphones", derived=frozenset({"max_price"}), shown=["p1", "p2"],
                          shown_prices={"p1": 99.5, "p2": 150.0}, pending_cart=PendingCart("p2", "Sony WH", 1, 2),
                          focus="p1", turns=3)
    assert DialogueState.from_json(state.to_json()) == state
    store = Store(tmp_path / "shop.sqlite")
    session = ShopSession(store, "s-1", "demo", state, shopper_id="shopper-9")
    session.save()
    resumed = ShopSession.resume(Store(tmp_path / "shop.sqlite"), "s-1")
    assert (resumed.state, resumed.index, resumed.shopper_id) == (state, "demo", "shopper-9")
    assert ShopSession.resume(store, "never-seen", "demo").state == DialogueState()


def test_a_session_takes_the_later_turn_another_worker_stored(tmp_path):
    store = Store(tmp_path / "shop.sqlite")
    mine = ShopSession(store, "s-2", "demo", DialogueState(query="tv", shown=["a"], turns=1))
    theirs = ShopSession.resume(store, "s-2", "demo")
    theirs.state = DialogueState(query="tv", shown=["b", "c"], turns=2)
    theirs.save()
    mine.refresh()
    assert mine.state.shown == ["b", "c"]


def test_a_server_killed_mid_conversation_is_continued_by_a_fresh_process(demo_index, data_dir, store_url):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client

    from bench.serve_process import server_process

    env = {"AISLE_DATA_DIR": str(data_dir), "AISLE_UI_CONCURRENCY": "1", "AISLE_DATABASE_URL": store_url}
    with server_process(env=env, log_path=data_dir / "serve-killed.log") as (url, proc):
        client = Client(url + "/", verbose=False)
        shown = client.predict("coffee maker in stock", api_name="/chat")
        asked = client.predict("add the second one to my cart", api_name="/chat")
        session_id = client.session_hash
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    ids = [c["id"] for c in shown["cards"]]
    assert len(ids) >= 2 and not asked["cart"]  # the cart waits for a yes

    with server_process(env=env, log_path=data_dir / "serve-fresh.log") as (url, _):
        client = Client(url + "/", verbose=False)
        client.session_hash = session_id  # the same conversation, now served by a new process
        done = client.predict("yes", api_name="/chat")
        assert done["session"] == session_id and done["error"] is None
        assert [x["product_id"] for x in done["cart"]] == [ids[1]]
        detail = client.predict("tell me more about the first one", api_name="/chat")
        assert detail["error"] is None and [c["id"] for c in detail["cards"]][:1] == [ids[0]]
