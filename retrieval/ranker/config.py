"""The ranker artifact's configuration (``ranker.json``) and how its gain is fused with retrieval's scores.

The model owns this file: training writes it with ``RankerConfig.save``, serving reads it with ``load``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from retrieval.fusion import min_max
from retrieval.ranker.model import NUM_CLASSES

MAX_LENGTH = 128


@dataclass(frozen=True)
class RankFusion:
    """final = ranker * gain + hybrid * hybrid_norm + dense * dense_norm + lexical * lexical_norm over the top-N.

    Each retrieval score is min-max normalised within the reranked candidates; a candidate missing from
    a retrieval list gets 0 from it (it ranked below that list's cut-off).
    """

    ranker: float = 1.0
    dense: float = 0.0
    lexical: float = 0.0
    top_n: int = 50
    hybrid: float = 0.0

    def combine(self, gains: dict[str, float], dense: dict[str, float], lexical: dict[str, float],
                hybrid: dict[str, float] | None = None) -> dict[str, float]:
        d, lx, h = min_max(dense), min_max(lexical), min_max(hybrid or {})
        return {pid: self.ranker * g + self.hybrid * h.get(pid, 0.0) + self.dense * d.get(pid, 0.0)
                + self.lexical * lx.get(pid, 0.0) for pid, g in gains.items()}


CLASSES = {"0": "irrelevant (ESCI I, Chorus 0)", "1": "complement (C, 1)", "2": "substitute (S, 2)",
           "3": "exact (E, 3)"}


@dataclass(frozen=True)
class RankerConfig:
    """``ranker.json``: what the artifact's head reads and how its gain is fused; the model owns this file."""

    base_model: str
    features: list[str]
    gate: float = 1.0
    fusion: RankFusion = field(default_factory=RankFusion)
    max_length: int = MAX_LENGTH
    num_classes: int = NUM_CLASSES
    classes: dict[str, str] = field(default_factory=lambda: dict(CLASSES))

    FILE = "ranker.json"

    def save(self, folder: Path) -> None:
        (folder / self.FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> RankerConfig:
        path = folder / cls.FILE
        if not path.exists():
            raise FileNotFoundError(f"no trained ranker at {folder}: run `aisle train ranker`")
        data = json.loads(path.read_text())
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**fields | {"fusion": RankFusion(**data.get("fusion", {}))})
