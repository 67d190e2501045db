"""`aisle eval ...`: search and ranking quality against judgements, and the agent on held-out turns."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from app.cli.common import CatalogOpt, ensure_default_index, err, load_and_index, out, services

eval_app = typer.Typer(help="Measure search and ranking quality against human judgements.", no_args_is_help=True)


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
    svc = services()
    try:
        judged = load_judgments(judgments)
        _, result = load_and_index(svc, catalog, None, None, False, quiet=True)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    searcher = svc.indexes.searcher(result.name)
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


def judged_searchers(catalogs: list[str], judgments: list[Path]):
    """(searcher, judgements) per --catalog/--judgments pair, each catalog indexed if needed."""
    from retrieval.evaluation.judgments import load_judgments

    if len(catalogs) != len(judgments):
        err.print("[red]give one --judgments folder per --catalog[/]")
        raise typer.Exit(1)
    svc = services()
    for cat, folder in zip(catalogs, judgments, strict=True):
        _, result = load_and_index(svc, cat, None, None, False, quiet=True)
        yield svc.indexes.searcher(result.name), load_judgments(folder)


@eval_app.command("tune-fusion")
def eval_tune_fusion(
    catalog: Annotated[list[str], typer.Option(help="Catalog (repeat; pairs with --judgments in order).")],
    judgments: Annotated[list[Path], typer.Option(help="Judgement folder for each --catalog.")],
    folds: Annotated[int, typer.Option(min=2)] = 5,
    write: Annotated[bool, typer.Option(help="Store the chosen weight as the package default.")] = False,
) -> None:
    """Cross-validate the hybrid fusion weight over judged queries of one or more catalogs."""
    from importlib import resources

    from retrieval.evaluation.tune_fusion import collect, cross_validate, write_params

    rows = [row for searcher, judged in judged_searchers(catalog, judgments) for row in collect(searcher, judged)]
    result = cross_validate(rows, folds)
    out.print_json(json.dumps(result))
    if write:
        path = Path(str(resources.files("retrieval") / "data" / "fusion_params.json"))
        write_params(result, path)
        err.print(f"[green]wrote {path}[/]")


def _tune_stage(stage: Literal["type", "negation"], catalog: list[str], judgments: list[Path], folds: int,
                write: bool, report: Path | None, typos: bool = False, plot: Path | None = None) -> None:
    """Cross-validate a marking stage's two weights (``retrieval/evaluation/tune_type.py``), print the summary, and
    optionally store them as the package default."""
    from retrieval import negation, type_boost
    from retrieval.evaluation.tune_type import LABELS, collect, cross_validate
    from retrieval.type_boost import TypeBoost

    if write and typos:
        err.print("[red]--write stores weights tuned on the judged queries as typed, not on misspelt ones[/]")
        raise typer.Exit(2)
    rows = [row for searcher, judged in judged_searchers(catalog, judgments)
            for row in collect(searcher, judged, typos=typos, stage=stage)]
    result = cross_validate(rows, folds, stage=stage)
    if report:
        report.write_text(json.dumps(result, indent=1) + "\n")
    if plot:
        from retrieval.evaluation.plots import plot_wins_losses

        plot_wins_losses(result, plot, f"{LABELS[stage][1]} (out of fold) vs hybrid, full-catalog nDCG@10"
                         + (", misspelt queries" if typos else ""))
    summary = {k: v for k, v in result.items() if k != "catalogs"} | {
        "catalogs": {c: {k: v for k, v in e.items() if k != "per_query"} for c, e in result["catalogs"].items()}}
    out.print_json(json.dumps(summary))
    if write:
        path = type_boost.default_path() if stage == "type" else negation.default_path()
        kept = {k: v for k, v in summary.items() if k not in ("match", "mismatch", "grid_full")}
        TypeBoost(result["match"], result["mismatch"]).save(path, kept)
        err.print(f"[green]wrote {path}[/]")


# the options both stage-tuning commands take
_Catalogs = Annotated[list[str], typer.Option("--catalog", help="Catalog (repeat; pairs with --judgments in order).")]
_Judgments = Annotated[list[Path], typer.Option("--judgments", help="Judgement folder for each --catalog.")]
_Folds = Annotated[int, typer.Option(min=2)]
_Write = Annotated[bool, typer.Option(help="Store the chosen weights as the package default.")]
_Report = Annotated[Path | None, typer.Option(help="Also write the full report (per query) here.")]
_Plot = Annotated[Path | None, typer.Option(help="Write the per-query win/loss plot (PNG) here.")]


@eval_app.command("tune-type")
def eval_tune_type(
    catalog: _Catalogs, judgments: _Judgments, folds: _Folds = 5, write: _Write = False, report: _Report = None,
    typos: Annotated[bool, typer.Option(help="Misspell the judged queries first (typo tolerance).")] = False,
    plot: _Plot = None,
) -> None:
    """Cross-validate the product-type stage's weights; paired tests against hybrid per catalog."""
    _tune_stage("type", catalog, judgments, folds, write, report, typos, plot)


