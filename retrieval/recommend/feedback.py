"""Learning from shoppers' feedback: which products a query's shoppers chose, corrected for position.

Feedback events (a thumbs up or down, an add to cart, a question, a comparison, a "more like this" on a
product) are stored with the search they happened under and the product's position in the list shown
(``assistant.storage.FeedbackEvent``). ``FeedbackBoosts.fit`` turns them into a per-query preference for
each product: every event counts its signal weight divided by the chance a shopper looked at that
position at all (examination propensity ``1 / position ** eta``, the standard position-bias model; a
click on result 8 says more than a click on result 1). Per query the estimates are divided by the
largest, so the boost is in [0, 1] (negative for products shoppers turned down).

The search's ``feedback`` stage adds ``weight`` times the boost to the normalised scores of queries that
had feedback; other queries are untouched. Fitting is an explicit command (``aisle train feedback``) that
writes a new file; the serving process only reads it, never retrains.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from retrieval.fusion import min_max

# what each kind of event says about the product, as in the preference profile
EVENT_WEIGHTS = {"thumbs_up": 1.0, "added_to_cart": 1.0, "clicked": 0.5, "asked_about": 0.3, "compared": 0.2,
                 "thumbs_down": -1.0}
DEFAULT_ETA = 1.0
DEFAULT_FEEDBACK_WEIGHT = 2.0  # chosen by the simulated feedback stream (``aisle eval recommend --part feedback``)


def feedback_path(index_folder: Path) -> Path:
    return index_folder / "feedback.json"


def query_key(query: str) -> str:
    return " ".join(re.findall(r"[\w'-]+", query.lower()))


@dataclass(frozen=True)
class Click:
    """One feedback event as the fit reads it (``FeedbackEvent`` minus who and where)."""

    query: str
    product_id: str
    position: int
    kind: str = "clicked"


class EventLike(Protocol):
    kind: str
    product_id: str
    query: str | None
    position: int | None


def clicks_from_events(events: Iterable[EventLike]) -> list[Click]:
    """Feedback events (``assistant.storage.FeedbackEvent``) that happened under a search, at a shown position."""
    return [Click(e.query, e.product_id, e.position, e.kind) for e in events if e.query and e.position]


@dataclass
class FeedbackBoosts:
    weight: float = 0.0
    eta: float = DEFAULT_ETA
    boosts: dict[str, dict[str, float]] = field(default_factory=dict)  # query key -> product -> boost in [-1, 1]
    events: int = 0

    @property
    def active(self) -> bool:
        return bool(self.weight and self.boosts)

    @classmethod
    def fit(cls, clicks: Iterable[Click], eta: float = DEFAULT_ETA, weight: float = 0.0) -> FeedbackBoosts:
        raw: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        n = 0
        for click in clicks:
            if click.kind not in EVENT_WEIGHTS or click.position < 1 or not click.query.strip():
                continue
            raw[query_key(click.query)][click.product_id] += EVENT_WEIGHTS[click.kind] * click.position ** eta
            n += 1
        boosts = {}
        for query, products in raw.items():
            top = max((abs(v) for v in products.values()), default=0.0)
            if top > 0:
                boosts[query] = {pid: round(v / top, 4) for pid, v in products.items() if v}
        return cls(weight, eta, boosts, n)

    def for_query(self, *queries: str) -> dict[str, float]:
        for query in queries:
            found = self.boosts.get(query_key(query))
            if found:
                return found
        return {}

    def apply(self, scores: Mapping[str, float], *queries: str) -> dict[str, float]:
        """Scores with the boost of the first of ``queries`` that had feedback; unchanged otherwise. Products the
        shoppers chose but the retrieval missed are not added: feedback reorders, it never bypasses filters."""
        boost = self.for_query(*queries) if self.active else {}
        if not boost or not scores:
            return dict(scores)
        base = min_max(scores)
        return {pid: base[pid] + self.weight * boost.get(pid, 0.0) for pid in scores}

    def save(self, path: Path, report: Mapping | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"weight": self.weight, "eta": self.eta, "events": self.events,
                                   "boosts": self.boosts} | dict(report or {}), indent=1) + "\n")
        tmp.replace(path)  # a reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> FeedbackBoosts:
        """The fitted boosts at ``path``; no file means no feedback stage."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(float(data.get("weight", 0.0)), float(data.get("eta", DEFAULT_ETA)),
                   {q: {p: float(v) for p, v in b.items()} for q, b in data.get("boosts", {}).items()},
                   int(data.get("events", 0)))
