"""`aisle index` and `aisle search`: catalogs in, ranked products out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import EXIT_REJECTS, CatalogOpt, ensure_default_index, err, load_and_index, out, services


def index(
    catalog: CatalogOpt = "demo",
    name: Annotated[str | None, typer.Option(help="Index name (default: derived from the catalog).")] = None,
    mapping: Annotated[Path | None, typer.Option(help="JSON column mapping for a user file.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the catalog is unchanged.")] = False,
    rejects_json: Annotated[Path | None, typer.Option(help="Write the rejects report here as JSON.")] = None,
) -> None:
    """Load a catalog and build (or refresh) its search index. Exit code 3 when rows were rejected."""
    try:
        report, _ = load_and_index(services(), catalog, name, mapping, force)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if rejects_json:
        rejects_json.write_text(json.dumps([r.__dict__ for r in report.rejects], indent=2))
    if report.rejects:
        raise typer.Exit(EXIT_REJECTS)


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
    method: Annotated[str, typer.Option(
        help="full (the default: spelling, hybrid, rerank when AISLE_RERANK, product type), hybrid, dense or bm25.")
    ] = "full",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Search a catalog index with hard filters; shows each stage's score."""
    from pydantic import ValidationError

    from retrieval.filters import SearchFilters
    from retrieval.search import IndexNotFoundError

    svc = services()
    name = index_name or svc.settings.index_name
    try:
        filters = SearchFilters(min_price=min_price, max_price=max_price, brands=brand or [],
                                exclude_brands=exclude_brand or [], category=category, colour=colour,
                                min_rating=min_rating, in_stock=in_stock)
        if method not in ("full", "hybrid", "dense", "bm25"):
            raise ValueError(f"unknown method {method!r} (full, hybrid, dense or bm25)")
        ensure_default_index(svc, name)
        response = svc.indexes.searcher(name).search(query, filters, k, method)  # type: ignore[arg-type]
    except (ValidationError, ValueError, IndexNotFoundError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps({"query": response.query, "searched": response.searched,
                          "corrections": [list(c) for c in response.corrections],
                          "filters": filters.model_dump(exclude_defaults=True),
                          "results": [h.to_dict() for h in response.hits],
                          "timings_ms": {k_: round(v, 2) for k_, v in response.timings_ms.items()}}))
        return
    title = f"{len(response.hits)} result(s) for {response.query!r}"
    if response.corrections:
        title += f" (searched {response.searched!r})"
    table = Table(title=title)
    for col in ("#", "id", "title", "price", "rating", "stock", "score", "dense", "lexical"):
        table.add_column(col)
    for i, hit in enumerate(response.hits, start=1):
        p = hit.product
        stock = "?" if p.in_stock is None else ("in" if p.in_stock else "out")
        table.add_row(str(i), p.id, p.title[:70], p.display_price(), f"{p.rating or '-'}", stock,
                      f"{hit.score:.3f}", f"{hit.stages.get('dense', 0):.3f}", f"{hit.stages.get('lexical', 0):.2f}")
    out.print(table)
    out.print(", ".join(f"{k_} {v:.1f} ms" for k_, v in response.timings_ms.items()))
