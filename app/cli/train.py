"""`aisle train ...` and `aisle export agent`: fine-tune the ranker and the agent, export for the runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import SHARED_DATA, err, out, services
from app.cli.evaluate import print_agent_eval

train_app = typer.Typer(help="Fine-tune Aisle's models.", no_args_is_help=True)
export_app = typer.Typer(help="Export trained models for the compiled runtime.", no_args_is_help=True)


@train_app.command("ranker")
def train_ranker_cmd(
    catalog: Annotated[list[str] | None, typer.Option(help="Catalog(s); default: both ../shared/data sets.")] = None,
    judgments: Annotated[list[Path] | None, typer.Option(help="Judgement folder for each --catalog.")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Cross-encoder epochs (stage 2).")] = 1,
    folds: Annotated[int, typer.Option(min=2)] = 2,
    device: Annotated[str | None, typer.Option(help="cpu or cuda (default: cuda when present).")] = None,
    out: Annotated[Path, typer.Option(help="Artifact folder.")] = Path("artifacts/ranker"),
    seed: int = 13,
    lr: Annotated[float, typer.Option(help="LoRA learning rate.")] = 2e-4,
    max_length: Annotated[int, typer.Option(help="Token limit of query + product text.")] = 96,
    pairs_per_query: Annotated[int, typer.Option(help="Pairs sampled per query per cross-encoder step.")] = 32,
    queries_per_step: Annotated[int, typer.Option(min=1)] = 4,
    cross_encoder: Annotated[bool, typer.Option(help="Train the cross-encoder term (stage 2); without it, the "
                                                "feature head alone, in minutes on a CPU.")] = True,
    weak: Annotated[int, typer.Option(min=0, help="Generated queries per catalog, labelled from the catalog (weak "
                                      "supervision), added to every fold's training set.")] = 0,
    weak_weight: Annotated[float, typer.Option(min=0.0, help="Weight of a weakly labelled example.")] = 1.0,
) -> None:
    """Cross-validated fine-tuning of the relevance classifier; writes adapter, fusion weights and model card."""
    import shlex
    import sys

    from finetune.ranker.card import write_card
    from finetune.ranker.pipeline import train_ranker
    from finetune.ranker.trainer import TrainConfig

    svc = services()
    catalogs = catalog or [str(SHARED_DATA / "chorus_icecat"), str(SHARED_DATA / "esci_opensearch_subset")]
    folders = judgments or [Path(c) for c in catalogs]
    if len(folders) != len(catalogs):
        err.print("[red]give one --judgments folder per --catalog[/]")
        raise typer.Exit(1)
    for folder in folders:
        if not folder.exists():
            err.print(f"[red]{folder} does not exist[/]")
            raise typer.Exit(1)
    config = TrainConfig(epochs=epochs, seed=seed, lr=lr, max_length=max_length, pairs_per_query=pairs_per_query,
                         queries_per_step=queries_per_step, device=device or svc.settings.resolved_device())
    report = train_ranker(svc.indexes, list(zip(catalogs, folders, strict=True)), out, config, folds, err,
                          cross_encoder=cross_encoder, weak_per_catalog=weak, weak_weight=weak_weight)
    command = "aisle " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(out, report, command)
    for cat, block in report["catalogs"].items():
        table = Table(title=f"{cat}: cross-validated dev nDCG@10 ({block['queries']} queries)")
        table.add_column("method")
        table.add_column("full", justify="right")
        table.add_column("rerank", justify="right")
        for m, v in block["methods"].items():
            table.add_row(m, f"{v.get('ndcg@10_full', float('nan')):.4f}", f"{v.get('ndcg@10_rerank'):.4f}")
        err.print(table)
    err.print(f"[green]saved[/] {out} (model card: {out / 'MODEL_CARD.md'})")


@train_app.command("feedback")
def train_feedback_cmd(
    index: Annotated[str | None, typer.Option(help="Index whose shoppers' feedback to learn (default: configured).")]
    = None,
    weight: Annotated[float | None, typer.Option(min=0.0, help="Stage weight (default: the evaluated one).")] = None,
    eta: Annotated[float, typer.Option(min=0.0, help="Position-bias exponent: P(look at k) = 1/k**eta.")] = 1.0,
    dry_run: Annotated[bool, typer.Option(help="Report what would change; write nothing.")] = False,
) -> None:
    """Learn from stored feedback events (thumbs, carts, questions, clicks): per-query boosts, position-bias
    corrected, written beside the index for the search's feedback stage. Prints what changed."""
    from retrieval.recommend.feedback import DEFAULT_FEEDBACK_WEIGHT, FeedbackBoosts, clicks_from_events

    svc = services()
    name = index or svc.settings.index_name
    try:
        searcher = svc.indexes.searcher(name)
    except LookupError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    clicks = clicks_from_events(svc.store.events())
    path = svc.indexes.feedback_file(name)
    old = FeedbackBoosts.load(path)
    new = FeedbackBoosts.fit(clicks, eta, DEFAULT_FEEDBACK_WEIGHT if weight is None else weight)
    table = Table(title=f"{name}: {new.events} feedback events over {len(new.boosts)} queries"
                        f" (before: {old.events} events, {len(old.boosts)} queries)")
    for col in ("query", "top-3 before", "top-3 after"):
        table.add_column(col)
    changed = 0
    for query in sorted(new.boosts):
        try:
            before = searcher.search(query, k=3, method="full")
            saved, searcher.feedback = searcher.feedback, new
            after = searcher.search(query, k=3, method="full")
        except ValueError:
            continue
        finally:
            searcher.feedback = saved
        a, b = [h.product.id for h in before.hits], [h.product.id for h in after.hits]
        if a != b:
            changed += 1
            table.add_row(query, ", ".join(a), ", ".join(b))
    out.print(table)
    out.print(f"{changed} of {len(new.boosts)} queries change their top 3; queries without feedback are untouched.")
    if dry_run:
        return
    new.save(path, {"trained_from": "aisle train feedback", "queries_changed_top3": changed})
    out.print(f"[green]wrote {path}[/] (the running server picks it up on its next search)")


