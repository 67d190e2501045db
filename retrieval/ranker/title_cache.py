"""A bounded, thread-safe LRU of title encodings (sentence vector + token vectors) for the ranker's features.

Why: the title pass is a third of the ranker's time per search, and it does not depend on the query.
A conversation re-searches mostly the same products (refinements, follow-ups, the agent's repeated
tool calls), so a few thousand cached titles skip most of that pass. Token vectors are kept in fp16
(~15 KB a title) to bound memory; MaxSim over them moves features by < 1e-3.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

Encoded = tuple[np.ndarray, np.ndarray]  # (sentence vector, token vectors)
EncodeFn = Callable[[list[str]], tuple[np.ndarray, list[np.ndarray]]]


class TitleEncodingCache:
    def __init__(self, encode: EncodeFn, max_items: int = 4096) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._encode = encode
        self.max_items = max_items
        self._items: OrderedDict[str, Encoded] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __call__(self, titles: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Same contract as ``Encoder.encode_tokens``: encodes only the titles it has not seen recently."""
        if not titles:
            return self._encode([])
        with self._lock:
            found = {t: self._items[t] for t in dict.fromkeys(titles) if t in self._items}
            for t in found:
                self._items.move_to_end(t)
        missing = [t for t in dict.fromkeys(titles) if t not in found]
        if missing:
            vectors, tokens = self._encode(missing)
            fresh = {t: (v, tok.astype(np.float16)) for t, v, tok in zip(missing, vectors, tokens, strict=True)}
            found.update(fresh)
            with self._lock:
                self._items.update(fresh)
                while len(self._items) > self.max_items:
                    self._items.popitem(last=False)
        with self._lock:
            self.hits += len(titles) - len(missing)
            self.misses += len(missing)
        return (np.stack([found[t][0] for t in titles]).astype(np.float32),
                [found[t][1].astype(np.float32) for t in titles])
