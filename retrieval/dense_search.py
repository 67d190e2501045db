"""The dense stage of search: Chroma's HNSW without filters, and a plan chosen by selectivity with them.

Chroma evaluates a metadata ``where`` before its vector search, which costs ~150-220 ms on 20k products
whatever the filter keeps. With filters on, the lexical store (the catalog's system of record) first
names the rows the filter allows, in SQL, and then:

- **exact**: when the allowed set is small enough (``exact_max_rows``) or selective (under
  ``broad_share`` of the catalog), every allowed row is scored against the generation's own copy of
  the vectors (``vectors.npy``, memory-mapped, rows in catalog order);
- **over-fetch**: when it is broad over a big catalog, Chroma is asked unfiltered for
  ``k * overfetch / selectivity`` neighbours and the allowed ones are kept; if fewer than ``k``
  survive, the exact plan answers instead.

Both plans return exactly the products the filter allows. A generation built before ``vectors.npy``
existed falls back to Chroma's own filtered query.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from threadpoolctl import ThreadpoolController

from retrieval.filters import SearchFilters
from retrieval.lexical_store import LexicalStore
from retrieval.vector_store import DenseHit, VectorStore

VECTORS_FILE = "vectors.npy"
Plan = Literal["hnsw", "exact", "overfetch", "chroma_where", "empty"]


@dataclass(frozen=True)
class DensePlanner:
    """When the exact plan is taken: at most ``exact_max_rows`` allowed rows, or under ``broad_share`` of the
    catalog; otherwise HNSW is over-fetched by ``overfetch`` / selectivity."""

    exact_max_rows: int = 100_000
    broad_share: float = 0.2
    overfetch: float = 2.0

    def plan(self, allowed: int, total: int) -> Plan:
        if allowed == 0:
            return "empty"
        if allowed <= self.exact_max_rows or allowed < self.broad_share * total:
            return "exact"
        return "overfetch"

    def fetch_size(self, k: int, allowed: int, total: int) -> int:
        return min(total, math.ceil(k * self.overfetch * total / max(allowed, 1)))


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def save_vectors(folder: Path, matrix: np.ndarray) -> None:
    """The generation's own copy of its vectors, rows in catalog (lexical rowid) order."""
    np.save(folder / VECTORS_FILE, np.ascontiguousarray(matrix, dtype=np.float32))


class DenseSearch:
    """Dense retrieval of one index generation under any filters."""

    def __init__(self, vectors: VectorStore, lexical: LexicalStore, folder: Path,
                 planner: DensePlanner | None = None) -> None:
        self.vectors = vectors
        self.lexical = lexical
        self.planner = planner or DensePlanner()
        path = folder / VECTORS_FILE
        self._path = path if path.exists() else None
        self._matrix: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        self._row_of: dict[str, int] | None = None  # product id -> row, for the over-fetch's membership test
        self._lock = threading.Lock()
        self.last_plan: Plan | None = None

    @property
    def exact_available(self) -> bool:
        return self._path is not None

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._matrix is None:
                matrix = np.load(self._path, mmap_mode="r")
                ids = np.asarray(self.lexical.all_ids(), dtype=object)
                if matrix.shape[0] != len(ids):
                    raise ValueError(f"{self._path} holds {matrix.shape[0]} vectors for {len(ids)} products")
                self._matrix, self._ids = matrix, ids
            return self._matrix, self._ids

    def _rows_by_id(self, ids: np.ndarray) -> dict[str, int]:
        with self._lock:
            if self._row_of is None:
                self._row_of = {str(pid): row for row, pid in enumerate(ids.tolist())}
            return self._row_of

    def search(self, vector: np.ndarray, filters: SearchFilters | None = None, k: int = 100) -> list[DenseHit]:
        filters = filters or SearchFilters()
        if filters.chroma_where() is None:
            self.last_plan = "hnsw"
            return self.vectors.search(vector, None, k)
        if self._path is None:
            self.last_plan = "chroma_where"
            return self.vectors.search(vector, filters, k)
        matrix, ids = self._load()
        rows = self.lexical.allowed_rows(filters)
        plan = self.planner.plan(len(rows), len(ids))
        self.last_plan = plan
        if plan == "empty":
            return []
        if plan == "overfetch":  # a boolean mask over rows: no per-query set of the (many) allowed ids
            allowed = np.zeros(len(ids), dtype=bool)
            allowed[rows] = True
            row_of = self._rows_by_id(ids)
            fetch = self.planner.fetch_size(k, len(rows), len(ids))
            kept = [h for h in self.vectors.search(vector, None, fetch)
                    if (row := row_of.get(h.product_id)) is not None and allowed[row]][:k]
            if len(kept) >= min(k, len(rows)):
                return kept
            self.last_plan = "exact"
        return self._exact(matrix, ids, rows, vector, k)

    @staticmethod
    def _exact(matrix: np.ndarray, ids: np.ndarray, rows: np.ndarray, vector: np.ndarray, k: int) -> list[DenseHit]:
        query = vector.astype(np.float32)
        # One BLAS thread: OpenBLAS's idle workers spin after a product and slow the encoder's next forward
        # pass (measured: query embedding 24 -> 60 ms p50). A broad set is cheaper scored in one pass over the
        # whole matrix than gathered row by row.
        with _blas_controller().limit(limits=1, user_api="blas"):
            scores = (matrix @ query)[rows] if len(rows) * 4 > len(ids) else matrix[rows] @ query
        top = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [DenseHit(str(ids[rows[i]]), float(scores[i])) for i in top]
