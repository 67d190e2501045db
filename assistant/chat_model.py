"""A langchain chat model over an in-process transformers causal LM, with working ``bind_tools``.

``ChatHuggingFace.bind_tools`` never fills ``tool_calls``; this class renders the bound tools into
the prompt, parses the model's JSON into ``AIMessage.tool_calls``, and streams plain replies token
by token, so the agent loop is the same one that runs with ``ChatOpenAI`` against a served model.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, PrivateAttr

from assistant.prompts import to_chat, tool_system_prompt
from assistant.runtime.loader import LoadedModel
from assistant.tool_calls import looks_like_call, parse_tool_call


class ModelCallError(RuntimeError):
    """The model failed or ran past its time limit; the agent shows this as a chat error."""


_generate_lock = threading.Lock()  # one generation at a time: parallel ones only fight over the CPU cores


class LocalChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    max_new_tokens: int = 96
    timeout_s: float = 60.0
    tool_prompt: str | None = None
    compact_prompt: bool = False  # True with a LoRA adapter trained on the compact tool prompt
    _loaded: LoadedModel = PrivateAttr()

    def __init__(self, loaded: LoadedModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loaded = loaded

    @property
    def _llm_type(self) -> str:
        return "aisle-local"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable:
        prompt = tool_system_prompt(list(tools), compact=self.compact_prompt)
        return self.model_copy(update={"tool_prompt": prompt}, deep=False)

    def model_copy(self, *args: Any, **kwargs: Any) -> LocalChatModel:  # keep the shared model handle
        copy = super().model_copy(*args, **kwargs)
        copy._loaded = self._loaded
        return copy

    def _inputs(self, messages: list[BaseMessage]):
        tok = self._loaded.tokenizer
        chat = to_chat(messages, self.tool_prompt)
        ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        return {k: v.to(self._loaded.device) for k, v in ids.items()}

    def _generate_kwargs(self, inputs: dict) -> dict[str, Any]:
        tok = self._loaded.tokenizer
        return dict(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False, max_time=self.timeout_s,
                    pad_token_id=tok.pad_token_id or tok.eos_token_id, eos_token_id=tok.eos_token_id)

    def complete(self, messages: list[BaseMessage]) -> tuple[str, int]:
        """Greedy completion text and its token count."""
        import torch

        inputs = self._inputs(messages)
        try:
            with _generate_lock, torch.inference_mode():
                output = self._loaded.model.generate(**self._generate_kwargs(inputs))
        except Exception as exc:  # noqa: BLE001 - any backend failure becomes one clear error
            raise ModelCallError(f"the language model failed: {exc}") from exc
        new = output[0, inputs["input_ids"].shape[1]:]
        return self._loaded.tokenizer.decode(new, skip_special_tokens=True).strip(), int(new.shape[0])

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
        import torch
        from transformers import TextIteratorStreamer

        inputs = self._inputs(messages)
        streamer = TextIteratorStreamer(self._loaded.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                        timeout=self.timeout_s)
        failure: list[BaseException] = []

        def work() -> None:
            try:
                with _generate_lock, torch.inference_mode():
                    self._loaded.model.generate(**self._generate_kwargs(inputs), streamer=streamer)
            except Exception as exc:  # noqa: BLE001
                failure.append(exc)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        buffered, streaming, pieces = "", None, 0
        try:
            for piece in streamer:
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
        except Exception as exc:  # queue.Empty on timeout
            raise ModelCallError(f"the language model did not answer within {self.timeout_s:.0f} s") from exc
        thread.join()
        if failure:
            raise ModelCallError(f"the language model failed: {failure[0]}") from failure[0]
        if not streaming:
            message = self._message(buffered.strip(), pieces)
            yield ChatGenerationChunk(message=AIMessageChunk(
                content=message.content, response_metadata=message.response_metadata,
                tool_call_chunks=[{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"],
                                   "index": 0, "type": "tool_call_chunk"} for c in message.tool_calls]))
