"""A langchain chat model over an in-process text generator, with working ``bind_tools``.

``ChatHuggingFace.bind_tools`` never fills ``tool_calls``; this class renders the bound tools into
the prompt, parses the model's JSON into ``AIMessage.tool_calls``, and streams plain replies token
by token, so the agent loop is the same one that runs with ``ChatOpenAI`` against a served model.
The generator is either runtime (``assistant.runtime.generation``); where it supports grammars, the
tool step decodes under a grammar derived from the bound tools' schemas
(``assistant.runtime.tool_grammar``), so a call always names a bound tool with valid arguments.
The reply step (after tool results) is never constrained.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, PrivateAttr

from assistant.runtime.call_drafts import CallDrafts
from assistant.runtime.generation import ModelCallError, TextGenerator
from assistant.runtime.prompts import is_tool_step, to_chat, tool_system_prompt
from assistant.runtime.tool_calls import looks_like_call, parse_tool_call
from assistant.runtime.tool_grammar import tool_grammar, tool_specs, tool_step_tokens

__all__ = ["LocalChatModel", "ModelCallError"]


class LocalChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    max_new_tokens: int = 96
    timeout_s: float = 60.0
    tool_prompt: str | None = None
    tool_grammar: str | None = None  # GBNF of the bound tools (runtimes that support grammars)
    compact_prompt: bool = False  # True with a LoRA adapter trained on the compact tool prompt
    constrain_tools: bool = True
    # A tuned model's grammar admits plain text and any argument order; the prompted base model's admits
    # calls only, in schema order (``assistant.runtime.tool_grammar.ToolGrammar``).
    tuned_grammar: bool = True
    # The tool step checks a call's fixed parts (``assistant.runtime.call_drafts``) several tokens a pass
    # where the runtime supports grammars: the same output in fewer forward passes.
    call_drafts: bool = True
    tool_drafts: CallDrafts | None = None
    _generator: TextGenerator = PrivateAttr()
    # tools -> prompt, grammar, drafts
    _bound_cache: dict[tuple, tuple[str, str | None, CallDrafts | None]] = PrivateAttr(default_factory=dict)

    def __init__(self, generator: TextGenerator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._generator = generator

    @property
    def generator(self) -> TextGenerator:
        return self._generator

    @property
    def _llm_type(self) -> str:
        return f"aisle-local-{self._generator.name}"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable:
        tools = list(tools)
        # the prompt and grammar follow from the tools' names and argument schemas alone; every turn binds the
        # same ones, and building them (langchain's schema conversion) costs ~55 ms of a turn
        key = (self.compact_prompt, self.tuned_grammar,
               *((getattr(t, "name", repr(t)), getattr(t, "args_schema", None)) for t in tools))
        if key not in self._bound_cache:
            prompt = tool_system_prompt(tools, compact=self.compact_prompt)
            grammar = (tool_grammar(tools, tuned=self.tuned_grammar)
                       if self.constrain_tools and self._generator.supports_grammar else None)
            # the drafts are the tuned model's layout; the prompted base model spaces its JSON as it likes
            drafts = (CallDrafts.from_specs(tool_specs(tools))
                      if grammar and self.call_drafts and self.tuned_grammar else None)
            self._bound_cache[key] = (prompt, grammar, drafts)
        prompt, grammar, drafts = self._bound_cache[key]
        return self.model_copy(update={"tool_prompt": prompt, "tool_grammar": grammar, "tool_drafts": drafts},
                               deep=False)

    def model_copy(self, *args: Any, **kwargs: Any) -> LocalChatModel:  # keep the shared generator
        copy = super().model_copy(*args, **kwargs)
        copy._generator = self._generator
        copy._bound_cache = self._bound_cache
        return copy

    def _request(self, messages: list[BaseMessage]
                 ) -> tuple[list[dict[str, str]], str | None, int, CallDrafts | None]:
        """The chat the model reads, the grammar its answer must follow (tool step only), its token budget,
        and the call drafts (tool step under a grammar only)."""
        grammar = self.tool_grammar if self.tool_prompt and is_tool_step(messages) else None
        budget = tool_step_tokens(self.max_new_tokens, grammar is not None, self.tuned_grammar)
        return to_chat(messages, self.tool_prompt), grammar, budget, self.tool_drafts if grammar else None

    def complete(self, messages: list[BaseMessage]) -> tuple[str, int]:
        """Greedy completion text and its token count."""
        chat, grammar, budget, drafts = self._request(messages)
        return self._generator.complete(chat, budget, self.timeout_s, grammar, drafts)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text, n_tokens = self.complete(messages)
        return ChatResult(generations=[ChatGeneration(message=self._message(text, n_tokens))])

    def _message(self, text: str, n_tokens: int) -> AIMessage:
        call = parse_tool_call(text) if self.tool_prompt and looks_like_call(text) else None
        meta = {"raw": text, "output_tokens": n_tokens}
        if call:
            return AIMessage(content="", tool_calls=[call], response_metadata=meta)
        return AIMessage(content=text, response_metadata=meta)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        """Plain replies stream token by token; a tool call is buffered and emitted whole."""
        chat, grammar, budget, drafts = self._request(messages)
        buffered, streaming, pieces = "", None, 0
        for piece in self._generator.stream(chat, budget, self.timeout_s, grammar, drafts):
            pieces += 1
            if streaming is None:
                buffered += piece
                if not buffered.strip():
                    continue
                streaming = not (self.tool_prompt and looks_like_call(buffered))
                if streaming:
                    yield ChatGenerationChunk(message=AIMessageChunk(content=buffered.lstrip()))
                continue
            if streaming:
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
            else:
                buffered += piece
        if not streaming:
            message = self._message(buffered.strip(), pieces)
            yield ChatGenerationChunk(message=AIMessageChunk(
                content=message.content, response_metadata=message.response_metadata,
                tool_call_chunks=[{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"],
                                   "index": 0, "type": "tool_call_chunk"} for c in message.tool_calls]))
