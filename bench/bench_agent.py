"""Per-turn agent latency (time to first token, total, tool step) on the configured runtime.

    python bench/bench_agent.py [--runtime llamacpp|transformers] [--repeat 2] [--script demo|chorus]

`--script chorus` runs shopper turns over an index of the Chorus catalog (build it first with
`aisle index --catalog ../shared/data/chorus_icecat --name chorus_icecat`). Raw decode speed of the
runtimes side by side is `bench/bench_runtime.py`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _common import pct

SCRIPT = [
    ["bluetooth speaker under $80", "something cheaper", "what's the battery life of the first one?",
     "compare the first two", "add the first one to my cart", "yes"],
    ["wireless headphones", "not Sony", "tell me more about the second one", "view cart"],
    ["hi", "what's your return policy?", "where is my order A1001? my email is maria@example.com"],
]
CHORUS_SCRIPT = [
    ["laptop under $800", "cheaper", "tell me more about the first one", "compare the first two"],
    ["printer toner", "only HP", "does the first one fit a LaserJet?", "add the first one to my cart", "yes"],
    ["usb c cable 2m", "what's the warranty policy?", "view cart"],
]
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", choices=["llamacpp", "transformers"], default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--script", choices=["demo", "chorus"], default="demo")
    args = parser.parse_args()
    from app.services import current_services, services_for
    from assistant.events import Done, Token
    from assistant.session import ShopSession

    services = current_services()
    if args.runtime:
        services = services_for(services.settings.model_copy(update={"llm_runtime": args.runtime}))
    if args.script == "demo":
        services.indexes.ensure("demo", "demo")
    index, script = ("demo", SCRIPT) if args.script == "demo" else ("chorus_icecat", CHORUS_SCRIPT)
    t = time.perf_counter()
    agent = services.agent()
    load_s = time.perf_counter() - t
    first_tokens, totals, tool_steps = [], [], []
    for _ in range(args.repeat):
        for dialogue in script:
            session = ShopSession(services.store, index=index)
            for text in dialogue:
                start = time.perf_counter()
                first = None
                for event in agent.stream_turn(session, text):
                    if isinstance(event, Token | Done) and first is None:
                        first = time.perf_counter() - start
                    if isinstance(event, Done):
                        totals.append(time.perf_counter() - start)
                        tool_steps.append(event.result.timings.get("tool_step_s", 0.0))
                first_tokens.append(first or 0.0)
    result = {
        "runtime": agent.model.generator.name if agent.local else "openai", "script": args.script, "turns": len(totals),
        "model_load_s": round(load_s, 2),
        "first_token_s": {"p50": round(pct(first_tokens, 50), 3), "p95": round(pct(first_tokens, 95), 3)},
        "turn_total_s": {"p50": round(pct(totals, 50), 3), "p95": round(pct(totals, 95), 3)},
        "tool_call_step_s": {"p50": round(pct(tool_steps, 50), 3), "p95": round(pct(tool_steps, 95), 3)},
    }
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
