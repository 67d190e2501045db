"""The indexes one process serves: opens each index's live generation once, builds and refreshes them.

This is the only place that maps an index *name* to a ``Searcher``. It owns the encoder and the
(lazily loaded) ranker that every searcher shares; the app's composition root creates one and hands
it to whoever searches (the agent, the copilot, evaluation, training).
"""

from __future__ import annotations

import threading
from pathlib import Path

from rich.console import Console

from aisle.settings import Settings
from retrieval.catalog.load_report import LoadReport
from retrieval.catalog.mapping import ColumnMapping
from retrieval.catalog.product import Product
from retrieval.encoder import Encoder
from retrieval.index_builder import BuildResult, IndexManifest, build_index, index_dir, live_generation, read_manifest
from retrieval.indexing import ensure_index
from retrieval.ranker.reranker import Reranker, load_reranker
from retrieval.recommend.feedback import FeedbackBoosts, feedback_path
from retrieval.search import IndexNotFoundError, Searcher


class Indexes:
    """Name -> searcher of the live generation; a rebuilt index is picked up on the next ``searcher`` call."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._lock = threading.Lock()
        self._open: dict[str, Searcher] = {}
        self._reranker: Reranker | None = None
        self._reranker_loaded = False
        self._feedback_stamp: dict[str, int | None] = {}

    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = Encoder(self.settings)
            return self._encoder

    def reranker(self) -> Reranker | None:
        """The configured ranker, loaded on first use (None when switched off or absent)."""
        encoder = self.encoder
        with self._lock:
            if not self._reranker_loaded:
                self._reranker = load_reranker(self.settings, encoder)
                self._reranker_loaded = True
            return self._reranker

    def exists(self, name: str) -> bool:
        """A built index: its live generation has a manifest."""
        return self.manifest(name) is not None

    def manifest(self, name: str) -> IndexManifest | None:
        return read_manifest(name, self.settings)

    def searcher(self, name: str | None = None) -> Searcher:
        """The searcher of ``name`` (default: the configured index); one read of ``CURRENT`` per call."""
        name = name or self.settings.index_name
        generation = live_generation(name, self.settings)
        if generation is None:
            raise IndexNotFoundError(f"no index named {name!r}: run `aisle index --catalog ...` first")
        learned = feedback_path(index_dir(name, self.settings))
        stamp = learned.stat().st_mtime_ns if learned.exists() else None
        with self._lock:
            current = self._open.get(name)
            if current is not None and current.manifest.generation == generation:
                if self._feedback_stamp.get(name) != stamp:  # `aisle train feedback` wrote new boosts
                    current.feedback = FeedbackBoosts.load(learned)
                    self._feedback_stamp[name] = stamp
                return current
        manifest = IndexManifest.load(index_dir(name, self.settings) / generation)
        if manifest is None:
            raise IndexNotFoundError(f"index {name!r} has no manifest for {generation}: run `aisle index` again")
        opened = Searcher(manifest, self.settings, self.encoder, self.reranker, feedback=FeedbackBoosts.load(learned))
        with self._lock:
            self._open[name] = opened
            self._feedback_stamp[name] = stamp
        return opened

    def feedback_file(self, name: str) -> Path:
        """Where the boosts learned from an index's feedback live (beside its generations: a rebuild keeps them)."""
        return feedback_path(index_dir(name, self.settings))

    def build(self, name: str, products: list[Product], source: str, console: Console | None = None,
              force: bool = False) -> BuildResult:
        return build_index(name, products, source, self.settings, self.encoder, console, force)

    def ensure(self, catalog: str | Path, name: str | None = None, mapping: ColumnMapping | None = None,
               force: bool = False, console: Console | None = None) -> tuple[LoadReport, BuildResult]:
        """Load a catalog and bring its index up to date (see ``retrieval.indexing.ensure_index``)."""
        return ensure_index(catalog, self.settings, self.encoder, name, mapping, force, console)