@eval_app.command("tune-negation")
def eval_tune_negation(catalog: _Catalogs, judgments: _Judgments, folds: _Folds = 5, write: _Write = False,
                       report: _Report = None, plot: _Plot = None) -> None:
    """Cross-validate the negation stage's weights ("knife set without block"); paired tests per catalog against
    hybrid and against the search before the stage."""
    _tune_stage("negation", catalog, judgments, folds, write, report, plot=plot)


class RecommendPart(StrEnum):
    similar = "similar"
    personalization = "personalization"
    feedback = "feedback"
    accessories = "accessories"


@eval_app.command("recommend")
def eval_recommend(
    catalog: Annotated[list[str], typer.Option(help="Catalog (repeat; pairs with --judgments in order).")],
    judgments: Annotated[list[Path], typer.Option(help="Judgement folder for each --catalog.")],
    part: Annotated[list[RecommendPart] | None, typer.Option(help="Evaluations to run (default: all).")] = None,
    sources: Annotated[int | None, typer.Option(min=10, help="A seeded sample of source products per catalog.")]
    = None,
    folds: Annotated[int, typer.Option(min=2)] = 5,
    seed: int = 0,
    write: Annotated[bool, typer.Option(help="Store the chosen weights as the package defaults.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on the last line.")] = False,
) -> None:
    """Recommendation offline: similar items against cosine kNN and title BM25 (out of fold, paired over
    source products); personalization with simulated shoppers (preference-match@5 and nDCG@10 after 0-3
    signals, out of fold, paired against no signals)."""
    parts = set(part or list(RecommendPart))
    pairs = list(judged_searchers(catalog, judgments))
    summary: dict = {}
    console = err if as_json else out
    if RecommendPart.similar in parts:
        summary["similar_items"] = _similar_items(pairs, sources, seed, folds, write, console)
    if RecommendPart.personalization in parts:
        summary["personalization"] = _personalization(pairs, seed, folds, write, console)
    if RecommendPart.feedback in parts:
        summary["feedback"] = _feedback_loop(pairs, seed, console)
    if RecommendPart.accessories in parts:
        summary["accessories"] = _accessories(pairs, console)
    if as_json:
        print(json.dumps(summary))


