"""Ranking methods under evaluation, each able to rank the full catalog and to rerank given candidates.

``full`` is the default search as served (``Searcher.STAGES["full"]``); the fine-tuned ranker alone
(``ranker``) and fused with hybrid (``fused``, what ``AISLE_RERANK=true`` serves) register here so that
`aisle eval ranking` evaluates every available method without further wiring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.filters import SearchFilters
from retrieval.search import Searcher


def tie_break(pid: str) -> str:
    """A fixed pseudo-random order for equal scores, so judgement-file order never leaks into rankings."""
    return hashlib.md5(pid.encode()).hexdigest()


def order(scores: dict[str, float], candidates: list[str]) -> list[str]:
    return sorted(candidates, key=lambda pid: (-scores.get(pid, float("-inf")), tie_break(pid)))


@dataclass
class RankingMethod:
    name: str
    full: Callable[[str, int], list[str]]
    rerank: Callable[[str, list[str]], list[str]]


def retrieval_method(searcher: Searcher, name: str) -> RankingMethod:
    def full(query: str, k: int) -> list[str]:
        return [h.product.id for h in searcher.search(query, k=k, method=name).hits]  # type: ignore[arg-type]

    def rerank(query: str, candidates: list[str]) -> list[str]:
        return order(searcher.score_candidates(query, candidates, name), candidates)  # type: ignore[arg-type]

    return RankingMethod(name, full, rerank)


MethodFactory = Callable[[Searcher], RankingMethod | None]
_EXTRA: dict[str, MethodFactory] = {}


def register(name: str, factory: MethodFactory) -> None:
    """A factory returns None when its method is unavailable (e.g. no trained ranker)."""
    _EXTRA[name] = factory


def available_methods(searcher: Searcher) -> dict[str, RankingMethod]:
    methods = {n: retrieval_method(searcher, n) for n in ("bm25", "dense", "hybrid", "full")}
    for name, factory in _EXTRA.items():
        method = factory(searcher)
        if method is not None:
            methods[name] = method
    return methods


def _ranker_methods() -> None:
    def make(name: str, fused: bool) -> MethodFactory:
        def factory(searcher: Searcher) -> RankingMethod | None:
            reranker = searcher.reranker
            if reranker is None:
                return None
            fusion = reranker.fusion if fused else type(reranker.fusion)(top_n=reranker.fusion.top_n)

            def full(query: str, k: int) -> list[str]:
                dense, lexical, hybrid = searcher.retrieve(query, SearchFilters(), k, "hybrid", {})
                head = sorted(hybrid, key=lambda p: -hybrid[p])[: fusion.top_n]
                products = searcher.lexical.get_many(head)
                signals = searcher.candidate_signals(query, head, dense, lexical)
                gains = reranker.gains(query, [products[p] for p in head], signals)
                scores = fusion.combine(gains, {p: signals.dense[p] for p in head if p in signals.dense},
                                        {p: lexical[p] for p in head if p in lexical}, {p: hybrid[p] for p in head})
                tail = [p for p in sorted(hybrid, key=lambda p: -hybrid[p]) if p not in scores]
                return order(scores, head) + tail

            def rerank(query: str, candidates: list[str]) -> list[str]:
                products = searcher.lexical.get_many(candidates)
                signals = searcher.candidate_signals(query, candidates, {}, {})
                gains = reranker.gains(query, [products[p] for p in candidates], signals)
                if not fused:
                    return order(gains, candidates)
                hybrid = searcher.score_candidates(query, candidates, "hybrid")
                return order(fusion.combine(gains, dict(signals.dense), dict(signals.lexical), hybrid), candidates)

            return RankingMethod(name, full, rerank)

        return factory

    register("ranker", make("ranker", fused=False))
    register("fused", make("fused", fused=True))


_ranker_methods()
