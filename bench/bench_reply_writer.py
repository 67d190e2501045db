"""What the tuned model's reply step writes, against the template replies it was trained on.

    python bench/bench_reply_writer.py [demo=25 chorus_icecat=20 esci_opensearch_subset=20] [--json OUT]

Plays simulated shoppers (seed 11, phrasing disjoint from training) with the model writing the
replies (``AISLE_REPLY_WRITER=model``) and sorts every model-written reply into: the same text as
one of the template's phrasings for that turn's tool results, another grounded text, or a text the
reply check replaced (ungrounded). Prints shares with Wilson 95% intervals, the reply step's time,
and the replies that differ.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from math import sqrt
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED = 11
VARIANTS = 6  # more than any builder has phrasings


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


class RecordingAgent:
    """The agent, keeping every turn's result (the simulator sees the same agent)."""

    def __init__(self, agent) -> None:
        self.agent, self.results = agent, []

    def turn(self, session, text):
        result = self.agent.turn(session, text)
        self.results.append(result)
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plan", nargs="*", default=["demo=25", "chorus_icecat=20", "esci_opensearch_subset=20"])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from app.services import current_services, services_for
    from assistant.answers.replies import template_reply
    from harness.simulator.run import Simulator, demo_orders

    services = current_services()
    services = services_for(services.settings.model_copy(update={"reply_writer": "model"}))
    recorder = RecordingAgent(services.agent())
    for item in args.plan:
        name, _, n = item.partition("=")
        Simulator(recorder, services.indexes.searcher(name), name,
                  orders=demo_orders() if name == "demo" else []).run(int(n), SEED)
    written = [r for r in recorder.results if "reply_step_s" in r.timings]  # a reply step over tool results ran
    same, other, replaced = [], [], []
    for r in written:
        templates = {template_reply(r.artifacts, v) for v in range(VARIANTS)}
        (replaced if r.used_template else same if r.model_reply in templates else other).append(r)
    n = len(written)
    step_s = [r.timings["reply_step_s"] for r in written]
    report = {"turns": len(recorder.results), "model_replies": n,
              "reply_step_s_mean": round(statistics.fmean(step_s), 3) if n else None}
    for label, rows in (("same_as_template", same), ("other_grounded", other), ("replaced_ungrounded", replaced)):
        lo, hi = wilson(len(rows), n)
        report[label] = {"count": len(rows), "share": round(len(rows) / n, 4) if n else None,
                         "ci95": [round(lo, 4), round(hi, 4)]}
    report["differing"] = [{"shopper": r.text, "model": r.model_reply, "template": template_reply(r.artifacts),
                            "replaced": r.used_template, "ungrounded": r.ungrounded} for r in other + replaced]
    print(json.dumps({k: v for k, v in report.items() if k != "differing"}))
    for row in report["differing"]:
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
