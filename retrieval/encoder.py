"""The bi-encoder that turns queries and products into vectors (all-MiniLM-L6-v2 by default).

Loaded once per process and device: model loading dominates a CLI call otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from aisle.settings import Settings
from retrieval.catalog.product import Product
from retrieval.onnx_encoder import OnnxTransformer
from retrieval.product_text import embedding_text
from retrieval.static_encoder import StaticTransformer

ONNX_BATCH = 16  # measured best for the int8 export on 2 cores (BENCHMARKS.md, indexing throughput)


@lru_cache(maxsize=4)
def _load_onnx(path: str, cache_dir: str, max_seq_length: int) -> OnnxTransformer:
    model = _load(path, "cpu", max_seq_length)
    return OnnxTransformer(path, Path(cache_dir), model.tokenizer, model[0].auto_model)


@lru_cache(maxsize=4)
def _load_static(path: str, cache_dir: str) -> StaticTransformer:
    return StaticTransformer(path, Path(cache_dir))


@lru_cache(maxsize=4)
def _load(path: str, device: str, max_seq_length: int):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device=device, local_files_only=True)
    model.max_seq_length = max_seq_length
    if device.startswith("cuda"):
        model.half()
    return model


class Encoder:
    """Normalised sentence embeddings; cosine similarity is then a dot product."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.device = self.settings.resolved_device()
        self.model = _load(self.settings.encoder_path, self.device, self.settings.embed_max_seq_length)
        self.backend = settings.encoder_backend if self.device == "cpu" else "torch"
        self.onnx = (_load_onnx(settings.encoder_path, str(settings.cache_dir), settings.embed_max_seq_length)
                     if self.backend == "onnx-int8" else None)
        self.static = (_load_static(settings.encoder_path, str(settings.cache_dir))
                       if settings.encoder_backend == "static" else None)
        if self.static is not None:
            self.backend = "static"

    @property
    def product_tokens(self) -> int:
        """How many tokens of a product's text the encoder reads (the static backend reads them all: it is cheap)."""
        if self.static is not None:
            return self.settings.embed_max_seq_length
        return min(self.settings.embed_product_tokens, self.settings.embed_max_seq_length)

    @property
    def model_id(self) -> str:
        """Identifies the vector space; cached embeddings are only reused within one."""
        space = f"{self.settings.encoder_path}|{self.settings.embed_max_seq_length}"
        if self.backend != "torch":
            space += f"|{self.backend}"
        if self.settings.embed_text != "full":
            space += f"|text-{self.settings.embed_text}"
        if self.product_tokens < self.settings.embed_max_seq_length:
            space += f"|products-{self.product_tokens}"
        return space

    def product_text(self, product: Product) -> str:
        """The text of a product this encoder's index embeds (``Settings.embed_text`` layout)."""
        return embedding_text(product, layout=self.settings.embed_text)

    @property
    def dimension(self) -> int:
        if self.static is not None:
            return self.static.dimension
        return int(self.model.get_sentence_embedding_dimension())

    def vocabulary_words(self) -> frozenset[str]:
        """The whole, alphabetic words of the tokenizer's vocabulary: English words the encoder knows by heart
        (the spelling stage never "corrects" them)."""
        vocab = self.model.tokenizer.get_vocab()
        return frozenset(w.lower() for w in vocab if w.isalpha())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Queries and other short texts, read up to ``embed_max_seq_length`` tokens."""
        return self._encode(texts, self.settings.embed_max_seq_length, progress)

    def encode_products(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Product texts (``product_text``), read up to ``product_tokens`` tokens: what an index stores."""
        return self._encode(texts, self.product_tokens, progress)

    def _encode(self, texts: list[str], max_length: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.static is not None:
            return self.static.encode(texts, max_length)
        if self.onnx is not None:
            return self.onnx.encode(texts, max_length, ONNX_BATCH)
        model = self.model if max_length == self.settings.embed_max_seq_length else _load(
            self.settings.encoder_path, self.device, max_length)
        vectors = model.encode(
            texts,
            batch_size=self.settings.embed_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32)

    def encode_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence vectors and per-token vectors (special tokens dropped), all L2-normalised, in one pass.

        The ranker's late-interaction features (title cosine, token MaxSim) need both; one forward pass
        over short product titles keeps that cheap at query time.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        if self.static is not None:  # no special tokens to drop
            pairs = list(zip(self.static.encode(texts, self.settings.embed_max_seq_length),
                             self.static.token_embeddings(texts, self.settings.embed_max_seq_length), strict=True))
        elif self.onnx is not None:
            hidden = self.onnx.token_embeddings(texts, self.settings.embed_max_seq_length, ONNX_BATCH)
            pairs = [(h.mean(axis=0), h[1:-1] if len(h) > 2 else h) for h in hidden]
        else:
            outputs = self.model.encode(texts, batch_size=self.settings.embed_batch_size, output_value=None,
                                        convert_to_numpy=False, show_progress_bar=False)
            pairs = []
            for o in outputs:
                t = o["token_embeddings"].float().cpu().numpy()
                pairs.append((o["sentence_embedding"].float().cpu().numpy(), t[1:-1] if len(t) > 2 else t))
        sentences, tokens = [], []
        for s, t in pairs:
            sentences.append(s / max(float(np.linalg.norm(s)), 1e-9))
            tokens.append(t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-9))
        return np.stack(sentences).astype(np.float32), [t.astype(np.float32) for t in tokens]
