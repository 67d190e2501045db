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


# --- personalization ---------------------------------------------------------------------------------------

from assistant.dialogue.preferences import forget_asked, stated_brand_signals, why_asked  # noqa: E402
from retrieval.evaluation.personalization_eval import Preference, Shopper  # noqa: E402
from retrieval.recommend.profile import (  # noqa: E402
    Personalizer,
    PreferenceProfile,
    Signal,
    SignalKind,
)


def _p(pid: str, brand: str, price: float, colour: str = "black") -> Product:
    return Product(id=pid, title=f"{brand} thing {pid}", brand=brand, price=price, attributes={"color": colour})


def test_profile_learns_brands_colours_and_prices_and_round_trips():
    profile = PreferenceProfile()
    profile.add(Signal(SignalKind.THUMBS_UP, _p("a", "Sony", 80)))
    profile.add(Signal(SignalKind.ADDED_TO_CART, _p("b", "Sony", 120, "white")))
    profile.add(Signal(SignalKind.THUMBS_DOWN, _p("c", "Acme", 20)))
    assert profile.brands == {"sony": 2.0, "acme": -1.0} and profile.prices == [80.0, 120.0]
    assert PreferenceProfile.from_json(profile.to_json()) == profile
    liked, _ = profile.affinity(_p("d", "Sony", 100))
    disliked, _ = profile.affinity(_p("e", "Acme", 100))
    assert liked > 0 > disliked
    assert any("sony" in line for line in profile.explain())


def test_personalizer_reorders_only_what_it_is_given():
    profile = PreferenceProfile()
    profile.add(Signal(SignalKind.STATED_BRAND, brand="Sony"))
    products = [_p("1", "Acme", 50), _p("2", "Sony", 55), _p("3", "Bolt", 60)]
    assert Personalizer(0.0).reorder(products, profile) == products  # weight 0: the search's order
    assert Personalizer(0.5).reorder(products, PreferenceProfile()) == products  # empty profile: the same
    reordered = Personalizer(1.0).reorder(products, profile)
    assert reordered[0].id == "2" and {p.id for p in reordered} == {"1", "2", "3"}


def test_simulated_shopper_match_rises_with_signals():
    products = {str(i): _p(str(i), "Sony" if i >= 5 else "Acme", 10 + i) for i in range(10)}
    scores = {pid: 1.0 - int(pid) / 10 for pid in products}  # the Acme ones first
    shopper = Shopper("c", "q", Preference("brand", "sony"), scores, products, {"5": 1.0},
                      [_p("x", "Sony", 12), _p("y", "Sony", 14), _p("z", "Sony", 16)])
    personalizer = Personalizer(1.0)
    matches = [shopper.match_at_5(shopper.ranking(personalizer, n)) for n in range(4)]
    assert matches[0] == 0.0 and matches[3] > 0.0 and matches == sorted(matches)


def test_stated_preferences_and_profile_questions_are_read_from_words():
    brands = ("sony", "acme", "bose")
    kinds = [(s.kind, s.brand) for s in stated_brand_signals("I prefer Sony, and I don't trust Acme", brands)]
    assert (SignalKind.STATED_BRAND, "sony") in kinds and (SignalKind.STATED_NOT_BRAND, "acme") in kinds
    assert stated_brand_signals("I like the first one", brands) == []
    assert stated_brand_signals("bose headphones please", brands) == []
    assert forget_asked("please forget me") and forget_asked("delete my data") and not forget_asked("forget it")
    assert why_asked("why am I seeing these?") and not why_asked("why is the sky blue")


