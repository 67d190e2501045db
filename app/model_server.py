"""`aisle serve-model`: Aisle's own model runtime behind an OpenAI-compatible HTTP API.

One process holds the model (llama.cpp, continuous batching, the LoRA adapter, grammar-constrained tool calls);
any number of Aisle web workers (``AISLE_LLM_BACKEND=openai``) or other OpenAI clients share it. Implemented:
``GET /v1/models`` and ``POST /v1/chat/completions`` with ``tools`` (function tools), ``tool_choice`` ("auto",
"none", or a named function: the tools narrowed to that one), tool and assistant messages, ``max_tokens``, and
``stream`` (server-sent events, tool calls as one delta). Decoding is greedy: ``temperature`` and ``top_p`` are
accepted and ignored.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, Field


class FunctionCall(BaseModel):
    name: str
    arguments: str = "{}"


class ToolCallIn(BaseModel):
    id: str = ""
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessageIn(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCallIn] | None = None
    tool_call_id: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: the text ones, in order
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessageIn] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = None
    top_p: float | None = None


def to_langchain(messages: list[ChatMessageIn]) -> list[BaseMessage]:
    """OpenAI chat messages as the langchain messages the local chat model reads."""
    out: list[BaseMessage] = []
    for m in messages:
        if m.role in ("system", "developer"):
            out.append(SystemMessage(m.text()))
        elif m.role == "user":
            out.append(HumanMessage(m.text()))
        elif m.role == "assistant":
            calls = [{"name": c.function.name, "args": _arguments(c.function.arguments), "id": c.id or None}
                     for c in m.tool_calls or []]
            out.append(AIMessage(m.text(), tool_calls=calls))
        else:
            out.append(ToolMessage(m.text(), tool_call_id=m.tool_call_id or "", name=m.name))
    return out


def _arguments(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"tool call arguments are not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("tool call arguments must be a JSON object")
    return value


def _tool_calls_out(message: AIMessage) -> list[dict[str, Any]]:
    return [{"id": c.get("id") or f"call_{uuid.uuid4().hex[:12]}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c["args"])}} for c in message.tool_calls]


class ModelServer:
    """The chat model behind the API; ``model_name`` is what ``/v1/models`` lists and responses carry."""

    def __init__(self, chat_model: BaseChatModel, model_name: str) -> None:
        self.chat_model = chat_model
        self.model_name = model_name

    def _bound(self, request: ChatRequest):
        model = self.chat_model
        limit = request.max_completion_tokens or request.max_tokens
        if limit is not None and hasattr(model, "max_new_tokens"):
            model = model.model_copy(update={"max_new_tokens": min(limit, model.max_new_tokens)})
        tools = [t for t in request.tools or [] if t.get("type", "function") == "function"]
        if request.tool_choice == "none" or not tools:
            return model
        choice = request.tool_choice
        if isinstance(choice, dict):  # {"type": "function", "function": {"name": ...}}: that tool, called
            wanted = (choice.get("function") or {}).get("name")
            tools = [t for t in tools if (t.get("function") or {}).get("name") == wanted]
            if not tools:
                raise ValueError(f"tool_choice names {wanted!r}, which is not among the tools")
        elif choice not in (None, "auto"):
            # the tuned model's grammar admits a reply as well as a call; a call-only grammar it was not tuned
            # on decodes for tens of seconds, so "required" is refused rather than quietly not honoured
            raise ValueError(f"tool_choice {choice!r} is not supported: use 'auto', 'none' or a named function")
        return model.bind_tools(tools)

    def prepare(self, request: ChatRequest) -> tuple[Any, list[BaseMessage]]:
        """The model bound to the request's tools and the messages it reads; ``ValueError`` for a bad request
        (tool-call arguments that are no JSON object, an unknown or unsupported ``tool_choice``)."""
        return self._bound(request), to_langchain(request.messages)

    def complete(self, bound, messages: list[BaseMessage]) -> dict[str, Any]:
        started = int(time.time())
        message = bound.invoke(messages)
        calls = _tool_calls_out(message)
        meta = message.response_metadata or {}
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": started,
            "model": self.model_name,
            "choices": [{"index": 0, "finish_reason": "tool_calls" if calls else "stop",
                         "message": {"role": "assistant", "content": None if calls else str(message.content),
                                     **({"tool_calls": calls} if calls else {})}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": int(meta.get("output_tokens", 0)),
                      "total_tokens": int(meta.get("output_tokens", 0))},
        }

    def stream(self, bound, messages: list[BaseMessage]) -> Iterator[str]:
        """Server-sent events: a role delta, content deltas as decoded (or the tool calls whole), a finish."""
        base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": self.model_name}

        def event(delta: dict[str, Any], finish: str | None = None) -> str:
            return "data: " + json.dumps({**base, "choices": [{"index": 0, "delta": delta,
                                                                "finish_reason": finish}]}) + "\n\n"

        yield event({"role": "assistant", "content": ""})
        calls: list[dict[str, Any]] = []
        for chunk in bound.stream(messages):
            if chunk.content:
                yield event({"content": str(chunk.content)})
            for c in chunk.tool_call_chunks or []:
                calls.append({"index": len(calls), "id": c.get("id") or f"call_{uuid.uuid4().hex[:12]}",
                              "type": "function", "function": {"name": c["name"], "arguments": c["args"]}})
        if calls:
            yield event({"tool_calls": calls})
        yield event({}, "tool_calls" if calls else "stop")
        yield "data: [DONE]\n\n"


def create_model_app(server: ModelServer):
    """The FastAPI app (uvicorn serves it)."""
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import JSONResponse, StreamingResponse

    app = FastAPI(title="Aisle model server")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": server.model_name, "object": "model", "owned_by": "aisle"}]}

    @app.post("/v1/chat/completions")
    def chat_completions(request: ChatRequest):
        try:  # the client's error, found before decoding
            bound, messages = server.prepare(request)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        if request.stream:
            return StreamingResponse(server.stream(bound, messages), media_type="text/event-stream")
        return JSONResponse(server.complete(bound, messages))

    return app