def _similar_items(pairs, sources, seed: int, folds: int, write: bool, console) -> dict:
    from retrieval.evaluation.similar_eval import collect, evaluate
    from retrieval.recommend.similar import SimilarItems, default_path

    cases = []
    for searcher, judged in pairs:
        cases += collect(SimilarItems(searcher), searcher.name, judged, sources, seed, folds)
    report = evaluate(cases, folds)
    table = Table(title="similar items: neighbours = products judged relevant to the same query")
    for col in ("catalog", "sources", "metric", "knn", "bm25 titles", "similar (OOF)", "delta vs knn [95% CI]", "p"):
        table.add_column(col)
    for name, rows in report.per_catalog.items():
        for metric, test in (("ndcg@10", rows["similar_vs_knn_ndcg"]), ("recall@10", rows["similar_vs_knn_recall"])):
            m = rows[metric]
            delta = f"{test['delta']:+.4f} [{test['ci_low']:+.4f}, {test['ci_high']:+.4f}]"
            table.add_row(name, str(rows["n_sources"]), metric, f"{m['knn']:.4f}", f"{m['bm25_titles']:.4f}",
                          f"{m['similar']:.4f}", delta, f"{test['p_value']:.4f}")
    console.print(table)
    console.print(f"weights (all sources): {report.weights}")
    if write:
        report.weights.save(default_path(), {"chosen_by": "aisle eval recommend (grid, mean of per-catalog nDCG@10)",
                                             "catalogs": {c: {"n_sources": r["n_sources"], "ndcg@10": r["ndcg@10"]}
                                                          for c, r in report.per_catalog.items()}})
        err.print(f"[green]wrote {default_path()}[/]")
    return report.to_dict()


def _accessories(pairs, console) -> dict:
    from retrieval.evaluation.accessories_eval import evaluate
    from retrieval.recommend.accessories import compatibility_index

    results = {}
    for searcher, _ in pairs:
        index, _related = compatibility_index(searcher)
        if not index.has_data:
            console.print(f"{searcher.name}: no compatibility lists in the catalog; accessories not evaluated")
            continue
        results[searcher.name] = r = evaluate(searcher, index)
        t = r["text_vs_knn_precision"]
        console.print(f"{searcher.name}: {r['products_with_compatible_accessories']} products with listed accessories; "
                      f"precision@5 text {r['precision@5']['text']:.4f} vs knn {r['precision@5']['knn']:.4f} "
                      f"({t['delta']:+.4f} [{t['ci_low']:+.4f}, {t['ci_high']:+.4f}], p={t['p_value']:.4f}); "
                      f"text answers {r['text_answers_something']:.0%}. {r['note']}")
    return results


def _feedback_loop(pairs, seed: int, console, sessions: int = 20) -> dict:
    """The simulated feedback stream, written to a real store and read back as serving records it."""
    import tempfile

    from assistant.storage import FeedbackEvent, Store
    from retrieval.evaluation.feedback_eval import evaluate, simulate, split
    from retrieval.recommend.feedback import clicks_from_events

    split_pairs = [(searcher, split(searcher, searcher.name, judged, seed)) for searcher, judged in pairs]
    clicks = simulate([r for _, rows in split_pairs for r in rows], sessions, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "feedback.sqlite")
        for n, c in enumerate(clicks):
            store.record_event(f"sim-{n % 50}", f"sim-{n % 50}", FeedbackEvent(c.kind, c.product_id, c.query, (),
                                                                               c.position))
        stored = clicks_from_events(store.events())
    report = evaluate(split_pairs, stored)
    table = Table(title=f"learning from feedback: {report['events']} simulated clicks, weight per fold "
                        f"{report['fold_weights']}")
    for col in ("catalog", "queries", "feedback", "nDCG@10 before", "after (OOF)", "delta [95% CI]", "p"):
        table.add_column(col)
    for name, entry in report["catalogs"].items():
        for part, e in entry.items():
            t = e["paired"]
            table.add_row(name, str(e["queries"]), part, f"{e['ndcg@10_before']:.4f}", f"{e['ndcg@10_after']:.4f}",
                          f"{t['delta']:+.4f} [{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]", f"{t['p_value']:.4f}")
    console.print(table)
    return report


