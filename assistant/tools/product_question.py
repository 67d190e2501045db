"""Answer a spec question about one product from its catalog facts only.

The question is matched against the product's fact lines ("battery life hours: 60") by the same
bi-encoder search uses, plus word overlap with the attribute name; below a similarity floor the
answer is "the catalog does not say", never a guess.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.answers.product_facts import fact_lines
from assistant.safety.untrusted_text import instruction_free
from retrieval.catalog.product import Product
from retrieval.encoder import Encoder

MIN_SIMILARITY = 0.32
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "is", "it", "does", "do", "what", "how", "this", "that", "of", "its", "have", "has",
         "much", "many", "one", "first", "second", "third", "there", "any", "and", "or", "with", "can", "i", "me"}


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _STOP}


def best_facts(product: Product, question: str, encoder: Encoder, top: int = 1) -> list[str]:
    lines = fact_lines(product)
    description = instruction_free(product.description)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", description) if len(s.strip()) > 10][:20]
    candidates = lines + sentences
    vectors = encoder.encode([question] + [c.split(":")[0] if c in lines else c for c in candidates])
    sims = vectors[1:] @ vectors[0]
    q_words = _words(question)
    overlap = np.array([len(q_words & _words(c.split(":")[0] if c in lines else c)) for c in candidates], dtype=float)
    scores = sims + 0.15 * np.minimum(overlap, 2)
    order = np.argsort(-scores)
    return [candidates[i] for i in order[:top] if scores[i] >= MIN_SIMILARITY]
