"""Text generation behind the agent's chat model: one protocol, one implementation per runtime.

``LocalChatModel`` formats messages and parses tool calls; a ``TextGenerator`` only turns a chat
(role/content dicts, rendered with the model's own chat template) into greedy text. The compiled
llama.cpp runtime (``assistant.runtime.llamacpp``) serves by default; ``TransformersGenerator``
is the fallback and the path training and evaluation share with serving.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from assistant.runtime.call_drafts import CallDrafts
from assistant.runtime.loader import LoadedModel

Chat = list[dict[str, str]]


class ModelCallError(RuntimeError):
    """The model failed or ran past its time limit; the agent shows this as a chat error."""


@runtime_checkable
class TextGenerator(Protocol):
    """Greedy generation for one chat; ``grammar`` (GBNF) constrains it where ``supports_grammar``, and
    ``drafts`` (a tool call's fixed parts) may be checked several tokens a pass there (same output)."""

    name: str
    supports_grammar: bool
    adapter: str | None

    def complete(self, chat: Chat, max_new_tokens: int, timeout_s: float,
                 grammar: str | None = None, drafts: CallDrafts | None = None) -> tuple[str, int]:
        """The whole completion text and its length in tokens (llama.cpp: decoded text pieces, one per
        token except where a character spans tokens)."""
        ...

    def stream(self, chat: Chat, max_new_tokens: int, timeout_s: float,
               grammar: str | None = None, drafts: CallDrafts | None = None) -> Iterator[str]:
        """Completion text pieces as they are decoded."""
        ...


_generate_lock = threading.Lock()  # one transformers generation at a time: parallel ones only fight over the cores


class TransformersGenerator:
    """The in-process transformers model (LoRA merged); no grammar support."""

    name = "transformers"
    supports_grammar = False

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.adapter = loaded.adapter

    def _kwargs(self, chat: Chat, max_new_tokens: int, timeout_s: float) -> dict:
        tok = self.loaded.tokenizer
        ids = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        inputs = {k: v.to(self.loaded.device) for k, v in ids.items()}
        return dict(**inputs, max_new_tokens=max_new_tokens, do_sample=False, max_time=timeout_s,
                    pad_token_id=tok.pad_token_id or tok.eos_token_id, eos_token_id=tok.eos_token_id)

    def complete(self, chat: Chat, max_new_tokens: int, timeout_s: float,
                 grammar: str | None = None, drafts: CallDrafts | None = None) -> tuple[str, int]:
        import torch

        kwargs = self._kwargs(chat, max_new_tokens, timeout_s)
        try:
            with _generate_lock, torch.inference_mode():
                output = self.loaded.model.generate(**kwargs)
        except Exception as exc:  # noqa: BLE001 - any backend failure becomes one clear error
            raise ModelCallError(f"the language model failed: {exc}") from exc
        new = output[0, kwargs["input_ids"].shape[1]:]
        return self.loaded.tokenizer.decode(new, skip_special_tokens=True).strip(), int(new.shape[0])

    def stream(self, chat: Chat, max_new_tokens: int, timeout_s: float,
               grammar: str | None = None, drafts: CallDrafts | None = None) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        kwargs = self._kwargs(chat, max_new_tokens, timeout_s)
        streamer = TextIteratorStreamer(self.loaded.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                        timeout=timeout_s)
        failure: list[BaseException] = []

        def work() -> None:
            try:
                with _generate_lock, torch.inference_mode():
                    self.loaded.model.generate(**kwargs, streamer=streamer)
            except Exception as exc:  # noqa: BLE001
                failure.append(exc)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            yield from streamer
        except Exception as exc:  # queue.Empty on timeout
            raise ModelCallError(f"the language model did not answer within {timeout_s:.0f} s") from exc
        thread.join()
        if failure:
            raise ModelCallError(f"the language model failed: {failure[0]}") from failure[0]