def test_session_profile_is_kept_for_a_returning_shopper_and_forgotten_on_request(tmp_path):
    store = Store(tmp_path / "shop.sqlite")
    first = ShopSession(store, shopper_id="shopper-1")
    first.state.remember_shown([("a", 80.0)])
    first.learn(Signal(SignalKind.THUMBS_UP, _p("a", "Sony", 80)))
    events = store.events("shopper-1")
    assert [(e.kind, e.product_id, e.position) for e in events] == [("thumbs_up", "a", 1)]
    returning = ShopSession(store, shopper_id="shopper-1")  # a new session of the same shopper
    assert returning.profile.brands == {"sony": 1.0}
    assert ShopSession(store, shopper_id="someone-else").profile.empty
    assert returning.forget() == 1
    assert store.profile("shopper-1") is None and store.events("shopper-1") == []
    assert ShopSession(store, shopper_id="shopper-1").profile.empty


def test_asking_about_products_personalizes_the_next_search(tools):
    _, first = tools.run("search_products", {"query": "bluetooth speaker"})
    tools.personalizer = Personalizer(1.0)  # strong enough to see in one test
    liked = first.products[-1]
    tools.run("get_product", {"position": len(first.products)})
    tools.run("add_to_cart", {"position": len(first.products)})
    tools.state.turns += 1
    tools.run("add_to_cart", {"confirm": True})
    assert tools.session.profile.brands.get(liked.brand.lower(), 0) > 1
    _, again = tools.run("search_products", {"query": "bluetooth speaker"})
    assert any(p.brand == liked.brand for p in again.products[:2])
    assert any("you liked" in w for p in again.products for w in p.why)


def test_a_stated_liking_is_a_preference_not_a_filter():
    from assistant.dialogue.preferences import preferred_only

    assert preferred_only("I prefer Anker. bluetooth speaker under 100", ["anker"]) == ["anker"]
    assert preferred_only("an anker speaker, I prefer Anker", ["anker"]) == []  # also asked for: a filter
    assert preferred_only("sony headphones", ["sony"]) == []


def test_profile_turns_in_a_real_agent_session(agent, services):
    """Stated liking, "why am I seeing this?" and "forget me" through the agent's turn, on the real model."""
    session = ShopSession(services.store, index="demo", shopper_id="profile-e2e")
    first = agent.turn(session, "I prefer Anker. bluetooth speaker under $100")
    search = next(c for c in first.tool_calls if c["name"] == "search_products")
    assert "anker" not in [b.lower() for b in search["args"].get("brands", [])]
    assert session.profile.brands.get("anker", 0) > 0
    why = agent.turn(session, "why am I seeing these?")
    assert "anker" in why.reply.lower() and "forget me" in why.reply.lower() and not why.tool_calls
    gone = agent.turn(session, "please forget me")
    assert "deleted" in gone.reply and services.store.profile("profile-e2e") is None


# --- learning from feedback --------------------------------------------------------------------------------

from retrieval.recommend.feedback import Click, FeedbackBoosts, clicks_from_events  # noqa: E402


def test_feedback_fit_corrects_for_position_and_keeps_queries_apart():
    clicks = [Click("Bluetooth  Speaker", "a", 1), Click("bluetooth speaker", "b", 4), Click("laptop", "c", 2),
              Click("bluetooth speaker", "d", 2, "thumbs_down")]
    boosts = FeedbackBoosts.fit(clicks, eta=1.0, weight=1.0)
    assert boosts.boosts["bluetooth speaker"] == {"a": 0.25, "b": 1.0, "d": -1.0}  # one click at 4 = 4 at 1
    scores = {"a": 3.0, "b": 2.0, "x": 1.0}
    assert boosts.apply(scores, "headphones") == scores  # a query without feedback is untouched
    moved = boosts.apply(scores, "bluetooth speaker")
    assert max(moved, key=moved.get) == "b" and set(moved) == set(scores)  # reorders, adds nothing
    assert FeedbackBoosts.fit(clicks, weight=0.0).apply(scores, "bluetooth speaker") == scores


def test_feedback_boosts_round_trip(tmp_path):
    boosts = FeedbackBoosts.fit([Click("q", "a", 2)], weight=0.5)
    boosts.save(tmp_path / "f" / "feedback.json", {"note": 1})
    assert FeedbackBoosts.load(tmp_path / "f" / "feedback.json") == boosts
    assert not FeedbackBoosts.load(tmp_path / "none.json").active


