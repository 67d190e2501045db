"""Play dialogue scripts through the real agent, tools, index and a fresh SQLite store per run.

Each run of a scenario starts from nothing (new session, new database file with the demo orders
seeded), so runs are independent and ``--repeat k`` measures whether a scenario passes every
time (pass^k), not whether it passed once.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.agent import ShoppingAgent
from assistant.copilot import suggest_reply
from assistant.dialogue.state import DialogueState
from assistant.session import ShopSession
from assistant.storage import Store
from harness.scenarios.checks import Mismatch, Observation, check_turn
from harness.scenarios.script import Scenario, ScriptError, discover, load_script


@dataclass
class TurnOutcome:
    index: int
    line: int | None
    role: str
    user: str
    reply: str
    tool_calls: list[dict[str, Any]]
    products: list[str]
    cart: list[tuple[str, int]]
    mismatches: list[Mismatch]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass
class RunOutcome:
    repeat: int
    turns: list[TurnOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)


@dataclass
class ScenarioOutcome:
    name: str
    path: str
    tags: list[str]
    runs: list[RunOutcome] = field(default_factory=list)
    known_failure: str | None = None

    @property
    def passed(self) -> bool:
        """pass^k: every repeat passed."""
        return bool(self.runs) and all(r.passed for r in self.runs)


@dataclass
class SuiteReport:
    repeat: int
    scenarios: list[ScenarioOutcome] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pass_rate(self) -> float:
        """Share of all runs (scenario x repeat) that passed."""
        runs = [r for s in self.scenarios for r in s.runs]
        return sum(r.passed for r in runs) / len(runs) if runs else 0.0

    @property
    def pass_k(self) -> float:
        """Share of scenarios that passed all k repeats."""
        return sum(s.passed for s in self.scenarios) / len(self.scenarios) if self.scenarios else 0.0

    @property
    def known_failures(self) -> list[ScenarioOutcome]:
        return [s for s in self.scenarios if s.known_failure and not s.passed]

    @property
    def ok(self) -> bool:
        """Every scenario passed, except those marked as known failures."""
        return not self.script_errors and bool(self.scenarios) and all(
            s.passed or s.known_failure for s in self.scenarios)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "scenario"


class DialogueRunner:
    """Runs scenarios with one loaded agent; catalogs are indexed once per fingerprint."""

    def __init__(self, agent: ShoppingAgent, work_dir: Path | None = None) -> None:
        self.agent = agent
        self._tmp = None if work_dir else tempfile.TemporaryDirectory(prefix="aisle-dialogues-")
        self.work_dir = Path(work_dir or self._tmp.name)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._indexes: dict[str, str] = {}
        self.outcomes: list[ScenarioOutcome] = []  # every scenario run so far (pytest builds its report from it)

    def index_for(self, scenario: Scenario) -> str:
        source = scenario.catalog_source()
        if source not in self._indexes:
            from retrieval.catalog.loaders import catalog_name, load_catalog

            name = "demo" if source == "demo" else f"scenario-{catalog_name(source)}"
            if source == "demo" and self.agent.indexes.exists("demo"):
                self._indexes[source] = name
                return name
            try:
                report = load_catalog(source)
            except (OSError, ValueError) as exc:
                raise ScriptError(scenario.path or Path("?"), None, "catalog", str(exc)) from None
            if report.rejects or not report.products:
                problem = str(report.rejects[0]) if report.rejects else "no products"
                raise ScriptError(scenario.path or Path("?"), None, "catalog", f"the catalog does not load: {problem}")
            self.agent.indexes.build(name, report.products, source)
            self._indexes[source] = name
        return self._indexes[source]

    def run(self, scenario: Scenario, repeat: int = 0) -> RunOutcome:
        index = self.index_for(scenario)
        store = Store(self.work_dir / f"{_slug(scenario.name)}-{repeat}-{time.time_ns()}.sqlite")
        sessions = {role: ShopSession(store, index=index, state=DialogueState()) for role in ("shopper", "copilot")}
        searcher = self.agent.indexes.searcher(index)
        outcome = RunOutcome(repeat)
        started = time.perf_counter()
        previous: list = []
        for i, turn in enumerate(scenario.turns):
            session = sessions[turn.role]
            t0 = time.perf_counter()
            if turn.role == "copilot":
                suggestion = suggest_reply(self.agent, session, turn.message(repeat))  # type: ignore[arg-type]
                result, facts = suggestion.result, suggestion.facts
            else:
                result, facts = self.agent.turn(session, turn.message(repeat)), ""
            ids = list(dict.fromkeys(p.id for a in result.artifacts for p in a.products))
            products = [p for p in (searcher.get_product(pid) for pid in ids) if p is not None]
            cart = [(x.product_id, x.quantity) for x in store.cart(session.session_id)]
            obs = Observation(result.text, result.reply, result.tool_calls, result.artifacts, products, cart,
                              result.shown_ungrounded, list(session.state.shown), facts, result.error, previous)
            previous = products or previous
            check = check_turn(turn.expect, obs)
            outcome.turns.append(TurnOutcome(
                i + 1, scenario.lines[i] if i < len(scenario.lines) else None, turn.role, result.text[:300],
                result.reply, result.tool_calls, ids, cart, check.mismatches, time.perf_counter() - t0))
        outcome.seconds = time.perf_counter() - started
        return outcome

    def run_all(self, paths: list[str | Path], repeat: int = 1,
                progress: Callable[[ScenarioOutcome], None] | None = None) -> SuiteReport:
        report = SuiteReport(repeat)
        started = time.perf_counter()
        scenarios: list[Scenario] = []
        try:
            files = discover(paths)
        except ScriptError as exc:
            report.script_errors.append(str(exc))
            files = []
        for f in files:
            try:
                scenarios.append(load_script(f))
            except ScriptError as exc:
                report.script_errors.append(str(exc))
        for scenario in scenarios:
            outcome = ScenarioOutcome(scenario.name, str(scenario.path), scenario.tags,
                                      known_failure=scenario.known_failure)
            try:
                outcome.runs = [self.run(scenario, k) for k in range(repeat)]
            except ScriptError as exc:
                report.script_errors.append(str(exc))
                continue
            report.scenarios.append(outcome)
            self.outcomes.append(outcome)
            if progress:
                progress(outcome)
        report.seconds = time.perf_counter() - started
        return report


def failure_text(outcome: ScenarioOutcome) -> str:
    """A readable expected-vs-actual diff of every failed turn of a scenario's runs."""
    out = []
    for run in outcome.runs:
        for t in run.turns:
            if t.passed:
                continue
            where = f"{outcome.path}:{t.line}" if t.line else outcome.path
            out.append(f"FAIL {outcome.name} [repeat {run.repeat + 1}] turn {t.index} ({where}) "
                       f"{t.role}: {t.user[:120]!r}")
            out += [m.render() for m in t.mismatches]
            out.append(f"    tools: {[c['name'] for c in t.tool_calls]}  reply: {t.reply[:200]!r}")
    return "\n".join(out)
