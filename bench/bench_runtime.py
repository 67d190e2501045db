"""LLM runtimes side by side on the same GGUF, same threads, same run: decode tokens/s, time to
first token, and the tool step with and without the grammar.

    python bench/bench_runtime.py [--repeat 5] [--threads 2]

Rows: transformers (the GGUF de-quantised to fp32, LoRA merged; training's path), llama.cpp itself
on the bare base GGUF through llama-cpp-python (the reference), and Aisle's llamacpp runtime with
the shipped adapter merged into a Q8_0 copy (the default) or applied at run time from its GGUF
export. Runs are interleaved per repeat, so every ratio against llama.cpp is paired; the interval
is a bootstrap over repeats.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from _common import pct

DECODE_PROMPT = [{"role": "system", "content": "You are a helpful shopping assistant."},
                 {"role": "user", "content": "Describe a good bluetooth speaker for a picnic in a few sentences."}]
TOOL_TURNS = ["quiet bluetooth speaker under $50, black", "does the second one have a battery?",
              "compare the first two", "where is my order A1001? my email is maria@example.com",
              "what is your return policy?", "wireless headphones, not Sony"]
N_DECODE = 64


def timed_pieces(pieces) -> tuple[float, float, int]:
    """(time to first piece, decode tokens/s after it, pieces)."""
    start = time.perf_counter()
    first, n = None, 0
    for _ in pieces:
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    return first - start, (n - 1) / max(end - first, 1e-9), n


def llama_reference(llm, ids: list[int]):
    """Plain llama-cpp-python greedy decoding: the speed Aisle's runtime is held to."""
    import llama_cpp

    for n, token in enumerate(llm.generate(ids, reset=True, temp=0.0, top_k=1, repeat_penalty=1.0)):
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token) or n >= N_DECODE:
            return
        yield token


def bootstrap_ratio(ours: list[float], ref: list[float], n: int = 2000, seed: int = 0) -> dict[str, float]:
    ratios = np.asarray(ours) / np.asarray(ref)
    rng = np.random.default_rng(seed)
    means = [rng.choice(ratios, len(ratios)).mean() for _ in range(n)]
    return {"mean": float(ratios.mean()), "ci95": [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="0: all cores")
    args = parser.parse_args()
    import os

    import torch
    from llama_cpp import Llama

    from aisle.settings import Settings
    from assistant.runtime.loader import load_generator
    from assistant.runtime.prompts import COMPACT_SYSTEM
    from assistant.runtime.tool_grammar import ToolGrammar, schema_specs
    from assistant.tools.schemas import TOOL_ARGS

    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    base = Settings().model_copy(update={"llm_threads": threads, "llm_workers": 1})
    runtimes = {
        "transformers fp32 (LoRA merged)": load_generator(base.model_copy(update={"llm_runtime": "transformers"})),
        "aisle llamacpp, merged Q8_0 (default)": load_generator(base.model_copy(update={"llm_runtime": "llamacpp"})),
        "aisle llamacpp, LoRA at run time": load_generator(base.model_copy(update={"llm_runtime": "llamacpp",
                                                                                  "llm_merge_adapter": False})),
    }
    tokenizer = runtimes["aisle llamacpp, merged Q8_0 (default)"].tokenizer
    reference = Llama(model_path=base.llm_path, n_ctx=4096, n_threads=threads, n_threads_batch=threads, verbose=False)
    ref_name = "llama.cpp (llama-cpp-python), bare Q4_1 base"
    decode_ids = tokenizer.apply_chat_template(DECODE_PROMPT, add_generation_prompt=True, tokenize=True,
                                               return_dict=True)["input_ids"]
    grammar = ToolGrammar().build(schema_specs(TOOL_ARGS))
    tool_chats = [[{"role": "system", "content": COMPACT_SYSTEM + ", ".join(TOOL_ARGS) + "."},
                   {"role": "user", "content": f"state: shown: 5\nshopper: {t}"}] for t in TOOL_TURNS]

    decode: dict[str, list[float]] = {name: [] for name in [ref_name, *runtimes]}
    ttft: dict[str, list[float]] = {name: [] for name in [ref_name, *runtimes]}
    tool_step: dict[str, list[float]] = {}
    for gen in runtimes.values():  # warm-up: first loads, caches
        gen.complete(DECODE_PROMPT, 8, 120)
    for _ in range(args.repeat):
        first, rate, _ = timed_pieces(llama_reference(reference, decode_ids))
        decode[ref_name].append(rate)
        ttft[ref_name].append(first)
        for name, gen in runtimes.items():
            first, rate, _ = timed_pieces(gen.stream(DECODE_PROMPT, N_DECODE, 120))
            decode[name].append(rate)
            ttft[name].append(first)
        for name, gen in runtimes.items():
            for use_grammar in ([False, True] if gen.supports_grammar else [False]):
                key = f"{name}{' + grammar' if use_grammar else ''}"
                for chat in tool_chats:
                    t = time.perf_counter()
                    gen.complete(chat, 64, 120, grammar if use_grammar else None)
                    tool_step.setdefault(key, []).append(time.perf_counter() - t)
    result = {
        "threads": threads, "repeat": args.repeat, "decode_tokens": N_DECODE,
        "decode_tokens_per_s": {k: round(pct(v, 50), 1) for k, v in decode.items()},
        "ttft_s_p50": {k: round(pct(v, 50), 4) for k, v in ttft.items()},
        "decode_ratio_vs_llama_cpp": {k: bootstrap_ratio(decode[k], decode[ref_name]) for k in runtimes},
        "tool_step_s": {k: {"p50": round(pct(v, 50), 3), "p95": round(pct(v, 95), 3)} for k, v in tool_step.items()},
    }
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
