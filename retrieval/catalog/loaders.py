"""Catalog loaders: the bundled demo catalog, a user's file, and the two shared research formats.

Each loader turns rows into `Product`s through one validation path and returns a `LoadReport`, so
a malformed row is reported with its line and reason while every valid row still loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from retrieval.catalog.load_report import LoadReport
from retrieval.catalog.mapping import ColumnMapping, apply_mapping
from retrieval.catalog.product import Product
from retrieval.catalog.rows import RowError, iter_jsonl, iter_rows

DEFAULT_MAX_DESCRIPTION = 20_000


class CatalogFormat(StrEnum):
    DEMO = "demo"
    FILE = "file"
    CHORUS = "chorus_icecat"
    ESCI = "esci_opensearch_subset"


def demo_catalog_path() -> Path:
    return Path(str(resources.files("retrieval") / "data" / "demo_catalog.jsonl"))


def _chorus_fields(row: dict[str, Any]) -> dict[str, Any]:
    mapping = ColumnMapping(
        title="title", description=["short_description"], brand="supplier", category=None,
        price="price", price_scale=0.01, image_url="img_500x500", attributes=None,
        attribute_prefixes=["attr_t_", "attr_n_", "attr_b_"], extra_as_attributes=False,
        rating=None, rating_count=None, stock=None, currency=None,
    )
    fields = apply_mapping(row, mapping)
    product_type = row.get("attr_t_product_type") or row.get("attr_t_type")
    if isinstance(product_type, str) and product_type.strip():
        fields["category"] = ("Electronics", product_type.strip())
    if row.get("name") and "model" not in fields["attributes"]:
        fields["attributes"]["model"] = str(row["name"])
    return fields


def _esci_fields(row: dict[str, Any]) -> dict[str, Any]:
    mapping = ColumnMapping(
        id="asin", description=["description", "bullet_points"], image_url="image", attributes=None,
        extra_as_attributes=False, stock=None, currency=None,
    )
    fields = apply_mapping(row, mapping)
    if isinstance(row.get("color"), str) and row["color"].strip():
        fields["attributes"]["color"] = row["color"].strip()
    return fields


def _to_report(
    source: str,
    rows: Iterable[tuple[int, dict[str, Any] | RowError]],
    to_fields: Callable[[dict[str, Any]], dict[str, Any]],
    max_description: int,
) -> LoadReport:
    report = LoadReport(source=source)
    for line, row in rows:
        if isinstance(row, RowError):
            report.reject(line, str(row))
            continue
        row_id = row.get("id") or row.get("asin")
        try:
            fields = to_fields(row)
            if len(fields.get("description") or "") > max_description:
                size = len(fields["description"])
                report.reject(line, f"description is {size:,} characters (limit {max_description:,})",
                              str(row_id) if row_id else None)
                continue
            product = Product.model_validate(fields)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}" for err in exc.errors()
            )
            report.reject(line, reasons, str(row_id) if row_id else None)
            continue
        except (ValueError, TypeError) as exc:
            report.reject(line, str(exc), str(row_id) if row_id else None)
            continue
        report.accept(product, line)
    return report


def detect_format(path: Path) -> CatalogFormat:
    """A folder laid out like ../shared/data/<catalog>, or a single user file."""
    if path.is_dir():
        chorus_files = ("Broad_Query_Set_rated.csv", "haystack_rating_party_judgements.tsv")
        if any((path / f).exists() for f in chorus_files):
            return CatalogFormat.CHORUS
        if (path / "judgments.tsv").exists() or (path / "queries.tsv").exists():
            return CatalogFormat.ESCI
        raise ValueError(f"{path}: not a known catalog folder "
                         "(expected the chorus_icecat or esci_opensearch_subset layout)")
    return CatalogFormat.FILE


def load_catalog(
    source: str | Path,
    mapping: ColumnMapping | None = None,
    max_description: int = DEFAULT_MAX_DESCRIPTION,
) -> LoadReport:
    """Load ``demo``, a user file (CSV/TSV/JSONL/JSON/Parquet) or a shared-format folder."""
    if str(source) == CatalogFormat.DEMO.value:
        path = demo_catalog_path()
        return _to_report("demo", iter_jsonl(path), lambda r: apply_mapping(r, ColumnMapping()), max_description)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"catalog {path} does not exist")
    fmt = detect_format(path)
    if fmt is CatalogFormat.CHORUS:
        return _to_report(str(path / "products.jsonl.gz"), iter_jsonl(path / "products.jsonl.gz"),
                          _chorus_fields, max_description)
    if fmt is CatalogFormat.ESCI:
        return _to_report(str(path / "products.jsonl.gz"), iter_jsonl(path / "products.jsonl.gz"),
                          _esci_fields, max_description)
    column_mapping = mapping or ColumnMapping()
    return _to_report(str(path), iter_rows(path), lambda r: apply_mapping(r, column_mapping), max_description)


def catalog_name(source: str | Path) -> str:
    """A stable index name for a catalog source: ``demo``, the folder name, or the file stem."""
    if str(source) == CatalogFormat.DEMO.value:
        return "demo"
    path = Path(source)
    name = path.name if path.is_dir() else path.name.split(".")[0]
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "catalog"
