"""What every command group shares: the consoles, the services, catalog indexing with its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.services import Services, current_services

SHARED_DATA = Path("../shared/data")
EXIT_REJECTS = 3  # the index was built, but some catalog rows were rejected

out = Console()
err = Console(stderr=True)

CatalogOpt = Annotated[str, typer.Option("--catalog", help="demo, a CSV/TSV/JSONL/JSON/Parquet file, or a "
                                         "folder laid out like ../shared/data/chorus_icecat or esci_opensearch_subset")]


def services() -> Services:
    """The services of the configuration the environment describes (built once per configuration)."""
    return current_services()


def load_and_index(svc: Services, catalog: str, name: str | None, mapping: Path | None, force: bool,
                   quiet: bool = False):
    from retrieval.catalog.mapping import ColumnMapping
    from retrieval.indexing import NoValidProductsError

    column_mapping = ColumnMapping.from_file(mapping) if mapping else None
    try:
        report, result = svc.indexes.ensure(catalog, name, column_mapping, force, console=err)
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


def ensure_default_index(svc: Services, index_name: str) -> None:
    """The demo index builds itself on first use so that a fresh install searches at once."""
    if index_name == "demo" and not svc.indexes.exists("demo"):
        err.print("Building the demo index (first use)...")
        load_and_index(svc, "demo", "demo", None, False, quiet=True)
