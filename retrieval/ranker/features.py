"""What the ranker's classification head reads besides the cross-encoder: interaction features and search's marks.

Why: with ~200 judged queries, a fine-tuned joint (query, product) representation alone overfits
and loses to the bi-encoder it started from (BENCHMARKS.md, "Ranker"). What generalises are
bi-encoder interaction signals (the dense score over the product text, the cosine with the title
alone, a token-level MaxSim between query tokens and title + brand tokens), the lexical score, and
what search already reads from the catalog's words: whether the candidate is of the product type the
query names (``ProductTypes.fit``) and whether its title lacks what the query asks to be without
(``negation.fits``). The three cosines are given raw (absolute evidence) and the lexical score over the
largest in the set (BM25 has no fixed scale); all four also z-scored within the candidate set (relative
evidence: what matters for ranking one query's candidates); the marks as indicators (unknown: both 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from retrieval.catalog.product import Product
from retrieval.encoder import Encoder
from retrieval.ranker.title_cache import EncodeFn

SCORE_NAMES = ("dense", "title_cosine", "token_maxsim", "lexical")
MARK_NAMES = ("type_fits", "type_differs", "negation_lacks", "negation_has")
RAW_NAMES = SCORE_NAMES + MARK_NAMES
FEATURE_NAMES = SCORE_NAMES + tuple(f"{n}_z" for n in SCORE_NAMES) + MARK_NAMES
NUM_FEATURES = len(FEATURE_NAMES)
RAW_SCALE = 5.0  # puts cosines (spread ~0.2 within a query) on the z-scores' scale for the linear head
N_COSINES = 3    # the first three scores are cosines; lexical is scaled by its largest value in the set


@dataclass(frozen=True)
class CandidateSignals:
    """What search already knows of each candidate besides its text (missing id: score 0, mark unknown).

    ``dense`` and ``lexical`` are the retrievers' scores, ``type_fits`` says whether the candidate is of the type
    the query names (``Searcher.type_fits``), ``negation_fits`` whether its title lacks what the query excludes
    (``Searcher.negation_fits``)."""

    dense: Mapping[str, float] = field(default_factory=dict)
    lexical: Mapping[str, float] = field(default_factory=dict)
    type_fits: Mapping[str, bool | None] = field(default_factory=dict)
    negation_fits: Mapping[str, bool | None] = field(default_factory=dict)


def title_text(product: Product) -> str:
    return f"{product.title}. {product.brand}" if product.brand else product.title


def _marks(fits: Mapping[str, bool | None], ids: list[str]) -> np.ndarray:
    return np.array([[fits.get(pid) is True, fits.get(pid) is False] for pid in ids], dtype=np.float32)


def raw_features(encoder: Encoder, query: str, products: list[Product], signals: CandidateSignals,
                 encode_titles: EncodeFn | None = None) -> np.ndarray:
    """Per product (``RAW_NAMES``): dense score, title cosine, token MaxSim (mean over query tokens of the best title
    token), lexical score, then the type and negation marks.

    ``encode_titles`` replaces ``encoder.encode_tokens`` for the titles (a ``TitleEncodingCache`` at query time).
    """
    if not products:
        return np.zeros((0, len(RAW_NAMES)), dtype=np.float32)
    ids = [p.id for p in products]
    q_vec, q_tok = encoder.encode_tokens([query])
    encode = encoder.encode_tokens if encode_titles is None else encode_titles
    t_vec, t_tok = encode([title_text(p) for p in products])
    cosine = t_vec @ q_vec[0]
    maxsim = np.array([float((q_tok[0] @ tok.T).max(axis=1).mean()) if len(tok) else 0.0 for tok in t_tok])
    scores = np.stack([np.array([signals.dense.get(pid, 0.0) for pid in ids], dtype=np.float32), cosine, maxsim,
                       np.array([signals.lexical.get(pid, 0.0) for pid in ids], dtype=np.float32)], axis=1)
    return np.concatenate([scores, _marks(signals.type_fits, ids), _marks(signals.negation_fits, ids)],
                          axis=1).astype(np.float32)


def standardize(raw: np.ndarray) -> np.ndarray:
    """Head inputs (``FEATURE_NAMES``) for one query's candidate set: scaled scores, their z-scores within the set,
    and the marks as they are."""
    if len(raw) == 0:
        return np.zeros((0, NUM_FEATURES), dtype=np.float32)
    scores, marks = raw[:, :len(SCORE_NAMES)], raw[:, len(SCORE_NAMES):]
    scaled = scores.copy()
    scaled[:, :N_COSINES] *= RAW_SCALE
    scaled[:, N_COSINES:] /= np.maximum(np.abs(scores[:, N_COSINES:]).max(axis=0), 1e-6)
    z = (scores - scores.mean(axis=0)) / (scores.std(axis=0) + 1e-6)
    return np.concatenate([scaled, z, marks], axis=1).astype(np.float32)
