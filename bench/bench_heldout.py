"""Two adapters on the same held-out turns, compared item by item.

    python bench/bench_heldout.py BEFORE_ADAPTER AFTER_ADAPTER [--set handwritten|generated|both] [--json OUT]

Each adapter is evaluated as served (the configured runtime, under the tool grammar, with the agent's argument
guard for the "+ guard" rows), on the hand-written held-out turns and/or the generated held-out dialogues. Every
delta carries a paired bootstrap 95% interval and a sign-flip p-value over the items (tool accuracy per turn,
argument F1 per expected call).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from retrieval.evaluation.significance import paired_test  # noqa: E402


def scores(metrics: dict, metric: str) -> list[float]:
    return [item[metric] for item in metrics["per_item"] if item[metric] is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--set", dest="eval_set", choices=["handwritten", "generated", "both"], default="both")
    parser.add_argument("--dialogues", type=int, default=80, help="generated held-out dialogues")
    parser.add_argument("--json", type=Path, help="write the comparison (and both runs' metrics) here")
    args = parser.parse_args()

    from aisle.settings import Settings
    from app.cli.common import ensure_default_index
    from app.services import services_for
    from finetune.agent.heldout_set import handwritten_examples
    from finetune.agent.pipeline import eval_model_sets, held_out_examples

    settings = Settings()
    svc = services_for(settings)
    ensure_default_index(svc, "demo")
    sets = {}
    if args.eval_set in ("handwritten", "both"):
        sets["handwritten"] = handwritten_examples()
    if args.eval_set in ("generated", "both"):
        sets["generated"] = held_out_examples(svc.indexes, args.dialogues, progress=False)
    console = Console(stderr=True)
    runs = {name: eval_model_sets(settings, svc.indexes, sets, adapter, False, console)
            for name, adapter in (("before", args.before), ("after", args.after))}
    table = Table(title=f"{args.before} -> {args.after}")
    for column in ("set", "metric", "before", "after", "delta [95% CI]", "p", "wins/losses"):
        table.add_column(column)
    report: dict = {"before": args.before, "after": args.after, "deltas": {}}
    for set_name in sets:
        a, b = runs["before"][set_name]["lora"], runs["after"][set_name]["lora"]
        for view, ma, mb in (("raw", a, b), ("+ guard", a["guarded"], b["guarded"])):
            for metric in ("tool", "arg_f1"):
                d = paired_test(scores(ma, metric), scores(mb, metric))
                report["deltas"][f"{set_name}/{view}/{metric}"] = d.to_dict()
                table.add_row(set_name, f"{view} {metric}", f"{d.mean_a:.3f}", f"{d.mean_b:.3f}",
                              f"{d.delta:+.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]", f"{d.p_value:.3g}",
                              f"{d.wins}/{d.losses}")
        for name in ("before", "after"):
            m = runs[name][set_name]["lora"]
            report[f"{set_name}/{name}"] = {k: m[k] for k in ("tool_accuracy", "arg_f1", "arg_exact_match",
                                                               "json_valid", "unknown_tool_calls")}
            report[f"{set_name}/{name}"]["guarded"] = {k: m["guarded"][k] for k in ("tool_accuracy", "arg_f1",
                                                                                    "arg_exact_match")}
    Console().print(table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
