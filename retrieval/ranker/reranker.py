"""The fine-tuned relevance classifier placed after retrieval, and fusion of its score with retrieval's.

A 4-class classifier (classes 0-3: ESCI I/C/S/E, Chorus ratings 0-3) built from the bundled
all-MiniLM-L6-v2: interaction features plus a gated LoRA cross-encoder (retrieval/ranker/model.py),
its head and adapter shipped in the package. Class
probabilities become an expected gain in [0, 1], which is what ranking and fusion consume.
"""

from __future__ import annotations

from contextlib import nullcontext
from importlib import resources
from pathlib import Path

import numpy as np

from aisle.settings import Settings
from retrieval.catalog.product import Product
from retrieval.encoder import Encoder
from retrieval.product_text import ranker_text
from retrieval.ranker.config import RankerConfig
from retrieval.ranker.features import FEATURE_NAMES, CandidateSignals, raw_features, standardize
from retrieval.ranker.model import NUM_CLASSES, tokenize
from retrieval.ranker.title_cache import TitleEncodingCache


def default_ranker_dir(settings: Settings) -> Path:
    """AISLE_RANKER_PATH when set (a retrained artifact needs no reinstall), else the one in the package."""
    configured = settings.ranker_path
    if configured:
        return Path(configured)
    return Path(str(resources.files("retrieval") / "models" / "ranker"))


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: where bf16 matmuls run in hardware. Elsewhere torch emulates them, slower than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bf16(device: str, dtype: str) -> bool:
    """Whether the ranker's encoder passes (title features, cross-encoder) run in bfloat16."""
    if dtype != "auto":
        return dtype == "bfloat16"
    return device.startswith("cuda") or cpu_has_native_bf16()


def expected_gain(probabilities: np.ndarray) -> np.ndarray:
    """Expected class / 3: a calibrated-enough relevance in [0, 1] that keeps the classes' order."""
    return probabilities @ (np.arange(NUM_CLASSES, dtype=np.float32) / (NUM_CLASSES - 1))


class Reranker:
    def __init__(self, settings: Settings, encoder: Encoder, artifact: Path | None = None, device: str | None = None,
                 batch_size: int = 64) -> None:
        import torch

        from retrieval.ranker.model import load

        self.artifact = artifact or default_ranker_dir(settings)
        self.config = RankerConfig.load(self.artifact)
        if tuple(self.config.features) != FEATURE_NAMES:
            raise ValueError(f"the ranker at {self.artifact} reads features {self.config.features}, this version "
                             f"computes {list(FEATURE_NAMES)}: retrain it with `aisle train ranker`")
        self.fusion = self.config.fusion
        self.max_length = self.config.max_length
        self.device = device or settings.resolved_device()
        self.batch_size = batch_size
        self.model, self.tokenizer = load(self.artifact, settings.encoder_path, self.device)
        self.encoder = encoder
        self._torch = torch
        self.bf16 = use_bf16(self.device, settings.ranker_dtype)
        # one cache per precision (titles are encoded inside probabilities' precision context),
        # so switching precision never mixes encodings
        self._titles = {flag: TitleEncodingCache(self.encoder.encode_tokens, settings.ranker_title_cache)
                        for flag in (False, True)}

    @property
    def uses_cross_encoder(self) -> bool:
        return self.tokenizer is not None

    def clear_title_cache(self) -> None:
        """Forget cached title encodings (benchmarks measure cold searches; a catalog rebuild may retitle)."""
        for cache in self._titles.values():
            cache.clear()

    def _precision(self):
        """bf16 autocast for the encoder passes on CPU (CUDA weights are bf16 already, see ranker_model.load);
        autocast keeps LayerNorm and softmax in fp32, and the feature head opts out of it."""
        if self.bf16 and self._torch.device(self.device).type == "cpu":
            return self._torch.autocast(device_type="cpu", dtype=self._torch.bfloat16)
        return nullcontext()

    def probabilities(self, query: str, products: list[Product], signals: CandidateSignals) -> np.ndarray:
        """Class probabilities for one query's candidate set (features are standardised within the set)."""
        if not products:
            return np.zeros((0, NUM_CLASSES), np.float32)
        torch = self._torch
        with self._precision():
            raw = raw_features(self.encoder, query, products, signals, self._titles[self.bf16])
        features = torch.from_numpy(standardize(raw)).to(self.device)
        texts = [ranker_text(p) for p in products] if self.uses_cross_encoder else []
        out = []
        with torch.inference_mode(), self._precision():
            for start in range(0, len(products), self.batch_size):
                pair = (tokenize(self.tokenizer, [query] * len(texts[start:start + self.batch_size]),
                                 texts[start:start + self.batch_size], self.max_length, self.device)
                        if self.uses_cross_encoder else None)
                logits = self.model(features[start:start + self.batch_size], pair).float()
                out.append(torch.softmax(logits, dim=-1).cpu().numpy())
        return np.concatenate(out)

    def gains(self, query: str, products: list[Product], signals: CandidateSignals) -> dict[str, float]:
        """Expected gains; ``signals`` holds what search knows of each product (``Searcher.candidate_signals``)."""
        probs = self.probabilities(query, products, signals)
        return {p.id: float(g) for p, g in zip(products, expected_gain(probs), strict=True)}


def load_reranker(settings: Settings, encoder: Encoder) -> Reranker | None:
    """The configured (default: shipped) ranker, or None when it is switched off or absent (search then keeps
    hybrid order)."""
    if (settings.ranker_path or "").lower() == "none":
        return None
    try:
        return Reranker(settings, encoder)
    except FileNotFoundError:
        return None
