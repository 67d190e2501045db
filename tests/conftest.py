"""Shared fixtures: one data dir and one demo index per test session (models load once)."""

from __future__ import annotations

import gzip
import json
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.serve_process import free_port  # noqa: F401 - the tests' one way to pick a port

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("aisle-data")
    os.environ["AISLE_DATA_DIR"] = str(path)  # CLI commands run in-process read the same configuration
    return path


@pytest.fixture(scope="session")
def services(data_dir: Path):
    """The app's services for the test configuration: the same object the in-process CLI commands get."""
    from app.services import current_services

    return current_services()


@pytest.fixture(scope="session")
def settings(services):
    return services.settings


@pytest.fixture(scope="session")
def indexes(services):
    return services.indexes


@pytest.fixture(scope="session")
def demo_products(settings):
    from retrieval.catalog.loaders import load_catalog

    report = load_catalog("demo")
    assert report.ok, report.rejects
    return report.products


@pytest.fixture(scope="session")
def demo_index(indexes, demo_products):
    return indexes.build("demo", demo_products, "demo")


@pytest.fixture(scope="session")
def demo_searcher(indexes, demo_index):
    return indexes.searcher("demo")


@pytest.fixture()
def tools(demo_searcher, tmp_path):
    """The shop's tools over the demo index, on a fresh store and dialogue (hybrid search: same tools, faster)."""
    from assistant.dialogue.state import DialogueState
    from assistant.session import ShopSession
    from assistant.storage import Store
    from assistant.tools.shop_tools import ShopTools

    session = ShopSession(Store(tmp_path / "shop.sqlite"), index="demo", state=DialogueState())
    t = ShopTools(session, demo_searcher)
    t.search_method = "hybrid"
    return t


@pytest.fixture(scope="session")
def agent(services, demo_index):
    """The shipped agent (the shipped adapter on the default runtime), loaded once."""
    return services.agent()


class RecordingGenerator:
    """A real text generator that notes every request (the chat and the grammar it carried)."""

    def __init__(self, real) -> None:
        self.real = real
        self.name, self.supports_grammar, self.adapter = real.name, real.supports_grammar, real.adapter
        self.requests: list[tuple[list[dict[str, str]], str | None]] = []

    def complete(self, chat, max_new_tokens, timeout_s, grammar=None, drafts=None):
        self.requests.append((chat, grammar))
        return self.real.complete(chat, max_new_tokens, timeout_s, grammar, drafts)

    def stream(self, chat, max_new_tokens, timeout_s, grammar=None, drafts=None):
        self.requests.append((chat, grammar))
        yield from self.real.stream(chat, max_new_tokens, timeout_s, grammar, drafts)


def announce(request, line: str) -> None:
    """A line in the test log (CI shows which real servers ran), past pytest's output capture."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


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


POSTGRES = os.environ.get("AISLE_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.sqlite'}"
        return
    if not POSTGRES:
        pytest.skip("no PostgreSQL: set AISLE_TEST_POSTGRES_URL (scripts/start_postgres.sh starts one)")
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"aisle_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
        conn.execute(text(f"CREATE DATABASE {name}"))
    announce(request, f"postgresql: {request.node.name} on PostgreSQL {version}, database {name}")
    yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
