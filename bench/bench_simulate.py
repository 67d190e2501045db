"""Simulated shoppers over several catalogs, and the paired comparison of two runs.

    python bench/bench_simulate.py run OUT.json demo=200 chorus_icecat=150 esci_opensearch_subset=150
    python bench/bench_simulate.py compare BEFORE.json AFTER.json

``run`` plays the given number of conversations per index (seed 11 unless ``--seed``: the same shoppers every time; the
shared catalogs must be indexed first with ``aisle index --catalog ../shared/data/<name>``) and writes
the report plus one pass/fail row per conversation. ``compare`` pairs two runs conversation by
conversation (same index and seed: the same target product and opening) and reports the difference in
pass rates with a paired bootstrap 95% interval and an exact McNemar test, overall and per invariant.
The conversations diverge after the first turn when the agents answer differently, so this compares
the two agents on the same shoppers, not on identical dialogues.
"""

from __future__ import annotations

import argparse
import json
import sys
from math import comb
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrieval.evaluation.significance import paired_interval  # noqa: E402

SEED = 11


def run(out: Path, plan: list[tuple[str, int]], seed: int = SEED) -> None:
    from app.services import current_services
    from harness.simulator.run import Simulator, demo_orders, markdown, merge

    services = current_services()
    agent = services.agent()
    reports = []
    for name, n in plan:
        simulator = Simulator(agent, services.indexes.searcher(name), name,
                              orders=demo_orders() if name == "demo" else [])
        reports.append(simulator.run(n, seed, lambda c: print(c.index, c.seed, "PASS" if c.passed else "FAIL",
                                                              flush=True)))
    merged = merge(reports)
    rows = [{"index": c.index, "seed": c.seed, "passed": c.passed,
             "broken": sorted({k for t in c.turns for k, held in t.checks.items() if not held})}
            for c in merged.conversations]
    out.write_text(json.dumps({"report": merged.to_dict(), "conversations": rows}, indent=1))
    print(markdown(merged))


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(0, min(b, c) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(before_path: Path, after_path: Path) -> dict:
    before = {(r["index"], r["seed"]): r for r in json.loads(before_path.read_text())["conversations"]}
    after = {(r["index"], r["seed"]): r for r in json.loads(after_path.read_text())["conversations"]}
    keys = sorted(before.keys() & after.keys())
    out: dict = {"pairs": len(keys)}
    names = sorted({k for r in [*before.values(), *after.values()] for k in r["broken"]})
    for label, ok in [("all invariants", lambda r: r["passed"])] + [
            (name, lambda r, name=name: name not in r["broken"]) for name in names]:
        b = np.array([ok(before[k]) for k in keys], dtype=float)
        a = np.array([ok(after[k]) for k in keys], dtype=float)
        diff = a - b
        out[label] = {"before": round(float(b.mean()), 4), "after": round(float(a.mean()), 4),
                      "delta": round(float(diff.mean()), 4), "ci95": [round(x, 4) for x in paired_interval(diff)],
                      "mcnemar_p": mcnemar_exact(int(((b == 1) & (a == 0)).sum()), int(((b == 0) & (a == 1)).sum()))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("plan", nargs="+", help="index=conversations")
    r.add_argument("--seed", type=int, default=SEED, help="other shoppers than the ones rules were written on")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.cmd == "run":
        run(args.out, [(name, int(n)) for name, n in (p.split("=") for p in args.plan)], args.seed)
    else:
        print(json.dumps(compare(args.before, args.after), indent=1))


if __name__ == "__main__":
    main()
