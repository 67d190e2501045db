"""The compiled CPU runtime: llama.cpp (via llama-cpp-python) over the bundled GGUF.

No fp32 copy of the model: by default the agent's LoRA adapter is merged once into a Q8_0 copy of
the shipped Q4_1 GGUF (as fast as the bare model), or applied at run time from its GGUF export on
top of the Q4_1 weights it was trained on (``assistant.runtime.gguf_export``; the loader picks,
``AISLE_LLM_MERGE_ADAPTER``). Prompts are rendered and tokenized by the model's HF tokenizer, so the
token ids are the ones training used. Decoding is greedy; a grammar, when given, is enforced by
``GreedyGrammarLogits``.

Concurrency: a small pool of llama.cpp contexts (``AISLE_LLM_WORKERS``), each with its own KV cache
and prompt-prefix cache; the model file is memory-mapped, so the weights are shared. A turn waits
only when every context is busy. The threads a generation uses follow the load, re-checked every
token: alone it gets all of ``AISLE_LLM_THREADS``; side by side the cores are split between the
busy contexts.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.runtime.generation import Chat, ModelCallError, deadline_pieces

GREEDY = dict(temp=0.0, top_k=1, top_p=1.0, min_p=0.0, typical_p=1.0, repeat_penalty=1.0,
              presence_penalty=0.0, frequency_penalty=0.0)
TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


def _complete_utf8(data: bytes) -> tuple[str, bytes]:
    """Decode the longest prefix of whole UTF-8 characters; keep the rest for the next token."""
    for cut in range(len(data), max(len(data) - 4, -1), -1):
        try:
            return data[:cut].decode("utf-8"), data[cut:]
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), b""


class GrammarMatcher:
    """llama.cpp's GBNF grammar sampler driven token by token.

    ``allows`` checks one token (cheap); ``mask`` sets every token the grammar forbids to -inf (a pass
    over the whole vocabulary, ~5 ms for 49k tokens). Greedy decoding needs the mask only when the
    model's own best token is not allowed, which for a tuned model is rare.
    """

    def __init__(self, llm: Any, grammar: str) -> None:
        import llama_cpp

        self._lc = llama_cpp
        self._smpl = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, grammar.encode("utf-8"), b"root")
        if not self._smpl:
            raise ValueError("the tool grammar does not parse (llama.cpp printed the reason)")
        self._one = (llama_cpp.llama_token_data * 1)()
        self._one_array = llama_cpp.llama_token_data_array(self._one, 1, -1, False)
        n_vocab = llm.n_vocab()
        self._all = np.zeros(n_vocab, dtype=TOKEN_DATA)
        self._all["id"] = np.arange(n_vocab, dtype=np.int32)
        self._all_array = llama_cpp.llama_token_data_array(
            self._all.ctypes.data_as(llama_cpp.llama_token_data_p), n_vocab, -1, False)

    def allows(self, token: int) -> bool:
        self._one[0].id, self._one[0].logit = int(token), 0.0
        self._lc.llama_sampler_apply(self._smpl, ctypes.byref(self._one_array))
        return bool(np.isfinite(self._one[0].logit))

    def mask(self, logits: np.ndarray) -> np.ndarray:
        self._all["logit"] = logits
        self._all_array.size, self._all_array.selected, self._all_array.sorted = len(self._all), -1, False
        self._lc.llama_sampler_apply(self._smpl, ctypes.byref(self._all_array))
        return self._all["logit"].copy()

    def accept(self, token: int) -> None:
        self._lc.llama_sampler_accept(self._smpl, int(token))

    def close(self) -> None:
        if self._smpl:
            self._lc.llama_sampler_free(self._smpl)
            self._smpl = None


class GreedyGrammarLogits:
    """A logits processor for greedy decoding under a grammar: the model's best token passes when the
    grammar allows it, else the logits are masked. Tokens the context decoded since the last call are
    fed to the grammar first (llama-cpp-python passes the ids decoded so far)."""

    def __init__(self, matcher: GrammarMatcher) -> None:
        self.matcher = matcher
        self.seen: int | None = None

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self.seen is not None:
            for token in input_ids[self.seen:]:
                self.matcher.accept(int(token))
        self.seen = len(input_ids)
        if self.matcher.allows(int(np.argmax(scores))):
            return scores
        return self.matcher.mask(scores)


@dataclass(frozen=True)
class LlamaCppConfig:
    model_path: str
    lora_path: str | None = None
    workers: int = 2
    threads: int = 0  # 0: all cores
    n_ctx: int = 4096

    @property
    def total_threads(self) -> int:
        return self.threads or os.cpu_count() or 1


class LlamaCppGenerator:
    """Greedy generation on llama.cpp; GBNF grammars constrain the tool step."""

    name = "llamacpp"
    supports_grammar = True

    def __init__(self, config: LlamaCppConfig, tokenizer: Any, adapter: str | None = None) -> None:
        from llama_cpp import Llama

        if not Path(config.model_path).is_file() or not config.model_path.endswith(".gguf"):
            raise FileNotFoundError(f"the llamacpp runtime needs a .gguf model file, not {config.model_path!r} "
                                    "(set AISLE_LLM_RUNTIME=transformers for a model folder)")
        self.config = config
        self.tokenizer = tokenizer
        self.adapter = adapter
        self._pool: queue.Queue[Any] = queue.Queue()
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._contexts = [Llama(model_path=config.model_path, lora_path=config.lora_path, n_ctx=config.n_ctx,
                                n_threads=config.total_threads, n_threads_batch=config.total_threads,
                                n_batch=512, seed=0, verbose=False) for _ in range(max(1, config.workers))]
        for llm in self._contexts:
            self._pool.put(llm)
        self._closed = False
        atexit.register(self.close)  # free the contexts before the interpreter tears down ctypes

    def close(self) -> None:
        """Free the idle contexts; one still decoding (a daemon thread at exit) is left alone, not freed
        under its feet."""
        self._closed = True
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                break
        self._contexts = []

    def prompt_ids(self, chat: Chat) -> list[int]:
        ids = self.tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=True)
        return list(ids["input_ids"])

    def _acquire(self, timeout_s: float):
        if self._closed:
            raise ModelCallError("the language model has been shut down")
        try:
            llm = self._pool.get(timeout=timeout_s)
        except queue.Empty as exc:
            raise ModelCallError(f"the language model was busy for {timeout_s:.0f} s") from exc
        with self._busy_lock:
            self._busy += 1
        self._fit_threads(llm)
        return llm

    def _fit_threads(self, llm) -> None:
        """Give this context its share of the cores for the next decode (re-checked every token)."""
        import llama_cpp

        threads = max(1, self.config.total_threads // max(1, self._busy))
        llama_cpp.llama_set_n_threads(llm.ctx, threads, threads)

    def _release(self, llm) -> None:
        with self._busy_lock:
            self._busy -= 1
        self._pool.put(llm)

    def stream(self, chat: Chat, max_new_tokens: int, timeout_s: float,
               grammar: str | None = None) -> Iterator[str]:
        ids = self.prompt_ids(chat)
        if len(ids) + max_new_tokens > self.config.n_ctx:
            raise ModelCallError(f"the prompt ({len(ids)} tokens) does not fit the model's context "
                                 f"({self.config.n_ctx} tokens)")
        started = time.perf_counter()  # the wait for a free context counts against the deadline too
        llm = self._acquire(timeout_s)
        matcher = None
        try:
            matcher = GrammarMatcher(llm, grammar) if grammar else None
            yield from deadline_pieces(self._decode(llm, ids, max_new_tokens, matcher), timeout_s, started)
        except ModelCallError:
            raise
        except Exception as exc:  # noqa: BLE001 - any backend failure becomes one clear error
            raise ModelCallError(f"the language model failed: {exc}") from exc
        finally:
            if matcher is not None:
                matcher.close()
            self._release(llm)

    def _decode(self, llm, ids: list[int], max_new_tokens: int, matcher: GrammarMatcher | None) -> Iterator[str]:
        """Greedy tokens -> text pieces (whole UTF-8 characters only); llama-cpp-python reuses the KV
        cache of the longest prompt prefix it saw last on this context."""
        import llama_cpp

        processors = llama_cpp.LogitsProcessorList([GreedyGrammarLogits(matcher)]) if matcher else None
        vocab = llm._model.vocab
        pending = b""
        for n, token in enumerate(llm.generate(ids, reset=True, logits_processor=processors, **GREEDY)):
            if llama_cpp.llama_vocab_is_eog(vocab, token) or n >= max_new_tokens:
                break
            self._fit_threads(llm)  # another turn may have started or ended meanwhile
            pending += llm.detokenize([token])
            text, pending = _complete_utf8(pending)
            if text:
                yield text
        if pending:
            yield pending.decode("utf-8", errors="replace")

    def complete(self, chat: Chat, max_new_tokens: int, timeout_s: float,
                 grammar: str | None = None) -> tuple[str, int]:
        pieces = list(self.stream(chat, max_new_tokens, timeout_s, grammar))
        return "".join(pieces).strip(), len(pieces)

    def next_token_logits(self, chat: Chat) -> np.ndarray:
        """Logits of the first generated token (exported-model checks against the transformers path)."""
        ids = self.prompt_ids(chat)
        llm = self._acquire(60.0)
        try:
            llm.reset()
            llm.eval(ids)
            return np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),)).astype(np.float32)
        finally:
            self._release(llm)
