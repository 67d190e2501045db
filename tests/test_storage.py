"""The store on SQLite and on a real PostgreSQL: isolation between sessions, feedback, migrations, durability under
kill -9, and a conversation continued by a second worker on the shared database.

PostgreSQL runs where ``AISLE_TEST_POSTGRES_URL`` names a server (`.ci/run` starts one with
``scripts/start_postgres.sh``); each test gets a database of its own.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from sqlalchemy import inspect, text

from assistant.storage import Store


def test_sessions_feedback_and_handoffs_are_kept_apart(store_url):
    store = Store(store_url)
    store.add_to_cart("s1", "P1", "Thing", 10.0, 1)
    store.add_to_cart("s1", "P1", "Thing", 10.0, 2)
    store.add_to_cart("s2", "P2", "Other", 5.0, 1)
    assert [(x.product_id, x.quantity) for x in store.cart("s1")] == [("P1", 3)]
    assert [x.product_id for x in store.cart("s2")] == ["P2"]
    turn = store.record_turn("s1", "hi", "hello", [], [], True)
    store.set_feedback("s1", turn, 1)
    store.set_feedback("s1", turn, -1)
    assert store.feedback("s1") == {turn: -1} and store.feedback("s2") == {}
    store.hand_off("s1", "angry customer")
    assert store.handoffs()[0][:2] == ("s1", "angry customer")
    assert store.order("A1001", "someone@else.com") is None
    store.record_turn("copilot:x", "hi", "hello", [], [], True)
    store.save_dialogue("s1", "demo", None, '{"turns": 1}')
    assert store.dialogue_before_last_turn("s1") is None  # the first turn had nothing before it
    store.save_dialogue("s1", "demo", None, '{"turns": 2}')
    store.save_dialogue("s1", "demo", None, '{"turns": 2}')  # saved again unchanged: the state before stays
    assert store.dialogue_before_last_turn("s1") == '{"turns": 1}' and store.dialogue("s1")[2] == '{"turns": 2}'
    (last,) = store.conversations(exclude_prefix="copilot:")
    assert (last.session_id, last.turns, last.last_user, last.last_rating) == ("s1", 1, "hi", -1)


def test_cart_quantities_are_changed_clamped_and_removed_per_session(store_url):
    store = Store(store_url)
    store.add_to_cart("s1", "P1", "Thing", 10.0, 1)
    store.add_to_cart("s2", "P1", "Thing", 10.0, 1)
    assert store.set_quantity("s1", "P1", 3)
    assert [(x.quantity, x.subtotal) for x in store.cart("s1")] == [(3, 30.0)]
    assert store.set_quantity("s1", "P1", 500) and store.cart("s1")[0].quantity == 99
    assert not store.set_quantity("s1", "NOPE", 2) and len(store.cart("s1")) == 1
    assert store.set_quantity("s1", "P1", 0) and store.cart("s1") == []
    assert [x.quantity for x in store.cart("s2")] == [1]  # another shopper's line is untouched


def test_profiles_events_orders_and_dialogue_state_round_trip(store_url):
    from assistant.storage import FeedbackEvent

    store = Store(store_url)
    store.save_profile("shopper", '{"brands": {"sony": 1.0}}')
    store.save_profile("shopper", '{"brands": {"jbl": 1.0}}')
    assert store.profile("shopper") == '{"brands": {"jbl": 1.0}}'
    store.record_event("shopper", "s1", FeedbackEvent("thumbs_up", "P1", "speaker", ("P1", "P2"), 1))
    store.record_event("shopper", "s1", FeedbackEvent("thumbs_down", "P2", "speaker", ("P1", "P2"), 2))
    assert [e.kind for e in store.events("shopper")] == ["thumbs_up", "thumbs_down"]
    assert store.events("shopper")[0].shown == ("P1", "P2")
    assert store.forget("shopper") == 2 and store.profile("shopper") is None
    order = store.order(" a1001 ", _demo_email().upper())
    assert order is not None and order.order_id == "A1001"
    store.save_dialogue("s1", "demo", None, '{"turns": 1}')
    store.save_dialogue("s1", "demo", "shopper", '{"turns": 2}')
    assert store.dialogue("s1") == ("demo", "shopper", '{"turns": 2}') and store.dialogue("nope") is None
    store.add_to_cart("s1", "P9", "Nine", 9.0, 98)
    store.add_to_cart("s1", "P9", "Nine", 9.0, 5)
    assert store.cart("s1")[0].quantity == 99  # capped
    assert store.remove_from_cart("s1", "P9") and not store.remove_from_cart("s1", "P9")


def _demo_email() -> str:
    import json
    from importlib import resources

    rows = json.loads((resources.files("assistant") / "data" / "demo_orders.json").read_text())
    return next(r["email"] for r in rows if r["order_id"] == "A1001")


def test_a_database_made_before_migrations_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE cart_items (session_id TEXT NOT NULL, product_id TEXT NOT NULL, title TEXT NOT NULL,
          unit_price REAL, quantity INTEGER NOT NULL CHECK (quantity > 0), added_at REAL NOT NULL,
          PRIMARY KEY (session_id, product_id));
        CREATE TABLE turns (session_id TEXT NOT NULL, turn INTEGER NOT NULL, user_text TEXT NOT NULL,
          reply TEXT NOT NULL, tool_calls TEXT NOT NULL, products TEXT NOT NULL, grounded INTEGER NOT NULL,
          created_at REAL NOT NULL, PRIMARY KEY (session_id, turn));
        INSERT INTO cart_items VALUES ('s', 'P1', 'Kept', 5.0, 2, 1.0);
        INSERT INTO turns VALUES ('s', 1, 'hi', 'hello', '[]', '[]', 1, 1.0);
    """)
    old.commit()
    old.close()
    store = Store(path)
    assert [(x.product_id, x.quantity) for x in store.cart("s")] == [("P1", 2)]
    assert store.record_turn("s", "again", "ok", [], [], True) == 2
    tables = set(inspect(store.engine).get_table_names())
    assert {"dialogue_states", "alembic_version", "orders", "events"} <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0003"


def test_two_workers_on_one_database_continue_one_conversation(store_url):
    """Two processes' stores on the same database (here: two Store objects, as two workers have)."""
    from assistant.dialogue.state import DialogueState, PendingCart
    from assistant.session import ShopSession

    first, second = Store(store_url), Store(store_url)
    mine = ShopSession(first, "conv", "demo", DialogueState(query="speaker", shown=["A", "B"], turns=1,
                                                           pending_cart=PendingCart("B", "Bee", 1, 1)))
    mine.save()
    theirs = ShopSession.resume(second, "conv", "demo")
    assert theirs.state == mine.state
    turns = {first.record_turn("conv", "a", "b", [], [], True), second.record_turn("conv", "c", "d", [], [], True)}
    assert turns == {1, 2}


def test_kill_during_cart_updates_loses_nothing_committed(tmp_path):
    db = tmp_path / "shop.sqlite"
    Store(db)
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from assistant.storage import Store
        store = Store(Path({str(db)!r}))
        i = 0
        while True:
            store.add_to_cart("s", f"P{{i % 50}}", "item", 1.0, 1)
            i += 1
            print(i, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=os.getcwd())
    done = 0
    deadline = time.time() + 60
    while done < 300 and time.time() < deadline:
        line = proc.stdout.readline()
        if line.strip():
            done = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(db)
    total = sum(x.quantity for x in store.cart("s"))
    assert total >= done  # every update reported as done survived the kill
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
