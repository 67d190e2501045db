"""The fast encoder backends (ONNX int8, static) against the transformer they come from: real models."""

from __future__ import annotations

import numpy as np
import pytest

from aisle.settings import Settings
from retrieval.encoder import Encoder

TEXTS = ["quiet bluetooth speaker, black", "wireless noise cancelling headphones", "espresso machine with milk frother",
         "gaming laptop 16GB RAM", ""]


@pytest.fixture(scope="module")
def backend_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("backends")


@pytest.fixture(scope="module")
def torch_encoder(backend_dir) -> Encoder:
    return backend(backend_dir, "torch")


def backend(backend_dir, name: str) -> Encoder:
    return Encoder(Settings(data_dir=backend_dir, encoder_backend=name, device="cpu"))


def test_onnx_int8_stays_in_the_transformer_space(backend_dir, torch_encoder):
    onnx = backend(backend_dir, "onnx-int8")
    assert onnx.model_id != torch_encoder.model_id  # its own space: indexes are re-embedded
    a, b = onnx.encode(TEXTS[:4]), torch_encoder.encode(TEXTS[:4])
    assert a.shape == b.shape
    assert float(np.min(np.sum(a * b, axis=1))) > 0.97
    assert onnx.onnx is not None and onnx.onnx.path.is_relative_to(backend_dir / "cache" / "onnx"), onnx.onnx.path


def test_the_default_reads_products_to_their_first_tokens_and_queries_whole(backend_dir, torch_encoder):
    default = backend(backend_dir, "onnx-int8")
    assert Settings().encoder_backend == "onnx-int8" and default.product_tokens == 32
    assert "products-32" in default.model_id  # a different cap is a different index space
    whole = Encoder(Settings(data_dir=backend_dir, device="cpu", embed_product_tokens=128))
    assert "products-" not in whole.model_id and whole.model_id != default.model_id
    words = " ".join(["portable bluetooth speaker with a strong battery"] * 12)  # ~100 tokens
    head = default.model.tokenizer.decode(default.model.tokenizer(words)["input_ids"][1:31])  # 30 + [CLS], [SEP]
    product, first, query = (default.encode_products([words])[0], default.encode_products([head])[0],
                             default.encode([words])[0])
    assert float(product @ first) > 0.999  # only the first 32 tokens were read
    long_text = " ".join(["portable bluetooth speaker"] + ["espresso machine with milk frother"] * 20)
    assert float(default.encode_products([long_text])[0] @ default.encode([long_text])[0]) < 0.95  # queries read all
    assert query.shape == product.shape
    assert float(torch_encoder.encode_products([words])[0] @ torch_encoder.encode_products([head])[0]) > 0.999


def test_static_backend_is_distilled_once_and_ranks_by_meaning(backend_dir):
    static = backend(backend_dir, "static")
    assert static.backend == "static" and static.dimension == 256 and "static" in static.model_id
    vectors = static.encode(TEXTS)
    assert vectors.shape == (5, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:4], axis=1), 1, atol=1e-5)
    assert not np.any(vectors[4])  # an empty text is the zero vector, not NaN
    query = static.encode(["bluetooth speaker"])[0]
    assert int(np.argmax(vectors[:4] @ query)) == 0
    sentences, tokens = static.encode_tokens(["bluetooth speaker", "espresso"])
    assert sentences.shape == (2, 256) and len(tokens) == 2 and tokens[0].shape[1] == 256
    folders = list((backend_dir / "cache" / "static").iterdir())
    assert len(folders) == 1 and (folders[0] / "model.safetensors").exists()
    assert np.allclose(backend(backend_dir, "static").encode(TEXTS[:1]), vectors[:1])  # the cache is reused


def test_a_damaged_static_cache_names_the_folder(backend_dir, tmp_path):
    import shutil

    backend(backend_dir, "static")
    shutil.copytree(backend_dir / "cache" / "static", tmp_path / "cache" / "static")
    folder = next((tmp_path / "cache" / "static").iterdir())
    (folder / "model.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(RuntimeError, match=str(folder)):
        backend(tmp_path, "static")


def test_static_index_builds_and_finds_the_product(backend_dir, demo_products):
    from retrieval.indexes import Indexes

    indexes = Indexes(Settings(data_dir=backend_dir, encoder_backend="static", device="cpu"))
    indexes.build("demo", demo_products, "demo")
    hits = indexes.searcher("demo").search("portable bluetooth speaker", k=5, method="dense").hits
    assert any("speaker" in h.product.title.lower() for h in hits[:3])
