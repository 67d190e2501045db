"""The `aisle` command line: index, search, evaluate (and, as they land, train, chat, serve)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aisle.settings import get_settings

app = typer.Typer(help="Aisle: a conversational shopping assistant.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
eval_app = typer.Typer(help="Measure search and ranking quality against human judgements.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
train_app = typer.Typer(help="Fine-tune Aisle's models.", no_args_is_help=True)
app.add_typer(train_app, name="train")
export_app = typer.Typer(help="Export trained models for the compiled runtime.", no_args_is_help=True)
app.add_typer(export_app, name="export")
SHARED_DATA = Path("../shared/data")

out = Console()
err = Console(stderr=True)

EXIT_REJECTS = 3  # the index was built, but some catalog rows were rejected

CatalogOpt = Annotated[str, typer.Option("--catalog", help="demo, a CSV/TSV/JSONL/JSON/Parquet file, or a "
                                         "folder laid out like ../shared/data/chorus_icecat or esci_opensearch_subset")]


def _load_and_index(catalog: str, name: str | None, mapping: Path | None, force: bool, quiet: bool = False):
    from retrieval.catalog.mapping import ColumnMapping
    from retrieval.indexing import NoValidProductsError, ensure_index

    column_mapping = ColumnMapping.from_file(mapping) if mapping else None
    try:
        report, result = ensure_index(catalog, name, column_mapping, force, console=err)
    except NoValidProductsError as exc:
        err.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(1) from exc
    if report.rejects:
        err.print(f"[yellow]Rejected {len(report.rejects):,} row(s)[/] from {report.source}:")
        for reject in report.rejects[:50]:
            err.print(f"  {reject}", markup=False, highlight=False)
        if len(report.rejects) > 50:
            err.print(f"  ... and {len(report.rejects) - 50:,} more")
    if not quiet:
        state = "already up to date" if result.unchanged else (
            f"{result.embedded:,} embedded, {result.reused:,} reused from cache")
        err.print(f"[green]Index {result.name!r}[/] ({result.generation}): {result.products:,} products, "
                  f"{state}, {result.seconds:.1f}s")
    return report, result


@app.command()
def index(
    catalog: CatalogOpt = "demo",
    name: Annotated[str | None, typer.Option(help="Index name (default: derived from the catalog).")] = None,
    mapping: Annotated[Path | None, typer.Option(help="JSON column mapping for a user file.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the catalog is unchanged.")] = False,
    rejects_json: Annotated[Path | None, typer.Option(help="Write the rejects report here as JSON.")] = None,
) -> None:
    """Load a catalog and build (or refresh) its search index. Exit code 3 when rows were rejected."""
    try:
        report, _ = _load_and_index(catalog, name, mapping, force)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if rejects_json:
        rejects_json.write_text(json.dumps([r.__dict__ for r in report.rejects], indent=2))
    if report.rejects:
        raise typer.Exit(EXIT_REJECTS)


def _ensure_default_index(index_name: str) -> None:
    """The demo index builds itself on first use so that a fresh install searches at once."""
    from retrieval.index_builder import read_manifest

    if index_name == "demo" and read_manifest("demo", get_settings()) is None:
        err.print("Building the demo index (first use)...")
        _load_and_index("demo", "demo", None, False, quiet=True)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What the shopper is looking for.")],
    index_name: Annotated[str | None, typer.Option("--index", help="Index to search.")] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=200)] = 10,
    min_price: Annotated[float | None, typer.Option(min=0)] = None,
    max_price: Annotated[float | None, typer.Option(min=0)] = None,
    brand: Annotated[list[str] | None, typer.Option(help="Allowed brand (repeatable).")] = None,
    exclude_brand: Annotated[list[str] | None, typer.Option(help="Excluded brand (repeatable).")] = None,
    category: Annotated[str | None, typer.Option()] = None,
    colour: Annotated[str | None, typer.Option("--colour", "--color")] = None,
    min_rating: Annotated[float | None, typer.Option(min=0, max=5)] = None,
    in_stock: Annotated[bool, typer.Option(help="Only products not known to be out of stock.")] = False,
    method: Annotated[str, typer.Option(help="full (hybrid + fine-tuned ranker), hybrid, dense or bm25.")] = "full",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Search a catalog index with hard filters; shows each stage's score."""
    from pydantic import ValidationError

    from retrieval.filters import SearchFilters
    from retrieval.search import IndexNotFoundError, get_searcher

    name = index_name or get_settings().index_name
    try:
        filters = SearchFilters(min_price=min_price, max_price=max_price, brands=brand or [],
                                exclude_brands=exclude_brand or [], category=category, colour=colour,
                                min_rating=min_rating, in_stock=in_stock)
        if method not in ("full", "hybrid", "dense", "bm25"):
            raise ValueError(f"unknown method {method!r} (full, hybrid, dense or bm25)")
        _ensure_default_index(name)
        response = get_searcher(name).search(query, filters, k, method)  # type: ignore[arg-type]
    except (ValidationError, ValueError, IndexNotFoundError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps({"query": response.query, "filters": filters.model_dump(exclude_defaults=True),
                          "results": [h.to_dict() for h in response.hits],
                          "timings_ms": {k_: round(v, 2) for k_, v in response.timings_ms.items()}}))
        return
    table = Table(title=f"{len(response.hits)} result(s) for {response.query!r}")
    for col in ("#", "id", "title", "price", "rating", "stock", "score", "dense", "lexical"):
        table.add_column(col)
    for i, hit in enumerate(response.hits, start=1):
        p = hit.product
        stock = "?" if p.in_stock is None else ("in" if p.in_stock else "out")
        table.add_row(str(i), p.id, p.title[:70], p.display_price(), f"{p.rating or '-'}", stock,
                      f"{hit.score:.3f}", f"{hit.stages.get('dense', 0):.3f}", f"{hit.stages.get('lexical', 0):.2f}")
    out.print(table)
    out.print(", ".join(f"{k_} {v:.1f} ms" for k_, v in response.timings_ms.items()))


