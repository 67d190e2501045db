"""The ranker's model card and plots: what it was trained on, how, and how well it does out of fold."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _smooth(values: list[float], window: int = 25) -> np.ndarray:
    if len(values) < window:
        return np.asarray(values)
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_learning_curve(report: dict, path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for i, fold in enumerate(report["learning_curve"]["folds"], start=1):
        ax1.plot(_smooth(fold["step_loss"]), label=f"fold {i}", alpha=0.8)
        ax2.plot(range(1, len(fold["epoch_val_ndcg"]) + 1), fold["epoch_val_ndcg"], marker="o", label=f"fold {i}")
    ax1.plot(_smooth(report["learning_curve"]["final_step_loss"]), label="final (all data)", color="black")
    ax1.set(title="training loss (weighted CE, 25-step mean)", xlabel="step", ylabel="loss")
    ax1.legend()
    ax2.set(title="held-out fold: rerank nDCG@10 (macro over catalogs)", xlabel="epoch", ylabel="nDCG@10")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_per_query_gains(report: dict, path: Path) -> None:
    cats = list(report["catalogs"])
    fig, axes = plt.subplots(1, len(cats), figsize=(5.5 * len(cats), 4), squeeze=False)
    for ax, cat in zip(axes[0], cats, strict=True):
        per_query = report["catalogs"][cat]["per_query"]
        deltas = sorted(v["fused_full"] - v["hybrid_full"] for v in per_query.values())
        colours = ["tab:green" if d > 0 else ("tab:red" if d < 0 else "tab:grey") for d in deltas]
        ax.bar(range(len(deltas)), deltas, color=colours, width=1.0)
        better = sum(d > 0 for d in deltas)
        worse = sum(d < 0 for d in deltas)
        ax.set(title=f"{cat}: fused - hybrid, full nDCG@10\n{better} better, {worse} worse of {len(deltas)}",
               xlabel="query (sorted)", ylabel="Δ nDCG@10 (out of fold)")
        ax.axhline(0, color="black", lw=0.5)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_card(out_dir: Path, report: dict, command: str) -> None:
    plot_learning_curve(report, out_dir / "learning_curve.png")
    plot_per_query_gains(report, out_dir / "per_query_gains.png")
    lines = [
        "# Aisle relevance ranker", "",
        "A 4-class query-product relevance classifier: a cross-encoder (LoRA adapter r={r} on the bundled "
        "all-MiniLM-L6-v2, mean-pooled over the (query, product) pair) whose linear head also reads the dense "
        "retrieval score, initialised to rank by it (`retrieval/ranker_model.py`). Class probabilities become an "
        "expected gain in [0, 1]. Artifact: adapter + head, merged into the base at load.".format(
            r=report["config"]["lora_r"]), "",
        f"- Command: `{command}`",
        f"- Seed: {report['config']['seed']}; epochs: {report['config']['epochs']}; batch: "
        f"{report['config']['batch_size']}; lr {report['config']['lr']} (head {report['config']['head_lr']})",
        f"- Data: {report['examples']:,} pairs (labels {report['label_counts']}; at most "
        f"{report.get('pairs_per_query') or 'all'} judged pairs per query, class-balanced), of which "
        f"{report['hard_negatives']:,} hard negatives from hybrid ranks 10-60 at weight 0.3",
        f"- Folds: {report['folds']} by query; fusion weights chosen by the same folds: {report['fusion']}",
        f"- Hardware: {report['hardware']}; final training {report['final_train_seconds']} s at "
        f"{report['train_pairs_per_second']} pairs/s; whole run {report['total_seconds']} s",
        f"- Created: {report['created']}", "",
        "## Cross-validated dev nDCG@10 (out-of-fold)", "",
        "| catalog | method | full catalog | rerank judged |", "|---|---|---|---|",
    ]
    for cat, block in report["catalogs"].items():
        for method, values in block["methods"].items():
            full = values.get("ndcg@10_full")
            lines.append(f"| {cat} | {method} | {'' if full is None else f'{full:.4f}'} | "
                         f"{values['ndcg@10_rerank']:.4f} |")
    lines += ["", "![learning curve](learning_curve.png)", "", "![per-query gains](per_query_gains.png)", ""]
    (out_dir / "MODEL_CARD.md").write_text("\n".join(lines))
    (out_dir / "cv_summary.json").write_text(json.dumps(
        {c: b["methods"] for c, b in report["catalogs"].items()} | {"fusion": report["fusion"]}, indent=2) + "\n")
