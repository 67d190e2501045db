"""The ranker's network: a cross-encoder over (query, product), mean-pooled, whose head also reads
the dense retrieval score (the bi-encoder cosine already stored in the index).

Why: all-MiniLM-L6-v2 was trained as a bi-encoder (mean pooling), so its [CLS] token means little
and a plain cross-encoder head starts from noise; with a few thousand judged pairs it did not catch
up with the bi-encoder it started from (first attempt: rerank nDCG 0.46 after one epoch). Here the
head starts out ranking by the dense score (its weights on it are initialised monotone in the
class), and LoRA plus the joint (query, product) representation learn the corrections the human
judgements teach. The score costs nothing at query time: retrieval has already computed it.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

NUM_CLASSES = 4
HEAD_FILE = "head.safetensors"


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-6)


class SimilarityCrossEncoder(nn.Module):
    def __init__(self, encoder: nn.Module, hidden: int, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(hidden + 1, num_classes)
        with torch.no_grad():
            self.head.weight.normal_(0.0, 0.02)
            self.head.weight[:, -1] = 8.0 * (torch.arange(num_classes, dtype=torch.float32) - (num_classes - 1) / 2)
            self.head.bias.zero_()

    def forward(self, pair: dict[str, torch.Tensor], dense: torch.Tensor) -> torch.Tensor:
        joint = mean_pool(self.encoder(**pair).last_hidden_state, pair["attention_mask"])
        return self.head(torch.cat([joint.float(), dense.view(-1, 1).float()], dim=-1))


def tokenize(tokenizer, queries: list[str], texts: list[str], dense: list[float], max_length: int, device: str):
    """Model inputs: the tokenised (query, product) pairs and their dense retrieval scores."""
    out = tokenizer(queries, texts, padding=True, truncation="only_second", return_tensors="pt", max_length=max_length)
    pair = {k: v.to(device) for k, v in out.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    return pair, torch.tensor(dense, dtype=torch.float32, device=device)


def build(base_path: str, lora_r: int, lora_alpha: int, lora_dropout: float, targets: list[str]):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
    encoder = AutoModel.from_pretrained(base_path, local_files_only=True, add_pooling_layer=False)
    encoder = get_peft_model(encoder, LoraConfig(r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                                                 target_modules=targets))
    return SimilarityCrossEncoder(encoder, encoder.config.hidden_size), tokenizer


def save(model: SimilarityCrossEncoder, out: Path) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(out))
    save_file({k: v.detach().cpu().contiguous() for k, v in model.head.state_dict().items()}, str(out / HEAD_FILE))


def load(artifact: Path, base_path: str, device: str) -> tuple[SimilarityCrossEncoder, object]:
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
    encoder = AutoModel.from_pretrained(base_path, local_files_only=True, add_pooling_layer=False)
    encoder = PeftModel.from_pretrained(encoder, str(artifact), local_files_only=True).merge_and_unload()
    model = SimilarityCrossEncoder(encoder, encoder.config.hidden_size)
    model.head.load_state_dict(load_file(str(artifact / HEAD_FILE)))
    model.to(device)
    if device.startswith("cuda"):
        model.encoder.to(dtype=torch.bfloat16)
    return model.eval(), tokenizer
