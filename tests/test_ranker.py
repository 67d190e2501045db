"""The ranker: a few real training steps on a slice of ESCI, the artifact, and the shipped model in search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
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


def test_train_ranker_cli_writes_artifact_card_and_cv_report(esci_slice: Path, tmp_path: Path, settings):
    out = tmp_path / "ranker"
    result = runner.invoke(app, ["train", "ranker", "--catalog", str(esci_slice), "--judgments", str(esci_slice),
                                 "--epochs", "1", "--folds", "2", "--out", str(out), "--device", "cpu",
                                 "--weak", "3"])
    assert result.exit_code == 0, result.output
    for name in ("head.safetensors", "ranker.json", "MODEL_CARD.md", "learning_curve.png", "per_query_gains.png",
                 "cv_report.json"):
        assert (out / name).exists(), name
    report = json.loads((out / "cv_report.json").read_text())
    methods = next(iter(report["catalogs"].values()))["methods"]
    assert {"dense", "bm25", "hybrid", "features", "cross_encoder", "ranker", "fused"} <= set(methods)
    assert all(0 <= m["ndcg@10_rerank"] <= 1 for m in methods.values())
    assert report["label_counts"]["3"] > 0 and report["hard_negatives"] > 0
    assert report["weak_supervision"]["queries"] > 0  # generated queries train the cross-encoder too
    curve = report["learning_curve"]["folds"][0]
    assert len(curve["step_loss"]) > 0 and len(curve["epoch_val_ndcg"]) == 1
    meta = json.loads((out / "ranker.json").read_text())
    # the adapter ships exactly when cross-validation gave the cross-encoder a non-zero gate
    assert (out / "adapter_model.safetensors").exists() == (meta["gate"] > 0)
    if meta["gate"] > 0:
        assert (out / "adapter_model.safetensors").stat().st_size < 5_000_000

    from retrieval.catalog.product import Product
    from retrieval.encoder import Encoder
    from retrieval.ranker.reranker import Reranker

    ranker = Reranker(settings, Encoder(settings), out, device="cpu")
    from retrieval.ranker.features import CandidateSignals

    products = [Product(id="a", title="USB-C charging cable 2m"), Product(id="b", title="Garden hose 20m")]
    signals = CandidateSignals({"a": 0.6, "b": 0.1}, {"a": 7.5}, {"a": True, "b": False})
    probs = ranker.probabilities("usb cable", products, signals)
    assert probs.shape == (2, 4) and abs(float(probs.sum()) - 2.0) < 1e-4
    assert ranker.probabilities("usb cable", [], CandidateSignals()).shape == (0, 4)


def test_the_feature_head_alone_trains_without_the_cross_encoder(esci_slice: Path, tmp_path: Path):
    out = tmp_path / "head-only"
    result = runner.invoke(app, ["train", "ranker", "--catalog", str(esci_slice), "--judgments", str(esci_slice),
                                 "--folds", "3", "--out", str(out), "--device", "cpu", "--no-cross-encoder",
                                 "--weak", "8", "--weak-weight", "0.5"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "cv_report.json").read_text())
    methods = next(iter(report["catalogs"].values()))["methods"]
    assert "cross_encoder" not in methods and {"features", "ranker", "fused"} <= set(methods)
    assert report["gate"] == 0.0 and report["fold_gates"] == [0.0, 0.0, 0.0]
    assert json.loads((out / "ranker.json").read_text())["gate"] == 0.0
    assert not (out / "adapter_model.safetensors").exists()
    assert "Feature head alone" in (out / "MODEL_CARD.md").read_text()
    weak = report["weak_supervision"]  # generated queries trained on, never evaluated
    assert 0 < weak["queries"] <= 8 and weak["pairs"] > weak["queries"] and weak["weight"] == 0.5
    evaluated = next(iter(report["catalogs"].values()))["per_query"]
    assert report["catalogs"] and all(not q.startswith("weak:") for q in evaluated)
    assert "Weak supervision" in (out / "MODEL_CARD.md").read_text()


def test_weak_queries_are_labelled_from_the_catalog(demo_searcher):
    from finetune.ranker.weak import TEMPLATES, misspell, weak_queries

    queries = weak_queries(demo_searcher, 12, seed=3)
    assert queries == weak_queries(demo_searcher, 12, seed=3)  # seeded
    assert {q.template for q in queries} <= set(TEMPLATES) and len({q.template for q in queries}) >= 2
    types = demo_searcher.product_types(demo_searcher.lexical.all_ids())
    for q in queries:
        assert q.labels[q.source] == 3  # the product the query was written from
        assert set(q.labels.values()) <= {0, 1, 2, 3} and 0 in q.labels.values()
        assert all(types[pid] is not None for pid in q.labels)  # untyped products are not guessed at
        if q.template in ("title_words", "colour_type"):  # another type is never relevant to a type-bound query
            assert all(label == 0 for pid, label in q.labels.items() if types[pid] != types[q.source])
    import random

    rng = random.Random(0)
    assert misspell("cable", rng) != "cable" and len(misspell("speaker", rng)) in (6, 7)
    assert misspell("tv", rng) == "tv"


def test_shipped_ranker_reranks_full_search_when_switched_on(demo_searcher, settings):
    from retrieval.indexes import Indexes
    from retrieval.ranker.features import CandidateSignals

    ranker = demo_searcher.reranker
    assert ranker is not None and ranker.fusion.top_n >= 20
    assert ranker.uses_cross_encoder == (ranker.config.gate > 0)  # gate 0 ships no adapter and runs none
    query = "wireless noise cancelling headphones"
    default = demo_searcher.search(query, k=10, method="full")
    assert not settings.rerank and "rerank" not in default.timings_ms  # off by default (issue 20)
    on = Indexes(settings.model_copy(update={"rerank": True}), demo_searcher.encoder).searcher("demo")
    full = on.search(query, k=10, method="full")
    assert "rerank" in full.timings_ms and all("ranker" in h.stages for h in full.hits)
    assert [h.score for h in full.hits] == sorted((h.score for h in full.hits), reverse=True)
    assert sum("Headphones" in h.product.category for h in full.hits[:5]) >= 4
    gains = {h.product.id: h.stages["ranker"] for h in full.hits}
    off_topic = demo_searcher.search("mechanical keyboard", k=3, method="hybrid").hits
    off_gains = ranker.gains(query, [h.product for h in off_topic], CandidateSignals())
    assert max(off_gains.values()) < max(gains.values())

    off = Indexes(settings.model_copy(update={"ranker_path": "none", "rerank": True}),
                  demo_searcher.encoder).searcher("demo")
    fallback = off.search(query, k=10, method="full")
    assert off.reranker is None and "rerank" not in fallback.timings_ms
    assert [h.product.id for h in fallback.hits] == [h.product.id for h in default.hits]


def test_bf16_ranker_matches_fp32_and_is_chosen_only_where_it_pays(demo_searcher):
    from retrieval.ranker.reranker import use_bf16

    assert use_bf16("cuda", "auto") and use_bf16("cpu", "bfloat16")
    assert not use_bf16("cuda", "float32") and not use_bf16("cpu", "float32")
    ranker = demo_searcher.reranker
    products = [h.product for h in demo_searcher.search("portable bluetooth speaker", k=20, method="hybrid").hits]
    signals = demo_searcher.candidate_signals("portable bluetooth speaker", [p.id for p in products],
                                              {p.id: 0.5 for p in products}, {})
    saved = ranker.bf16
    try:
        ranker.bf16 = False
        fp32 = ranker.gains("portable bluetooth speaker", products, signals)
        ranker.bf16 = True
        bf16 = ranker.gains("portable bluetooth speaker", products, signals)
    finally:
        ranker.bf16 = saved
    assert max(abs(fp32[p] - bf16[p]) for p in fp32) < 0.02
    assert set(sorted(bf16, key=bf16.get)[-3:]) == set(sorted(fp32, key=fp32.get)[-3:])


def test_title_encoding_cache_reuses_encodings_within_its_bound(settings):
    import numpy as np

    from retrieval.encoder import Encoder
    from retrieval.ranker.title_cache import TitleEncodingCache

    encoder = Encoder(settings)
    calls: list[list[str]] = []

    def encode(titles: list[str]):
        calls.append(list(titles))
        return encoder.encode_tokens(titles)

    cache = TitleEncodingCache(encode, max_items=3)
    titles = ["JBL Flip 6 speaker", "Sony WH-1000XM5 headphones", "JBL Flip 6 speaker"]
    vectors, tokens = cache(titles)
    direct_vectors, direct_tokens = encoder.encode_tokens(titles)
    assert calls == [["JBL Flip 6 speaker", "Sony WH-1000XM5 headphones"]]
    assert np.allclose(vectors, direct_vectors, atol=1e-5)
    assert all(np.allclose(a, b, atol=2e-3) for a, b in zip(tokens, direct_tokens, strict=True))
    cache(["Sony WH-1000XM5 headphones"])
    assert len(calls) == 1 and cache.hits == 2 and cache.misses == 2
    cache(["USB-C cable", "Garden hose 20m"])
    assert len(cache) == 3 and calls[-1] == ["USB-C cable", "Garden hose 20m"]
    cache(["JBL Flip 6 speaker"])  # least recently used: evicted, so encoded again
    assert calls[-1] == ["JBL Flip 6 speaker"]
    assert cache([])[0].shape[0] == 0

    from retrieval.catalog.product import Product
    from retrieval.ranker.features import CandidateSignals, raw_features

    empty = TitleEncodingCache(encode, max_items=8)  # an empty cache is falsy (len 0) yet must be used
    raw_features(encoder, "speaker", [Product(id="x", title="Marshall Emberton speaker")], CandidateSignals({"x": 0.5}),
                 empty)
    assert len(empty) == 1 and calls[-1] == ["Marshall Emberton speaker"]


def test_ranker_config_round_trips_the_shipped_file(tmp_path: Path):
    """The model owns ranker.json: loading the shipped one and saving it again writes the same file."""
    from importlib import resources

    from retrieval.ranker.config import RankerConfig

    shipped = Path(str(resources.files("retrieval") / "models" / "ranker"))
    config = RankerConfig.load(shipped)
    assert config.fusion.top_n == 50 and config.features and config.num_classes == 4
    config.save(tmp_path)
    assert json.loads((tmp_path / "ranker.json").read_text()) == json.loads((shipped / "ranker.json").read_text())
    with pytest.raises(FileNotFoundError, match="aisle train ranker"):
        RankerConfig.load(tmp_path / "absent")


def test_a_ranker_trained_on_other_features_is_refused_with_the_command_that_mends_it(tmp_path: Path, settings):
    """An artifact from an older version (six features, no lexical score or marks) must not be fed twelve columns."""
    import shutil
    from importlib import resources

    from retrieval.encoder import Encoder
    from retrieval.ranker.reranker import Reranker

    shipped = Path(str(resources.files("retrieval") / "models" / "ranker"))
    old = tmp_path / "old"
    shutil.copytree(shipped, old)
    meta = json.loads((old / "ranker.json").read_text())
    meta["features"] = meta["features"][:3] + meta["features"][4:7]
    (old / "ranker.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="aisle train ranker"):
        Reranker(settings, Encoder(settings), old, device="cpu")


def test_features_keep_their_named_columns_and_stay_finite():
    """The head reads columns by position: each name must hold what it says, for any candidate set."""
    import numpy as np

    from retrieval.ranker.features import FEATURE_NAMES, RAW_NAMES, RAW_SCALE, standardize

    raw = np.array([[0.6, 0.5, 0.7, 8.0, 1, 0, 0, 1],
                    [0.4, 0.3, 0.2, 2.0, 0, 1, 1, 0],
                    [0.5, 0.4, 0.3, 0.0, 0, 0, 0, 0]], dtype=np.float32)
    assert raw.shape[1] == len(RAW_NAMES)
    out = standardize(raw)
    col = {name: out[:, i] for i, name in enumerate(FEATURE_NAMES)}
    assert out.shape == (3, len(FEATURE_NAMES))
    assert np.allclose(col["dense"], raw[:, 0] * RAW_SCALE) and np.allclose(col["lexical"], [1.0, 0.25, 0.0])
    assert col["dense_z"].argmax() == 0 and abs(float(col["lexical_z"].mean())) < 1e-5
    assert col["type_fits"].tolist() == [1, 0, 0] and col["type_differs"].tolist() == [0, 1, 0]
    assert col["negation_lacks"].tolist() == [0, 1, 0] and col["negation_has"].tolist() == [1, 0, 0]
    for edge in (raw[:1], np.concatenate([raw[:, :3], np.zeros((3, 5), np.float32)], axis=1)):
        assert np.isfinite(standardize(edge)).all()  # one candidate; no lexical match and no marks at all
    assert standardize(np.zeros((0, len(RAW_NAMES)), np.float32)).shape == (0, len(FEATURE_NAMES))


def test_candidate_signals_score_what_the_retrievers_missed_and_mark_types(demo_searcher):
    """Serving, evaluation and training read one CandidateSignals: an id the lexical top-N lacks still gets its BM25
    score, and the type marks follow the type the query names."""
    query = "wireless headphones"
    hits = demo_searcher.search(query, k=5, method="hybrid").hits
    ids = [h.product.id for h in hits]
    full = demo_searcher.candidate_signals(query, ids, {}, {})
    partial = demo_searcher.candidate_signals(query, ids, {ids[0]: full.dense[ids[0]]}, {})
    assert set(full.dense) == set(ids) and dict(partial.dense) == dict(full.dense)
    assert dict(partial.lexical) == dict(full.lexical) and any(v > 0 for v in full.lexical.values())
    assert any(v is True for v in full.type_fits.values()) and not full.negation_fits
    plain = demo_searcher.candidate_signals("something nice", ids, {}, {})
    assert not plain.type_fits


def _gate_rows(n: int, joint_strength: float, seed: int = 0):
    """Synthetic out-of-fold rows: a feature head that reads the dense score; the cross-encoder's logits either
    carry the judged order (strength > 0 on every query) or noise (strength 0)."""
    import numpy as np

    from finetune.ranker.pipeline import QueryData
    from retrieval.ranker.features import NUM_FEATURES, RAW_NAMES

    rng = np.random.default_rng(seed)
    rows = []
    for q in range(n):
        ids = [f"p{i}" for i in range(8)]
        judged = {pid: float(rng.integers(0, 4)) for pid in ids}
        raw = {pid: np.zeros(len(RAW_NAMES), np.float32) for pid in ids}
        for pid in ids:
            raw[pid][0] = rng.normal()  # a dense score unrelated to the labels
        weight = np.zeros((4, NUM_FEATURES), np.float32)
        weight[3, 0] = 1.0
        joint = {pid: (np.eye(4, dtype=np.float32)[int(judged[pid])] * joint_strength
                       + rng.normal(0, 0.05, 4).astype(np.float32)) for pid in ids}
        rows.append(QueryData("c", f"q{q}", judged, ids, {p: float(raw[p][0]) for p in ids}, {}, {}, raw=raw,
                              head=(weight, np.zeros(4, np.float32)), joint=joint))
    return rows


def test_the_cross_encoder_ships_only_when_it_beats_the_feature_head_with_significance():
    from finetune.ranker.pipeline import choose_gate

    assert choose_gate(_gate_rows(40, joint_strength=3.0)) > 0  # it carries the labels: worth its time
    assert choose_gate(_gate_rows(40, joint_strength=0.0)) == 0.0  # noise: the best gate by a hair is not kept
