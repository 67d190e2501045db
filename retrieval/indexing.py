"""Load a catalog and bring its index up to date: the one path the CLI, evaluation and training share."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from aisle.settings import Settings
from retrieval.catalog.load_report import LoadReport
from retrieval.catalog.loaders import catalog_name, load_catalog
from retrieval.catalog.mapping import ColumnMapping
from retrieval.encoder import Encoder
from retrieval.index_builder import BuildResult, build_index


class NoValidProductsError(ValueError):
    pass


def ensure_index(catalog: str | Path, settings: Settings, encoder: Encoder, name: str | None = None,
                 mapping: ColumnMapping | None = None, force: bool = False,
                 console: Console | None = None) -> tuple[LoadReport, BuildResult]:
    """Rejected rows are reported, never fatal; a catalog with no valid row leaves the old index alone."""
    report = load_catalog(catalog, mapping, settings.max_description_chars)
    if not report.products:
        reasons = "; ".join(str(r) for r in report.rejects[:5])
        raise NoValidProductsError(
            f"{report.source}: no valid products ({reasons}); the existing index was left untouched", report)
    result = build_index(name or catalog_name(catalog), report.products, str(catalog), settings, encoder, console,
                         force)
    return report, result
