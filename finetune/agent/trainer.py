"""LoRA supervised fine-tuning of the agent's causal LM: loss on the target tokens only.

A plain loop (not Trainer) keeps the run small and predictable on 2 CPU cores: examples are
bucketed by length to waste little on padding, seeds are fixed, and bf16 autocast is used on CUDA and on
CPUs with native bf16 (fp32 master weights).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from finetune.agent.dialogues import Example

TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class AgentTrainConfig:
    epochs: int = 1
    lr: float = 1e-3
    batch_size: int = 8
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    max_length: int = 384
    seed: int = 7
    device: str = "cpu"
    max_steps: int | None = None
    init_adapter: str | None = None  # continue training this adapter (same rank) instead of a fresh one
    # autocast: ~1.4x faster on a CPU with native bf16 (measured), the usual choice on CUDA; None: only there
    # (a CPU without AVX512-BF16/AMX emulates bf16 matmuls: a step took minutes instead of seconds)
    bf16: bool | None = None
    target_modules: list[str] = field(default_factory=lambda: list(TARGET_MODULES))


def encode(example: Example, tokenizer, max_length: int) -> tuple[list[int], list[int]]:
    """Prompt ids (label -100) + target ids and the end-of-turn token (labels = ids)."""
    prompt = tokenizer.apply_chat_template(example.chat, add_generation_prompt=True, tokenize=False)
    prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids
    target_ids = tokenizer(example.target, add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
    ids = (prompt_ids + target_ids)[-max_length:]
    labels = ([-100] * len(prompt_ids) + target_ids)[-max_length:]
    return ids, labels


def batches(encoded: list[tuple[list[int], list[int]]], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Length-bucketed batches in random order."""
    order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][0]), rng.random()))
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(groups)
    return groups


def train_adapter(model, tokenizer, examples: list[Example], config: AgentTrainConfig,
                  on_step: Callable[[int, int, float], None] | None = None) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model

    random.seed(config.seed)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    if config.init_adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, config.init_adapter, is_trainable=True)
        for p in model.parameters():  # the adapter is saved in fp16; train it in fp32
            if p.requires_grad:
                p.data = p.data.float()
    else:
        lora = LoraConfig(r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout,
                          target_modules=config.target_modules, task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
    model.to(config.device)
    model.train()
    encoded = [encode(e, tokenizer, config.max_length) for e in examples]
    plan = [b for _ in range(config.epochs) for b in batches(encoded, config.batch_size, rng)]
    if config.max_steps:
        plan = plan[: config.max_steps]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    warmup = max(1, len(plan) // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 1 - s / max(1, len(plan))))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    losses, tokens, started = [], 0, time.perf_counter()
    device_type = "cuda" if config.device.startswith("cuda") else "cpu"
    if config.bf16 is None:
        from retrieval.ranker.reranker import cpu_has_native_bf16

        config = replace(config, bf16=device_type == "cuda" or cpu_has_native_bf16())
    for step, group in enumerate(plan, start=1):
        width = max(len(encoded[i][0]) for i in group)
        ids = torch.full((len(group), width), pad, dtype=torch.long)
        labels = torch.full((len(group), width), -100, dtype=torch.long)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        for row, i in enumerate(group):
            x, y = encoded[i]
            ids[row, : len(x)] = torch.tensor(x)
            labels[row, : len(y)] = torch.tensor(y)
            mask[row, : len(x)] = 1
        tokens += int(mask.sum())
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=config.bf16):
            out = model(input_ids=ids.to(config.device), attention_mask=mask.to(config.device),
                        labels=labels.to(config.device))
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(out.loss))
        if on_step:
            on_step(step, len(plan), losses[-1])
    seconds = time.perf_counter() - started
    model.eval()
    return {"model": model, "steps": len(plan), "losses": losses, "seconds": seconds, "tokens": tokens,
            "tokens_per_s": tokens / max(seconds, 1e-9), "config": asdict(config)}


def save_adapter(peft_model, out: Path) -> int:
    """Save the adapter in fp16 (half the size; merged into fp32/bf16 weights at load)."""
    import torch

    from finetune.paths import portable_path

    out.mkdir(parents=True, exist_ok=True)
    for config in peft_model.peft_config.values():  # the base folder is a cache path on the build machine
        config.base_model_name_or_path = portable_path(config.base_model_name_or_path or "")
    peft_model.save_pretrained(str(out))
    from safetensors.torch import load_file, save_file

    path = out / "adapter_model.safetensors"
    tensors = {k: v.to(torch.float16) for k, v in load_file(str(path)).items()}
    save_file(tensors, str(path))
    return path.stat().st_size
