"""The bi-encoder's transformer on ONNX Runtime with int8 weights: the fast CPU backend for indexing.

The sentence-transformers folder is exported once with ``torch.onnx`` and its MatMul weights quantised
per channel (``onnxruntime.quantization.quantize_dynamic``); both files are cached under
``<cache_dir>/onnx/<folder digest>/``. Pooling is the model's own: the attention-masked mean of the last
hidden state, L2-normalised. Texts are batched by token length, so padding costs little.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_digest(model_path: str) -> str:
    """Names the exported file after the weights it came from (path, size and mtime of each file)."""
    digest = hashlib.sha256(model_path.encode())
    for path in sorted(Path(model_path).rglob("*")):
        if path.is_file() and path.suffix in {".safetensors", ".bin", ".json", ".txt"}:
            stat = path.stat()
            digest.update(f"{path.relative_to(model_path)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def export_int8(transformer, tokenizer, folder: Path) -> Path:
    """Export the Hugging Face transformer to ONNX and quantise it; returns the int8 file (written atomically)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class LastHidden(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    folder.mkdir(parents=True, exist_ok=True)
    fp32, int8 = folder / f"model-{os.getpid()}.onnx", folder / "model-int8.onnx"
    sample = tokenizer(["an example", "a second, longer example"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad():
        torch.onnx.export(LastHidden(transformer.eval()), tuple(sample[n] for n in INPUTS), str(fp32),
                          input_names=list(INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    partial = folder / f"model-int8-{os.getpid()}.onnx"
    quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    os.replace(partial, int8)
    fp32.unlink(missing_ok=True)
    return int8


class OnnxTransformer:
    """Token and sentence embeddings from the int8 ONNX export of a sentence-transformers model."""

    def __init__(self, model_path: str, cache_dir: Path, tokenizer, transformer, threads: int | None = None) -> None:
        import onnxruntime as ort

        folder = cache_dir / "onnx" / model_digest(model_path)
        path = folder / "model-int8.onnx"
        if not path.exists():
            export_int8(transformer, tokenizer, folder)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, min(os.cpu_count() or 1, 4))
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer
        self.path = path
        self._lock = threading.Lock()  # one run at a time: the session already uses every thread it has

    def token_embeddings(self, texts: list[str], max_length: int, batch_size: int = 16) -> list[np.ndarray]:
        """Per text, the last hidden state of its real tokens (special tokens included), in input order."""
        lengths = [len(t) for t in texts]
        order = np.argsort(lengths, kind="stable")
        out: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(texts), batch_size):
            index = order[start:start + batch_size]
            batch = self.tokenizer([texts[i] for i in index], padding=True, truncation=True, max_length=max_length,
                                   return_tensors="np")
            feeds = {n: batch[n].astype(np.int64) for n in INPUTS}
            with self._lock:
                hidden = self.session.run(None, feeds)[0]
            for row, i in enumerate(index):
                out[i] = hidden[row, :int(batch["attention_mask"][row].sum())]
        return out  # type: ignore[return-value]

    def encode(self, texts: list[str], max_length: int, batch_size: int = 16) -> np.ndarray:
        tokens = self.token_embeddings(texts, max_length, batch_size)
        vectors = np.stack([t.mean(axis=0) for t in tokens]).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
