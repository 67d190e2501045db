"""Interaction features the ranker's classification head reads besides the cross-encoder.

Why: with ~200 judged queries, a fine-tuned joint (query, product) representation alone overfits
and loses to the bi-encoder it started from (BENCHMARKS.md, "Ranker"). What generalises are
bi-encoder interaction signals: the dense score over the full product text, the cosine with the
title alone, and a token-level MaxSim (ColBERT-style late interaction between query tokens and
title + brand tokens). Each is given raw (absolute evidence) and z-scored within the candidate set
(relative evidence: what matters for ranking one query's candidates).
"""

from __future__ import annotations

import numpy as np

from retrieval.catalog.product import Product
from retrieval.encoder import Encoder
from retrieval.ranker.title_cache import EncodeFn

RAW_NAMES = ("dense", "title_cosine", "token_maxsim")
FEATURE_NAMES = RAW_NAMES + tuple(f"{n}_z" for n in RAW_NAMES)
NUM_FEATURES = len(FEATURE_NAMES)
RAW_SCALE = 5.0  # puts cosines (spread ~0.2 within a query) on the z-scores' scale for the linear head


def title_text(product: Product) -> str:
    return f"{product.title}. {product.brand}" if product.brand else product.title


def raw_features(encoder: Encoder, query: str, products: list[Product], dense: list[float],
                 encode_titles: EncodeFn | None = None) -> np.ndarray:
    """Per product: dense score, title cosine, token MaxSim (mean over query tokens of the best title token).

    ``encode_titles`` replaces ``encoder.encode_tokens`` for the titles (a ``TitleEncodingCache`` at query time).
    """
    if not products:
        return np.zeros((0, len(RAW_NAMES)), dtype=np.float32)
    q_vec, q_tok = encoder.encode_tokens([query])
    encode = encoder.encode_tokens if encode_titles is None else encode_titles
    t_vec, t_tok = encode([title_text(p) for p in products])
    cosine = t_vec @ q_vec[0]
    maxsim = np.array([float((q_tok[0] @ tok.T).max(axis=1).mean()) if len(tok) else 0.0 for tok in t_tok])
    return np.stack([np.asarray(dense, dtype=np.float32), cosine, maxsim], axis=1).astype(np.float32)


def standardize(raw: np.ndarray) -> np.ndarray:
    """Head inputs for one query's candidate set: scaled raw features plus within-set z-scores."""
    if len(raw) == 0:
        return np.zeros((0, NUM_FEATURES), dtype=np.float32)
    z = (raw - raw.mean(axis=0)) / (raw.std(axis=0) + 1e-6)
    return np.concatenate([raw * RAW_SCALE, z], axis=1).astype(np.float32)
