"""`aisle serve-model` on loopback: the OpenAI API over Aisle's runtime, driven by the `openai` client and by
the agent's `openai` backend (the path a web worker takes when the model runs in its own process)."""

from __future__ import annotations

import json
import sys

import pytest

from assistant.agent import ShoppingAgent, build_chat_model
from assistant.dialogue.state import DialogueState
from assistant.session import ShopSession
from assistant.storage import Store
from bench.serve_process import serving_process
from tests.conftest import announce, free_port

SEARCH_TOOL = {"type": "function", "function": {
    "name": "search_products", "description": "Search the catalog.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}, "max_price": {"type": "number"}},
                   "required": ["query"]}}}


@pytest.fixture(scope="module")
def model_server(data_dir, request):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app", "serve-model", "--port", str(port)]
    with serving_process(command, url + "/healthz", {"AISLE_DATA_DIR": str(data_dir)},
                         data_dir / "serve-model.log") as proc:
        announce(request, f"openai server: `aisle serve-model` listening on {url}/v1 (pid {proc.pid}); "
                          "agent turns use it")
        yield url + "/v1"


@pytest.fixture(scope="module")
def client(model_server):
    from openai import OpenAI

    return OpenAI(base_url=model_server, api_key="unused", max_retries=0, timeout=120)


def test_the_server_lists_its_model_and_answers_with_a_tool_call(client):
    assert [m.id for m in client.models.list().data] == ["aisle-agent"]
    response = client.chat.completions.create(
        model="aisle-agent", tools=[SEARCH_TOOL],
        tool_choice={"type": "function", "function": {"name": "search_products"}},
        messages=[{"role": "user", "content": "I need wireless headphones under $150"}])
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "search_products" and call.id
    assert isinstance(json.loads(call.function.arguments)["query"], str)


def test_a_plain_reply_streams_in_pieces(client):
    stream = client.chat.completions.create(
        model="aisle-agent", stream=True, max_tokens=24,
        messages=[{"role": "user", "content": "Say hello to a shopper in one sentence."}])
    chunks = [c for c in stream]
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 3 and "".join(pieces).strip()
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_bad_requests_are_client_errors(client):
    from openai import BadRequestError, UnprocessableEntityError

    with pytest.raises(BadRequestError):
        client.chat.completions.create(model="aisle-agent", tools=[SEARCH_TOOL],
                                       messages=[{"role": "user", "content": "hi"},
                                                 {"role": "assistant", "content": None, "tool_calls": [
                                                     {"id": "c1", "type": "function",
                                                      "function": {"name": "search_products",
                                                                   "arguments": "{not json"}}]}])
    with pytest.raises(BadRequestError):
        client.chat.completions.create(model="aisle-agent", tools=[SEARCH_TOOL],
                                       tool_choice={"type": "function", "function": {"name": "no_such_tool"}},
                                       messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(BadRequestError):
        client.chat.completions.create(model="aisle-agent", tools=[SEARCH_TOOL], tool_choice="required",
                                       messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(UnprocessableEntityError):
        client.chat.completions.create(model="aisle-agent", messages=[])


def test_agent_turns_through_the_openai_backend_call_tools(model_server, services, demo_index, tmp_path):
    served = services.settings.model_copy(update={"llm_backend": "openai", "llm_model": "aisle-agent",
                                                  "llm_base_url": model_server, "llm_api_key": "unused"})
    model, local = build_chat_model(served)
    assert not local
    agent = ShoppingAgent(model, served, services.indexes, local=local)
    session = ShopSession(Store(tmp_path / "shop.sqlite"), index="demo", state=DialogueState())
    results = [agent.turn(session, text) for text in
               ("wireless headphones under $200", "show me bluetooth speakers", "add the first one to my cart")]
    assert all(r.error is None and r.reply for r in results), [r.error for r in results]
    called = [c["name"] for r in results for c in r.tool_calls]
    assert called and set(called) <= {t.name for t in agent.tools_for(session).as_langchain()}
