"""A content-addressed store of embeddings, so re-indexing only embeds text that changed.

Keyed by (vector space, sha256 of the exact text embedded): an edited product gets a new key,
an untouched one is found again even across catalogs and index generations.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path, space: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.space = space
        self.conn = sqlite3.connect(path, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (space TEXT, key TEXT, vector BLOB, PRIMARY KEY (space, key))"
        )

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self.conn.execute(
                f"SELECT key, vector FROM embeddings WHERE space = ? AND key IN ({','.join('?' * len(chunk))})",
                [self.space, *chunk],
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (space, key, vector) VALUES (?, ?, ?)",
                [(self.space, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self.conn.close()