@eval_app.command("ranking")
def eval_ranking(
    catalog: CatalogOpt,
    judgments: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data/<catalog>.")],
    k: Annotated[int, typer.Option("--k", min=1)] = 10,
    method: Annotated[list[str] | None, typer.Option(help="Methods to run (default: all available).")] = None,
    per_query: Annotated[bool, typer.Option(help="Print a per-query table.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on the last line.")] = False,
) -> None:
    """nDCG@k (full-catalog and rerank-of-judged), MRR and Recall@100 for every method."""
    from retrieval.evaluation.judgments import load_judgments
    from retrieval.evaluation.methods import available_methods
    from retrieval.evaluation.runner import evaluate_method
    from retrieval.search import Searcher

    try:
        judged = load_judgments(judgments)
        _, result = _load_and_index(catalog, None, None, False, quiet=True)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    searcher = Searcher(result.name)
    known = set(searcher.lexical.all_ids())
    methods = available_methods(searcher)
    chosen = method or list(methods)
    unknown = [m for m in chosen if m not in methods]
    if unknown:
        err.print(f"[red]unknown or unavailable method(s): {', '.join(unknown)}; available: {', '.join(methods)}[/]")
        raise typer.Exit(1)
    reports = {m: evaluate_method(methods[m], judged, known, k, progress=not as_json) for m in chosen}
    summary = {m: r.summary(k) for m, r in reports.items()}
    table = Table(title=f"{judged.kind.value}: {len(judged.queries)} judged queries")
    table.add_column("method")
    metric_names = [f"ndcg@{k}_full", f"ndcg@{k}_rerank", "mrr", "recall@100"]
    for metric in metric_names:
        table.add_column(metric, justify="right")
    for m, s in summary.items():
        table.add_row(m, *(f"{s.get(x, 0):.4f}" for x in metric_names))
    (err if as_json else out).print(table)
    if per_query:
        pq = Table(title="per query (nDCG full / rerank)")
        pq.add_column("query")
        for m in chosen:
            pq.add_column(m, justify="right")
        for q in judged.queries:
            cells = []
            for m in chosen:
                row = reports[m].per_query.get(q)
                cells.append(f"{row[f'ndcg@{k}_full']:.3f} / {row[f'ndcg@{k}_rerank']:.3f}" if row else "-")
            pq.add_row(q, *cells)
        (err if as_json else out).print(pq)
    if as_json:
        print(json.dumps(summary))


