"""Model card and loss curve for the agent adapter, written next to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finetune.paths import portable_command, portable_path

# Hub metadata of the adapter folder's README.md (peft's ``save_pretrained`` leaves a placeholder card there)
HUB_FRONT_MATTER = """---
base_model: HuggingFaceTB/SmolLM2-135M-Instruct
base_model_relation: adapter
library_name: peft
license: apache-2.0
language:
- en
pipeline_tag: text-generation
tags:
- lora
- tool-calling
- shopping-assistant
- aisle
---
"""


def write_hub_readme(out: Path) -> None:
    """README.md = the model card (MODEL_CARD.md) under Hub metadata: base model by name, licence, tags."""
    (out / "README.md").write_text(HUB_FRONT_MATTER + "\n" + (out / "MODEL_CARD.md").read_text())


def _row(name: str, m: dict[str, Any]) -> str:
    return (f"| {name} | {m['tool_accuracy']:.4f} | {m['arg_f1']:.4f} | {m['arg_exact_match']:.4f} | "
            f"{m['json_valid']:.4f} | {m['ungrounded_facts_raw']} | {m['ungrounded_facts']} |")


def write_agent_card(out: Path, report: dict[str, Any], command: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = report["losses"]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(range(1, len(losses) + 1), losses, lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (target tokens)")
    ax.set_title("Agent LoRA training loss")
    fig.tight_layout()
    fig.savefig(out / "loss_curve.png", dpi=110)
    plt.close(fig)
    rows = []
    for name, m in report["eval"].items():
        rows.append(_row(name, m))
        if "guarded" in m:
            g = m["guarded"]
            rows.append(f"| {name} + guard | {g['tool_accuracy']:.4f} | {g['arg_f1']:.4f} | "
                        f"{g['arg_exact_match']:.4f} | {g['json_valid']:.4f} | | |")
    scen = report["eval"].get("lora", {}).get("by_scenario", {})
    text = f"""# Aisle agent adapter (LoRA on SmolLM2-135M-Instruct)

- Base: `{portable_path(report['base_model'])}` (GGUF, dequantised once to `{portable_path(report['checkpoint'])}`)
- Command: `{portable_command(command)}`
- Data: {report['train_examples']} examples from {report['train_dialogues']} generated dialogues on the demo catalog,
  played through the real tools ({report['real_query_seeds']} real dev query texts available as search seeds,
  split by hash: held-out phrases never appear in training). Held-out: {report['held_out_examples']} examples from
  {report['held_out_dialogues']} dialogues.
- LoRA r={report['config']['rank']}, alpha={report['config']['alpha']} on
  {', '.join(report['config']['target_modules'])};
  lr {report['config']['lr']}, batch {report['config']['batch_size']}, {report['config']['epochs']} epoch(s),
  {report['steps']} steps, seed {report['config']['seed']}. Loss on target tokens only.
- Training: {report['seconds']} s on {report['hardware']['device']} ({report['hardware']['machine']}),
  {report['train_tokens_per_s']} tokens/s; adapter {report['adapter_bytes'] / 1e6:.1f} MB (fp16). Date {report['date']}.

## Held-out evaluation

| model | tool accuracy | arg F1 | arg exact | JSON valid | ungrounded facts (model text) | ungrounded facts (shown) |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Rows without "+ guard" score the calls exactly as the model wrote them. "+ guard" rows score them
after `assistant.safety.argument_guard.guard_call`, the rules the agent applies to every call before it runs
(the shopper's price cue decides min vs max, catalog brands/colours named in the turn become filters,
an order id + e-mail means an order lookup): what a turn actually executes.

"Shown" counts facts in the replies a shopper sees: a model reply that fails the grounding check is
replaced by the template built from the tool results. The base model reads the full tool signatures;
the adapter reads the compact tool list it was trained with.

Served, the adapter only picks tools: its reply step learned the template phrasings, and writing them itself it
got about one turn in eight wrong off the script, so the agent phrases the results with those templates
(`AISLE_REPLY_WRITER=auto`; `model` lets it write them; BENCHMARKS.md, "Aisle writes the replies").

Per-scenario tool accuracy (LoRA): {json.dumps(scen)}

![loss](loss_curve.png)
"""
    (out / "MODEL_CARD.md").write_text(text)
    write_hub_readme(out)
