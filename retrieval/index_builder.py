"""Builds an index generation aside, then switches to it atomically.

A generation is a Chroma collection plus a SQLite lexical store. The ``CURRENT`` file names the
live one and is replaced with `os.replace` only after both are complete, so a build killed
half-way leaves the previous index serving. Embeddings come from a content-addressed cache, so
re-indexing embeds only products whose text changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console

from aisle.settings import Settings
from retrieval.catalog.product import Product
from retrieval.dense_search import save_vectors
from retrieval.embedding_cache import EmbeddingCache, text_key
from retrieval.encoder import Encoder
from retrieval.lexical_store import STORE_VERSION
from retrieval.lexical_store import create as create_lexical
from retrieval.product_text import TEXT_VERSION
from retrieval.vector_store import VectorStore


@dataclass(frozen=True)
class BuildResult:
    name: str
    generation: str
    products: int
    embedded: int
    reused: int
    seconds: float
    unchanged: bool = False


@dataclass(frozen=True)
class IndexManifest:
    """What a built generation is: read by every searcher, written once by the build that made it."""

    name: str
    generation: str
    source: str
    products: int
    fingerprint: str
    encoder: str
    text_version: str
    collection: str
    chroma: str
    created: str

    def save(self, folder: Path) -> None:
        (folder / "manifest.json").write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, folder: Path) -> IndexManifest | None:
        path = folder / "manifest.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def index_dir(name: str, settings: Settings) -> Path:
    return settings.indexes_dir / name


def chroma_location(name: str, settings: Settings) -> str:
    return settings.chroma_url or str(index_dir(name, settings) / "chroma")


def collection_prefix(name: str) -> str:
    return f"aisle-{name}-"


def catalog_fingerprint(products: list[Product], space: str) -> str:
    digest = hashlib.sha256(f"{space}|{TEXT_VERSION}|{STORE_VERSION}".encode())
    for product in products:
        digest.update(product.content_hash().encode())
    return digest.hexdigest()[:32]


def live_generation(name: str, settings: Settings) -> str | None:
    """The generation ``CURRENT`` names (one small file read), or None before the first build."""
    current = index_dir(name, settings) / "CURRENT"
    return current.read_text().strip() if current.exists() else None


def read_manifest(name: str, settings: Settings) -> IndexManifest | None:
    generation = live_generation(name, settings)
    return None if generation is None else IndexManifest.load(index_dir(name, settings) / generation)


def build_index(
    name: str,
    products: list[Product],
    source: str,
    settings: Settings,
    encoder: Encoder,
    console: Console | None = None,
    force: bool = False,
) -> BuildResult:
    console = console or Console(stderr=True)
    started = time.perf_counter()
    space = f"{encoder.model_id}|{TEXT_VERSION}"
    fingerprint = catalog_fingerprint(products, space)
    previous = read_manifest(name, settings)
    if previous and previous.fingerprint == fingerprint and not force:
        return BuildResult(name, previous.generation, len(products), 0, 0,
                           time.perf_counter() - started, unchanged=True)

    root = index_dir(name, settings)
    root.mkdir(parents=True, exist_ok=True)
    generation = datetime.now(UTC).strftime("gen-%Y%m%dT%H%M%S%f")
    gen_dir = root / generation
    gen_dir.mkdir()

    texts = [encoder.product_text(p) for p in products]
    keys = [text_key(t) for t in texts]
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite", space)
    try:
        cached = cache.get_many(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(k for k in keys if k not in cached))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            console.print(f"[bold]Embedding[/] {len(missing):,} new or changed products "
                          f"({len(keys) - len(missing):,} reused) on {encoder.device}")
            # Embed and cache in slices so that a killed build keeps the work already done.
            slice_size = 2048
            for start in range(0, len(missing), slice_size):
                chunk = missing[start:start + slice_size]
                vectors = encoder.encode_products([text_of[k] for k in chunk], progress=True)
                fresh = dict(zip(chunk, vectors, strict=True))
                cache.put_many(fresh)
                cached.update(fresh)
    finally:
        cache.close()
    matrix = np.stack([cached[k] for k in keys]) if keys else np.zeros((0, encoder.dimension), np.float32)

    console.print(f"[bold]Writing[/] lexical store and Chroma collection for {len(products):,} products")
    create_lexical(gen_dir / "lexical.sqlite", products)
    save_vectors(gen_dir, matrix)  # filtered dense search scores these rows exactly (retrieval.dense_search)
    collection = collection_prefix(name) + generation
    store = VectorStore(chroma_location(name, settings), collection)
    store.create(products, matrix)

    IndexManifest(name, generation, source, len(products), fingerprint, encoder.model_id, TEXT_VERSION, collection,
                  chroma_location(name, settings), datetime.now(UTC).isoformat()).save(gen_dir)
    tmp = root / "CURRENT.tmp"
    tmp.write_text(generation)
    os.replace(tmp, root / "CURRENT")  # the switch: atomic on POSIX

    keep = {generation} | ({previous.generation} if previous else set())
    for old in root.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    store.drop_collections_except(collection_prefix(name), {collection_prefix(name) + g for g in keep})
    return BuildResult(name, generation, len(products), len(missing), len(keys) - len(missing),
                       time.perf_counter() - started)
