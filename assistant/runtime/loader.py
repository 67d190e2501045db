"""Load the agent's causal LM once per process, from a GGUF file or an HF folder.

A GGUF checkpoint is dequantised by transformers (~35 s for the 135M model) and then saved once as
a plain safetensors folder under the cache: later loads take about a second, and Trainer/peft can
work on it (a GGUF-loaded model keeps an ``hf_quantizer`` that blocks both).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisle.settings import Settings, get_settings


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    device: str
    source: str
    adapter: str | None


_lock = threading.Lock()
_loaded: dict[tuple[str, str | None, str], LoadedModel] = {}


def cached_checkpoint(source: str, settings: Settings | None = None) -> Path:
    """A safetensors folder for ``source``: the folder itself, or the converted copy of a GGUF file."""
    settings = settings or get_settings()
    path = Path(source)
    if path.is_dir():
        return path
    if path.suffix != ".gguf":
        raise FileNotFoundError(f"language model {source!r} is neither a model folder nor a .gguf file")
    if not path.exists():
        raise FileNotFoundError(f"language model file {source} does not exist")
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    target = settings.cache_dir / "llm" / f"{path.stem}-{key}"
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.replace(target)  # atomic: a killed conversion never leaves a half folder at `target`
    return target


def default_adapter_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("assistant") / "models" / "agent_lora"))


def resolve_adapter(settings: Settings) -> str | None:
    if settings.llm_adapter and settings.llm_adapter.lower() == "none":
        return None
    if settings.llm_adapter:
        return settings.llm_adapter
    default = default_adapter_dir()
    return str(default) if (default / "adapter_config.json").exists() else None


def load_model(settings: Settings | None = None, adapter: str | None | bool = True,
               device: str | None = None) -> LoadedModel:
    """The process-wide model; ``adapter=True`` means the configured/shipped adapter, False or None none."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = settings or get_settings()
    device = device or settings.resolved_device()
    adapter_path = resolve_adapter(settings) if adapter is True else (adapter or None)
    if settings.llm_dtype == "auto":
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    else:
        dtype = getattr(torch, settings.llm_dtype)
    key = (settings.llm_path, adapter_path, device, str(dtype))
    with _lock:
        if key in _loaded:
            return _loaded[key]
        checkpoint = cached_checkpoint(settings.llm_path, settings)
        model = AutoModelForCausalLM.from_pretrained(str(checkpoint), dtype=dtype)
        tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
        if adapter_path:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, adapter_path)
            model = model.merge_and_unload()  # merged weights: no adapter overhead per token
        model.to(device).eval()
        loaded = LoadedModel(model, tokenizer, device, str(checkpoint), adapter_path)
        _loaded[key] = loaded
        return loaded
