"""`aisle train agent` and `aisle eval agent` through the CLI, on a few real steps."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import app
from finetune.agent.dialogues import Example, Gold
from finetune.agent.evaluate import score_calls
from finetune.agent.pipeline import catalog_guard


def test_train_agent_smoke_writes_adapter_and_card(demo_index, tmp_path):
    out = tmp_path / "agent"
    result = CliRunner().invoke(app, ["train", "agent", "--dialogues", "6", "--held-out", "3", "--max-steps", "2",
                                      "--batch-size", "4", "--skip-base", "--out", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert (out / "adapter_config.json").exists() and (out / "MODEL_CARD.md").exists()
    assert (out / "adapter_model.safetensors").stat().st_size < 6_000_000
    readme = (out / "README.md").read_text()
    assert readme.startswith("---\nbase_model: HuggingFaceTB/SmolLM2-135M-Instruct") and "license: apache-2.0" in readme
    assert "More Information Needed" not in readme and str(tmp_path) not in readme
    report = json.loads((out / "train_report.json").read_text())
    assert report["steps"] == 2 and "lora" in report["eval"]


def test_eval_agent_json_has_required_keys(demo_index):
    result = CliRunner().invoke(app, ["eval", "agent", "--dialogues", "4", "--no-base", "--set", "generated", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("tool_accuracy", "arg_f1", "json_valid", "ungrounded_facts"):
        assert 0 <= summary["lora"][key] <= (1 if key != "ungrounded_facts" else 10**6)
    assert summary["lora"]["ungrounded_facts"] == 0
    assert 0 <= summary["lora"]["guarded"]["arg_f1"] <= 1 and "errors" not in summary["lora"]["guarded"]


def _call_example(text: str, gold_args: dict) -> Example:
    chat = [{"role": "user", "content": f"state: shown: 0\nshopper: {text}"}]
    return Example("call", chat, json.dumps({"name": "search_products", "arguments": gold_args}),
                   Gold("call", "search_products", gold_args), scenario="search")


def test_guarded_scores_apply_the_agents_argument_guard(indexes, demo_index):
    """A swapped price limit and a brand left in the query text: wrong raw, right after the guard."""
    guard = catalog_guard(indexes, "demo")
    gold = {"query": "speaker", "brands": ["JBL"], "max_price": 50}
    swapped = '{"name": "search_products", "arguments": {"query": "speaker", "min_price": 50}}'
    calls = [(_call_example("JBL speaker under $50", gold), swapped)]
    raw, guarded = score_calls(calls), score_calls(calls, guard)
    assert raw["tool_accuracy"] == guarded["tool_accuracy"] == 1.0
    assert raw["arg_f1"] < 0.5 and guarded["arg_f1"] == 1.0
    # a price the shopper never gave is dropped; a wrong product word is left for the model to answer for
    assert score_calls([(_call_example("a speaker please", {"query": "speaker"}), swapped)], guard)["arg_f1"] == 1
    wrong = '{"name": "search_products", "arguments": {"query": "keyboard"}}'
    assert score_calls([(_call_example("a speaker please", {"query": "speaker"}), wrong)], guard)["arg_f1"] == 0


def test_shipped_artifacts_name_no_build_machine_paths():
    """Cards, reports and configs that ship with the package record portable paths only."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    absolute = re.compile(r"(?<![\w<])/(?:home|root|tmp|work|Users|opt|var)/")
    for folder in (root / "assistant" / "models", root / "retrieval" / "models"):
        for path in folder.rglob("*"):
            if path.suffix in {".md", ".json"}:
                assert not absolute.search(path.read_text()), path


def test_the_shipped_model_folders_carry_no_placeholder_or_build_machine_path():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for folder in (root / "assistant" / "models" / "agent_lora", root / "retrieval" / "models" / "ranker"):
        for path in folder.iterdir():
            if path.suffix in {".md", ".json"}:
                text = path.read_text()
                assert "More Information Needed" not in text, path
                assert "/work/" not in text and "/home/" not in text and "/tmp/" not in text, path
