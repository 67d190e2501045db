"""The tool step with and without call drafts (``assistant.runtime.call_drafts``), paired per prompt.

    python bench/bench_call_drafts.py [--set b] [--limit 0] [--repeat 2] [--base]

Prompts: the hand-written held-out tool steps (set B by default: shopper words and dialogue states nobody
tuned on), rendered as the agent renders them, decoded under the tool grammar on the default runtime
(llama.cpp, the shipped adapter merged Q8_0; ``--base``: the bare base model under its own grammar and
full prompt). Each prompt runs with drafts and without, in alternating order, ``--repeat`` times; the
outputs must be identical. Reported: tool-step time per prompt (median of its repeats) p50 / mean per
arm, the paired mean difference with a bootstrap 95% interval and a sign-flip permutation p, forward
passes per generated token, and the share of drafted tokens the greedy choice confirmed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import pct  # noqa: E402

from retrieval.evaluation.significance import paired_test  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=["a", "b"], default="b")
    parser.add_argument("--limit", type=int, default=0, help="first N prompts only (0: all)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--base", action="store_true", help="the bare base model under its own grammar")
    args = parser.parse_args()

    from aisle.settings import Settings
    from assistant.runtime.call_drafts import CallDrafts
    from assistant.runtime.loader import load_generator
    from assistant.runtime.tool_grammar import BASE_TOOL_STEP_TOKENS, ToolGrammar, schema_specs
    from assistant.tools.schemas import MODEL_TOOL_ARGS
    from finetune.agent.heldout_set import handwritten_examples, load_handwritten

    root = Path(__file__).resolve().parents[1] / "finetune" / "agent" / "heldout"
    items = load_handwritten(root / ("handwritten.yaml" if args.set == "a" else "handwritten_b.yaml"))
    examples = handwritten_examples(items[:args.limit] if args.limit else items)
    settings = Settings().model_copy(update={"llm_workers": 1})
    generator = load_generator(settings, adapter=None if args.base else True)
    specs = schema_specs(MODEL_TOOL_ARGS)
    grammar = ToolGrammar(tuned=not args.base).build(specs)
    drafts = CallDrafts.from_specs(specs)
    budget = BASE_TOOL_STEP_TOKENS if args.base else settings.llm_max_new_tokens
    chats = [e.chat_full if args.base else e.chat for e in examples]
    scheduler = generator.scheduler

    times: dict[bool, list[list[float]]] = {False: [[] for _ in chats], True: [[] for _ in chats]}
    passes = {False: 0, True: 0}
    tokens = {False: 0, True: 0}
    drafted = accepted = 0
    differ = []
    generator.complete(chats[0], 8, 120, grammar)  # warm-up: the system prompt cached
    for r in range(args.repeat):
        for i, chat in enumerate(chats):
            outputs = {}
            for use in ((False, True) if (i + r) % 2 == 0 else (True, False)):
                steps, d0, a0 = scheduler.steps, scheduler.drafted, scheduler.draft_accepted
                t = time.perf_counter()
                text, n = generator.complete(chat, budget, 120, grammar, drafts if use else None)
                times[use][i].append(time.perf_counter() - t)
                passes[use] += scheduler.steps - steps
                tokens[use] += n
                if use:
                    drafted += scheduler.drafted - d0
                    accepted += scheduler.draft_accepted - a0
                outputs[use] = text
            if outputs[False] != outputs[True]:
                differ.append({"prompt": examples[i].shopper, "plain": outputs[False], "drafts": outputs[True]})
    per = {use: np.asarray([float(np.median(v)) for v in times[use]]) for use in (False, True)}
    test = paired_test(per[False], per[True]).to_dict()  # delta: drafts minus plain
    result = {
        "set": args.set, "prompts": len(chats), "repeat": args.repeat,
        "model": "base (no adapter)" if args.base else "shipped adapter",
        "tool_step_s": {("drafts" if use else "plain"): {"p50": round(pct(list(per[use]), 50), 4),
                                                         "mean": round(float(per[use].mean()), 4)}
                        for use in (False, True)},
        "paired_delta_s": test,
        "passes_per_token": {("drafts" if use else "plain"): round(passes[use] / max(1, tokens[use]), 3)
                             for use in (False, True)},
        "drafted": drafted, "draft_confirmed": round(accepted / max(1, drafted), 3),
        "outputs_differ": differ,
    }
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
