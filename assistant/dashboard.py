"""What the staff dashboard shows, computed from the stored turns (the turn log) and the shoppers' thumbs.

Per hour: turns, latency p50/p95, the share of tool calls that failed, of searches that found nothing and of
rated answers that got a thumbs-down; overall: the same figures, the most frequent search queries and the
queries that found nothing (the catalog's and the assistant's gaps). Log lines that are not turn records
(a truncated last line, another logger's text) are skipped and counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.turn_log import TurnLogRecord

SEARCH_TOOLS = ("search_products",)


@dataclass(frozen=True)
class HourStats:
    hour: datetime
    turns: int
    p50_ms: float | None  # None: no turn that hour (only thumbs)
    p95_ms: float | None
    tool_error_rate: float | None  # None: no tool ran that hour
    zero_result_rate: float | None  # None: no search ran
    thumbs_down_rate: float | None  # None: nothing rated


@dataclass(frozen=True)
class Dashboard:
    hours: list[HourStats]
    turns: int
    p50_ms: float | None
    p95_ms: float | None
    tool_error_rate: float | None
    zero_result_rate: float | None
    thumbs_down_rate: float | None
    top_queries: list[tuple[str, int]] = field(default_factory=list)
    zero_result_queries: list[tuple[str, int]] = field(default_factory=list)
    skipped_lines: int = 0


def read_turn_log(path: Path | None) -> tuple[list[TurnLogRecord], int]:
    """The records of ``path`` and its rotated files (``.1`` ... oldest last), and how many lines were skipped."""
    if path is None:
        return [], 0
    names = {f.name for f in fields(TurnLogRecord)}
    rotated = [p for p in path.parent.glob(path.name + ".*") if p.suffix.lstrip(".").isdigit()]
    files = sorted(rotated, key=lambda p: int(p.suffix[1:]), reverse=True) + [path]  # oldest first
    records, skipped = [], 0
    for file in files:
        if not file.is_file():
            continue
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                data = json.loads(line)
                records.append(TurnLogRecord(**{k: v for k, v in data.items() if k in names}))
            except (ValueError, TypeError):
                skipped += 1
    return records, skipped


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _searches(record: TurnLogRecord) -> list[tuple[str, str]]:
    """(query, result status) of each search the turn ran."""
    out = []
    for call, result in zip(record.tools, record.results, strict=False):
        if call.get("name") in SEARCH_TOOLS:
            query = str((call.get("args") or {}).get("query") or record.text).strip().lower()
            out.append((query, str(result.get("status"))))
    return out


def _figures(records: list[TurnLogRecord], ratings: list[int]) -> dict[str, float | None]:
    totals = [r.timings_ms.get("total") for r in records if r.timings_ms.get("total") is not None]
    results = [res for r in records for res in r.results]
    searches = [s for r in records for s in _searches(r)]
    return {
        "p50_ms": float(np.percentile(totals, 50)) if totals else None,
        "p95_ms": float(np.percentile(totals, 95)) if totals else None,
        "tool_error_rate": _share(sum(res.get("status") == "error" for res in results), len(results)),
        "zero_result_rate": _share(sum(status == "empty" for _, status in searches), len(searches)),
        "thumbs_down_rate": _share(sum(r < 0 for r in ratings), len(ratings)),
    }


def _hour(stamp: float | str) -> datetime:
    when = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else datetime.fromisoformat(stamp)
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def summarize(records: Iterable[TurnLogRecord], ratings: Iterable[tuple[float, int]] = (), top: int = 10,
              skipped_lines: int = 0) -> Dashboard:
    """The dashboard of these turns and thumbs ((when, +1/-1) from ``Store.ratings``)."""
    records, ratings = list(records), list(ratings)
    by_hour: dict[datetime, list[TurnLogRecord]] = {}
    for r in records:
        by_hour.setdefault(_hour(r.at), []).append(r)
    thumbs: dict[datetime, list[int]] = {}
    for when, rating in ratings:
        thumbs.setdefault(_hour(when), []).append(rating)
    hours = []
    for hour in sorted(set(by_hour) | set(thumbs)):
        turns = by_hour.get(hour, [])
        f = _figures(turns, thumbs.get(hour, []))
        hours.append(HourStats(hour, len(turns), f["p50_ms"], f["p95_ms"], f["tool_error_rate"],
                               f["zero_result_rate"], f["thumbs_down_rate"]))
    searches = [s for r in records for s in _searches(r)]
    overall = _figures(records, [r for _, r in ratings])
    return Dashboard(
        hours=hours, turns=len(records), top_queries=Counter(q for q, _ in searches).most_common(top),
        zero_result_queries=Counter(q for q, status in searches if status == "empty").most_common(top),
        skipped_lines=skipped_lines, **overall)
