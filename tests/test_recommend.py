"""Recommendation on the real demo index: similar items (filters, reasons, cold start), the similar-products
tool and its dialogue rule, and the offline evaluation's ground truth and weight choice."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.dialogue.state import DialogueState
from assistant.dialogue.state_rules import similar_asked, state_guard
from assistant.session import ShopSession
from assistant.storage import Store
from assistant.tools.shop_tools import ShopTools
from retrieval.catalog.product import Product
from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.similar_eval import CaseMatrix, SourceCase, choose, neighbours
from retrieval.filters import SearchFilters
from retrieval.product_types import PRODUCT_TYPES
from retrieval.recommend.similar import SimilarItems, SimilarityWeights, price_closeness


@pytest.fixture(scope="module")
def items(demo_searcher):
    return SimilarItems(demo_searcher)


def _headphones(demo_searcher) -> Product:
    hit = demo_searcher.search("wireless over-ear headphones", k=1).hits[0]
    return hit.product


def test_similar_items_are_like_the_source_and_never_the_source(items, demo_searcher):
    source = _headphones(demo_searcher)
    found = items.similar(source.id, k=5)
    assert len(found) == 5 and source.id not in {r.product.id for r in found}
    kinds = demo_searcher.product_types([r.product.id for r in found])
    assert sum(k == "headphones" for k in kinds.values()) >= 4, kinds
    scores = [r.score for r in found]
    assert scores == sorted(scores, reverse=True)
    assert all(r.reasons for r in found)


def test_similar_items_keep_hard_filters(items, demo_searcher):
    source = _headphones(demo_searcher)
    assert source.price is not None
    cheaper = items.similar(source.id, SearchFilters(max_price=source.price - 0.01), k=5)
    assert cheaper and all(r.product.price is not None and r.product.price < source.price for r in cheaper)
    assert all(any("cheaper" in why for why in r.reasons) for r in cheaper)
    brand = items.similar(source.id, k=1)[0].product.brand
    other = items.similar(source.id, SearchFilters(exclude_brands=[brand]), k=5)
    assert other and all(r.product.brand != brand for r in other)


def test_baselines_exclude_the_source(items, demo_searcher):
    source = _headphones(demo_searcher)
    assert source.id not in items.knn(source.id, 10) and len(items.knn(source.id, 10)) == 10
    assert source.id not in items.title_bm25(source.id, 10) and items.title_bm25(source.id, 10)


def test_an_unknown_product_is_a_clear_error(items):
    with pytest.raises(LookupError, match="no product"):
        items.similar("NOT-A-PRODUCT")


def test_a_new_product_is_recommendable_once_indexed(indexes, demo_products):
    """Cold start: nothing is learned from traffic, so a product indexed a moment ago is a neighbour."""
    twin = next(p for p in demo_products if "headphones" in p.title.lower())
    fresh = twin.model_copy(update={"id": "NEW-TWIN-1", "title": twin.title + " (2027 edition)"})
    others = [p for p in demo_products if p.id != twin.id][:150]
    indexes.build("demo_cold_start", [*others, twin, fresh], "test")
    searcher = indexes.searcher("demo_cold_start")
    assert "NEW-TWIN-1" in {r.product.id for r in SimilarItems(searcher).similar(twin.id, k=3)}


def test_price_closeness_is_symmetric_and_bounded():
    assert price_closeness(100, 100) == 1.0
    assert price_closeness(100, 200) == pytest.approx(price_closeness(200, 100))
    assert price_closeness(100, 400) == 0.0 and price_closeness(None, 5) == 0.5


def test_weights_round_trip(tmp_path):
    weights = SimilarityWeights(1.0, 0.25, 0.1, 0.5, 0.0, 0.1)
    weights.save(tmp_path / "w.json", {"note": "test"})
    assert SimilarityWeights.load(tmp_path / "w.json") == weights
    assert SimilarityWeights.load(tmp_path / "missing.json") == SimilarityWeights()


def test_neighbours_are_products_relevant_to_the_same_query():
    from retrieval.catalog.loaders import CatalogFormat

    judged = Judgments(CatalogFormat.ESCI, {"q1": {"a": 1.0, "b": 1.0, "c": 0.1}, "q2": {"a": 1.0, "d": 1.0},
                                            "q3": {"e": 1.0}}, relevant_at=1.0)
    assert neighbours(judged) == {"a": {"b", "d"}, "b": {"a"}, "d": {"a"}}
    assert neighbours(judged, known={"a", "b"}) == {"a": {"b"}, "b": {"a"}}


def test_the_weight_choice_finds_the_signal_that_separates_neighbours():
    """Two pools where the dense signal puts an impostor first and the brand signal knows better."""
    cases = []
    for n in range(6):
        ids = [f"x{n}", f"y{n}", f"z{n}"]
        signals = np.array([[0.9, 0, 0, 0.5, 0, 0.5], [0.8, 0, 1, 0.5, 0, 0.5], [0.1, 0, 0, 0.5, 0, 0.5]],
                           dtype=np.float32)
        cases.append(SourceCase("c", f"s{n}", {f"y{n}"}, ids, signals, [], []))
    matrix = CaseMatrix(cases)
    plain = np.array([1, 0, 0, 0, 0, 0], dtype=np.float32)
    chosen = choose(matrix, np.arange(len(cases)))
    assert chosen[2] > 0  # the brand weight
    assert matrix.ndcg(chosen).mean() == pytest.approx(1.0) and matrix.ndcg(plain).mean() < 1.0


@pytest.fixture()
def tools(demo_searcher, tmp_path):
    session = ShopSession(Store(tmp_path / "shop.sqlite"), index="demo", state=DialogueState())
    t = ShopTools(session, demo_searcher)
    t.search_method = "hybrid"
    return t


def test_similar_products_tool_shows_cheaper_neighbours_with_reasons(tools):
    _, found = tools.run("search_products", {"query": "wireless headphones"})
    second = found.products[1]
    _, similar = tools.run("similar_products", {"position": 2, "cheaper": True})
    assert similar.status == "ok" and similar.similar.source_id == second.id
    assert all(p.price < second.price for p in similar.products)
    assert all(p.why for p in similar.products)
    assert tools.state.shown == [p.id for p in similar.products]  # "the first one" now means the first of these
    _, again = tools.run("similar_products", {})  # "more like it": the product they were like
    assert again.similar.source_id == second.id


def test_similar_products_without_a_reference_asks_which(tools):
    tools.run("search_products", {"query": "wireless headphones"})
    _, art = tools.run("similar_products", {})
    assert art.status == "error" and "which product" in art.message


@pytest.mark.parametrize("text", ["something similar to the second one but cheaper", "more like #3",
                                  "show me alternatives to that one", "any others like the first?",
                                  "got anything like number 2 in black?"])
def test_similar_requests_route_to_similar_products(text):
    state = DialogueState(query="headphones", shown=["a", "b", "c"])
    assert similar_asked(text, state)
    name, args = state_guard(state, "search_products", {"query": "headphones", "refine": True}, text, PRODUCT_TYPES)
    assert name == "similar_products"
    assert args.get("cheaper", False) == ("cheaper" in text)


@pytest.mark.parametrize("text", ["I'd like the first one", "something similar to a kindle", "like the speakers",
                                  "headphones like sony makes"])
def test_other_messages_are_not_similar_requests(text):
    state = DialogueState(query="headphones", shown=["a", "b", "c"])
    assert not similar_asked(text, state)


def test_nothing_shown_means_no_similar_request():
    assert not similar_asked("something similar to the first one", DialogueState())
