"""The staff dashboard's figures from a turn log on disk (rotated files, a broken line) and stored thumbs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.dashboard import read_turn_log, summarize
from assistant.storage import Store
from assistant.turn_log import TurnLogRecord
from ui.dashboard_view import dashboard_html, dashboard_plot


def record(at: str, text: str, total_ms: float, search: str | None = None, status: str = "ok") -> TurnLogRecord:
    tools = [{"name": "search_products", "args": {"query": search}}] if search else []
    results = [{"tool": "search_products", "status": status, "error": None}] if search else []
    return TurnLogRecord(at=at, session="s", turn=1, index="demo", text=text, tools=tools, results=results,
                         timings_ms={"total": total_ms}, products_shown=0, reply_chars=10, reply_replaced=False,
                         template_reply=False, fixed_reply=False)


def test_figures_per_hour_and_overall_from_the_log_and_rotated_files(tmp_path):
    log = tmp_path / "turns.jsonl"
    (tmp_path / "turns.jsonl.1").write_text(
        record("2026-12-01T09:10:00+00:00", "speaker", 1000, "Speaker").to_json() + "\n")
    log.write_text("\n".join([
        record("2026-12-01T10:05:00+00:00", "speaker", 2000, "speaker").to_json(),
        record("2026-12-01T10:20:00+00:00", "unicorn lamp", 3000, "unicorn lamp", "empty").to_json(),
        record("2026-12-01T10:40:00+00:00", "where is my order", 500).to_json(),
        '{"at": "2026-12-01T10:41', "a line from someone else"]) + "\n")
    records, skipped = read_turn_log(log)
    assert [r.at[11:16] for r in records] == ["09:10", "10:05", "10:20", "10:40"] and skipped == 2
    store = Store(tmp_path / "db.sqlite")
    store.set_feedback("s", 1, 1)
    store.set_feedback("s", 2, -1)
    board = summarize(records, store.ratings(), skipped_lines=skipped)
    assert board.turns == 4 and board.top_queries[0] == ("speaker", 2)
    assert board.zero_result_queries == [("unicorn lamp", 1)] and board.zero_result_rate == pytest.approx(1 / 3)
    assert board.thumbs_down_rate == 0.5 and board.tool_error_rate == 0.0
    nine, ten = [h for h in board.hours if h.turns]
    assert nine.hour == datetime(2026, 12, 1, 9, tzinfo=UTC) and (nine.turns, ten.turns) == (1, 3)
    assert ten.p50_ms == 2000 and ten.zero_result_rate == 0.5
    html = dashboard_html(board)
    assert "data-turns='4'" in html and "unicorn lamp" in html and "2 log lines" in html
    assert len(dashboard_plot(board).axes) == 3


def test_an_empty_or_missing_log_gives_an_empty_dashboard(tmp_path):
    records, skipped = read_turn_log(tmp_path / "none.jsonl")
    board = summarize(records, [], skipped_lines=skipped)
    assert board.turns == 0 and board.p50_ms is None and board.hours == []
    assert "none" in dashboard_html(board) and len(dashboard_plot(board).axes) == 3
    assert read_turn_log(None) == ([], 0)
