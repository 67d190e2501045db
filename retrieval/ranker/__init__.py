"""The fine-tuned relevance ranker: its config and fusion (``reranker``), model, features and title cache.

Training lives in ``finetune/ranker/`` (data, trainer, pipeline, card), serving here.
"""
