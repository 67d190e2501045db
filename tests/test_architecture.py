"""The layering of docs/architecture.md, checked on the source: imports only point down, and nothing below
the app layer looks a service up (settings, searchers, stores and agents are passed in)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> floor; a module may import its own floor or lower floors, never a higher one or a sibling room
FLOORS = {"aisle": 0, "retrieval": 1, "assistant": 2, "finetune": 3, "harness": 3, "ui": 3, "app": 4}
LIBRARY = [p for p in FLOORS if p != "app"]
# the old global getters, and the app layer's own accessors: library code receives what these returned
LOOKUPS = {"get_settings", "get_searcher", "get_store", "get_agent", "current_services", "services_for"}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_views_talk_to_the_agent_not_to_retrieval():
    """The UI shows what the assistant layer returns (cards, results, carts); it never searches itself."""
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {module}" for path in modules("ui")
             for line, module in imported(path) if module.split(".")[0] in ("retrieval", "finetune", "harness")]
    assert not wrong, "\n".join(wrong)


def test_every_package_has_a_floor():
    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"tests", "bench"}
    assert ours == set(FLOORS)


@pytest.mark.parametrize("package", list(FLOORS))
def test_imports_point_down_only(package: str):
    wrong = []
    for path in modules(package):
        for line, module in imported(path):
            top = module.split(".")[0]
            if top in FLOORS and top != package and FLOORS[top] >= FLOORS[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", LIBRARY)
def test_library_code_never_looks_a_service_up(package: str):
    wrong = []
    for path in modules(package):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Name | ast.alias):
                name = node.id if isinstance(node, ast.Name) else node.name.split(".")[-1]
            elif isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.FunctionDef):
                name = node.name
            if name in LOOKUPS:
                wrong.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} uses {name}")
            # reading the environment into a new Settings is the app layer's job
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Settings"
                    and path.name != "settings.py"):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} builds Settings() from the environment")
    assert not wrong, "\n".join(wrong)


def test_the_checks_catch_what_they_forbid(tmp_path: Path):
    """The walkers above see lazy imports inside functions and getters called as attributes."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from app.services import Services\n    import ui.shopper\n"
                     "    return x.get_store()\n")
    assert [m for _, m in imported(probe)] == ["app.services", "ui.shopper"]
    names = {n.attr for n in ast.walk(ast.parse(probe.read_text())) if isinstance(n, ast.Attribute)}
    assert "get_store" in names & LOOKUPS


def test_architecture_doc_matches_the_code():
    """Every package has its floor in the picture, and every file or folder the doc names exists."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    for package in FLOORS:
        assert re.search(rf"^\s*(floor \d\s+)?{package}/\s", doc, re.M), f"{package}/ has no floor in the picture"
    rooms = "|".join([*FLOORS, "bench", "tests", "docs"])
    named = set(re.findall(rf"\b((?:{rooms})/[\w/.-]*\w)", doc))
    missing = [n for n in named if not _exists(n)]
    assert len(named) > 20 and not missing, missing


def _exists(name: str) -> bool:
    """A path, a module without ``.py``, or ``module.function`` / ``module.Class`` defined in that module."""
    if (ROOT / name).exists() or (ROOT / f"{name}.py").exists():
        return True
    module, _, attr = name.rpartition(".")
    source = ROOT / f"{module}.py"
    return source.exists() and re.search(rf"^(def|class) {attr}\b", source.read_text(), re.M) is not None
