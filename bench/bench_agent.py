"""Per-turn agent latency on the demo catalog (time to first token, total), raw tokens/s of the
transformers runtime, and the same GGUF under llama.cpp as the speed reference.

    python bench/bench_agent.py [--llama-python /path/to/venv/bin/python]

llama-cpp-python is not a project dependency (a ~6 min C++ build): give the interpreter of a
separate environment where it is installed, or leave the option out to skip the reference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import pct

SCRIPT = [
    ["bluetooth speaker under $80", "something cheaper", "what's the battery life of the first one?",
     "compare the first two", "add the first one to my cart", "yes"],
    ["wireless headphones", "not Sony", "tell me more about the second one", "view cart"],
    ["hi", "what's your return policy?", "where is my order A1001? my email is maria@example.com"],
]
PROMPT = [{"role": "system", "content": "You are a helpful shopping assistant."},
          {"role": "user", "content": "Describe a good bluetooth speaker for a picnic in a few sentences."}]
LLAMA_CODE = r"""
import json, sys, time
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=1024, n_threads=int(sys.argv[3]), verbose=False)
msgs = json.loads(sys.argv[2])
llm.create_chat_completion(messages=msgs, max_tokens=8, temperature=0)
t = time.perf_counter(); out = llm.create_chat_completion(messages=msgs, max_tokens=64, temperature=0)
dt = time.perf_counter() - t
print(json.dumps({"tokens": out["usage"]["completion_tokens"], "seconds": dt}))
"""


def transformers_tokens_per_s(loaded, n: int = 64) -> dict:
    import torch

    tok = loaded.tokenizer
    ids = tok.apply_chat_template(PROMPT, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.inference_mode():
        loaded.model.generate(**ids, max_new_tokens=4, do_sample=False)
        t = time.perf_counter()
        out = loaded.model.generate(**ids, max_new_tokens=n, min_new_tokens=n, do_sample=False)
        dt = time.perf_counter() - t
    new = out.shape[1] - ids["input_ids"].shape[1]
    return {"tokens": int(new), "seconds": dt, "tokens_per_s": new / dt}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-python", help="python of an environment with llama-cpp-python")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import torch

    from aisle.settings import get_settings
    from assistant.agent import get_agent
    from assistant.runtime.loader import load_model
    from assistant.session import ShopSession
    from retrieval.indexing import ensure_index

    ensure_index("demo", "demo", None, False)
    t = time.perf_counter()
    agent = get_agent()
    load_s = time.perf_counter() - t
    first_tokens, totals, tool_steps = [], [], []
    for _ in range(args.repeat):
        for dialogue in SCRIPT:
            session = ShopSession(index="demo")
            for text in dialogue:
                start = time.perf_counter()
                first = None
                for event in agent.stream_turn(session, text):
                    if event.kind in ("token", "done") and first is None:
                        first = time.perf_counter() - start
                    if event.kind == "done":
                        totals.append(time.perf_counter() - start)
                        tool_steps.append(event.data.timings.get("tool_step_s", 0.0))
                first_tokens.append(first or 0.0)
    loaded = load_model(adapter=True)
    result = {
        "device": get_settings().resolved_device(), "threads": torch.get_num_threads(), "turns": len(totals),
        "model_load_s": round(load_s, 2),
        "first_token_s": {"p50": round(pct(first_tokens, 50), 3), "p95": round(pct(first_tokens, 95), 3)},
        "turn_total_s": {"p50": round(pct(totals, 50), 3), "p95": round(pct(totals, 95), 3)},
        "tool_call_step_s": {"p50": round(pct(tool_steps, 50), 3), "p95": round(pct(tool_steps, 95), 3)},
        "transformers_fp32": transformers_tokens_per_s(loaded),
    }
    if args.llama_python:
        from aisle.settings import default_llm_gguf

        out = subprocess.run([args.llama_python, "-c", LLAMA_CODE, default_llm_gguf(), json.dumps(PROMPT),
                              str(torch.get_num_threads())], capture_output=True, text=True, check=True)
        ref = json.loads(out.stdout.strip().splitlines()[-1])
        ref["tokens_per_s"] = ref["tokens"] / ref["seconds"]
        result["llama_cpp"] = ref
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