def test_stored_events_train_the_search_stage_and_a_running_searcher_picks_it_up(indexes, demo_index, tmp_path):
    from typer.testing import CliRunner

    from app.cli import app
    from app.services import current_services

    searcher = indexes.searcher("demo")
    QUERY = "speaker for a beach party with friends"  # noqa: N806 - a query no other test's shoppers gave feedback on
    before = [h.product.id for h in searcher.search(QUERY, k=5, method="full").hits]
    laptops = [h.product.id for h in searcher.search("laptop", k=5, method="full").hits]
    chosen = before[4]
    store = current_services().store
    session = ShopSession(store, index="demo", shopper_id="feedback-test")
    session.state.query = QUERY
    session.state.remember_shown([(pid, None) for pid in before])
    product = searcher.get_product(chosen)
    for _ in range(3):
        session.learn(Signal(SignalKind.ADDED_TO_CART, product))
    assert [c.position for c in clicks_from_events(store.events("feedback-test"))] == [5, 5, 5]
    dry = CliRunner().invoke(app, ["train", "feedback", "--index", "demo", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert not indexes.feedback_file("demo").exists()
    result = CliRunner().invoke(app, ["train", "feedback", "--index", "demo", "--weight", "2.0"])
    assert result.exit_code == 0, result.output
    assert "1 of 1 queries change their top 3" in " ".join(result.output.split())
    try:
        after = [h.product.id for h in indexes.searcher("demo").search(QUERY, k=5, method="full").hits]
        assert after[0] == chosen  # the boosted product leads; nothing new joined the top 5
        assert set(after) == set(before)
        other = indexes.searcher("demo").search("laptop", k=5, method="full")
        assert [h.product.id for h in other.hits] == laptops  # a query without feedback is untouched
    finally:
        indexes.feedback_file("demo").unlink()
        store.forget("feedback-test")
    assert not indexes.searcher("demo").feedback.active


# --- accessories ------------------------------------------------------------------------------------------

from assistant.dialogue.state_rules import accessories_asked  # noqa: E402
from retrieval.recommend.accessories import CompatibilityIndex, model_codes  # noqa: E402


def _accessory_catalog() -> list[Product]:
    return [
        Product(id="P-1", title="Acme LaserWriter 1300n Printer", brand="Acme", price=160.0,
                attributes={"model": "LaserWriter 1300n"}),
        Product(id="T-1", title="Acme 13A Original Black toner", brand="Acme", price=90.0,
                attributes={"compatibility": "Acme LaserWriter 1150/1300/3390"}),
        Product(id="T-2", title="Acme 55X toner", brand="Acme", price=120.0,
                attributes={"compatibility": "Acme LaserWriter Enterprise M525"}),
        Product(id="C-1", title="Acme PhotoShot M525 Digital Camera", brand="Acme", price=200.0,
                attributes={"model": "PhotoShot M525"}),
        Product(id="T-3", title="Bolt 13A toner", brand="Bolt", price=20.0,
                attributes={"compatibility": "Bolt LaserWriter 1300"}),
        Product(id="K-1", title="Cable kit for the PhotoShot M525", brand="Acme", price=15.0),
        Product(id="S-1", title="Acme Studio Speaker", brand="Acme", price=50.0),
    ]


def test_model_codes_skip_units_and_keep_series():
    strong, numbered = model_codes("HP LaserJet 1320dn 64 GB 1200 dpi")
    assert ("laserjet", "1320dn") in strong and ("laserjet", "1320") in numbered
    assert not any(code in ("64gb", "1200dpi") for _, code in strong)


def test_compatibility_lists_match_series_and_brand():
    index = CompatibilityIndex.build(_accessory_catalog())
    products = {p.id: p for p in _accessory_catalog()}
    assert [f.product_id for f in index.accessories_for(products["P-1"])] == ["T-1"]  # not Bolt's, not M525's
    assert index.accessories_for(products["C-1"]) == []  # "PhotoShot M525" is no "LaserWriter M525"
    assert [f.product_id for f in index.devices_for(products["T-1"])] == ["P-1"]
    assert [f.product_id for f in index.named_by_text(products["C-1"])] == ["K-1"]
    assert index.accessories_for(products["S-1"]) == [] and index.named_by_text(products["S-1"]) == []


@pytest.fixture(scope="module")
def accessory_tools(indexes, tmp_path_factory):
    indexes.build("accessory_test", _accessory_catalog(), "test")
    session = ShopSession(Store(tmp_path_factory.mktemp("acc") / "shop.sqlite"), index="accessory_test")
    t = ShopTools(session, indexes.searcher("accessory_test"))
    t.search_method = "hybrid"
    return t


def test_find_accessories_tool_says_how_it_knows(accessory_tools):
    tools = accessory_tools
    tools.state.remember_shown([("P-1", 160.0), ("C-1", 200.0), ("S-1", 50.0), ("T-1", 90.0)])
    _, printer = tools.run("find_accessories", {"position": 1})
    assert printer.status == "ok" and printer.accessories.evidence == "compatibility"
    assert [p.id for p in printer.products] == ["T-1"] and "fits" in printer.products[0].why[0]
    tools.state.remember_shown([("P-1", 160.0), ("C-1", 200.0), ("S-1", 50.0), ("T-1", 90.0)])
    _, camera = tools.run("find_accessories", {"position": 2})
    assert camera.accessories.evidence == "text" and [p.id for p in camera.products] == ["K-1"]
    tools.state.remember_shown([("P-1", 160.0), ("C-1", 200.0), ("S-1", 50.0), ("T-1", 90.0)])
    _, speaker = tools.run("find_accessories", {"position": 3})
    assert speaker.status == "empty" and "doesn't say" in speaker.message
    tools.state.remember_shown([("P-1", 160.0), ("C-1", 200.0), ("S-1", 50.0), ("T-1", 90.0)])
    _, toner = tools.run("find_accessories", {"position": 4})
    assert toner.accessories.direction == "fits" and [p.id for p in toner.products] == ["P-1"]


@pytest.mark.parametrize("text,asked", [("what goes with the second one?", True), ("toner for that one", True),
                                        ("is there a case for it?", True), ("what does the first one fit?", True),
                                        ("do you have cases?", False), ("a case for my phone", False)])
def test_accessory_requests_are_read_from_words(text, asked):
    assert accessories_asked(text, DialogueState(shown=["a", "b"])) is asked


def test_bought_together_counts_shoppers_not_events():
    from retrieval.recommend.accessories import bought_together

    carts = [("s1", "printer"), ("s1", "paper"), ("s1", "paper"), ("s2", "printer"), ("s2", "paper"),
             ("s2", "cable"), ("s3", "paper"), ("s3", "cable")]
    assert [(f.product_id, f.strength) for f in bought_together(carts, "printer")] == [("paper", 2)]
    assert bought_together(carts, "printer", min_shoppers=1)[1].product_id == "cable"
    assert bought_together(carts, "nothing") == []


def test_find_accessories_falls_back_to_other_shoppers_carts(accessory_tools):
    tools = accessory_tools
    store = tools.session.store
    for shopper in ("a", "b"):
        other = ShopSession(store, index="accessory_test", shopper_id=shopper)
        for pid in ("S-1", "K-1"):
            other.learn(Signal(SignalKind.ADDED_TO_CART, tools.searcher.get_product(pid)))
    tools.state.remember_shown([("S-1", 50.0)])
    _, speaker = tools.run("find_accessories", {"position": 1})
    assert speaker.accessories.evidence == "carts" and [p.id for p in speaker.products] == ["K-1"]
    assert "bought with it by 2 shoppers" in speaker.products[0].why
