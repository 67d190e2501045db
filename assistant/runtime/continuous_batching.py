"""Continuous batching on one llama.cpp context: every turn in flight advances in the same forward pass.

On a CPU, decoding one token of a small model is bound by reading the weights, not by arithmetic, so
one pass that advances eight sequences by a token costs little more than a pass for one. The
scheduler owns one llama.cpp context with ``sequences`` KV-cache sequences (each with its own
``seq_ctx`` cells) and a thread that loops:

1. admit waiting requests into free sequences, choosing the sequence whose cached tokens share the
   longest prefix with the new prompt (its KV entries are kept; only the rest is evaluated);
2. build one batch: the next token of every decoding sequence, then prompt chunks of the admitted
   ones up to ``n_batch`` tokens;
3. decode it, pick each finished position's greedy token (under its grammar, if any) and hand the
   text to the waiting caller.

Prompt-lookup drafting: a tool call mostly copies words that are already in its prompt (the tool and
argument names from the tool list, the shopper's query). While few sequences decode, each one's next
token goes into the pass together with up to ``draft_tokens`` tokens that followed the latest earlier
occurrence of its last 2-3 tokens (``prompt_lookup``). The drafted tokens are checked in order against
the greedy choice at their position (under the grammar, as always); the first mismatch and everything
after it leave the KV cache, so the output is the one plain greedy decoding gives, and every accepted
draft token is a forward pass saved. It is off by default (``draft_tokens=0``): on the 2-core CPU a pass
over 1 + 4-8 tokens costs more than the ~10-20% of drafted tokens the tuned model confirms saves
(BENCHMARKS.md, "Prompt-lookup drafting").

Callers never touch the context; a request's results come back through its own queue, so
sequences cannot see each other's tokens. A caller that stops reading (time-out, closed stream)
cancels its request and frees the sequence at the next step.
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

_DONE = object()


@dataclass(frozen=True)
class BatchConfig:
    model_path: str
    lora_path: str | None = None
    sequences: int = 8
    seq_ctx: int = 4096
    threads: int = 1
    n_batch: int = 512
    draft_tokens: int = 0  # prompt-lookup draft per decoding step; 0: off (it saved no time on 2 cores)
    draft_max_sequences: int = 2  # draft only while at most this many sequences decode (batch passes are not free)


@dataclass
class Request:
    """One generation: prompt ids in, text pieces (or the first token's logits) out."""

    ids: list[int]
    max_new_tokens: int
    choose: Callable[[np.ndarray], int] | None = None  # greedy under a grammar; None: plain argmax
    accept: Callable[[int], None] | None = None
    release: Callable[[], None] | None = None  # frees what choose/accept use; called once, by the scheduler
    # draft tokens that must follow the tokens generated so far (a tool call's fixed parts,
    # ``assistant.runtime.call_drafts``); checked like prompt-lookup drafts, used whatever the batch size
    propose: Callable[[list[int]], list[int]] | None = None
    logits_only: bool = False
    out: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def free(self) -> None:
        release, self.release = self.release, None
        if release is not None:
            release()

    def results(self, deadline: float) -> Iterator[object]:
        """Pieces (str) or logits (ndarray) as they come; raises what the scheduler raised, or
        ``TimeoutError`` once ``deadline`` (a ``time.perf_counter()`` value) has passed."""
        while True:
            try:
                item = self.out.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty as exc:
                raise TimeoutError from exc
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            if time.perf_counter() > deadline:
                raise TimeoutError


@dataclass
class _Sequence:
    seq_id: int
    cached: list[int] = field(default_factory=list)  # tokens whose KV entries this sequence holds
    request: Request | None = None
    pending: list[int] = field(default_factory=list)  # prompt tokens not yet evaluated
    generated: int = 0
    next_token: int | None = None  # sampled, not yet evaluated
    utf8: bytes = b""
    last_used: int = 0  # admission counter: the least recently used cache is the cheapest to lose


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def prompt_lookup(context: list[int], limit: int, max_ngram: int = 3, min_ngram: int = 2) -> list[int]:
    """Up to ``limit`` tokens that followed the latest earlier occurrence of the last ``n`` tokens of
    ``context`` (the longest ``n`` from ``max_ngram`` down to ``min_ngram`` that occurs); [] if none."""
    if limit <= 0 or len(context) <= min_ngram:
        return []
    arr = np.asarray(context, dtype=np.int64)
    for n in range(min(max_ngram, len(arr) - 1), min_ngram - 1, -1):
        windows = np.lib.stride_tricks.sliding_window_view(arr[:-1], n)  # every n-gram that has a successor
        hits = np.flatnonzero((windows == arr[-n:]).all(axis=1))
        if hits.size:
            start = int(hits[-1]) + n
            return arr[start:start + limit].tolist()
    return []


def _complete_utf8(data: bytes) -> tuple[str, bytes]:
    """Decode the longest prefix of whole UTF-8 characters; keep the rest for the next token."""
    for cut in range(len(data), max(len(data) - 4, -1), -1):
        try:
            return data[:cut].decode("utf-8"), data[cut:]
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), b""


