"""Every turn leaves one redacted JSON line: through the real agent, its real store and the real log file."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.dialogue.state import DialogueState
from assistant.session import ShopSession
from assistant.storage import Store
from assistant.turn_log import redact
from tests.conftest import free_port


@pytest.mark.parametrize(("text", "kept", "gone"), [
    ("my order A1234, email jo.smith+shop@mail.example.co.uk", "my order", ["A1234", "jo.smith", "example"]),
    ("call me on +44 20 7946 0958 or 555-867-5309", "call me on", ["7946", "867"]),
    ("order a12345 please", "please", ["a12345"]),
])
def test_personal_data_is_replaced(text, kept, gone):
    cleaned = redact(text)
    assert kept in cleaned
    assert not [g for g in gone if g in cleaned], cleaned


@pytest.mark.parametrize("text", [
    "sony WH-1000XM4 under $1,299", "power bank 20000 mAh", "27 inch 144hz monitor", "usb stick 64 gig",
    "compare #1 and #2", "laptop 15.6 inch i7-1165G7 16gb",
])
def test_shopping_words_are_kept(text):
    assert redact(text) == text


@given(user=st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,5})?", fullmatch=True),
       domain=st.from_regex(r"[a-z]{2,8}\.(com|org|de|co\.uk)", fullmatch=True))
def test_any_email_address_is_replaced(user, domain):
    assert redact(f"reach me at {user}@{domain} thanks") == "reach me at [email] thanks"


def records(settings, session_id: str) -> list[dict]:
    lines = settings.turn_log_path.read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["session"] == session_id]


def test_each_turn_is_one_redacted_record_with_tools_and_timings(agent, settings, tmp_path):
    session = ShopSession(Store(tmp_path / "shop.sqlite"), index="demo", state=DialogueState())
    agent.turn(session, "wireless headphones under $200")
    agent.turn(session, "where is my order B7731? my email is pat.lee@example.org")
    logged = records(settings, session.session_id)
    assert [r["turn"] for r in logged] == [1, 2]
    search, order = logged
    assert search["tools"][0]["name"] == "search_products" and search["products_shown"] > 0
    assert search["timings_ms"]["total"] > 0 and search["error"] is None and search["index"] == "demo"
    assert order["tools"][0]["name"] == "order_status"
    raw = json.dumps(order)
    assert "B7731" not in raw and "pat.lee" not in raw and "example.org" not in raw
    assert "[order]" in order["text"] and "[email]" in order["text"]
    assert order["tools"][0]["args"] == {"order_id": "[order]", "email": "[email]"}


def test_a_tool_error_is_in_the_record(agent, settings, tmp_path):
    session = ShopSession(Store(tmp_path / "shop.sqlite"), index="no-such-index", state=DialogueState())
    agent.turn(session, "headphones")
    (entry,) = records(settings, session.session_id)
    assert entry["results"] and entry["results"][0]["error"] == "lookup"


def test_a_failed_turn_is_logged_at_error_with_its_traceback_redacted(services, demo_index, tmp_path):
    """The model server is down (nothing listens on the port): the shopper gets an apology, the log the cause."""
    from assistant.agent import ShoppingAgent, build_chat_model
    from assistant.turn_log import TurnLog

    port = free_port()
    down = services.settings.model_copy(update={"llm_backend": "openai", "llm_model": "served-model",
                                                "llm_base_url": f"http://127.0.0.1:{port}/v1", "llm_timeout_s": 5,
                                                "log_file": tmp_path / "turns.jsonl"})
    model, local = build_chat_model(down)
    from app.logs import turn_logger

    agent = ShoppingAgent(model, down, services.indexes, local=local, turn_log=TurnLog(turn_logger(down.turn_log_path)))
    session = ShopSession(Store(tmp_path / "shop.sqlite"), index="demo", state=DialogueState())
    result = agent.turn(session, "headphones for sam@example.com")
    assert result.error and "sorry" in result.reply.lower()
    (entry,) = records(down, session.session_id)
    assert entry["error"] and "Connection" in entry["traceback"]
    assert "sam@example.com" not in json.dumps(entry) and entry["text"] == "headphones for [email]"
