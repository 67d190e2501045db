"""The compiled CPU runtime: llama.cpp (via llama-cpp-python) over the bundled GGUF.

No fp32 copy of the model: by default the agent's LoRA adapter is merged once into a Q8_0 copy of
the shipped Q4_1 GGUF (as fast as the bare model), or applied at run time from its GGUF export on
top of the Q4_1 weights it was trained on (``assistant.runtime.gguf_export``; the loader picks,
``AISLE_LLM_MERGE_ADAPTER``). Prompts are rendered and tokenized by the model's HF tokenizer, so the
token ids are the ones training used. Decoding is greedy; a grammar, when given, is enforced by
``GrammarMatcher``.

Concurrency: continuous batching (``assistant.runtime.continuous_batching``). Every turn in flight
is one sequence of a single llama.cpp context and advances in the same forward pass as the others
(``AISLE_LLM_WORKERS`` sequences at most; more wait for a free one). A new prompt goes to the
sequence that already holds the longest prefix of it, so a shared system prompt is evaluated once.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.runtime.call_drafts import CallDrafts
from assistant.runtime.continuous_batching import BatchConfig, BatchScheduler, Request
from assistant.runtime.generation import Chat, ModelCallError

TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


class GrammarMatcher:
    """llama.cpp's GBNF grammar sampler driven token by token.

    ``allows`` checks one token (cheap); ``mask`` sets every token the grammar forbids to -inf (a pass
    over the whole vocabulary, ~5 ms for 49k tokens). Greedy decoding needs the mask only when the
    model's own best token is not allowed, which for a tuned model is rare.
    """

    def __init__(self, vocab: Any, n_vocab: int, grammar: str) -> None:
        import llama_cpp

        self._lc = llama_cpp
        self._smpl = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode("utf-8"), b"root")
        if not self._smpl:
            raise ValueError("the tool grammar does not parse (llama.cpp printed the reason)")
        self._one = (llama_cpp.llama_token_data * 1)()
        self._one_array = llama_cpp.llama_token_data_array(self._one, 1, -1, False)
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

    def greedy(self, logits: np.ndarray) -> int:
        """The model's best token if the grammar allows it, else the best allowed one."""
        best = int(np.argmax(logits))
        return best if self.allows(best) else int(np.argmax(self.mask(logits)))

    def accept(self, token: int) -> None:
        self._lc.llama_sampler_accept(self._smpl, int(token))

    def close(self) -> None:
        if self._smpl:
            self._lc.llama_sampler_free(self._smpl)
            self._smpl = None




@dataclass(frozen=True)
class LlamaCppConfig:
    model_path: str
    lora_path: str | None = None
    workers: int = 4  # sequences decoded together
    threads: int = 0  # 0: all cores
    n_ctx: int = 4096  # per sequence
    draft_tokens: int = 0  # prompt-lookup drafting (continuous_batching.prompt_lookup); 0: off

    @property
    def total_threads(self) -> int:
        return self.threads or os.cpu_count() or 1


class LlamaCppGenerator:
    """Greedy generation on llama.cpp with continuous batching; GBNF grammars constrain the tool step."""

    name = "llamacpp"
    supports_grammar = True

    def __init__(self, config: LlamaCppConfig, tokenizer: Any, adapter: str | None = None) -> None:
        if not os.path.isfile(config.model_path) or not config.model_path.endswith(".gguf"):
            raise FileNotFoundError(f"the llamacpp runtime needs a .gguf model file, not {config.model_path!r} "
                                    "(set AISLE_LLM_RUNTIME=transformers for a model folder)")
        self.config = config
        self.tokenizer = tokenizer
        self.adapter = adapter
        self.scheduler = BatchScheduler(BatchConfig(config.model_path, config.lora_path, max(1, config.workers),
                                                    config.n_ctx, config.total_threads,
                                                    draft_tokens=config.draft_tokens))
        atexit.register(self.close)  # stop the decoding thread before the interpreter tears down ctypes

    def close(self) -> None:
        self.scheduler.close()

    def prompt_ids(self, chat: Chat) -> list[int]:
        ids = self.tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=True)
        return list(ids["input_ids"])

    def _submit(self, request: Request) -> Request:
        try:
            return self.scheduler.submit(request)
        except (ValueError, RuntimeError) as exc:  # too long for the context; shut down
            raise ModelCallError(str(exc)) from exc

    def _results(self, request: Request, timeout_s: float, started: float) -> Iterator[Any]:
        """The request's output until done; the whole generation, the wait for a free sequence
        included, must end within ``timeout_s``."""
        try:
            yield from request.results(started + timeout_s)
        except TimeoutError as exc:
            raise ModelCallError(f"the language model did not answer within {timeout_s:.0f} s") from exc
        except RuntimeError as exc:  # the scheduler's failures read as sentences already
            raise ModelCallError(str(exc)) from exc
        finally:
            request.cancelled.set()  # a reader that stops early frees its sequence

    def proposer(self, drafts: CallDrafts):
        """Generated token ids -> the tokens of the call's fixed continuation (``CallDrafts``), split as the
        tokenizer splits the whole text where that keeps the tokens already generated."""
        def propose(generated: list[int]) -> list[int]:
            try:
                if not self.tokenizer.decode(generated[:2]).lstrip().startswith("{"):
                    return []  # plain text (a greeting): nothing to draft, and no decoding of it every step
                text = self.tokenizer.decode(generated)
                more = drafts.continuation(text.lstrip())
                if not more:
                    return []
                whole = self.tokenizer.encode(text + more, add_special_tokens=False)
                if whole[:len(generated)] == generated:
                    return whole[len(generated):]
                return self.tokenizer.encode(more, add_special_tokens=False)
            except Exception:  # noqa: BLE001 - a draft is an optimisation: never fail the decoding over it
                return []
        return propose

    def stream(self, chat: Chat, max_new_tokens: int, timeout_s: float,
               grammar: str | None = None, drafts: CallDrafts | None = None) -> Iterator[str]:
        started = time.perf_counter()
        ids = self.prompt_ids(chat)
        matcher = GrammarMatcher(self.scheduler.vocab, self.scheduler.n_vocab, grammar) if grammar else None
        request = Request(ids, max_new_tokens, choose=matcher.greedy if matcher else None,
                          accept=matcher.accept if matcher else None, release=matcher.close if matcher else None,
                          propose=self.proposer(drafts) if drafts is not None else None)
        try:
            submitted = self._submit(request)
        except ModelCallError:
            request.free()
            raise
        yield from self._results(submitted, timeout_s, started)

    def complete(self, chat: Chat, max_new_tokens: int, timeout_s: float,
                 grammar: str | None = None, drafts: CallDrafts | None = None) -> tuple[str, int]:
        pieces = list(self.stream(chat, max_new_tokens, timeout_s, grammar, drafts))
        return "".join(pieces).strip(), len(pieces)

    def next_token_logits(self, chat: Chat) -> np.ndarray:
        """Logits of the first generated token (exported-model checks against the transformers path)."""
        request = self._submit(Request(self.prompt_ids(chat), 1, logits_only=True))
        return next(iter(self._results(request, 60.0, time.perf_counter())))
