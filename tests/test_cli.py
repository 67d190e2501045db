"""The `aisle` CLI: index with rejects, search --json, and evaluation on a slice of the shared data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import EXIT_REJECTS, app
from tests.conftest import shared_folder, write_slice

runner = CliRunner()


def test_search_json_honours_max_price(demo_index):
    result = runner.invoke(app, ["search", "quiet bluetooth speaker", "--max-price", "50", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["results"] and all(r["price"] <= 50 for r in payload["results"])
    assert {"dense", "lexical"} & set(payload["results"][0]["stages"])


def test_index_reports_rejects_keeps_valid_rows_and_exit_code(demo_index, tmp_path: Path):
    path = tmp_path / "shop.jsonl"
    path.write_text(
        json.dumps({"id": "S1", "title": "Red wool scarf", "price": 25}) + "\n"
        + json.dumps({"id": "S2", "price": 25}) + "\n"
        + json.dumps({"id": "S3", "title": "Blue wool hat", "price": "twelve"}) + "\n"
        + json.dumps({"id": "S4", "title": "Green wool gloves", "price": 15}) + "\n"
    )
    result = runner.invoke(app, ["index", "--catalog", str(path), "--name", "shop", "--rejects-json",
                                 str(tmp_path / "rejects.json")])
    assert result.exit_code == EXIT_REJECTS
    rejects = json.loads((tmp_path / "rejects.json").read_text())
    assert [(r["line"], r["row_id"]) for r in rejects] == [(2, "S2"), (3, "S3")]
    found = runner.invoke(app, ["search", "wool", "--index", "shop", "--json"])
    assert {r["id"] for r in json.loads(found.stdout.strip().splitlines()[-1])["results"]} == {"S1", "S4"}

    # A catalog with no valid row fails and leaves the existing index alone.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"title": "no id"}) + "\n")
    assert runner.invoke(app, ["index", "--catalog", str(bad), "--name", "shop"]).exit_code == 1
    again = runner.invoke(app, ["search", "wool", "--index", "shop", "--json"])
    assert len(json.loads(again.stdout.strip().splitlines()[-1])["results"]) == 2


def test_search_rejects_bad_arguments(demo_index):
    assert runner.invoke(app, ["search", "tv", "--min-price", "90", "--max-price", "10"]).exit_code == 1
    assert runner.invoke(app, ["search", "tv", "--index", "nope"]).exit_code == 1


@pytest.fixture(scope="module")
def esci_slice(tmp_path_factory, settings) -> tuple[Path, Path]:
    """Four judged ESCI queries and a catalog of their products plus 100 others."""
    tmp_path = tmp_path_factory.mktemp("esci")
    folder = shared_folder("esci_opensearch_subset")
    lines = (folder / "judgments.tsv").read_text().splitlines()
    queries = sorted({line.split("\t")[0] for line in lines[1:]})[:4]
    kept = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0] in queries]
    judged = tmp_path / "judged"
    judged.mkdir()
    (judged / "judgments.tsv").write_text("\n".join(kept) + "\n")
    (judged / "queries.tsv").write_text("query\tesci_query_id\tesci_source\tn_judgments\n")
    catalog = tmp_path / "esci_slice"
    write_slice(folder, catalog, {line.split("\t")[2] for line in kept[1:]}, "asin", extra=100)
    (catalog / "queries.tsv").write_text("")
    return catalog, judged


def test_eval_ranking_on_an_esci_slice(esci_slice):
    catalog, judged = esci_slice
    result = runner.invoke(app, ["eval", "ranking", "--catalog", str(catalog), "--judgments", str(judged),
                                 "--json", "--method", "bm25", "--method", "dense", "--method", "hybrid"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == {"bm25", "dense", "hybrid"}
    for scores in summary.values():
        assert scores["queries"] == 4
        assert 0.0 < scores["ndcg@10_full"] <= 1.0 and 0.0 < scores["ndcg@10_rerank"] <= 1.0
        assert 0.0 <= scores["recall@100"] <= 1.0


def test_tune_type_reports_out_of_fold_paired_figures_and_types_shares(esci_slice, demo_index, tmp_path: Path):
    catalog, judged = esci_slice
    result = runner.invoke(app, ["eval", "tune-type", "--catalog", str(catalog), "--judgments", str(judged),
                                 "--folds", "2", "--report", str(tmp_path / "r.json"),
                                 "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    (entry,) = report["catalogs"].values()
    assert entry["queries"] == 4 and len(entry["per_query"]) == 4
    full = entry["full"]
    assert full["paired vs hybrid"]["n"] == 4 and 0 <= full["hybrid"] <= 1
    assert full["spell+hybrid+type, trec_eval nDCG@10 (ir-measures)"] == full["spell+hybrid+type (out of fold)"]
    assert (tmp_path / "p.png").stat().st_size > 1000
    mismatched = runner.invoke(app, ["eval", "tune-type", "--catalog", str(catalog), "--catalog", "demo",
                                     "--judgments", str(judged)])
    assert mismatched.exit_code == 1
    types = runner.invoke(app, ["eval", "types", "--catalog", "demo", "--json"])
    assert types.exit_code == 0, types.output
    shares = json.loads(types.stdout.strip().splitlines()[-1])
    assert shares["queries"] >= 20 and shares["full"] >= shares["hybrid"] >= 0.9


def test_eval_specs_reports_the_spec_stage_on_queries_built_from_titles(demo_index):
    specs = runner.invoke(app, ["eval", "specs", "--catalog", "demo", "--json"])
    assert specs.exit_code == 0, specs.output
    shares = json.loads(specs.stdout.strip().splitlines()[-1])
    assert shares["queries"] >= 2 and shares["full"] >= shares["without_spec"] and shares["paired"]["losses"] == 0


def test_metrics_known_values():
    from retrieval.evaluation.metrics import ndcg_at_k, recall_at_k, reciprocal_rank

    judged = {"a": 3.0, "b": 1.0, "c": 0.0}
    assert ndcg_at_k(["a", "b", "c"], judged) == 1.0
    assert 0 < ndcg_at_k(["x", "b", "a"], judged) < 1
    assert ndcg_at_k(["x", "y"], judged) == 0.0
    assert reciprocal_rank(["x", "a"], {"a"}) == 0.5
    assert recall_at_k(["a", "x"], {"a", "b"}, 100) == 0.5


def test_tune_negation_reports_the_stage_against_the_search_before_it(esci_slice, tmp_path: Path):
    catalog, judged = esci_slice  # three of its four queries exclude something ("not clear", "without buckles")
    result = runner.invoke(app, ["eval", "tune-negation", "--catalog", str(catalog), "--judgments", str(judged),
                                 "--folds", "2", "--report", str(tmp_path / "n.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "n.json").read_text())
    (entry,) = report["catalogs"].values()
    assert entry["queries"] == 4 and entry["typed_queries"] == 3
    full = entry["full"]
    assert full["paired, spell+hybrid+type+negation vs spell+hybrid+type"]["n"] == 4
    assert 0 <= full["spell+hybrid+type+negation (out of fold)"] <= 1
    assert len(report["fold_choices"]) == 2