@eval_app.command("tune-fusion")
def eval_tune_fusion(
    catalog: Annotated[list[str], typer.Option(help="Catalog (repeat; pairs with --judgments in order).")],
    judgments: Annotated[list[Path], typer.Option(help="Judgement folder for each --catalog.")],
    folds: Annotated[int, typer.Option(min=2)] = 5,
    write: Annotated[bool, typer.Option(help="Store the chosen weight as the package default.")] = False,
) -> None:
    """Cross-validate the hybrid fusion weight over judged queries of one or more catalogs."""
    from importlib import resources

    from retrieval.evaluation.judgments import load_judgments
    from retrieval.evaluation.tune_fusion import collect, cross_validate, write_params
    from retrieval.search import Searcher

    if len(catalog) != len(judgments):
        err.print("[red]give one --judgments folder per --catalog[/]")
        raise typer.Exit(1)
    rows = []
    for cat, folder in zip(catalog, judgments, strict=True):
        _, result = _load_and_index(cat, None, None, False, quiet=True)
        rows.extend(collect(Searcher(result.name), load_judgments(folder)))
    result = cross_validate(rows, folds)
    out.print_json(json.dumps(result))
    if write:
        path = Path(str(resources.files("retrieval") / "data" / "fusion_params.json"))
        write_params(result, path)
        err.print(f"[green]wrote {path}[/]")


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
) -> None:
    """Cross-validated fine-tuning of the relevance classifier; writes adapter, fusion weights and model card."""
    import shlex
    import sys

    from finetune.ranker.card import write_card
    from finetune.ranker.pipeline import train_ranker
    from finetune.ranker.trainer import TrainConfig

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
                         queries_per_step=queries_per_step, device=device or get_settings().resolved_device())
    report = train_ranker(list(zip(catalogs, folders, strict=True)), out, config, folds, err)
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

    config = AgentTrainConfig(epochs=epochs, lr=lr, batch_size=batch_size, rank=rank, alpha=2 * rank, seed=seed,
                              device=device or get_settings().resolved_device(), max_steps=max_steps,
                              init_adapter=str(init_adapter) if init_adapter else None)
    report = train_agent(out, config, dialogues, held_out, err, include_base=not skip_base)
    write_agent_card(out, report, "aisle " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    _print_agent_eval(report["eval"])
    err.print(f"[green]saved[/] {out} (model card: {out / 'MODEL_CARD.md'})")


def _print_agent_eval(results: dict, title: str = "held-out agent evaluation") -> None:
    table = Table(title=title)
    for col in ("model", "runtime", "tool acc", "arg F1", "arg exact", "JSON valid", "calls valid",
                "unknown tools", "ungrounded (model)", "ungrounded (shown)"):
        table.add_column(col, justify="right")
    for name, m in results.items():
        rt = m.get("runtime", {})
        runtime = f"{rt.get('name', '?')}{' + grammar' if rt.get('grammar') else ''}"
        attempted = m.get("call_json_valid")
        table.add_row(name, runtime, f"{m['tool_accuracy']:.4f}", f"{m['arg_f1']:.4f}", f"{m['arg_exact_match']:.4f}",
                      f"{m['json_valid']:.4f}", "-" if attempted is None else f"{attempted:.4f}",
                      str(m.get("unknown_tool_calls", "-")), str(m["ungrounded_facts_raw"]),
                      str(m["ungrounded_facts"]))
        if "guarded" in m:
            g = m["guarded"]
            table.add_row(f"{name} + guard", "", f"{g['tool_accuracy']:.4f}", f"{g['arg_f1']:.4f}",
                          f"{g['arg_exact_match']:.4f}", f"{g['json_valid']:.4f}", "",
                          str(g.get("unknown_tool_calls", "-")), "", "")
    err.print(table)
    err.print("raw: the calls as the model wrote them; + guard: after the agent's run-time argument guard. "
              "JSON valid: valid calls / expected calls; calls valid: valid / outputs that started a JSON call")


@export_app.command("agent")
def export_agent(
    adapter: Annotated[Path | None, typer.Option(help="Adapter folder (default: the configured/shipped one).")] = None,
    merged: Annotated[bool, typer.Option(help="Also build the merged model the llamacpp runtime serves.")] = True,
) -> None:
    """Write ADAPTER/adapter.gguf (llama.cpp LoRA) and the cached merged model the runtime loads."""
    from assistant.runtime.gguf_export import ExportError, export_lora_gguf, export_merged_gguf
    from assistant.runtime.loader import merged_gguf_path, resolve_adapter

    settings = get_settings()
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


class AgentEvalSet(StrEnum):
    generated = "generated"
    handwritten = "handwritten"
    both = "both"


@eval_app.command("agent")
def eval_agent(
    dialogues: Annotated[int, typer.Option(min=1, help="Held-out dialogues to generate.")] = 80,
    adapter: Annotated[str | None, typer.Option(help="Adapter folder (default: the shipped one).")] = None,
    base: Annotated[bool, typer.Option(help="Also evaluate the prompted base model.")] = True,
    runtime: Annotated[str | None, typer.Option(help="llamacpp or transformers (default: AISLE_LLM_RUNTIME).")] = None,
    grammar: Annotated[bool, typer.Option(help="Tool steps under the tools' grammar (llamacpp).")] = True,
    eval_set: Annotated[AgentEvalSet, typer.Option(
        "--set", help="generated held-out dialogues, the hand-written held-out turns, or both.")] = AgentEvalSet.both,
    errors: Annotated[int, typer.Option(min=0, help="Print up to this many failed turns per set and model.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on the last line.")] = False,
) -> None:
    """Tool accuracy, argument F1, JSON validity and ungrounded facts on held-out dialogues.

    The JSON holds the generated set's results per model at the top level and the hand-written
    set's under "handwritten"."""
    from assistant.runtime.loader import resolve_adapter
    from finetune.agent.heldout_set import handwritten_examples
    from finetune.agent.pipeline import eval_model_sets, held_out_examples

    settings = get_settings()
    if runtime:
        if runtime not in ("llamacpp", "transformers"):
            err.print(f"[red]--runtime must be llamacpp or transformers, not {runtime!r}[/]")
            raise typer.Exit(2)
        settings = settings.model_copy(update={"llm_runtime": runtime})
    if not grammar:
        settings = settings.model_copy(update={"llm_grammar": False})
    adapter_path = adapter or resolve_adapter(settings)
    if adapter_path is None and not base:
        err.print("[red]no adapter found: train one with `aisle train agent` or pass --adapter[/]")
        raise typer.Exit(1)
    sets = {}
    if eval_set in (AgentEvalSet.generated, AgentEvalSet.both):
        sets["generated"] = held_out_examples(dialogues, progress=not as_json)
    if eval_set in (AgentEvalSet.handwritten, AgentEvalSet.both):
        _ensure_default_index("demo")
        sets["handwritten"] = handwritten_examples(index="demo")
    results = eval_model_sets(sets, adapter_path, base, err, settings=settings)
    titles = {"generated": "held-out agent evaluation (generated dialogues)",
              "handwritten": f"held-out agent evaluation (hand-written turns, {len(sets.get('handwritten', []))})"}
    for set_name, by_model in results.items():
        _print_agent_eval(by_model, titles[set_name])
        for model, metrics in by_model.items():
            for e in metrics["errors"][:errors]:
                err.print(f"{set_name}/{model}: {e['input']!r}\n  expected {e['gold']}\n  got      {e['output']}",
                          markup=False, highlight=False)
    if as_json:
        payload = {name: _without_errors(m) for name, m in results.get("generated", {}).items()}
        if "handwritten" in results:
            payload["handwritten"] = {name: _without_errors(m) for name, m in results["handwritten"].items()}
        print(json.dumps(payload))


def _without_errors(metrics: dict) -> dict:
    return {k: _without_errors(v) if isinstance(v, dict) and k == "guarded" else v
            for k, v in metrics.items() if k != "errors"}


@app.command()
def chat(
    index_name: Annotated[str | None, typer.Option("--index", help="Catalog index (default: demo).")] = None,
    session: Annotated[str | None, typer.Option(help="Session id, to continue a conversation's cart.")] = None,
    script: Annotated[Path | None, typer.Option(help="Read shopper turns from this file (one per line).")] = None,
    show_tools: Annotated[bool, typer.Option(help="Print tool calls.")] = True,
) -> None:
    """Talk to the assistant in the terminal (type 'quit' to leave)."""
    from assistant.agent import get_agent
    from assistant.session import ShopSession

    name = index_name or get_settings().index_name
    _ensure_default_index(name)
    agent = get_agent()
    shop = ShopSession(index=name) if session is None else ShopSession(session_id=session, index=name)
    lines = script.read_text().splitlines() if script else None
    while True:
        if lines is not None:
            if not lines:
                break
            text = lines.pop(0)
            out.print(f"[bold cyan]you>[/] {text}")
        else:
            try:
                text = input("you> ")
            except EOFError:
                break
        if text.strip().lower() in {"quit", "exit"}:
            break
        out.print("[bold green]aisle>[/] ", end="")
        streamed = False
        for event in agent.stream_turn(shop, text):
            if event.kind == "tool_call" and show_tools:
                out.print(f"\n  [dim]tool {event.data['name']} {json.dumps(event.data['args'])}[/]", highlight=False)
            elif event.kind == "token":
                out.print(event.data, end="", highlight=False, markup=False)
                streamed = True
            elif event.kind == "replace":
                out.print("\n  [dim](reply replaced by the catalog template: a fact was not in the results)[/]")
                streamed = False
            elif event.kind == "done":
                result = event.data
                if not streamed:
                    out.print(f"\n{result.reply}", highlight=False, markup=False)
                else:
                    out.print()
                for c in result.cards:
                    out.print(f"   [{c['position'] or '-'}] {c['title']} | {c['display_price']} | "
                              f"{c['rating'] or '-'} stars | {c['stock']}", highlight=False, markup=False)
                cart = shop.store.cart(shop.session_id)
                if cart:
                    out.print("   cart: " + "; ".join(f"{x.quantity} x {x.title}" for x in cart), highlight=False,
                              markup=False)
                out.print(f"   [dim]{result.timings.get('total_s', 0):.1f} s[/]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    index_name: Annotated[str | None, typer.Option("--index", help="Catalog index (default: demo).")] = None,
) -> None:
    """The web app: shopper chat at /, staff copilot at /copilot."""
    import os
    import time

    import uvicorn

    started = time.perf_counter()
    if index_name:
        os.environ["AISLE_INDEX_NAME"] = index_name
        get_settings.cache_clear()
    _ensure_default_index(get_settings().index_name)
    from ui.server import create_app

    application = create_app(log=lambda m: err.print(m, markup=False, highlight=False))
    err.print(f"[green]Aisle is ready[/] on http://{host}:{port}/ (copilot: /copilot) "
              f"after {time.perf_counter() - started:.1f}s")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("test-dialogues")
def test_dialogues(
    paths: Annotated[list[Path], typer.Argument(help="Scenario YAML files or folders (fixtures/ is skipped).")],
    repeat: Annotated[int, typer.Option(min=1, help="Run each scenario k times; it passes only if all pass.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write a report: out.json or out.html.")] = None,
    validate_only: Annotated[bool, typer.Option("--validate", help="Only check the scripts' format.")] = False,
) -> None:
    """Scripted dialogue regression tests; exit 0 when every scenario passes every repeat."""
    from assistant.scenarios.script import ScriptError, discover, load_script

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
    from assistant.agent import get_agent
    from assistant.scenarios.report import write_report
    from assistant.scenarios.runner import DialogueRunner, failure_text

    if report and report.suffix.lower() not in (".json", ".html", ".htm"):
        err.print("[red]--report must end in .json or .html[/]")
        raise typer.Exit(2)
    _ensure_default_index("demo")
    runner = DialogueRunner(get_agent())

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


@app.command("simulate")
def simulate(
    index_names: Annotated[list[str] | None, typer.Option("--index", help="Catalog index(es) (default: demo).")] = None,
    conversations: Annotated[int, typer.Option(min=1, help="Conversations per index.")] = 30,
    seed: Annotated[int, typer.Option(help="Seed: the same seed plays the same shoppers.")] = 0,
    report: Annotated[Path | None, typer.Option(help="Write the report (failing transcripts too) as JSON.")] = None,
    min_pass_rate: Annotated[float, typer.Option(min=0, max=1, help="Exit 1 below this share of passing "
                                                                    "conversations.")] = 0.0,
) -> None:
    """Goal-driven simulated shoppers chat with the agent; every turn is checked against invariants."""
    from assistant.agent import get_agent
    from assistant.simulator.run import Simulator, demo_orders, markdown, merge
    from retrieval.search import get_searcher

    names = index_names or ["demo"]
    agent = get_agent()
    reports = []
    for name in names:
        _ensure_default_index(name)
        simulator = Simulator(agent, get_searcher(name), name, orders=demo_orders() if name == "demo" else [])

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


def main() -> None:
    """The `aisle` command: a missing or broken model artifact is one line naming its fix, not a traceback."""
    from assistant.runtime.gguf_export import ExportError

    try:
        app()
    except ExportError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
