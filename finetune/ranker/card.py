"""The ranker's model card and plots: what it was trained on, how, and how well it does out of fold."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

from finetune.paths import portable_command

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _smooth(values: list[float], window: int = 25) -> np.ndarray:
    if len(values) < window:
        return np.asarray(values)
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_learning_curve(report: dict, path: Path) -> None:
    curve = report["learning_curve"]
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(15, 4))
    for i, fold in enumerate(curve["folds"], start=1):
        ax0.plot(fold["feature_epoch_loss"], label=f"fold {i}", alpha=0.8)
        ax1.plot(_smooth(fold["step_loss"], 10), label=f"fold {i}", alpha=0.8)
        ax2.plot(range(1, len(fold["epoch_val_ndcg"]) + 1), fold["epoch_val_ndcg"], marker="o", label=f"fold {i}")
    ax0.plot(curve["final_feature_epoch_loss"], label="final (all data)", color="black")
    if curve["final_step_loss"]:
        ax1.plot(_smooth(curve["final_step_loss"], 10), label="final (all data)", color="black")
    ax0.set(title="stage 1: feature head loss per epoch", xlabel="epoch", ylabel="CE + ListNet per query")
    ax1.set(title="stage 2: cross-encoder loss (10-step mean)", xlabel="step", ylabel="loss per step")
    ax2.set(title="held-out fold: rerank nDCG@10, features + CE", xlabel="epoch", ylabel="nDCG@10 (macro)")
    for ax in (ax0, ax1, ax2):
        ax.legend()
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
        "A 4-class query-product relevance classifier (`retrieval/ranker/model.py`): a linear head over "
        "interaction features (" + ", ".join(report.get("features", [])) + ") plus a cross-encoder term "
        "(LoRA adapter r={r} on the bundled all-MiniLM-L6-v2, mean-pooled over the (query, product) pair, "
        "zero-initialised joint head) scaled by a gate chosen by cross-validation. Class probabilities become "
        "an expected gain in [0, 1].".format(r=report["config"]["lora_r"]), "",
        f"- Command: `{portable_command(command)}`",
        (f"- Chosen gate: {report['gate']} (per fold: {report['fold_gates']}): the best on rerank nDCG, kept only "
         "where it beats the feature head alone with significance (paired, p < 0.05), since the cross-encoder is "
         "most of the ranker's time; at 0 the cross-encoder is not shipped or run"
         if report.get("cross_encoder_trained", True) else
         "- Feature head alone (`--no-cross-encoder`): the cross-encoder term was not trained; gate 0"),
        f"- Seed: {report['config']['seed']}; cross-encoder epochs: {report['config']['epochs']}; "
        f"{report['config']['queries_per_step']} queries x up to {report['config']['pairs_per_query']} pairs per "
        f"step; lr {report['config']['lr']} (joint head {report['config']['head_lr']}); feature head "
        f"{report['config']['feature_epochs']} epochs at lr {report['config']['feature_lr']}",
        f"- Data: {report['examples']:,} pairs (labels {report['label_counts']}), of which "
        f"{report['hard_negatives']:,} are hard negatives: unjudged products at hybrid ranks 10-60, class 0 at "
        "weight 0.3 in the cross-entropy term and left out of the listwise term (an unjudged product is not "
        "known to be irrelevant)",
        *([f"- Weak supervision (`--weak`): {weak['queries']} queries generated from the catalogs "
           f"({weak['per_template']}), {weak['pairs']:,} pairs labelled from the catalog's types, brands, colours, "
           f"title words and model codes (`finetune/ranker/weak.py`), each query at weight {weak['weight']}, in "
           "every fold's training set and never evaluated"] if (weak := report.get("weak_supervision")) else []),
        f"- Folds: {report['folds']} by query; fusion weights chosen by the same folds: {report['fusion']}",
        f"- Hardware: {report['hardware']}; cross-encoder training {report['train_pairs_per_second']} pairs/s; "
        f"final training {report['final_train_seconds']} s; whole run {report['total_seconds']} s",
        f"- Created: {report['created']}", "",
        "## Cross-validated dev nDCG@10 (out-of-fold)", "",
        "| catalog | method | full catalog | rerank judged |", "|---|---|---|---|",
    ]
    for cat, block in report["catalogs"].items():
        for method, values in block["methods"].items():
            full = values.get("ndcg@10_full")
            lines.append(f"| {cat} | {method} | {'' if full is None else f'{full:.4f}'} | "
                         f"{values['ndcg@10_rerank']:.4f} |")
    lines += ["", "## Paired over queries (out of fold; bootstrap 95% interval, sign-flip p)", "",
              "| catalog | comparison | before | after | delta [95% CI] | p | better / worse |",
              "|---|---|---|---|---|---|---|"]
    for cat, block in report["catalogs"].items():
        for name, t in block.get("paired", {}).items():
            lines.append(f"| {cat} | {name} | {t['mean_a']:.4f} | {t['mean_b']:.4f} | {t['delta']:+.4f} "
                         f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}] | {t['p_value']:.3g} | "
                         f"{t['wins']} / {t['losses']} |")
    lines += ["", "![learning curve](learning_curve.png)", "", "![per-query gains](per_query_gains.png)", ""]
    (out_dir / "MODEL_CARD.md").write_text("\n".join(lines))
    (out_dir / "cv_summary.json").write_text(json.dumps(
        {c: b["methods"] for c, b in report["catalogs"].items()} | {"fusion": report["fusion"]}, indent=2) + "\n")
