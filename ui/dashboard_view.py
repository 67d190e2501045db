"""The copilot's dashboard: the figures of ``assistant.dashboard`` as plots over time and two query tables."""

from __future__ import annotations

import html

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from assistant.dashboard import Dashboard  # noqa: E402


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def dashboard_plot(board: Dashboard):
    """Turns per hour; latency p50/p95; tool errors, zero results and thumbs-down per hour (shares)."""
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True)
    hours = [h.hour for h in board.hours]
    axes[0].bar(hours, [h.turns for h in board.hours], width=0.03, color="#3465a4")
    axes[0].set_ylabel("turns / hour")
    timed = [h for h in board.hours if h.p50_ms is not None]  # an hour with thumbs only has no latency
    axes[1].plot([h.hour for h in timed], [h.p50_ms / 1000 for h in timed], "o-", label="p50")
    axes[1].plot([h.hour for h in timed], [(h.p95_ms or 0) / 1000 for h in timed], "s--", label="p95")
    axes[1].set_ylabel("turn latency (s)")
    axes[1].legend(loc="upper left")
    for name, label in (("tool_error_rate", "tool errors"), ("zero_result_rate", "searches with no result"),
                        ("thumbs_down_rate", "thumbs-down")):
        points = [(h.hour, 100 * getattr(h, name)) for h in board.hours if getattr(h, name) is not None]
        axes[2].plot([p[0] for p in points], [p[1] for p in points], "o-", label=label)
    axes[2].set_ylabel("share (%)")
    axes[2].legend(loc="upper left")
    axes[2].set_xlabel("hour (UTC)")
    if not hours:
        axes[0].text(0.5, 0.5, "no turns logged yet", ha="center", transform=axes[0].transAxes)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def dashboard_html(board: Dashboard) -> str:
    """The headline figures and the top / zero-result query tables."""
    def table(caption: str, rows: list[tuple[str, int]], key: str) -> str:
        body = "".join(f"<tr><td>{html.escape(q)}</td><td>{n}</td></tr>" for q, n in rows) or \
            "<tr><td colspan='2'>none</td></tr>"
        return (f"<table class='aisle-compare' id='{key}'><caption>{caption}</caption>"
                f"<thead><tr><th scope='col'>query</th><th scope='col'>turns</th></tr></thead><tbody>{body}</tbody>"
                "</table>")

    latency = "-" if board.p50_ms is None else f"{board.p50_ms / 1000:.2f} s / {(board.p95_ms or 0) / 1000:.2f} s"
    head = (f"<ul id='dashboard-figures' data-turns='{board.turns}'><li>turns: {board.turns}</li>"
            f"<li>latency p50 / p95: {latency}</li><li>tool error rate: {_percent(board.tool_error_rate)}</li>"
            f"<li>searches with no result: {_percent(board.zero_result_rate)}</li>"
            f"<li>thumbs-down rate: {_percent(board.thumbs_down_rate)}</li></ul>")
    skipped = f"<p>{board.skipped_lines} log lines were not turn records.</p>" if board.skipped_lines else ""
    return head + table("Top search queries", board.top_queries, "top-queries") + \
        table("Searches that found nothing", board.zero_result_queries, "zero-result-queries") + skipped
