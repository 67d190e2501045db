"""A static (Model2Vec) embedding distilled from the bi-encoder: the fastest backend for indexing big catalogs.

``model2vec.distill`` runs every token of the encoder's vocabulary through the transformer once, reduces the
token vectors with PCA and weights them by token frequency (SIF); a text's vector is then the mean of its
tokens' rows, with no transformer at encode time (thousands of products per second on one core). The
distilled model is cached under ``<cache_dir>/static/<folder digest>-<dims>/`` next to the ONNX export; it is
its own vector space, so queries are encoded by it too.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import numpy as np

from retrieval.onnx_encoder import model_digest

STATIC_DIMS = 256  # model2vec's default PCA size; measured against 384 in BENCHMARKS.md (index build)


def distill_static(model_path: str, folder: Path, dims: int = STATIC_DIMS) -> Path:
    """Distil ``model_path`` into ``folder`` (written to a temporary sibling, then renamed into place)."""
    from model2vec.distill import distill

    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    model = distill(model_name=model_path, pca_dims=dims, device="cpu")
    model.save_pretrained(str(partial))
    if folder.exists():  # another process finished first: keep theirs
        shutil.rmtree(partial, ignore_errors=True)
    else:
        os.replace(partial, folder)
    return folder


class StaticTransformer:
    """Sentence and token vectors from the distilled static model of a sentence-transformers folder."""

    def __init__(self, model_path: str, cache_dir: Path, dims: int = STATIC_DIMS) -> None:
        from model2vec import StaticModel

        folder = cache_dir / "static" / f"{model_digest(model_path)}-{dims}"
        if not (folder / "model.safetensors").exists():
            distill_static(model_path, folder, dims)
        try:
            self.model = StaticModel.from_pretrained(str(folder))
        except Exception as exc:  # a damaged cache: say how to rebuild it
            raise RuntimeError(f"the static encoder in {folder} cannot be read ({exc}); delete that folder and "
                               "it is distilled again on the next start") from exc
        self.path = folder
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self.model.dim)

    def encode(self, texts: list[str], max_length: int) -> np.ndarray:
        with self._lock:
            vectors = self.model.encode(texts, max_length=max_length, use_multiprocessing=False)
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    def token_embeddings(self, texts: list[str], max_length: int) -> list[np.ndarray]:
        """Per text, the rows of its tokens (the static model has no special tokens), in input order."""
        with self._lock:
            sequences = self.model.encode_as_sequence(texts, max_length=max_length, use_multiprocessing=False)
        return [np.asarray(s, dtype=np.float32).reshape(-1, self.dimension) for s in sequences]
