"""Suite reports: JSON for machines (CI dashboards, diffs between runs), HTML for people."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.scenarios.runner import SuiteReport


def report_dict(report: SuiteReport) -> dict[str, Any]:
    return {
        "repeat": report.repeat, "scenarios_total": len(report.scenarios),
        "scenarios_passed": sum(s.passed for s in report.scenarios),
        "pass_rate": round(report.pass_rate, 4), f"pass^{report.repeat}": round(report.pass_k, 4),
        "known_failures": [s.name for s in report.known_failures],
        "seconds": round(report.seconds, 1), "script_errors": report.script_errors,
        "scenarios": [{"name": s.name, "path": s.path, "tags": s.tags, "passed": s.passed,
                       "known_failure": s.known_failure,
                       "runs": [{"repeat": r.repeat, "passed": r.passed, "seconds": round(r.seconds, 2),
                                 "turns": [asdict(t) | {"passed": t.passed} for t in r.turns]} for r in s.runs]}
                      for s in report.scenarios],
    }


def _html(report: SuiteReport) -> str:
    d = report_dict(report)
    esc = html.escape
    rows = []
    for s in report.scenarios:
        status = "pass" if s.passed else ("known" if s.known_failure else "fail")
        detail = []
        for r in s.runs:
            for t in r.turns:
                mism = "".join(f"<li><b>{esc(m.field)}</b>: expected <code>{esc(str(m.expected))}</code>, "
                               f"actual <code>{esc(str(m.actual))}</code></li>" for m in t.mismatches)
                detail.append(f"<tr class='{'ok' if t.passed else 'bad'}'><td>{r.repeat + 1}</td><td>{t.index}</td>"
                              f"<td>{esc(t.role)}</td><td>{esc(t.user[:160])}</td>"
                              f"<td>{esc(', '.join(c['name'] for c in t.tool_calls))}</td>"
                              f"<td>{esc(t.reply[:300])}</td><td><ul>{mism}</ul></td></tr>")
        rows.append(f"<details{' open' if not s.passed else ''}><summary class='{status}'>{status.upper()} "
                    f"{esc(s.name)} <small>{esc(s.path)}</small></summary><table><tr><th>repeat</th><th>turn</th>"
                    f"<th>role</th><th>user</th><th>tools</th><th>reply</th><th>mismatches</th></tr>"
                    f"{''.join(detail)}</table></details>")
    errors = "".join(f"<li>{esc(e)}</li>" for e in report.script_errors)
    return (
        "<!doctype html><meta charset='utf-8'><title>Aisle dialogue tests</title><style>"
        "body{font:14px system-ui;margin:2em}summary.pass{color:#176f2c}summary.fail{color:#b00020;font-weight:bold}"
        "summary.known{color:#9a6700}"
        "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ddd;padding:4px;vertical-align:top}"
        "tr.bad{background:#fff0f0}</style>"
        f"<h1>Aisle dialogue tests</h1><p>{d['scenarios_passed']}/{d['scenarios_total']} scenarios passed all "
        f"{report.repeat} repeat(s): pass^{report.repeat} = {report.pass_k:.3f}; pass rate over runs "
        f"{report.pass_rate:.3f}; {report.seconds:.0f} s.</p>"
        + (f"<h2>Script errors</h2><ul>{errors}</ul>" if errors else "") + "".join(rows))


def write_report(report: SuiteReport, path: Path) -> None:
    """``.json`` or ``.html``, chosen by the file's suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(report_dict(report), indent=1, default=str))
    elif path.suffix.lower() in (".html", ".htm"):
        path.write_text(_html(report), encoding="utf-8")
    else:
        raise ValueError(f"--report must end in .json or .html, not {path.suffix or 'nothing'}")
