"""`aisle train agent` and `aisle eval agent` through the CLI, on a few real steps."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aisle.cli import app


def test_train_agent_smoke_writes_adapter_and_card(demo_index, tmp_path):
    out = tmp_path / "agent"
    result = CliRunner().invoke(app, ["train", "agent", "--dialogues", "6", "--held-out", "3", "--max-steps", "2",
                                      "--batch-size", "4", "--skip-base", "--out", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert (out / "adapter_config.json").exists() and (out / "MODEL_CARD.md").exists()
    assert (out / "adapter_model.safetensors").stat().st_size < 6_000_000
    report = json.loads((out / "train_report.json").read_text())
    assert report["steps"] == 2 and "lora" in report["eval"]


def test_eval_agent_json_has_required_keys(demo_index):
    result = CliRunner().invoke(app, ["eval", "agent", "--dialogues", "4", "--no-base", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("tool_accuracy", "arg_f1", "json_valid", "ungrounded_facts"):
        assert 0 <= summary["lora"][key] <= (1 if key != "ungrounded_facts" else 10**6)
    assert summary["lora"]["ungrounded_facts"] == 0
