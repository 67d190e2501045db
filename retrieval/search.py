"""Search over one index generation: ``Searcher.search(query, filters, k, method)``.

A process opens searchers through ``retrieval.indexes.Indexes`` (one per live generation). Dense
(Chroma) and lexical (SQLite FTS5) candidates are retrieved with the same hard filters, fused, and
returned with the score of every stage and per-stage timings, so callers (the agent,
the UI's "why it matches", the evaluation) can see how each result got there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

from aisle.settings import Settings
from retrieval import negation
from retrieval.catalog.product import Product
from retrieval.dense_search import DensePlanner, DenseSearch
from retrieval.encoder import Encoder
from retrieval.filters import SearchFilters
from retrieval.fusion import FusionParams, fuse
from retrieval.index_builder import IndexManifest, index_dir
from retrieval.lexical_store import LexicalStore
from retrieval.model_codes import CODE_CANDIDATES, CODE_WEIGHT, best_matches, lift, query_codes
from retrieval.product_types import PRODUCT_TYPES, ProductTypes
from retrieval.ranker.features import CandidateSignals
from retrieval.ranker.reranker import Reranker
from retrieval.recommend.feedback import FeedbackBoosts
from retrieval.spec_match import SPEC_BOOST, Amount, asked_amounts, product_amounts, spec_fit
from retrieval.spelling import SpellingCorrector
from retrieval.type_boost import TypeBoost
from retrieval.vector_store import VectorStore

Method = Literal["bm25", "dense", "hybrid", "full"]
D = TypeVar("D")
T = TypeVar("T")


class IndexNotFoundError(LookupError):
    pass


@dataclass
class SearchHit:
    product: Product
    score: float
    stages: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.product.id, "title": self.product.title, "brand": self.product.brand,
                "price": self.product.price, "currency": self.product.currency, "rating": self.product.rating,
                "in_stock": self.product.in_stock, "score": round(self.score, 6),
                "stages": {k: round(v, 6) for k, v in self.stages.items()}}


@dataclass(frozen=True)
class CatalogVocabulary:
    """The closed sets of one catalog that the agent's guard checks the model's arguments against."""

    brands: tuple[str, ...]
    colours: tuple[str, ...]


@dataclass
class Candidates:
    """What the stages of a search pass along: each retriever's ordered scores, the current final order,
    the ranker's gains, and per-stage timings (ms)."""

    query: str
    filters: SearchFilters
    n: int
    timings: dict[str, float] = field(default_factory=dict)
    dense: dict[str, float] = field(default_factory=dict)
    lexical: dict[str, float] = field(default_factory=dict)
    final: dict[str, float] = field(default_factory=dict)
    gains: dict[str, float] = field(default_factory=dict)
    wanted_type: str | None = None
    corrections: tuple[tuple[str, str], ...] = ()
    fits: dict[str, bool | None] = field(default_factory=dict)
    asked: str = ""  # the query as given (``query`` becomes the corrected one)


@dataclass
class SearchResponse:
    query: str
    filters: SearchFilters
    hits: list[SearchHit]
    timings_ms: dict[str, float]
    corrections: tuple[tuple[str, str], ...] = ()  # (typed word, catalog word) the spelling stage replaced
    searched: str = ""                             # the query as searched (after corrections)


