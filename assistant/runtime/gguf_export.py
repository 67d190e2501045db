"""Export a peft LoRA adapter as a llama.cpp GGUF LoRA adapter (the compiled runtime's artifact).

The adapter is trained with transformers on the base GGUF de-quantised to fp32, so llama.cpp applies
it at run time on top of the *same* Q4_1 weights: base + scale * B @ A, exactly what peft computes
(``adapter.lora.alpha`` / rank = peft's ``lora_alpha / r``). Tensor names come from gguf-py's
HF-to-GGUF name map. Like llama.cpp's own converter, query and key projections are stored in
llama.cpp's rotary layout: the rows of ``lora_B`` are permuted as ``convert_hf_to_gguf`` permutes
``q_proj``/``k_proj`` weights (transformers undoes that permutation when it loads a GGUF).

The GGUF records the SHA-256 of the adapter weights it was made from (``aisle.source_sha256``), so
the runtime can tell a stale or foreign export from the right one.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GGUF_NAME = "adapter.gguf"
SOURCE_KEY = "aisle.source_sha256"
REBUILD_HINT = "rebuild it with `aisle export agent --adapter {adapter}` (or delete it to re-export on start)"


class ExportError(RuntimeError):
    """The adapter or its GGUF export is missing, malformed or stale."""


@dataclass(frozen=True)
class LoraExport:
    path: Path
    tensors: int
    source_sha256: str
    bytes: int


def adapter_sha256(adapter_dir: Path) -> str:
    weights = adapter_dir / "adapter_model.safetensors"
    if not weights.exists():
        raise ExportError(f"{adapter_dir} has no adapter_model.safetensors (not a peft LoRA adapter folder)")
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _permute(rows: np.ndarray, n_head: int) -> np.ndarray:
    """``convert_hf_to_gguf.LlamaModel.permute`` on the output rows (heads' rotary halves interleaved)."""
    return (rows.reshape(n_head, 2, rows.shape[0] // n_head // 2, *rows.shape[1:])
            .swapaxes(1, 2).reshape(rows.shape))


def _base_meta(base_gguf: Path) -> tuple[str, int, int, int]:
    from gguf import GGUFReader

    reader = GGUFReader(str(base_gguf))
    arch = str(reader.fields["general.architecture"].contents())
    blocks = int(reader.fields[f"{arch}.block_count"].contents())
    heads = int(reader.fields[f"{arch}.attention.head_count"].contents())
    kv_heads = int(reader.fields.get(f"{arch}.attention.head_count_kv", reader.fields[f"{arch}.attention.head_count"])
                   .contents())
    return arch, blocks, heads, kv_heads


def _read_adapter(adapter_dir: Path) -> tuple[dict, str]:
    config_path = adapter_dir / "adapter_config.json"
    if not config_path.exists():
        raise ExportError(f"{adapter_dir} has no adapter_config.json (not a peft LoRA adapter folder)")
    config = json.loads(config_path.read_text())
    if config.get("peft_type") != "LORA" or config.get("use_dora") or config.get("rank_pattern") \
            or config.get("alpha_pattern") or config.get("use_rslora"):
        raise ExportError(f"{adapter_dir}: only plain LoRA adapters (no DoRA, rsLoRA or per-layer ranks) export")
    return config, adapter_sha256(adapter_dir)


def lora_pairs(adapter_dir: Path, base_gguf: Path) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(GGUF tensor name, lora_A, lora_B in llama.cpp's layout) for every adapted weight."""
    import gguf
    from safetensors.numpy import load_file

    arch, blocks, heads, kv_heads = _base_meta(base_gguf)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH[arch.upper()], blocks)
    weights = load_file(str(adapter_dir / "adapter_model.safetensors"))
    found = False
    for key in sorted(weights):
        if not key.endswith(".lora_A.weight"):
            continue
        hf = key.removeprefix("base_model.model.").replace(".lora_A.weight", ".weight")
        target = names.get_name(hf, try_suffixes=(".weight",))
        if target is None:
            raise ExportError(f"{adapter_dir}: no GGUF tensor for {hf}")
        a = weights[key].astype(np.float32)
        b = weights[key.replace(".lora_A.", ".lora_B.")].astype(np.float32)
        if hf.endswith("q_proj.weight"):
            b = _permute(b, heads)
        elif hf.endswith("k_proj.weight"):
            b = _permute(b, kv_heads)
        found = True
        yield target, a, b
    if not found:
        raise ExportError(f"{adapter_dir}: the adapter holds no LoRA weights")


def _partial(out: Path) -> Path:
    """Where an export is written before its atomic rename (per process and thread: never shared)."""
    return out.with_name(f"{out.name}.{os.getpid()}-{threading.get_ident()}.partial")


def _finish(writer, out: Path) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    _partial(out).replace(out)  # atomic: a killed export never leaves a half file


def export_lora_gguf(adapter_dir: Path, base_gguf: Path, out: Path | None = None) -> LoraExport:
    """Write ``adapter_dir/adapter.gguf`` (or ``out``): a llama.cpp LoRA adapter applied at run time."""
    import gguf

    adapter_dir, base_gguf = Path(adapter_dir), Path(base_gguf)
    out = Path(out) if out else adapter_dir / GGUF_NAME
    config, sha = _read_adapter(adapter_dir)
    arch = _base_meta(base_gguf)[0]
    writer = gguf.GGUFWriter(str(_partial(out)), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    writer.add_string(SOURCE_KEY, sha)
    count = 0
    for target, a, b in lora_pairs(adapter_dir, base_gguf):
        writer.add_tensor(f"{target}.lora_a", a.astype(np.float16))
        writer.add_tensor(f"{target}.lora_b", b.astype(np.float16))
        count += 1
    _finish(writer, out)
    return LoraExport(out, count, sha, out.stat().st_size)


def export_merged_gguf(adapter_dir: Path, base_gguf: Path, out: Path, qtype: str = "Q8_0") -> LoraExport:
    """A whole model GGUF with the adapter merged: each adapted weight is de-quantised, gets
    ``alpha / r * B @ A`` added and is quantised to ``qtype``; every other tensor and all metadata are
    copied from the base."""
    import gguf
    from gguf.quants import dequantize, quantize

    adapter_dir, base_gguf, out = Path(adapter_dir), Path(base_gguf), Path(out)
    config, sha = _read_adapter(adapter_dir)
    scale = float(config["lora_alpha"]) / float(config["r"])
    deltas = {target: scale * (b @ a) for target, a, b in lora_pairs(adapter_dir, base_gguf)}
    reader = gguf.GGUFReader(str(base_gguf))
    arch = str(reader.fields["general.architecture"].contents())
    writer = gguf.GGUFWriter(str(_partial(out)), arch)
    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name == "general.architecture":
            continue
        sub = field.types[1] if len(field.types) > 1 and field.types[0] == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), field.types[0], sub)
    writer.add_string(SOURCE_KEY, sha)
    target_type = gguf.GGMLQuantizationType[qtype]
    for tensor in reader.tensors:
        if tensor.name in deltas:
            merged = dequantize(tensor.data, tensor.tensor_type).astype(np.float32) + deltas.pop(tensor.name)
            writer.add_tensor(tensor.name, quantize(merged, target_type), raw_dtype=target_type)
        else:
            writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    if deltas:
        raise ExportError(f"{base_gguf} lacks the adapted tensors {sorted(deltas)[:3]}")
    _finish(writer, out)
    return LoraExport(out, len(reader.tensors), sha, out.stat().st_size)


def check_gguf(path: Path, adapter_dir: Path) -> None:
    """Raise ``ExportError`` naming the rebuild command unless ``path`` is a readable export (LoRA or
    merged model) of this adapter's weights."""
    from gguf import GGUFReader

    hint = REBUILD_HINT.format(adapter=adapter_dir)
    if not path.exists():
        raise ExportError(f"the runtime model {path} is missing: {hint}")
    try:
        reader = GGUFReader(str(path))
        recorded = str(reader.fields[SOURCE_KEY].contents())
        has_tensors = len(reader.tensors) > 0
    except Exception as exc:  # noqa: BLE001 - any read failure means a corrupt file
        raise ExportError(f"the runtime model {path} is unreadable ({type(exc).__name__}: {exc}): {hint}") from exc
    if not has_tensors:
        raise ExportError(f"{path} holds no tensors: {hint}")
    if recorded != adapter_sha256(adapter_dir):
        raise ExportError(f"{path} was exported from other adapter weights than {adapter_dir}: {hint}")