@train_app.command("agent")
def train_agent_cmd(
    dialogues: Annotated[int, typer.Option(min=1, help="Training dialogues to generate.")] = 900,
    held_out: Annotated[int, typer.Option(min=1, help="Held-out dialogues to generate.")] = 80,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    device: Annotated[str | None, typer.Option(help="cpu or cuda (default: cuda when present).")] = None,
    out: Annotated[Path, typer.Option(help="Adapter folder.")] = Path("artifacts/agent_lora"),
    seed: int = 7,
    batch_size: int = 8,
    lr: float = 1e-3,
    rank: int = 8,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps (smoke runs).")] = None,
    skip_base: Annotated[bool, typer.Option(help="Do not evaluate the prompted base model.")] = False,
    init_adapter: Annotated[Path | None, typer.Option(help="Continue training this adapter.")] = None,
) -> None:
    """Generate dialogues, LoRA-tune the agent's model, evaluate base vs LoRA on held-out dialogues."""
    import shlex
    import sys

    from finetune.agent.card import write_agent_card
    from finetune.agent.pipeline import train_agent
    from finetune.agent.trainer import AgentTrainConfig

    svc = services()
    config = AgentTrainConfig(epochs=epochs, lr=lr, batch_size=batch_size, rank=rank, alpha=2 * rank, seed=seed,
                              device=device or svc.settings.resolved_device(), max_steps=max_steps,
                              init_adapter=str(init_adapter) if init_adapter else None)
    report = train_agent(svc.settings, svc.indexes, out, config, dialogues, held_out, err,
                         include_base=not skip_base)
    write_agent_card(out, report, "aisle " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    print_agent_eval(report["eval"])
    err.print(f"[green]saved[/] {out} (model card: {out / 'MODEL_CARD.md'})")


@export_app.command("agent")
def export_agent(
    adapter: Annotated[Path | None, typer.Option(help="Adapter folder (default: the configured/shipped one).")] = None,
    merged: Annotated[bool, typer.Option(help="Also build the merged model the llamacpp runtime serves.")] = True,
) -> None:
    """Write ADAPTER/adapter.gguf (llama.cpp LoRA) and the cached merged model the runtime loads."""
    from assistant.runtime.gguf_export import ExportError, export_lora_gguf, export_merged_gguf
    from assistant.runtime.loader import merged_gguf_path, resolve_adapter

    settings = services().settings
    folder = adapter or (Path(resolve_adapter(settings)) if resolve_adapter(settings) else None)
    if folder is None:
        err.print("[red]no adapter found: train one with `aisle train agent` or pass --adapter[/]")
        raise typer.Exit(1)
    try:
        lora = export_lora_gguf(folder, Path(settings.llm_path))
        err.print(f"[green]LoRA[/] {lora.path} ({lora.tensors} weights, {lora.bytes / 1e6:.1f} MB)")
        if merged:
            qtype = settings.llm_merged_qtype
            target = merged_gguf_path(str(folder), settings.llm_path, settings, qtype)
            target.parent.mkdir(parents=True, exist_ok=True)
            full = export_merged_gguf(folder, Path(settings.llm_path), target, qtype)
            err.print(f"[green]merged[/] {full.path} ({full.bytes / 1e6:.1f} MB)")
    except (ExportError, FileNotFoundError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc


@export_app.command("staff-edits")
def export_staff_edits(
    out_path: Annotated[Path, typer.Option("--out", help="JSONL file to write.")] = Path("artifacts/staff_edits.jsonl"),
    edited_only: Annotated[bool, typer.Option(help="Only replies staff changed before approving.")] = False,
) -> None:
    """Write the copilot approvals as preference pairs (staff's reply chosen, the suggestion rejected), with the
    conversation each answered: training signal for the agent's reply step."""
    from finetune.agent.staff_edits import staff_edits, write_staff_edits

    edits = staff_edits(services().store, edited_only=edited_only)
    n = write_staff_edits(edits, out_path)
    changed = sum(e.edited for e in edits)
    out.print(f"[green]wrote {out_path}[/]: {n} approved replies, {changed} edited by staff")