class Searcher:
    """Searches one built generation of an index; cheap to keep, safe to share across threads.

    Its encoder and ranker are passed in (``reranker`` is called on the first "full" search, so a
    process that never reranks never loads the ranker), and so are the product-type lexicon and the
    type stage's weights (default: the shipped ones) and the boosts learned from feedback (default: none)."""

    def __init__(self, manifest: IndexManifest, settings: Settings, encoder: Encoder,
                 reranker: Callable[[], Reranker | None] = lambda: None, fusion: FusionParams | None = None,
                 types: ProductTypes = PRODUCT_TYPES, type_boost: TypeBoost | None = None,
                 feedback: FeedbackBoosts | None = None, spec_boost: TypeBoost = SPEC_BOOST,
                 negation_boost: TypeBoost | None = None, code_weight: float = CODE_WEIGHT) -> None:
        self.settings = settings
        self.name = manifest.name
        self.manifest = manifest
        if encoder.model_id != manifest.encoder:
            raise IndexNotFoundError(
                f"index {self.name!r} was built with encoder {manifest.encoder!r}; re-run `aisle index`")
        self.lexical = LexicalStore(index_dir(self.name, settings) / manifest.generation / "lexical.sqlite")
        self.vectors = VectorStore(manifest.chroma, manifest.collection)
        self.dense = DenseSearch(self.vectors, self.lexical, index_dir(self.name, settings) / manifest.generation,
                                 DensePlanner(settings.dense_exact_max_rows, settings.dense_broad_share))
        self.encoder = encoder
        self._reranker = reranker
        params = fusion or FusionParams.load()
        if settings.fusion_dense_weight is not None:
            params = FusionParams(params.method, settings.fusion_dense_weight, params.rrf_k)
        if settings.fusion_method is not None:
            params = FusionParams(settings.fusion_method, params.dense_weight, settings.rrf_k)
        self.fusion = params
        self.types = types
        self.type_boost = type_boost if type_boost is not None else TypeBoost.load()
        self.feedback = feedback or FeedbackBoosts()  # learned from shoppers' feedback (``aisle train feedback``)
        self.spec_boost = spec_boost
        self.negation_boost = negation_boost if negation_boost is not None else TypeBoost.load(negation.default_path())
        self.code_weight = code_weight
        self._title_words: dict[str, tuple[str, ...]] = {}  # id -> its title's words, once (the negation stage)
        self._amounts_of: dict[str, tuple[Amount, ...]] = {}  # id -> the amounts its title states, once
        self._type_of: dict[str, tuple[str | None, tuple[str, ...]]] = {}  # id -> (type, named), once
        self._derived: dict[str, Any] = {}
        self._derived_lock = threading.Lock()

    def derived(self, name: str, build: Callable[[Searcher], T]) -> T:
        """Data derived from this generation's catalog (a recommender's index), built on first use and kept as
        long as the searcher: a rebuilt index is a new searcher, so nothing stale is served."""
        with self._derived_lock:
            if name not in self._derived:
                self._derived[name] = build(self)
            return self._derived[name]

    @property
    def reranker(self) -> Reranker | None:
        return self._reranker()

    @cached_property
    def speller(self) -> SpellingCorrector:
        """The catalog's own words (titles, brands, categories), read once per generation."""
        return SpellingCorrector.from_texts(self.lexical.texts(), self.encoder.vocabulary_words(), self.types.words())

    @cached_property
    def vocabulary(self) -> CatalogVocabulary:
        return CatalogVocabulary(tuple(self.lexical.brands()), tuple(self.lexical.colours()))

    # each method is an explicit list of stages over one ``Candidates``
    STAGES: dict[str, tuple[str, ...]] = {
        "bm25": ("lexical", "lexical_order"),
        "dense": ("dense", "dense_order"),
        "hybrid": ("dense", "lexical", "fuse"),
        "full": ("spell", "dense", "lexical", "fuse", "rerank", "type", "negation", "spec", "code", "feedback"),
    }

    def run_stages(self, query: str, filters: SearchFilters, n: int, method: Method | tuple[str, ...],
                   timings: dict[str, float] | None = None) -> Candidates:
        """The candidates after every stage of ``method`` (``n`` per retriever), with per-stage timings.

        ``method`` may also be an explicit tuple of stage names (ablations in the evaluation)."""
        stages = method if isinstance(method, tuple) else self.STAGES[method]
        unknown = [s for s in stages if not hasattr(self, f"_stage_{s}")]
        if unknown:
            raise ValueError(f"unknown search stage(s): {', '.join(unknown)}")
        candidates = Candidates(query, filters, n, timings if timings is not None else {}, asked=query)
        for stage in stages:
            getattr(self, f"_stage_{stage}")(candidates)
        return candidates

    def retrieve(self, query: str, filters: SearchFilters, n: int, method: Method,
                 timings: dict[str, float]) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """Ordered id -> score maps for dense, lexical and the chosen method's final scores (no rerank)."""
        c = self.run_stages(query, filters, n, "hybrid" if method == "full" else method, timings)
        return c.dense, c.lexical, c.final

    def _stage_spell(self, c: Candidates) -> None:
        """Words the catalog never uses replaced by the nearest catalog word; the later stages search the result."""
        t = time.perf_counter()
        correction = self.speller.correct(c.query)
        c.query, c.corrections = correction.text, correction.changes
        c.timings["spell"] = (time.perf_counter() - t) * 1000

    def _stage_dense(self, c: Candidates) -> None:
        t = time.perf_counter()
        vector = self.encoder.encode([c.query])[0]
        c.timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        c.dense = {h.product_id: h.score for h in self.dense.search(vector, c.filters, c.n)}
        c.timings["dense"] = (time.perf_counter() - t) * 1000

    def _stage_lexical(self, c: Candidates) -> None:
        t = time.perf_counter()
        c.lexical = {h.product_id: h.score for h in self.lexical.search(c.query, c.filters, c.n)}
        c.timings["lexical"] = (time.perf_counter() - t) * 1000

    @staticmethod
    def _stage_dense_order(c: Candidates) -> None:
        c.final = c.dense

    @staticmethod
    def _stage_lexical_order(c: Candidates) -> None:
        c.final = c.lexical

    def _stage_fuse(self, c: Candidates) -> None:
        t = time.perf_counter()
        c.final = fuse(c.dense, c.lexical, self.fusion)
        c.timings["fuse"] = (time.perf_counter() - t) * 1000

    def _stage_rerank(self, c: Candidates) -> None:
        """Rerank the top-N fused candidates; the rest stay below them in fused order. No ranker, or reranking
        switched off (``Settings.rerank``, the default): no change."""
        reranker = self.reranker if self.settings.rerank else None
        if reranker is None:
            return
        t = time.perf_counter()
        fused, dense, lexical = c.final, c.dense, c.lexical
        head = sorted(fused, key=lambda pid: -fused[pid])[: reranker.fusion.top_n]
        products = self.lexical.get_many(head)
        signals = self.candidate_signals(c.query, head, dense, lexical)
        c.gains = reranker.gains(c.query, [products[pid] for pid in head if pid in products], signals)
        combined = reranker.fusion.combine(c.gains, {p: signals.dense[p] for p in head if p in signals.dense},
                                           {p: lexical[p] for p in head if p in lexical}, {p: fused[p] for p in head})
        floor = min(combined.values(), default=0.0) - 1.0
        c.final = combined | {pid: floor - i * 1e-6 for i, pid in
                              enumerate(sorted((p for p in fused if p not in combined), key=lambda p: -fused[p]))}
        c.timings["rerank"] = (time.perf_counter() - t) * 1000

    def candidate_signals(self, query: str, ids: list[str], dense: dict[str, float],
                          lexical: dict[str, float]) -> CandidateSignals:
        """What the ranker reads besides the text of ``ids``: the retrievers' scores (an id the given maps lack, e.g.
        one that only the other retriever found, is scored here) and the type and negation marks (the same readings
        as the type and negation stages). Serving, evaluation, the benchmark and training all build it here."""
        missing_dense = [pid for pid in ids if pid not in dense]
        missing_lexical = [pid for pid in ids if pid not in lexical]
        dense = dense | (self.score_candidates(query, missing_dense, "dense") if missing_dense else {})
        lexical = lexical | (self.score_candidates(query, missing_lexical, "bm25") if missing_lexical else {})
        wanted = self.types.of_text(query)
        return CandidateSignals(dense, lexical, self.type_fits(ids, wanted) if wanted else {},
                                self.negation_fits(ids, query))

    def _type_info(self, ids: list[str]) -> dict[str, tuple[str | None, tuple[str, ...]]]:
        """Per product: its type by the lexicon and every type its text names, cached per product."""
        return self._per_product(ids, self._type_of, self.types.reading, (None, ()))

    def _per_product(self, ids: list[str], cache: dict[str, D], derive: Callable[[Product], D],
                     absent: D) -> dict[str, D]:
        """``derive`` of each product, read from the index once per product and kept in ``cache`` (``absent`` for an
        id the index lacks)."""
        missing = [pid for pid in ids if pid not in cache]
        found = self.lexical.get_many(missing) if missing else {}
        for pid in missing:
            cache[pid] = derive(found[pid]) if pid in found else absent
        return {pid: cache[pid] for pid in ids}

    def product_types(self, ids: list[str]) -> dict[str, str | None]:
        """Each product's type by the lexicon (None: its text names none)."""
        return {pid: kind for pid, (kind, _) in self._type_info(ids).items()}

    def type_fits(self, ids: list[str], wanted: str | None) -> dict[str, bool | None]:
        """Whether each product fits a request for ``wanted`` (``ProductTypes.fit``)."""
        return {pid: self.types.fit(kind, named, wanted) for pid, (kind, named) in self._type_info(ids).items()}

    def _stage_code(self, c: Candidates) -> None:
        """Products whose title carries the model code the query names ("spc700", "wh1000xm4"), in whole or in part,
        lifted above the rest, and added when the retrievers missed them (``retrieval/model_codes.py``); a query
        naming no code: no change. It runs after the type, negation and spec stages: each of those normalises the
        scores again, which would shrink the code's tiers under their weights."""
        wanted = query_codes(c.asked or c.query)  # as typed: codes are not words the speller should touch
        if not wanted or not self.code_weight:
            return
        t = time.perf_counter()
        hits = best_matches(wanted, self.lexical.code_search(wanted, c.filters, max(c.n, CODE_CANDIDATES)))
        if hits:
            c.final = lift(c.final, hits, self.code_weight)
        c.timings["code"] = (time.perf_counter() - t) * 1000

    def _stage_type(self, c: Candidates) -> None:
        """The named product type above its accessories (``TypeBoost``); no named type: no change."""
        c.wanted_type = self.types.of_text(c.query)
        if c.wanted_type is None or not self.type_boost.active:
            return
        t = time.perf_counter()
        c.fits = self.type_fits(list(c.final), c.wanted_type)
        c.final = self.type_boost.apply(c.final, c.fits)
        c.timings["type"] = (time.perf_counter() - t) * 1000

    def negation_fits(self, ids: list[str], query: str) -> dict[str, bool | None]:
        """Per product, whether its title says it lacks what ``query`` asks to be without (``negation.fits``);
        empty when the query excludes nothing."""
        phrases = negation.excluded(query)
        if not phrases:
            return {}
        titles = self._per_product(ids, self._title_words, lambda p: tuple(negation.words(p.title)), ())
        return negation.fits(titles, phrases)

    def _stage_negation(self, c: Candidates) -> None:
        """Products whose title says it lacks what the query excludes ("without block") above those that have it
        (``retrieval/negation.py``); a query excluding nothing: no change."""
        if not self.negation_boost.active:
            return
        t = time.perf_counter()
        marks = self.negation_fits(list(c.final), c.query)
        if marks:
            c.final = self.negation_boost.apply(c.final, marks)
            c.timings["negation"] = (time.perf_counter() - t) * 1000

    def _stage_spec(self, c: Candidates) -> None:
        """Products stating the amount asked for ("64 gig", "27 inch") above those stating another amount of the same
        kind (``retrieval/spec_match.py``); a query without an amount, or a product stating none: no change."""
        wanted = asked_amounts(c.asked or c.query)  # as typed: the speller would turn "gig" into some catalog word
        if not wanted or not self.spec_boost.active:
            return
        t = time.perf_counter()
        stated = self._per_product(list(c.final), self._amounts_of, lambda p: tuple(product_amounts(p)), ())
        c.final = self.spec_boost.apply(c.final, {pid: spec_fit(wanted, amounts) for pid, amounts in stated.items()})
        c.timings["spec"] = (time.perf_counter() - t) * 1000

    def _stage_feedback(self, c: Candidates) -> None:
        """Products shoppers chose for this very query moved up (``FeedbackBoosts``); other queries: no change."""
        if not self.feedback.active:
            return
        t = time.perf_counter()
        c.final = self.feedback.apply(c.final, c.asked or c.query, c.query)
        c.timings["feedback"] = (time.perf_counter() - t) * 1000

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 10,
               method: Method = "hybrid", candidates: int | None = None) -> SearchResponse:
        query = " ".join(query.split())[: self.settings.max_query_chars]
        filters = filters or SearchFilters()
        if not query:
            raise ValueError("the search query is empty")
        started = time.perf_counter()
        n = max(k, candidates or self.settings.candidates_per_stage)
        c = self.run_stages(query, filters, n, method)
        ranked = sorted(c.final.items(), key=lambda kv: kv[1], reverse=True)[:k]
        products = self.lexical.get_many([pid for pid, _ in ranked])
        dense_rank = {pid: i for i, pid in enumerate(c.dense, start=1)}
        lexical_rank = {pid: i for i, pid in enumerate(c.lexical, start=1)}
        hits = []
        for pid, score in ranked:
            stages: dict[str, float] = {}
            if pid in c.dense:
                stages.update(dense=c.dense[pid], dense_rank=dense_rank[pid])
            if pid in c.lexical:
                stages.update(lexical=c.lexical[pid], lexical_rank=lexical_rank[pid])
            if pid in c.gains:
                stages["ranker"] = c.gains[pid]
            stages[method] = score
            hits.append(SearchHit(products[pid], score, stages))
        c.timings["total"] = (time.perf_counter() - started) * 1000
        return SearchResponse(query, filters, hits, c.timings, c.corrections, c.query)

    def score_candidates(self, query: str, ids: list[str], method: Method = "hybrid") -> dict[str, float]:
        """Scores for a given candidate set (rerank evaluation, and the ranker's fusion inputs).

        Candidates with no lexical match get no lexical score (0 after normalisation). ``full`` runs the
        default search's stages over the given candidates (spelling, fusion, rerank when on, type, negation, spec,
        code, feedback).
        """
        if not ids:
            return {}
        if method == "full":
            c = Candidates(query, SearchFilters(), len(ids), asked=query)
            self._stage_spell(c)
            c.dense = self.score_candidates(c.query, ids, "dense")
            c.lexical = self.score_candidates(c.query, ids, "bm25")
            for stage in ("fuse", "rerank", "type", "negation", "spec", "code", "feedback"):
                getattr(self, f"_stage_{stage}")(c)
            return {pid: c.final[pid] for pid in ids if pid in c.final}  # the code stage may bring in others
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        if method in ("dense", "hybrid"):
            vector = self.encoder.encode([query])[0]
            dense = self.vectors.similarities(vector, ids)
            dense = dict(sorted(dense.items(), key=lambda kv: kv[1], reverse=True))
        if method in ("bm25", "hybrid"):
            lexical = {h.product_id: h.score for h in self.lexical.search(query, None, len(ids), restrict_to=ids)}
        if method == "dense":
            return dense
        if method == "bm25":
            return lexical
        return fuse(dense, lexical, self.fusion)

    def get_product(self, product_id: str) -> Product | None:
        return self.lexical.get(product_id)