def _personalization(pairs, seed: int, folds: int, write: bool, console) -> dict:
    from retrieval.evaluation.personalization_eval import collect, evaluate
    from retrieval.recommend.profile import Personalizer, default_path

    shoppers = [s for searcher, judged in pairs for s in collect(searcher, searcher.name, judged, seed, folds)]
    report = evaluate(shoppers, folds)
    table = Table(title=f"personalization (out of fold, weight {report.fold_weights} per fold)")
    for col in ("catalog", "shoppers", "signals", "match@5", "delta [95% CI]", "nDCG@10", "delta [95% CI]"):
        table.add_column(col)
    for name, e in report.per_catalog.items():
        for n in range(len(e["match@5"])):
            m = e["match_vs_0_signals"][n - 1] if n else None
            d = e["ndcg_vs_0_signals"][n - 1] if n else None
            table.add_row(name, str(e["shoppers"]), str(n), f"{e['match@5'][n]:.4f}",
                          f"{m['delta']:+.4f} [{m['ci_low']:+.4f}, {m['ci_high']:+.4f}]" if m else "",
                          f"{e['ndcg@10'][n]:.4f}",
                          f"{d['delta']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]" if d else "")
    console.print(table)
    if write:
        Personalizer(report.weight).save(default_path(), {
            "chosen_by": "aisle eval recommend --part personalization (largest match@5 within the nDCG bound)",
            "catalogs": {c: {k: e[k] for k in ("shoppers", "match@5", "ndcg@10")}
                         for c, e in report.per_catalog.items()}})
        err.print(f"[green]wrote {default_path()}[/]")
    return report.to_dict()


def _indexed_searcher(catalog: str):
    """The searcher of the catalog's index, built (or reused) first; a bad catalog exits with its message."""
    svc = services()
    try:
        _, result = load_and_index(svc, catalog, None, None, False, quiet=True)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    return svc.indexes.searcher(result.name)


def _print_paired_shares(name: str, title: str, texts: list[str], labels: tuple[str, str],
                         before: list[float], after: list[float], k: int, as_json: bool) -> None:
    """Per-query shares of two search settings side by side, then their paired test (one JSON line with --json)."""
    from retrieval.evaluation.significance import paired_test

    table = Table(title=f"{name}: {len(texts)} {title}")
    for col in ("query", *labels):
        table.add_column(col)
    for text, b, a in zip(texts, before, after, strict=True):
        table.add_row(text, f"{b:.2f}", f"{a:.2f}")
    (err if as_json else out).print(table)
    test = paired_test(before, after)
    summary = {"index": name, "queries": len(texts), "k": k, labels[0].replace(" ", "_"): round(test.mean_a, 4),
               labels[1]: round(test.mean_b, 4), "paired": test.to_dict()}
    (err if as_json else out).print(summary)
    if as_json:
        print(json.dumps(summary))


