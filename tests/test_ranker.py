"""The ranker: a few real training steps on a slice of ESCI, the artifact, and the shipped model in search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aisle.cli import app
from tests.conftest import shared_folder, write_slice

runner = CliRunner()


@pytest.fixture(scope="module")
def esci_slice(tmp_path_factory, settings) -> Path:
    folder = shared_folder("esci_opensearch_subset")
    root = tmp_path_factory.mktemp("esci-slice")
    lines = (folder / "judgments.tsv").read_text().splitlines()
    queries = sorted({line.split("\t")[0] for line in lines[1:]})[10:16]
    kept = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0] in queries]
    write_slice(folder, root, {line.split("\t")[2] for line in kept[1:]}, "asin", extra=150)
    (root / "judgments.tsv").write_text("\n".join(kept) + "\n")
    (root / "queries.tsv").write_text("query\tesci_query_id\tesci_source\tn_judgments\n")
    return root


def test_train_ranker_cli_writes_artifact_card_and_cv_report(esci_slice: Path, tmp_path: Path):
    out = tmp_path / "ranker"
    result = runner.invoke(app, ["train", "ranker", "--catalog", str(esci_slice), "--judgments", str(esci_slice),
                                 "--epochs", "1", "--folds", "2", "--out", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    for name in ("head.safetensors", "ranker.json", "MODEL_CARD.md", "learning_curve.png", "per_query_gains.png",
                 "cv_report.json"):
        assert (out / name).exists(), name
    report = json.loads((out / "cv_report.json").read_text())
    methods = next(iter(report["catalogs"].values()))["methods"]
    assert {"dense", "bm25", "hybrid", "features", "cross_encoder", "ranker", "fused"} <= set(methods)
    assert all(0 <= m["ndcg@10_rerank"] <= 1 for m in methods.values())
    assert report["label_counts"]["3"] > 0 and report["hard_negatives"] > 0
    curve = report["learning_curve"]["folds"][0]
    assert len(curve["step_loss"]) > 0 and len(curve["epoch_val_ndcg"]) == 1
    meta = json.loads((out / "ranker.json").read_text())
    # the adapter ships exactly when cross-validation gave the cross-encoder a non-zero gate
    assert (out / "adapter_model.safetensors").exists() == (meta["gate"] > 0)
    if meta["gate"] > 0:
        assert (out / "adapter_model.safetensors").stat().st_size < 5_000_000

    from retrieval.catalog.product import Product
    from retrieval.reranker import Reranker

    ranker = Reranker(out, device="cpu")
    products = [Product(id="a", title="USB-C charging cable 2m"), Product(id="b", title="Garden hose 20m")]
    probs = ranker.probabilities("usb cable", products, [0.6, 0.1])
    assert probs.shape == (2, 4) and abs(float(probs.sum()) - 2.0) < 1e-4
    assert ranker.probabilities("usb cable", [], []).shape == (0, 4)


def test_shipped_ranker_reranks_full_search_and_can_be_turned_off(demo_searcher, monkeypatch):
    from aisle.settings import get_settings
    from retrieval.reranker import load_reranker

    ranker = load_reranker()
    assert ranker is not None and ranker.uses_cross_encoder and ranker.fusion.top_n >= 20
    query = "wireless noise cancelling headphones"
    full = demo_searcher.search(query, k=10, method="full")
    assert "rerank" in full.timings_ms and all("ranker" in h.stages for h in full.hits)
    assert [h.score for h in full.hits] == sorted((h.score for h in full.hits), reverse=True)
    assert sum("Headphones" in h.product.category for h in full.hits[:5]) >= 4
    gains = {h.product.id: h.stages["ranker"] for h in full.hits}
    off_topic = demo_searcher.search("mechanical keyboard", k=3, method="hybrid").hits
    off_gains = ranker.gains(query, [h.product for h in off_topic], {})
    assert max(off_gains.values()) < max(gains.values())

    monkeypatch.setenv("AISLE_RANKER_PATH", "none")
    get_settings.cache_clear()
    load_reranker.cache_clear()
    try:
        fallback = demo_searcher.search(query, k=10, method="full")
        hybrid = demo_searcher.search(query, k=10, method="hybrid")
        assert "rerank" not in fallback.timings_ms
        assert [h.product.id for h in fallback.hits] == [h.product.id for h in hybrid.hits]
    finally:
        monkeypatch.delenv("AISLE_RANKER_PATH")
        get_settings.cache_clear()
        load_reranker.cache_clear()
