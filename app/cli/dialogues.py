"""`aisle test-dialogues` (scripted YAML conversations) and `aisle simulate` (goal-driven shoppers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import ensure_default_index, err, out, services


def test_dialogues(
    paths: Annotated[list[Path], typer.Argument(help="Scenario YAML files or folders (fixtures/ is skipped).")],
    repeat: Annotated[int, typer.Option(min=1, help="Run each scenario k times; it passes only if all pass.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write a report: out.json or out.html.")] = None,
    validate_only: Annotated[bool, typer.Option("--validate", help="Only check the scripts' format.")] = False,
) -> None:
    """Scripted dialogue regression tests; exit 0 when every scenario passes every repeat."""
    from harness.scenarios.script import ScriptError, discover, load_script

    if validate_only:
        problems = 0
        try:
            files = discover(paths)
        except ScriptError as exc:
            err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        for f in files:
            try:
                load_script(f)
            except ScriptError as exc:
                problems += 1
                err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        err.print(f"{len(files) - problems}/{len(files)} script(s) valid", soft_wrap=True)
        raise typer.Exit(2 if problems or not files else 0)
    from harness.scenarios.report import write_report
    from harness.scenarios.runner import DialogueRunner, failure_text

    if report and report.suffix.lower() not in (".json", ".html", ".htm"):
        err.print("[red]--report must end in .json or .html[/]")
        raise typer.Exit(2)
    svc = services()
    ensure_default_index(svc, "demo")
    runner = DialogueRunner(svc.agent())

    def progress(o) -> None:
        mark = "[green]PASS[/]" if o.passed else ("[yellow]KNOWN FAILURE[/]" if o.known_failure else "[red]FAIL[/]")
        passed = sum(r.passed for r in o.runs)
        err.print(f"{mark} {o.name} ({passed}/{len(o.runs)} runs, "
                  f"{sum(r.seconds for r in o.runs):.1f}s)", highlight=False, soft_wrap=True)
        if not o.passed:
            err.print(failure_text(o), markup=False, highlight=False, soft_wrap=True)

    suite = runner.run_all(list(paths), repeat, progress)
    for e in suite.script_errors:
        err.print(f"[red]script error[/] {e}", highlight=False, soft_wrap=True)
    n = len(suite.scenarios)
    if suite.known_failures:
        err.print(f"{len(suite.known_failures)} known failure(s): " + ", ".join(s.name for s in suite.known_failures))
    err.print(f"[bold]{sum(s.passed for s in suite.scenarios)}/{n} scenarios passed[/]; pass rate over runs "
              f"{suite.pass_rate:.3f}; pass^{repeat} {suite.pass_k:.3f}; {suite.seconds:.0f}s")
    if report:
        write_report(suite, report)
        err.print(f"report: {report}")
    raise typer.Exit(0 if suite.ok else (2 if suite.script_errors else 1))


def simulate(
    index_names: Annotated[list[str] | None, typer.Option("--index", help="Catalog index(es) (default: demo).")] = None,
    conversations: Annotated[int, typer.Option(min=1, help="Conversations per index.")] = 30,
    seed: Annotated[int, typer.Option(help="Seed: the same seed plays the same shoppers.")] = 0,
    report: Annotated[Path | None, typer.Option(help="Write the report (failing transcripts too) as JSON.")] = None,
    min_pass_rate: Annotated[float, typer.Option(min=0, max=1, help="Exit 1 below this share of passing "
                                                                    "conversations.")] = 0.0,
) -> None:
    """Goal-driven simulated shoppers chat with the agent; every turn is checked against invariants."""
    from harness.simulator.run import Simulator, demo_orders, markdown, merge

    svc = services()
    names = index_names or ["demo"]
    agent = svc.agent()
    reports = []
    for name in names:
        ensure_default_index(svc, name)
        simulator = Simulator(agent, svc.indexes.searcher(name), name, orders=demo_orders() if name == "demo" else [])

        def progress(c, name=name) -> None:
            mark = "[green]PASS[/]" if c.passed else "[red]FAIL[/]"
            broken = sorted({k for t in c.turns for k, held in t.checks.items() if not held})
            err.print(f"{mark} {name} seed {c.seed}: {len(c.turns)} turns" + (f" ({', '.join(broken)})" if broken
                                                                               else ""), highlight=False)

        reports.append(simulator.run(conversations, seed, progress))
    merged = merge(reports)
    out.print(markdown(merged), markup=False, highlight=False)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(merged.to_dict(), indent=1))
        err.print(f"report: {report}")
    raise typer.Exit(0 if merged.pass_rate >= min_pass_rate else 1)
