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
from typing import TYPE_CHECKING, Any

from aisle.settings import Settings

if TYPE_CHECKING:
    from assistant.runtime.generation import TextGenerator


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    device: str
    source: str
    adapter: str | None


_lock = threading.Lock()
_loaded: dict[tuple[str, str | None, str], LoadedModel] = {}


def _conversion_dir(path: Path, settings: Settings) -> Path:
    """Where the converted copy of a GGUF file lives (keyed by its path, size and mtime)."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    return settings.cache_dir / "llm" / f"{path.stem}-{key}"


def cached_checkpoint(source: str, settings: Settings) -> Path:
    """A safetensors folder for ``source``: the folder itself, or the converted copy of a GGUF file."""
    path = Path(source)
    if path.is_dir():
        return path
    if path.suffix != ".gguf":
        raise FileNotFoundError(f"language model {source!r} is neither a model folder nor a .gguf file")
    if not path.exists():
        raise FileNotFoundError(f"language model file {source} does not exist")
    target = _conversion_dir(path, settings)
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


def cached_tokenizer(source: str, settings: Settings):
    """The model's HF tokenizer (its chat template renders every prompt, whichever runtime decodes).

    Read from the converted checkpoint when there is one; otherwise from the GGUF once (~10 s) and
    kept beside the checkpoint cache, so the compiled runtime never needs the fp32 conversion.
    """
    from transformers import AutoTokenizer

    path = Path(source)
    if path.is_dir():
        return AutoTokenizer.from_pretrained(str(path))
    if not path.exists():
        raise FileNotFoundError(f"language model file {source} does not exist")
    checkpoint = _conversion_dir(path, settings)
    if (checkpoint / "tokenizer_config.json").exists():
        return AutoTokenizer.from_pretrained(str(checkpoint))
    target = checkpoint.with_name(checkpoint.name + "-tokenizer")
    if (target / "tokenizer_config.json").exists():
        return AutoTokenizer.from_pretrained(str(target))
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    partial = target.with_name(target.name + ".partial")
    tokenizer.save_pretrained(partial)
    if target.exists():  # another process won the race
        return tokenizer
    partial.replace(target)
    return tokenizer


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


def load_model(settings: Settings, adapter: str | None | bool = True,
               device: str | None = None) -> LoadedModel:
    """The process-wide model; ``adapter=True`` means the configured/shipped adapter, False or None none."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

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


def runtime_adapter_gguf(adapter_dir: str, base_gguf: str, settings: Settings) -> str:
    """The adapter's llama.cpp LoRA export: its own ``adapter.gguf`` (checked against the weights),
    or, for an adapter folder without one, an export made once into the cache."""
    from assistant.runtime.gguf_export import GGUF_NAME, adapter_sha256, check_gguf, export_lora_gguf

    folder = Path(adapter_dir)
    shipped = folder / GGUF_NAME
    if shipped.exists():
        check_gguf(shipped, folder)
        return str(shipped)
    cached = settings.cache_dir / "llm" / "adapters" / f"{adapter_sha256(folder)[:16]}.gguf"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        export_lora_gguf(folder, Path(base_gguf), cached)
    return str(cached)


def merged_gguf_path(adapter_dir: str, base_gguf: str, settings: Settings, qtype: str = "Q8_0") -> Path:
    from assistant.runtime.gguf_export import adapter_sha256

    base = Path(base_gguf)
    return (settings.cache_dir / "llm" / "merged"
            / f"{_conversion_dir(base, settings).name}-{adapter_sha256(Path(adapter_dir))[:16]}-{qtype}.gguf")


def runtime_merged_gguf(adapter_dir: str, base_gguf: str, settings: Settings) -> str:
    """The base GGUF with the adapter merged (``llm_merged_qtype``), exported once into the cache and
    checked on load."""
    from assistant.runtime.gguf_export import check_gguf, export_merged_gguf

    target = merged_gguf_path(adapter_dir, base_gguf, settings, settings.llm_merged_qtype)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        export_merged_gguf(Path(adapter_dir), Path(base_gguf), target, settings.llm_merged_qtype)
    check_gguf(target, Path(adapter_dir))
    return str(target)


_generators: dict[Any, Any] = {}  # LlamaCppConfig -> LlamaCppGenerator


def load_generator(settings: Settings, adapter: str | None | bool = True) -> TextGenerator:
    """The process-wide text generator of the configured runtime (``assistant.runtime.generation``)."""
    from assistant.runtime.generation import TransformersGenerator

    runtime = settings.resolved_llm_runtime()
    if runtime == "transformers":
        return TransformersGenerator(load_model(settings, adapter=adapter))
    from assistant.runtime.llamacpp import LlamaCppConfig, LlamaCppGenerator

    adapter_path = resolve_adapter(settings) if adapter is True else (adapter or None)
    model, lora = settings.llm_path, None
    with _lock:  # one thread exports on a cold cache; the others wait for its file
        if adapter_path and settings.llm_merge_adapter:
            model = runtime_merged_gguf(adapter_path, settings.llm_path, settings)
        elif adapter_path:
            lora = runtime_adapter_gguf(adapter_path, settings.llm_path, settings)
        config = LlamaCppConfig(model, lora, settings.llm_workers, settings.llm_threads,
                                draft_tokens=settings.llm_draft_tokens)
        if config not in _generators:
            _generators[config] = LlamaCppGenerator(config, cached_tokenizer(settings.llm_path, settings),
                                                    adapter_path)
        return _generators[config]
