"""The product-type stage of search: a query that names a kind of product ranks that kind above its accessories.

On the Chorus catalog, "tablet" retrieves docks and stands that say "tablet" in every field, and a
lexical or dense score cannot tell the stand from the tablet. The lexicon (``retrieval/product_types.py``)
can: the query names a type, each candidate's title (or category path) names one or none. The stage
adds ``match`` to candidates of the named type and subtracts ``mismatch`` from candidates of a
different known type, on top of the min-max normalised score of the stage before; untyped queries
and untyped products are left as they were. The two weights are chosen by cross-validation over the
judged dev queries (``aisle eval tune-type``) and shipped in ``retrieval/data/type_boost.json``.

The same two-weight term serves the other stages that mark candidates True/False/None: the negation stage
(``retrieval/negation.py``, ``negation_boost.json``) and the spec stage (``retrieval/spec_match.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from retrieval.fusion import min_max


def default_path() -> Path:
    return Path(str(resources.files("retrieval") / "data" / "type_boost.json"))


@dataclass(frozen=True)
class TypeBoost:
    match: float = 0.0
    mismatch: float = 0.0

    @property
    def active(self) -> bool:
        return bool(self.match or self.mismatch)

    @classmethod
    def load(cls, path: Path | None = None) -> TypeBoost:
        """The shipped (or given) weights; no file means the stage changes nothing."""
        path = path or default_path()
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(float(data.get("match", 0.0)), float(data.get("mismatch", 0.0)))

    def save(self, path: Path, report: Mapping | None = None) -> None:
        path.write_text(json.dumps(asdict(self) | dict(report or {}), indent=2) + "\n")

    def apply(self, scores: Mapping[str, float], fits: Mapping[str, bool | None]) -> dict[str, float]:
        """Scores with the type terms added; ``fits`` says per candidate whether it is of the type asked for
        (True), of another known type (False) or unknown (None: no term; also for ids it lacks).

        The result keeps every candidate; with no weights, or nothing known, the order is unchanged."""
        if not self.active or not scores or not any(v is not None for v in fits.values()):
            return dict(scores)
        norm = min_max(scores)
        terms = {True: self.match, False: -self.mismatch, None: 0.0}
        return {pid: norm[pid] + terms[fits.get(pid)] for pid in scores}
