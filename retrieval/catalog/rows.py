"""Reading raw rows from catalog files with their line numbers, without letting one bad row stop a load.

Files are decoded with ``surrogateescape`` so that a row with broken UTF-8 can be reported (and
skipped) by line instead of aborting the whole file at the first undecodable byte.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

csv.field_size_limit(50_000_000)


class RowError(ValueError):
    """A row that could not even be parsed into fields."""


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="surrogateescape")


def has_broken_utf8(value: Any) -> bool:
    """True when a decoded value still carries bytes that were not valid UTF-8."""
    if isinstance(value, str):
        return any("\udc80" <= ch <= "\udcff" for ch in value)
    if isinstance(value, dict):
        return any(has_broken_utf8(k) or has_broken_utf8(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_broken_utf8(v) for v in value)
    return False


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    # Split on newline only: str.splitlines() also breaks on U+2028/U+0085, which are legal inside JSON strings.
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        if has_broken_utf8(line):
            yield number, RowError("invalid UTF-8 bytes")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowError(f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(row, dict):
            yield number, RowError("a JSON object was expected")
            continue
        yield number, row


def iter_json_array(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        yield exc.lineno, RowError(f"invalid JSON: {exc.msg}")
        return
    if not isinstance(data, list):
        yield 1, RowError("a JSON array of objects was expected")
        return
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            yield number, RowError("a JSON object was expected")
        elif has_broken_utf8(row):
            yield number, RowError("invalid UTF-8 bytes")
        else:
            yield number, row


def iter_delimited(path: Path, delimiter: str = ",") -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Rows of a CSV/TSV file; the number is the file line where the row starts (header = line 1)."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    start = reader.line_num + 1
    for fields in reader:
        number, start = start, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            yield number, RowError(f"expected {len(header)} fields, found {len(fields)}")
            continue
        if has_broken_utf8(fields):
            yield number, RowError("invalid UTF-8 bytes")
            continue
        yield number, dict(zip(header, fields, strict=True))


def iter_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas ships with our dependencies
        raise RuntimeError("reading Parquet needs pandas and pyarrow (pip install 'aisle[parquet]')") from exc
    frame = pd.read_parquet(path)
    for number, row in enumerate(frame.to_dict(orient="records"), start=1):
        yield number, {k: (None if _is_nan(v) else v) for k, v in row.items()}


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Rows of a user catalog file, format chosen by extension (.gz allowed)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        return iter_jsonl(path)
    if name.endswith(".json"):
        return iter_json_array(path)
    if name.endswith(".csv"):
        return iter_delimited(path, ",")
    if name.endswith(".tsv"):
        return iter_delimited(path, "\t")
    if name.endswith(".parquet"):
        return iter_parquet(path)
    raise ValueError(f"unsupported catalog file type: {path.name} (use .csv, .tsv, .jsonl, .json or .parquet)")
