"""The ranker's network: a 4-class relevance classifier whose logits add two parts.

- A linear head over interaction features (`retrieval/ranker/features.py`: dense score, title
  cosine, token MaxSim, raw and z-scored within the candidate set).
- A cross-encoder term: all-MiniLM-L6-v2 with a LoRA adapter reads the (query, product text) pair
  jointly, mean-pooled (the model was trained with mean pooling, so its [CLS] token means little),
  through a linear head initialised at zero, scaled by ``gate``.

Why two parts: with ~200 judged queries the joint representation alone overfits and loses to the
bi-encoder it started from; the feature head carries what generalises, and the cross-encoder
learns the residual. ``gate`` is chosen by cross-validation and stored with the artifact; at 0 the
cross-encoder is not run at all.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from retrieval.ranker.features import NUM_FEATURES

NUM_CLASSES = 4
HEAD_FILE = "head.safetensors"


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-6)


class GatedCrossEncoder(nn.Module):
    def __init__(self, encoder: nn.Module | None, hidden: int, num_features: int = NUM_FEATURES,
                 num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        self.encoder = encoder
        self.feature_head = nn.Linear(num_features, num_classes)
        self.joint_head = nn.Linear(hidden, num_classes)
        nn.init.zeros_(self.joint_head.weight)
        nn.init.zeros_(self.joint_head.bias)
        self.register_buffer("gate", torch.tensor(1.0))

    def feature_logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.feature_head(features.float())

    def joint_logits(self, pair: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.encoder is None:
            raise RuntimeError("this ranker has no cross-encoder (gate 0)")
        joint = mean_pool(self.encoder(**pair).last_hidden_state, pair["attention_mask"])
        return self.joint_head(joint.float())

    def forward(self, features: torch.Tensor, pair: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        with torch.autocast(device_type=features.device.type, enabled=False):
            logits = self.feature_logits(features)  # a few weights that set the ranking: never in reduced precision
        if pair is not None and float(self.gate) != 0.0:
            logits = logits + self.gate * self.joint_logits(pair)
        return logits


def tokenize(tokenizer, queries: list[str], texts: list[str], max_length: int, device: str) -> dict[str, torch.Tensor]:
    """The tokenised (query, product text) pairs the cross-encoder reads."""
    out = tokenizer(queries, texts, padding=True, truncation="only_second", return_tensors="pt", max_length=max_length)
    return {k: v.to(device) for k, v in out.items() if k in ("input_ids", "attention_mask", "token_type_ids")}


def build(base_path: str, lora_r: int, lora_alpha: int, lora_dropout: float, targets: list[str]):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
    encoder = AutoModel.from_pretrained(base_path, local_files_only=True, add_pooling_layer=False)
    encoder = get_peft_model(encoder, LoraConfig(r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                                                 target_modules=targets))
    return GatedCrossEncoder(encoder, encoder.config.hidden_size), tokenizer


def save(model: GatedCrossEncoder, out: Path) -> None:
    """Head (+ gate) always; the LoRA adapter only when the cross-encoder is used (gate > 0)."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    for stale in ("adapter_model.safetensors", "adapter_config.json"):
        (out / stale).unlink(missing_ok=True)
    if float(model.gate) != 0.0 and model.encoder is not None:
        model.encoder.save_pretrained(str(out))
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if not k.startswith("encoder.")}
    save_file(state, str(out / HEAD_FILE))


def load(artifact: Path, base_path: str, device: str) -> tuple[GatedCrossEncoder, object | None]:
    from safetensors.torch import load_file

    state = load_file(str(artifact / HEAD_FILE))
    hidden = state["joint_head.weight"].shape[1]
    encoder, tokenizer = None, None
    if float(state["gate"]) != 0.0:
        from peft import PeftModel
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
        base = AutoModel.from_pretrained(base_path, local_files_only=True, add_pooling_layer=False)
        encoder = PeftModel.from_pretrained(base, str(artifact), local_files_only=True).merge_and_unload()
    model = GatedCrossEncoder(encoder, hidden, num_features=state["feature_head.weight"].shape[1])
    model.load_state_dict(state, strict=False)
    model.to(device)
    if device.startswith("cuda") and encoder is not None:
        model.encoder.to(dtype=torch.bfloat16)
    return model.eval(), tokenizer
