"""Drive the web app's HTTP API with many concurrent shopper sessions and check they stay apart.

Used by the load test and ``bench/bench_load.py``. Each session follows a 10-turn script around its
own product type and its own demo order, so a cart line, a card or an order id from another
session in its answers is a leak.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

TOPICS = ["bluetooth speaker", "wireless mouse", "mechanical keyboard", "coffee maker", "running shoes",
          "backpack", "blender", "smartwatch", "headphones", "jacket"]
ORDERS = [("A1001", "maria@example.com"), ("A1002", "maria@example.com"), ("A1003", "sam.lee@example.com"),
          ("A1004", "j.okafor@example.org"), ("A1005", "li.wei@example.net"), ("A1006", "sam.lee@example.com")]


def session_script(i: int) -> list[str]:
    topic = TOPICS[i % len(TOPICS)]
    oid, email = ORDERS[i % len(ORDERS)]
    return [f"{topic} in stock", "something cheaper", "add the first one to my cart", "yes", "show my cart",
            "what is your return policy?", f"where is my order {oid}? my email is {email}", "compare the first two",
            "thanks", "what's in my cart?"]


@dataclass
class SessionLog:
    index: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    session_ids: set[str] = field(default_factory=set)
    cart: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    sessions: int
    turns: int
    wall_s: float
    logs: list[SessionLog]

    @property
    def latencies(self) -> list[float]:
        return sorted(x for log in self.logs for x in log.latencies)

    def percentile(self, q: float) -> float:
        xs = self.latencies
        return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")

    @property
    def errors(self) -> list[str]:
        return [e for log in self.logs for e in log.errors]

    @property
    def leaks(self) -> list[str]:
        return [e for log in self.logs for e in log.leaks]

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {"sessions": self.sessions, "turns_per_session": self.turns, "turns_done": n,
                "errors": len(self.errors), "leaks": len(self.leaks), "wall_s": round(self.wall_s, 1),
                "turn_p50_s": round(self.percentile(0.5), 2), "turn_p95_s": round(self.percentile(0.95), 2),
                "turn_mean_s": round(statistics.fmean(self.latencies), 2) if n else None,
                "turns_per_min": round(60 * n / self.wall_s, 1) if self.wall_s else None,
                "mean_s_by_turn": self.mean_by_turn()}

    def mean_by_turn(self) -> list[float]:
        """Mean latency of each turn of the script over the sessions (turn 1 = the first search)."""
        by_turn: list[list[float]] = [[] for _ in range(self.turns)]
        for log in self.logs:
            for i, x in enumerate(log.latencies[:self.turns]):
                by_turn[i].append(x)
        return [round(statistics.fmean(xs), 2) for xs in by_turn if xs]


def _one_session(url: str, i: int, turns: int) -> SessionLog:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client

    log = SessionLog(i)
    own_oid = ORDERS[i % len(ORDERS)][0]
    seen: set[str] = set()
    try:
        client = Client(url.rstrip("/") + "/", verbose=False)
    except Exception as exc:  # noqa: BLE001 - a failed connection is a load-test error, not a crash
        log.errors.append(f"connect: {exc}")
        return log
    for text in session_script(i)[:turns]:
        t0 = time.perf_counter()
        try:
            r = client.predict(text, api_name="/chat")
        except Exception as exc:  # noqa: BLE001
            log.errors.append(f"{text!r}: {type(exc).__name__}: {exc}")
            continue
        log.latencies.append(time.perf_counter() - t0)
        if r.get("error"):
            log.errors.append(f"{text!r}: {r['error']}")
        log.session_ids.add(r["session"])
        seen.update(c["id"] for c in r["cards"])
        log.cart = [x["product_id"] for x in r["cart"]]
        foreign_cart = [pid for pid in log.cart if pid not in seen]
        if foreign_cart:
            log.leaks.append(f"cart holds products this session never saw: {foreign_cart}")
        foreign_orders = [oid for oid, _ in ORDERS if oid != own_oid and oid in r["reply"]]
        if foreign_orders:
            log.leaks.append(f"reply names another customer's order {foreign_orders}: {r['reply'][:120]!r}")
    if len(log.session_ids) > 1:
        log.leaks.append(f"one client saw several sessions: {sorted(log.session_ids)}")
    return log


def drive(url: str, sessions: int = 20, turns: int = 10) -> LoadResult:
    """Run ``sessions`` clients at once, ``turns`` turns each; returns latencies, errors and leaks."""
    started = time.perf_counter()
    with ThreadPoolExecutor(sessions) as pool:
        logs = list(pool.map(lambda i: _one_session(url, i, turns), range(sessions)))
    ids = [next(iter(log.session_ids)) for log in logs if len(log.session_ids) == 1]
    if len(set(ids)) != len(ids):
        logs[0].leaks.append("two clients shared one server session")
    return LoadResult(sessions, turns, time.perf_counter() - started, logs)
