"""`aisle train agent` and `aisle eval agent`: data, base-vs-LoRA evaluation, training, artifact."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from aisle.settings import Settings
from assistant.turn_protocol import CatalogGuard
from finetune.agent.data import build_examples
from finetune.agent.dialogues import Example
from finetune.agent.trainer import AgentTrainConfig, save_adapter, train_adapter
from finetune.paths import portable_path
from retrieval.indexes import Indexes

SHARED = Path("../shared/data")
HELD_OUT_SEED = 1009


def real_queries() -> list[str]:
    """Query texts of the dev judgement files, when ../shared is present (seed search turns)."""
    from retrieval.evaluation.judgments import load_judgments

    queries: list[str] = []
    for name in ("chorus_icecat", "esci_opensearch_subset"):
        folder = SHARED / name
        if folder.exists():
            queries.extend(load_judgments(folder).queries)
    return queries


def demo_setup(indexes: Indexes) -> list:
    """The demo catalog's products, its index brought up to date (the tools play dialogues over it)."""
    report, _ = indexes.ensure("demo", "demo")
    return report.products


def held_out_examples(indexes: Indexes, n_dialogues: int, progress: bool = True) -> list[Example]:
    products = demo_setup(indexes)
    return build_examples(indexes.searcher("demo"), products, "held_out", n_dialogues, HELD_OUT_SEED,
                          real_queries=real_queries(), progress=progress)


def catalog_guard(indexes: Indexes, index: str = "demo") -> CatalogGuard:
    """The agent's run-time argument guard bound to a catalog's brands, colours and product ids."""
    searcher = indexes.searcher(index)
    return CatalogGuard(searcher.vocabulary, lambda pid: searcher.get_product(pid) is not None)


def eval_models(settings: Settings, indexes: Indexes, examples: list[Example], adapter: str | None,
                include_base: bool, console: Console, batch_size: int = 16) -> dict[str, Any]:
    """Base and LoRA on the configured runtime (``settings.llm_runtime``), as the agent serves them."""
    return eval_model_sets(settings, indexes, {"held-out": examples}, adapter, include_base, console,
                           batch_size)["held-out"]


def eval_model_sets(settings: Settings, indexes: Indexes, sets: dict[str, list[Example]], adapter: str | None,
                    include_base: bool, console: Console, batch_size: int = 16) -> dict[str, dict[str, Any]]:
    """`eval_models` on several example sets, each model loaded once: {set: {model: metrics}}."""
    from assistant.runtime.loader import load_generator
    from finetune.agent.evaluate import evaluate

    results: dict[str, dict[str, Any]] = {name: {} for name in sets}
    names = (["base"] if include_base else []) + (["lora"] if adapter else [])
    catalog_brands, guard = list(indexes.searcher("demo").vocabulary.brands), catalog_guard(indexes)
    for name in names:
        generator = load_generator(settings, adapter=adapter if name == "lora" else None)
        for set_name, examples in sets.items():
            with console.status(f"evaluating {name} ({generator.name}) on {len(examples)} {set_name} examples"):
                results[set_name][name] = evaluate(generator, examples, catalog_brands, batch_size,
                                                   full_prompt=name == "base", guard=guard,
                                                   grammar=settings.llm_grammar)
    return results


def eval_served(settings: Settings, indexes: Indexes, items: list, adapter: str | None) -> dict[str, Any]:
    """Hand-written items routed by a shopping agent on the demo index as it serves (the model with
    ``adapter``, its direct routes and guards): `finetune.agent.served_eval`."""
    from assistant.agent import ShoppingAgent, build_chat_model, writes_template_replies
    from finetune.agent.served_eval import score_served, served_turns

    products = demo_setup(indexes)
    model, local = build_chat_model(settings, adapter=adapter if adapter else False)
    agent = ShoppingAgent(model, settings, indexes, local=local,
                          template_replies=writes_template_replies(settings, model, local))
    return score_served(served_turns(agent, items, products))


def train_agent(settings: Settings, indexes: Indexes, out: Path, config: AgentTrainConfig, n_train: int,
                n_held_out: int, console: Console, include_base: bool = True) -> dict[str, Any]:
    from tqdm import tqdm

    from assistant.runtime.loader import cached_checkpoint

    products = demo_setup(indexes)
    queries = real_queries()
    searcher = indexes.searcher("demo")
    train = build_examples(searcher, products, "train", n_train, config.seed, real_queries=queries)
    held = build_examples(searcher, products, "held_out", n_held_out, HELD_OUT_SEED, real_queries=queries)
    console.print(f"agent data: {len(train)} training examples from {n_train} dialogues; "
                  f"{len(held)} held-out examples from {n_held_out} dialogues")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    checkpoint = cached_checkpoint(settings.llm_path, settings)
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
    model = AutoModelForCausalLM.from_pretrained(str(checkpoint))
    bar = tqdm(desc="agent LoRA", unit="step")

    def on_step(step: int, total: int, loss: float) -> None:
        bar.total = total
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}")

    result = train_adapter(model, tokenizer, train, config, on_step)
    bar.close()
    size = save_adapter(result["model"], out)
    from assistant.runtime.gguf_export import export_lora_gguf

    exported = export_lora_gguf(out, Path(settings.llm_path))  # the compiled runtime's artifact
    report: dict[str, Any] = {
        "base_model": portable_path(settings.llm_path), "checkpoint": portable_path(checkpoint), "adapter_bytes": size,
        "gguf_export": {"file": exported.path.name, "tensors": exported.tensors, "bytes": exported.bytes},
        "train_examples": len(train), "held_out_examples": len(held), "train_dialogues": n_train,
        "held_out_dialogues": n_held_out, "real_query_seeds": len(queries), "steps": result["steps"],
        "seconds": round(result["seconds"], 1), "train_tokens_per_s": round(result["tokens_per_s"], 1),
        "final_loss": round(sum(result["losses"][-10:]) / max(1, len(result["losses"][-10:])), 4),
        "losses": [round(x, 4) for x in result["losses"]], "config": result["config"],
        "hardware": {"device": config.device, "machine": platform.machine(), "processor": platform.processor(),
                     "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%d"),
    }
    report["eval"] = eval_models(settings, indexes, held, str(out), include_base, console)
    (out / "train_report.json").write_text(json.dumps(report, indent=2))
    return report
