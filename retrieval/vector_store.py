"""The dense side of search: a Chroma collection holding our own embeddings and filter metadata.

Embedded `PersistentClient` by default; with ``AISLE_CHROMA_URL`` the same code talks to a
`chroma run` server through `HttpClient`. We never let Chroma embed (its default function would
download a model): vectors always come from `Encoder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters, filter_metadata

HNSW_CONFIG = {"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}}


@dataclass(frozen=True)
class DenseHit:
    product_id: str
    score: float  # cosine similarity


@lru_cache(maxsize=8)
def chroma_client(location: str):
    """One client per location and process (Chroma itself keeps one system per path)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if location.startswith(("http://", "https://")):
        url = urlparse(location)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    Path(location).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=location, settings=chroma_settings)


class VectorStore:
    def __init__(self, location: str, collection: str) -> None:
        self.location = location
        self.collection_name = collection
        self.client = chroma_client(location)
        self._collection = None

    @property
    def collection(self):
        if self._collection is None:
            self._collection = self.client.get_collection(self.collection_name)
        return self._collection

    def create(self, products: list[Product], vectors: np.ndarray) -> None:
        """Write a new collection; a half-written one (killed build) is replaced."""
        existing = {c.name for c in self.client.list_collections()}
        if self.collection_name in existing:
            self.client.delete_collection(self.collection_name)
        collection = self.client.create_collection(
            self.collection_name, configuration=HNSW_CONFIG, embedding_function=None
        )
        batch = min(self.client.get_max_batch_size(), 4096)
        for start in range(0, len(products), batch):
            chunk = products[start:start + batch]
            collection.add(
                ids=[p.id for p in chunk],
                embeddings=vectors[start:start + batch],
                metadatas=[filter_metadata(p) for p in chunk],
            )
        self._collection = collection

    def search(self, vector: np.ndarray, filters: SearchFilters | None = None, k: int = 100) -> list[DenseHit]:
        where = (filters or SearchFilters()).chroma_where()
        result = self.collection.query(
            query_embeddings=[vector.astype(np.float32)], n_results=k, where=where, include=["distances"]
        )
        ids, distances = result["ids"][0], result["distances"][0]
        return [DenseHit(pid, 1.0 - float(d)) for pid, d in zip(ids, distances, strict=True)]

    def similarities(self, vector: np.ndarray, ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to specific products (vectors are normalised)."""
        found = self.collection.get(ids=ids, include=["embeddings"])
        matrix = np.asarray(found["embeddings"], dtype=np.float32)
        if matrix.size == 0:
            return {}
        scores = matrix @ vector.astype(np.float32)
        return {pid: float(s) for pid, s in zip(found["ids"], scores, strict=True)}

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored (normalised) vectors of these products; ids not in the collection are absent."""
        if not ids:
            return {}
        found = self.collection.get(ids=ids, include=["embeddings"])
        return {pid: np.asarray(v, dtype=np.float32) for pid, v in zip(found["ids"], found["embeddings"], strict=True)}

    def count(self) -> int:
        return int(self.collection.count())

    def drop_collections_except(self, prefix: str, keep: set[str]) -> list[str]:
        dropped = []
        for collection in self.client.list_collections():
            if collection.name.startswith(prefix) and collection.name not in keep:
                self.client.delete_collection(collection.name)
                dropped.append(collection.name)
        return dropped
