"""Shared fixtures: one data dir and one demo index per test session (models load once)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("aisle-data")
    os.environ["AISLE_DATA_DIR"] = str(path)
    from aisle.settings import get_settings

    get_settings.cache_clear()
    return path


@pytest.fixture(scope="session")
def settings(data_dir: Path):
    from aisle.settings import get_settings

    return get_settings()


@pytest.fixture(scope="session")
def demo_products(settings):
    from retrieval.catalog.loaders import load_catalog

    report = load_catalog("demo")
    assert report.ok, report.rejects
    return report.products


@pytest.fixture(scope="session")
def demo_index(settings, demo_products):
    from retrieval.index_builder import build_index

    return build_index("demo", demo_products, "demo", settings)


@pytest.fixture(scope="session")
def demo_searcher(demo_index):
    from retrieval.search import get_searcher

    return get_searcher("demo")


def shared_folder(name: str) -> Path:
    folder = SHARED / name
    if not folder.exists():
        pytest.skip(f"../shared/data/{name} is absent: shared-data tests need the project's shared folder")
    return folder


def write_slice(src: Path, dest: Path, product_ids: set[str], id_key: str, extra: int = 200) -> None:
    """A small copy of a shared catalog: the judged products of a few queries plus some distractors."""
    dest.mkdir(parents=True, exist_ok=True)
    kept = 0
    with gzip.open(src / "products.jsonl.gz", "rt", encoding="utf-8") as fin, \
            gzip.open(dest / "products.jsonl.gz", "wt", encoding="utf-8") as fout:
        for line in fin:
            row = json.loads(line)
            if str(row[id_key]) in product_ids or kept < extra:
                kept += str(row[id_key]) not in product_ids
                fout.write(line)
