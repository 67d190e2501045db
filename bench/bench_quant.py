"""The merged model's weight type: accuracy on the held-out tool calls (paired) and speed.

    python bench/bench_quant.py [--dialogues 80] [--qtype Q8_0 --qtype Q4_0]

For each ``AISLE_LLM_MERGED_QTYPE`` the shipped adapter is merged (cached), the held-out tool steps of
``aisle eval agent`` are decoded under the tool grammar, and each call is scored (tool hit, argument
F1). Deltas against the first type carry a paired bootstrap 95% interval over the examples. Speed:
prompt evaluation and decoding of eight sequences in one batch, and of one alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrieval.evaluation.significance import paired_interval  # noqa: E402


def per_call_scores(generator, examples, grammar: str) -> tuple[np.ndarray, np.ndarray]:
    from assistant.runtime.tool_grammar import tool_step_tokens
    from finetune.agent.evaluate import generate, score_calls

    calls = [e for e in examples if e.kind == "call"]
    outputs, _ = generate(generator, [e.chat for e in calls], tool_step_tokens(64, True, tuned=True), grammar=grammar)
    hits, f1s = [], []
    for e, out in zip(calls, outputs, strict=True):
        s = score_calls([(e, out)])
        hits.append(s["tool_accuracy"])
        if e.gold.kind == "call":
            f1s.append(s["arg_f1"])
    return np.asarray(hits, dtype=float), np.asarray(f1s, dtype=float)


def speed(model_path: str, threads: int) -> dict[str, float]:
    from assistant.runtime.continuous_batching import BatchConfig, BatchScheduler, Request

    scheduler = BatchScheduler(BatchConfig(model_path, None, 8, 4096, threads))
    never_stop = lambda logits: int(logits[3:].argmax()) + 3  # noqa: E731 - no end-of-text: fixed lengths
    prompt = list(range(1000, 1400))
    try:
        list(scheduler.submit(Request([1, *prompt], 1)).results(time.perf_counter() + 60))  # warm-up
        t = time.perf_counter()
        for k in range(3):
            list(scheduler.submit(Request([2 + k, *prompt], 1)).results(time.perf_counter() + 60))
        prefill = 3 * (len(prompt) + 1) / (time.perf_counter() - t)
        t = time.perf_counter()
        requests = [scheduler.submit(Request([10 + i, *prompt[:50]], 48, choose=never_stop)) for i in range(8)]
        for r in requests:
            list(r.results(time.perf_counter() + 60))
        batch8 = 8 * 48 / (time.perf_counter() - t)
        t = time.perf_counter()
        list(scheduler.submit(Request([99, *prompt[:50]], 48, choose=never_stop)).results(time.perf_counter() + 60))
        single = 48 / (time.perf_counter() - t)
    finally:
        scheduler.close()
    return {"prompt_tok_s": round(prefill), "decode_8_seq_tok_s": round(batch8), "decode_1_seq_tok_s": round(single)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialogues", type=int, default=80)
    parser.add_argument("--qtype", action="append", default=None)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    import os

    from app.services import current_services
    from assistant.runtime.loader import load_generator, resolve_adapter, runtime_merged_gguf
    from assistant.runtime.tool_grammar import ToolGrammar, schema_specs
    from assistant.tools.schemas import TOOL_ARGS
    from finetune.agent.pipeline import held_out_examples

    qtypes = args.qtype or ["Q8_0", "Q4_0"]
    threads = args.threads or os.cpu_count() or 1
    services = current_services()
    examples = held_out_examples(services.indexes, args.dialogues, progress=False)
    grammar = ToolGrammar(tuned=True).build(schema_specs(TOOL_ARGS))
    adapter = resolve_adapter(services.settings)
    rows, first = {}, None
    for qtype in qtypes:
        settings = services.settings.model_copy(update={"llm_merged_qtype": qtype, "llm_runtime": "llamacpp",
                                                     "llm_threads": threads})
        generator = load_generator(settings)
        hits, f1s = per_call_scores(generator, examples, grammar)
        generator.close()
        row = {"tool_accuracy": round(float(hits.mean()), 4), "arg_f1": round(float(f1s.mean()), 4),
               **speed(runtime_merged_gguf(adapter, settings.llm_path, settings), threads)}
        if first is None:
            first = (qtype, hits, f1s)
        else:
            row[f"tool_accuracy_delta_vs_{first[0]}"] = round(float((hits - first[1]).mean()), 4)
            row["tool_accuracy_delta_ci95"] = [round(x, 4) for x in paired_interval(hits - first[1])]
            row[f"arg_f1_delta_vs_{first[0]}"] = round(float((f1s - first[2]).mean()), 4)
            row["arg_f1_delta_ci95"] = [round(x, 4) for x in paired_interval(f1s - first[2])]
        rows[qtype] = row
        print(qtype, json.dumps(row), file=sys.stderr)
    print(json.dumps({"threads": threads, "calls": int(len(hits)), "qtypes": rows}))


if __name__ == "__main__":
    main()