class BatchScheduler:
    """One llama.cpp context, many sequences, one decoding thread (see the module docstring)."""

    def __init__(self, config: BatchConfig) -> None:
        import llama_cpp
        from llama_cpp import _internals, _logger

        _logger.set_verbose(False)  # llama.cpp's load and context reports go to its logger, errors only
        self._lc = llama_cpp
        self.config = config
        model_params = llama_cpp.llama_model_default_params()
        self.model = _internals.LlamaModel(path_model=config.model_path, params=model_params, verbose=False)
        self.vocab = self.model.vocab
        self.n_vocab = self.model.n_vocab()
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = config.seq_ctx * config.sequences
        params.n_batch = params.n_ubatch = config.n_batch
        params.n_seq_max = config.sequences
        params.kv_unified = False  # each sequence its own cells: no attention over other sequences' tokens
        params.n_threads = params.n_threads_batch = config.threads
        self.context = _internals.LlamaContext(model=self.model, params=params, verbose=False)
        self._lora = None
        if config.lora_path:
            self._lora = llama_cpp.llama_adapter_lora_init(self.model.model, config.lora_path.encode("utf-8"))
            if not self._lora:
                raise ValueError(f"llama.cpp could not load the LoRA adapter {config.lora_path}")
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(self._lora)
            if llama_cpp.llama_set_adapters_lora(self.context.ctx, adapters, 1, (ctypes.c_float * 1)(1.0)):
                raise ValueError(f"llama.cpp could not apply the LoRA adapter {config.lora_path}")
        self.seq_ctx = llama_cpp.llama_n_ctx_seq(self.context.ctx)
        self._batch = llama_cpp.llama_batch_init(config.n_batch, 0, 1)
        self._sequences = [_Sequence(i) for i in range(config.sequences)]
        self._waiting: list[Request] = []
        self._wake = threading.Condition()
        self._closed = False
        self._admitted = 0
        self.steps = 0  # forward passes run (for benchmarks and tests)
        self.prompt_tokens = 0  # prompt tokens admitted
        self.reused_tokens = 0  # of which their sequence's KV cache already held
        self.max_batch_sequences = 0  # most sequences advanced in one pass
        self.drafted = 0  # drafted tokens (call drafts and prompt lookup) put into passes
        self.draft_accepted = 0  # of which the greedy choice confirmed
        self._thread = threading.Thread(target=self._loop, name="llamacpp-batch", daemon=True)
        self._thread.start()

    # -- callers -------------------------------------------------------------------------------------

    def submit(self, request: Request) -> Request:
        if len(request.ids) + request.max_new_tokens > self.seq_ctx:
            raise ValueError(f"the prompt ({len(request.ids)} tokens) does not fit the model's context "
                             f"({self.seq_ctx} tokens)")
        with self._wake:
            if self._closed:
                raise RuntimeError("the language model has been shut down")
            self._waiting.append(request)
            self._wake.notify()
        return request

    def close(self) -> None:
        """Stop the thread, fail what is still waiting or running, free the context."""
        with self._wake:
            if self._closed:
                return
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=30)
        if self._thread.is_alive():  # a pass that never returns: leave the memory to the process exit
            return
        self._lc.llama_batch_free(self._batch)
        if self._lora:
            self._lc.llama_adapter_lora_free(self._lora)
            self._lora = None
        self.context.close()
        self.model.close()

    # -- the decoding thread --------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._closed and not self._waiting and not self._active():
                    self._wake.wait()
                if self._closed:
                    break
                self._admit()
            try:
                self._step()
            except Exception as exc:  # noqa: BLE001 - fail the requests in flight, keep serving new ones
                for seq in self._active():
                    self._finish(seq, RuntimeError(f"llama.cpp failed: {exc}"))
                    seq.cached = []
                    self._lc.llama_memory_seq_rm(self.context.memory, seq.seq_id, -1, -1)
        shut = RuntimeError("the language model has been shut down")
        for seq in self._active():
            self._finish(seq, shut)
        for request in self._waiting:
            request.free()
            request.out.put(shut)
        self._waiting.clear()

    def _active(self) -> list[_Sequence]:
        return [s for s in self._sequences if s.request is not None]

    def _admit(self) -> None:
        """Waiting requests into free sequences, each where the longest prefix of its prompt is cached."""
        for request in [r for r in self._waiting if r.cancelled.is_set()]:
            request.free()
        self._waiting = [r for r in self._waiting if not r.cancelled.is_set()]
        while self._waiting:
            free = [s for s in self._sequences if s.request is None]
            if not free:
                return
            request = self._waiting.pop(0)
            seq = self._place_for(request.ids, free)
            keep = min(common_prefix(seq.cached, request.ids), len(request.ids) - 1)  # evaluate >= 1 token
            if not self._lc.llama_memory_seq_rm(self.context.memory, seq.seq_id, keep, -1):
                keep = 0
                self._lc.llama_memory_seq_rm(self.context.memory, seq.seq_id, -1, -1)
            seq.cached = request.ids[:keep]
            self.prompt_tokens += len(request.ids)
            self.reused_tokens += keep
            seq.pending = request.ids[keep:]
            seq.request, seq.generated, seq.next_token, seq.utf8 = request, 0, None, b""
            self._admitted += 1
            seq.last_used = self._admitted

    @staticmethod
    def _place_for(ids: list[int], free: list[_Sequence]) -> _Sequence:
        """The free sequence holding the longest prefix of ``ids``; but when using it would throw away
        most of a cached prompt (a different prompt that merely starts alike), the least recently
        used free sequence instead, so the cache of each kind of prompt survives the others."""
        shared, _, best = max(((common_prefix(s.cached, ids), s.last_used, s) for s in free),
                              key=lambda row: row[:2])
        if shared * 2 < len(best.cached):
            return min(free, key=lambda s: s.last_used)
        return best

    def _step(self) -> None:
        batch, budget = self._batch, self.config.n_batch
        # sequences whose logits this pass produces: (sequence, first row, drafted tokens after that row)
        rows: list[tuple[_Sequence, int, list[int]]] = []
        n = 0

        def add(seq: _Sequence, token: int, logits: bool) -> None:
            nonlocal n
            batch.token[n], batch.pos[n], batch.n_seq_id[n] = token, len(seq.cached), 1
            batch.seq_id[n][0], batch.logits[n] = seq.seq_id, logits
            seq.cached.append(token)
            n += 1

        for seq in self._active():
            if seq.request.cancelled.is_set():
                self._finish(seq, None)
        decoding = [s for s in self._active() if s.next_token is not None]
        lookup = len(decoding) <= self.config.draft_max_sequences
        for seq in decoding:  # decoding: one token each (and its draft), first
            token, seq.next_token = seq.next_token, None
            draft = self._draft(seq, token, budget - n - len(decoding), lookup)
            rows.append((seq, n, draft))
            add(seq, token, True)
            for drafted in draft:
                add(seq, drafted, True)
            self.drafted += len(draft)
        for seq in self._active():
            if seq.pending and n < budget:  # prompt chunks fill the rest of the pass
                chunk, seq.pending = seq.pending[:budget - n], seq.pending[budget - n:]
                for i, token in enumerate(chunk):
                    last = not seq.pending and i == len(chunk) - 1
                    if last:
                        rows.append((seq, n, []))
                    add(seq, token, last)
        if n == 0:
            return
        batch.n_tokens = n
        code = self._lc.llama_decode(self.context.ctx, batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")
        self.steps += 1
        self.max_batch_sequences = max(self.max_batch_sequences, len({id(s) for s, _, _ in rows}))
        for seq, row, draft in rows:
            self._advance(seq, row, draft)

    def _draft(self, seq: _Sequence, token: int, room: int, lookup: bool) -> list[int]:
        """The draft after ``token`` (the request's own proposal first, then prompt lookup when ``lookup``),
        within the request's token limit, the sequence's context and ``room`` batch slots."""
        limit = min(room, seq.request.max_new_tokens - seq.generated - 1, self.seq_ctx - len(seq.cached) - 2)
        if limit <= 0 or seq.request.logits_only:
            return []
        if seq.request.propose is not None:
            generated = [*seq.cached, token][len(seq.cached) + 1 - seq.generated:]
            draft = seq.request.propose(generated)[:limit]
            if draft:
                return draft
        if not lookup or self.config.draft_tokens <= 0:
            return []
        return prompt_lookup([*seq.cached, token], min(limit, self.config.draft_tokens))

    def _logits(self, row: int) -> np.ndarray:
        return np.ctypeslib.as_array(self._lc.llama_get_logits_ith(self.context.ctx, row), shape=(self.n_vocab,))

    def _keep(self, seq: _Sequence, length: int) -> None:
        """Drop the cached tokens after ``length`` (drafted tokens the greedy choice did not confirm)."""
        if len(seq.cached) > length:
            if not self._lc.llama_memory_seq_rm(self.context.memory, seq.seq_id, length, -1):
                raise RuntimeError("llama.cpp could not drop unconfirmed draft tokens")
            del seq.cached[length:]

    def _advance(self, seq: _Sequence, row: int, draft: list[int]) -> None:
        """Greedy tokens from the rows of this pass: the first, then one more per confirmed draft token."""
        request = seq.request
        if request.logits_only:
            request.out.put(self._logits(row).astype(np.float32, copy=True))
            self._finish(seq, None)
            return
        base = len(seq.cached) - len(draft)  # the cache length with the evaluated token and no draft
        for i in range(len(draft) + 1):
            token = request.choose(self._logits(row + i)) if request.choose else int(np.argmax(self._logits(row + i)))
            if self._lc.llama_vocab_is_eog(self.vocab, token) or seq.generated >= request.max_new_tokens:
                self._keep(seq, base + i)
                self._finish(seq, None)
                return
            if request.accept:
                request.accept(token)
            seq.generated += 1
            seq.utf8 += self.model.detokenize([token])
            text, seq.utf8 = _complete_utf8(seq.utf8)
            if text:
                request.out.put(text)
            if seq.generated >= request.max_new_tokens or base + i + 1 >= self.seq_ctx:
                self._keep(seq, base + i)
                self._finish(seq, None)
                return
            if i < len(draft) and token == draft[i]:  # the draft token's KV entry is the right one: go on
                self.draft_accepted += 1
                continue
            self._keep(seq, base + i)
            seq.next_token = token
            return

    def _finish(self, seq: _Sequence, error: BaseException | None) -> None:
        """Hand back the result; the sequence keeps its evaluated tokens for the next prompt's prefix."""
        request, seq.request = seq.request, None
        request.free()
        seq.pending, seq.next_token = [], None  # a half-evaluated prompt: what is cached is still exact
        if error is not None:
            request.out.put(error)
            return
        if seq.utf8:
            request.out.put(seq.utf8.decode("utf-8", errors="replace"))
            seq.utf8 = b""
        request.out.put(_DONE)