@eval_app.command("types")
def eval_types(
    catalog: CatalogOpt,
    k: Annotated[int, typer.Option("--k", min=1)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on the last line.")] = False,
) -> None:
    """Share of the top-k results of the product type a query names, hybrid vs the default search (paired)."""
    from retrieval.evaluation.type_queries import type_queries, type_share_at_k

    searcher = _indexed_searcher(catalog)
    queries = type_queries(searcher)
    _print_paired_shares(searcher.name, f"product-type queries, share of top {k} of the type asked for",
                         [q.text for q in queries], ("hybrid", "full"), type_share_at_k(searcher, queries, "hybrid", k),
                         type_share_at_k(searcher, queries, "full", k), k, as_json)


@eval_app.command("specs")
def eval_specs(
    catalog: CatalogOpt,
    k: Annotated[int, typer.Option("--k", min=1)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on the last line.")] = False,
) -> None:
    """Share of the top-k results stating the amount a query asks for ("64 gig"), without and with the spec stage."""
    from retrieval.evaluation.spec_queries import spec_queries, spec_share_at_k

    searcher = _indexed_searcher(catalog)
    queries = spec_queries(searcher)
    if not queries:
        err.print(f"[red]{searcher.name}: no product type has 3+ products stating the same amount in their titles[/]")
        raise typer.Exit(1)
    without = tuple(stage for stage in searcher.STAGES["full"] if stage != "spec")
    _print_paired_shares(searcher.name, f"queries with an amount, share of top {k} stating it",
                         [q.text for q in queries], ("without spec", "full"),
                         spec_share_at_k(searcher, queries, without, k), spec_share_at_k(searcher, queries, "full", k),
                         k, as_json)


def print_agent_eval(results: dict, title: str = "held-out agent evaluation") -> None:
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
    errors: Annotated[int, typer.Option(
        min=0, help="Print up to this many failed turns per set and model, as written and after the guard.")] = 0,
    handwritten_file: Annotated[Path | None, typer.Option(
        help="Another hand-written set in the same format (default: the packaged one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on the last line.")] = False,
    served_only: Annotated[bool, typer.Option(
        "--served-only", help="Hand-written turns as served only (skip scoring the model's raw calls).")] = False,
) -> None:
    """Tool accuracy, argument F1, JSON validity and ungrounded facts on held-out dialogues.

    The hand-written turns are also scored as served: routed by the shopping agent on the demo index
    (the direct routes and every guard), the first call that would run against the label.
    The JSON holds the generated set's results per model at the top level and the hand-written
    set's under "handwritten" (as served under "handwritten"."served")."""
    from assistant.runtime.loader import resolve_adapter
    from finetune.agent.heldout_set import handwritten_examples, load_handwritten
    from finetune.agent.pipeline import eval_model_sets, eval_served, held_out_examples

    svc = services()
    settings = svc.settings
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
        sets["generated"] = held_out_examples(svc.indexes, dialogues, progress=not as_json)
    items = []
    if eval_set in (AgentEvalSet.handwritten, AgentEvalSet.both):
        ensure_default_index(svc, "demo")
        try:
            items = load_handwritten(handwritten_file)
        except (OSError, ValueError) as exc:
            err.print(f"[red]cannot use the hand-written set {handwritten_file}: {exc}[/]")
            raise typer.Exit(2) from exc
        sets["handwritten"] = handwritten_examples(items)
    if served_only and (not items or adapter_path is None):
        err.print("[red]--served-only scores the hand-written set with an adapter: use --set handwritten[/]")
        raise typer.Exit(2)
    results = {} if served_only else eval_model_sets(settings, svc.indexes, sets, adapter_path, base, err)
    served = eval_served(settings, svc.indexes, items, adapter_path) if items and adapter_path else None
    if served_only:
        results = {"handwritten": {}}
    name = handwritten_file.name if handwritten_file else "hand-written turns"
    titles = {"generated": "held-out agent evaluation (generated dialogues)",
              "handwritten": f"held-out agent evaluation ({name}, {len(items)})"}
    for set_name, by_model in results.items():
        if by_model:
            print_agent_eval(by_model, titles[set_name])
        if set_name == "handwritten" and served is not None:
            err.print(f"as served (routes and every guard, lora): tool acc {served['tool_accuracy']:.4f}, "
                      f"arg F1 {served['arg_f1']:.4f}, arg exact {served['arg_exact_match']:.4f}, unknown tools "
                      f"{served['unknown_tool_calls']}, states as labelled {served['states_as_labelled']:.3f}")
            for e in served["errors"][:errors]:
                err.print(f"{set_name}/served [{e['id']}] {e['input']!r} ({e['state']})\n  expected {e['gold']}\n"
                          f"  served   {e['served']}", markup=False, highlight=False)
        for model, metrics in by_model.items():
            failed = [("", e) for e in metrics["errors"][:errors]]
            failed += [(" + guard", e) for e in metrics.get("guarded", {}).get("errors", [])[:errors]]
            for label, e in failed:
                err.print(f"{set_name}/{model}{label}: {e['input']!r}\n  expected {e['gold']}\n  got      "
                          f"{e['output']}", markup=False, highlight=False)
    if as_json:
        payload = {name: _without_errors(m) for name, m in results.get("generated", {}).items()}
        if "handwritten" in results:
            payload["handwritten"] = {name: _without_errors(m) for name, m in results["handwritten"].items()}
            if served is not None:
                payload["handwritten"]["served"] = _without_errors(served)
        print(json.dumps(payload))


def _without_errors(metrics: dict) -> dict:
    return {k: _without_errors(v) if isinstance(v, dict) and k == "guarded" else v
            for k, v in metrics.items() if k != "errors"}
