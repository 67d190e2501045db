"""Reading human relevance judgements from a folder laid out like ../shared/data/<catalog>.

Gains: Chorus ratings 0-3 as given in the Supahands file, Haystack ratings averaged where
Supahands has none; ESCI E=1, S=0.1, C=0.01, I=0.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from retrieval.catalog.loaders import CatalogFormat, detect_format

ESCI_GAIN = {"E": 1.0, "S": 0.1, "C": 0.01, "I": 0.0}


@dataclass(frozen=True)
class Judgments:
    """query -> {product id -> gain}, plus the gain at which a product counts as relevant."""

    kind: CatalogFormat
    gains: dict[str, dict[str, float]]
    relevant_at: float

    @property
    def queries(self) -> list[str]:
        return sorted(self.gains)

    def relevant(self, query: str) -> set[str]:
        return {pid for pid, g in self.gains[query].items() if g >= self.relevant_at}


def _read(path: Path, delimiter: str) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def load_chorus(folder: Path) -> Judgments:
    gains: dict[str, dict[str, float]] = defaultdict(dict)
    rated = folder / "Broad_Query_Set_rated.csv"
    if rated.exists():
        for row in _read(rated, ","):
            gains[row["query"].strip()][row["docid"].strip()] = float(row["rating"])
    haystack = folder / "haystack_rating_party_judgements.tsv"
    if haystack.exists():
        pooled: dict[tuple[str, str], list[float]] = defaultdict(list)
        for row in _read(haystack, "\t"):
            if row.get("rating", "").strip() == "" or row.get("unrateable", "0").strip() == "1":
                continue
            pooled[(row["query"].strip(), row["doc_id"].strip())].append(float(row["rating"]))
        for (query, doc), ratings in pooled.items():
            gains[query].setdefault(doc, sum(ratings) / len(ratings))
    return Judgments(CatalogFormat.CHORUS, dict(gains), relevant_at=2.0)


def load_esci(folder: Path) -> Judgments:
    gains: dict[str, dict[str, float]] = defaultdict(dict)
    for row in _read(folder / "judgments.tsv", "\t"):
        label = row["esci_label_inferred"].strip().upper()
        gains[row["query"].strip()][row["product_id"].strip()] = ESCI_GAIN[label]
    return Judgments(CatalogFormat.ESCI, dict(gains), relevant_at=1.0)


def load_judgments(folder: Path) -> Judgments:
    kind = detect_format(folder)
    if kind is CatalogFormat.CHORUS:
        return load_chorus(folder)
    if kind is CatalogFormat.ESCI:
        return load_esci(folder)
    raise ValueError(f"{folder}: no judgement files found (expected the chorus_icecat or esci layout)")
