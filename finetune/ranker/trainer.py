"""Training the ranker (retrieval/ranker/model.py) in two stages, one query's candidates at a time.

1. The feature head: a linear 4-class classifier over interaction features, fitted in seconds.
2. The cross-encoder residual: LoRA on all-MiniLM-L6-v2 plus a zero-initialised joint head, with
   the feature head frozen, so the cross-encoder only learns what the features miss.

Loss per query: class-weighted cross-entropy (the classifier's calibration; soft hard negatives
enter at their reduced weight) plus a listwise ListNet term over the judged products' expected
gains (what ranking needs). Why LoRA and a small loop rather than sentence-transformers'
CrossEncoderTrainer: adapter + head are a few MB, so the trained ranker ships in the package; the
loop needs whole queries per batch for the listwise term and the frozen feature head.
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

from retrieval.ranker.model import NUM_CLASSES, tokenize

LORA_TARGETS = ["query", "key", "value", "dense"]
GAINS = torch.arange(NUM_CLASSES, dtype=torch.float32) / (NUM_CLASSES - 1)
LISTNET_LABEL_SCALE = 1.5
LISTNET_SCORE_SCALE = 10.0


@dataclass
class TrainConfig:
    epochs: int = 1
    lr: float = 2e-4
    head_lr: float = 1e-3
    feature_epochs: int = 60
    feature_lr: float = 3e-3
    queries_per_step: int = 4
    pairs_per_query: int = 32
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    warmup_ratio: float = 0.06
    seed: int = 13
    device: str = "cpu"
    max_length: int = 96


@dataclass
class Group:
    """One query's training candidates: judged products plus (soft) mined negatives."""

    query: str
    texts: list[str]
    features: np.ndarray   # standardised within this set
    labels: np.ndarray     # classes 0-3
    weights: np.ndarray    # 1 for judged, lower for mined negatives
    judged: np.ndarray     # bool: enters the listwise term
    weight: float = 1.0    # the whole query's share of the loss (weakly labelled queries: less than a judged one)


@dataclass
class TrainHistory:
    feature_epoch_loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    epoch_metric: list[float] = field(default_factory=list)
    pairs_per_second: float = 0.0
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def class_weights(groups: list[Group]) -> torch.Tensor:
    """Inverse square-root frequency: lifts the rare middle classes without drowning the rest."""
    counts = Counter(int(c) for g in groups for c in g.labels)
    raw = torch.tensor([1.0 / math.sqrt(max(counts.get(c, 0), 1)) for c in range(NUM_CLASSES)])
    return raw * NUM_CLASSES / raw.sum()


def group_loss(logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor, judged: torch.Tensor,
               class_w: torch.Tensor) -> torch.Tensor:
    ce = torch.nn.functional.cross_entropy(logits, labels, weight=class_w, reduction="none")
    loss = (ce * weights).sum() / (class_w[labels] * weights).sum().clamp(min=1e-6)
    if int(judged.sum()) > 1:
        gain = torch.softmax(logits[judged], -1) @ GAINS.to(logits.device)
        target = torch.softmax(labels[judged].float() * LISTNET_LABEL_SCALE, 0)
        loss = loss - (target * torch.log_softmax(gain * LISTNET_SCORE_SCALE, 0)).sum()
    return loss


def _tensors(group: Group, device: torch.device, rows: np.ndarray | None = None):
    ix = np.arange(len(group.labels)) if rows is None else rows
    return (torch.from_numpy(group.features[ix]).to(device), torch.from_numpy(group.labels[ix]).long().to(device),
            torch.from_numpy(group.weights[ix]).float().to(device), torch.from_numpy(group.judged[ix]).to(device))


def build_model(base_path: str, config: TrainConfig):
    from retrieval.ranker.model import build

    seed_everything(config.seed)
    return build(base_path, config.lora_r, config.lora_alpha, config.lora_dropout, LORA_TARGETS)


def fit_feature_head(model, groups: list[Group], config: TrainConfig, history: TrainHistory) -> None:
    """Stage 1: the linear head over interaction features (no cross-encoder pass; seconds on CPU)."""
    seed_everything(config.seed)
    head = model.feature_head.cpu()
    optimizer = torch.optim.AdamW(head.parameters(), lr=config.feature_lr, weight_decay=0.01)
    class_w = class_weights(groups)
    tensors = [_tensors(g, torch.device("cpu")) for g in groups]
    rng = random.Random(config.seed)
    order = list(range(len(groups)))
    for _ in range(config.feature_epochs):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), 8):
            loss = sum(groups[i].weight * group_loss(head(tensors[i][0]), *tensors[i][1:], class_w)
                       for i in order[start:start + 8])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.feature_epoch_loss.append(total / max(len(groups), 1))


def train_cross_encoder(model, tokenizer, groups: list[Group], config: TrainConfig, history: TrainHistory,
                        on_epoch_end: Callable[[int], float] | None = None, label: str = "train") -> None:
    """Stage 2: LoRA + joint head learn the residual over the frozen feature head."""
    seed_everything(config.seed)
    device = torch.device(config.device)
    model.to(device).train()
    model.gate.fill_(1.0)
    for p in model.feature_head.parameters():
        p.requires_grad_(False)
    class_w = class_weights(groups).to(device)
    head = list(model.joint_head.parameters())
    body = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("encoder.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": config.lr}, {"params": head, "lr": config.head_lr}],
                                  weight_decay=0.01)
    steps_per_epoch = math.ceil(len(groups) / config.queries_per_step)
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_ratio))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup)))
    use_bf16 = device.type == "cuda"
    rng = random.Random(config.seed)
    sampler = np.random.default_rng(config.seed)
    started, seen = time.perf_counter(), 0
    bar = tqdm(total=total, desc=label, unit="step", dynamic_ncols=True)
    for epoch in range(config.epochs):
        order = list(range(len(groups)))
        rng.shuffle(order)
        for start in range(0, len(order), config.queries_per_step):
            loss = torch.zeros((), device=device)
            for i in order[start:start + config.queries_per_step]:
                g = groups[i]
                rows = np.arange(len(g.labels))
                if len(rows) > config.pairs_per_query:
                    rows = np.sort(sampler.choice(rows, config.pairs_per_query, replace=False))
                features, labels, weights, judged = _tensors(g, device, rows)
                pair = tokenize(tokenizer, [g.query] * len(rows), [g.texts[r] for r in rows], config.max_length,
                                config.device)
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
                    logits = model(features, pair).float()
                loss = loss + g.weight * group_loss(logits, labels, weights, judged, class_w)
                seen += len(rows)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            history.step_loss.append(loss.item())
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


def joint_logits(model, tokenizer, query: str, texts: list[str], device: str, max_length: int,
                 batch_size: int = 128) -> np.ndarray:
    """The cross-encoder's (ungated) logits for one query's products."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            pair = tokenize(tokenizer, [query] * len(chunk), chunk, max_length, device)
            with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16,
                                enabled=device.startswith("cuda")):
                out.append(model.joint_logits(pair).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)
