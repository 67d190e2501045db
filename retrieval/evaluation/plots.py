"""Per-query win/loss plot: the shipped search against hybrid, query by query, one panel per catalog."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_wins_losses(report: dict, path: Path, title: str = "default search vs hybrid") -> None:
    """``report`` as ``tune_type.cross_validate`` returns it (per-query out-of-fold nDCG@10)."""
    catalogs = report["catalogs"]
    fig, axes = plt.subplots(len(catalogs), 1, figsize=(9, 3.2 * len(catalogs)), squeeze=False)
    for ax, (name, entry) in zip(axes[:, 0], catalogs.items(), strict=True):
        deltas = sorted(v["shipped"] - v["hybrid"] for v in entry["per_query"].values())
        colours = ["#c0392b" if d < 0 else "#27ae60" if d > 0 else "#95a5a6" for d in deltas]
        ax.bar(range(len(deltas)), deltas, color=colours, width=1.0)
        ax.axhline(0, color="black", linewidth=0.6)
        paired = entry["full"]["paired vs hybrid"]
        ax.set_title(f"{name}: {paired['wins']} better, {paired['losses']} worse, "
                     f"{len(deltas) - paired['wins'] - paired['losses']} equal; mean {paired['delta']:+.4f} "
                     f"[{paired['ci_low']:+.4f}, {paired['ci_high']:+.4f}], p={paired['p_value']:.3f}", fontsize=9)
        ax.set_ylabel("nDCG@10 delta")
        ax.set_xlabel("queries, sorted by delta")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
