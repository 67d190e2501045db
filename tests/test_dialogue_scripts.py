"""The dialogue script format, the turn checks and the reports, without a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.scenarios.checks import Observation, check_turn
from harness.scenarios.report import write_report
from harness.scenarios.runner import RunOutcome, ScenarioOutcome, SuiteReport, TurnOutcome, failure_text
from harness.scenarios.script import ScriptError, TurnExpectation, discover, load_script
from retrieval.catalog.product import Product

SUITE = Path(__file__).parent / "dialogues"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


def test_the_shipped_suite_is_valid_and_large_enough():
    files = discover([SUITE])
    scenarios = [load_script(f) for f in files]
    assert len(scenarios) >= 60
    attacks = sum(len(s.turns) for s in scenarios if "injection" in s.tags)
    assert attacks >= 30
    assert len({s.name for s in scenarios}) == len(scenarios)  # names are unique
    assert {"copilot", "badinput", "orders", "cart", "refine", "compare", "spec", "policy"} <= {
        t for s in scenarios for t in s.tags}


@pytest.mark.parametrize("text, line, field, message", [
    ("name: x\nturns:\n  - user: hi\n    expect:\n      tools:\n        - nme: search_products\n", 6,
     "turns.0.expect.tools.0.nme", "Extra inputs"),
    ("name: x\nturns:\n  - user: hi\n    expect:\n      tools:\n        - name: buy_everything\n", 6,
     "turns.0.expect.tools.0.name", "unknown tool"),
    ("name: x\nturns:\n  - user: hi\n  - expect: {cart: []}\n", 4, "turns.1", "exactly one of user"),
    ("name: x\nturns: []\n", 2, "turns", "at least 1"),
    ("name: x\nturns:\n  - user: hi\n    expect:\n      products: {max_price: cheap}\n", 5,
     "turns.0.expect.products.max_price", "valid number"),
    ("name: x\nturns:\n  - user: [unclosed\n", 4, "", "not valid YAML"),
    ("- just\n- a list\n", 1, "", "a scenario is a mapping"),
    ("name: x\nturns:\n  - user_base64: '***'\n", 3, "turns.0", "base64"),
    ("name: x\nturns:\n  - user: hi\n    expect:\n      tools: [{name: search_products, args: {max_prise: 5}}]\n",
     5, "turns.0.expect.tools.0", "no argument 'max_prise'"),
    ("name: x\nturns:\n  - user: hi\n    expect:\n      products: {max_prise: 5}\n", 5,
     "turns.0.expect.products.max_prise", "unknown field"),
    ("name: x\nturns:\n  - user: [a, '']\n", 3, "turns.0", "non-empty phrasing"),
    ("name: x\nturns:\n  - user: hi\n    expect:\n      product_type: spaceship\n", 5,
     "turns.0.expect.product_type", "unknown product type"),
    ("name: x\nturns:\n  - user: hi\n    expect:\n      titles_match: '(unclosed'\n", 5,
     "turns.0.expect.titles_match", "regular expression"),
])
def test_malformed_scripts_name_file_line_and_field(tmp_path, text, line, field, message):
    path = write(tmp_path, text)
    with pytest.raises(ScriptError) as exc:
        load_script(path)
    err = exc.value
    assert (err.path, err.line, err.field) == (path, line, field), str(err)
    assert message in err.message
    assert str(err).startswith(f"{path}:{line}: ")


def test_turn_lines_are_recorded(tmp_path):
    s = load_script(write(tmp_path, "name: x\n# comment\nturns:\n  - user: hi\n  - user: there\n"))
    assert s.lines == [4, 5]
    assert [t.message() for t in s.turns] == ["hi", "there"]


def test_phrasings_cycle_over_repeats(tmp_path):
    s = load_script(write(tmp_path, "name: x\nturns:\n  - user: [one, two, three]\n  - user: same\n"))
    assert [s.turns[0].message(k) for k in range(4)] == ["one", "two", "three", "one"]
    assert [s.turns[1].message(k) for k in range(2)] == ["same", "same"]
    assert s.turns[0].phrasings == 3


def test_checks_on_what_was_shown_beyond_ids():
    speakers = [product("P1", 40), product("P2", 30)]
    exp = TurnExpectation(titles_match="^acme", ordered_by="price_asc", max_price_below_previous=True,
                          product_type="speaker")
    m = {x.field for x in check_turn(exp, obs(products=speakers, previous_products=[product("P0", 35)])).mismatches}
    assert m == {"ordered_by", "max_price_below_previous"}
    cheaper = [product("P3", 20), product("P4", 25)]
    assert check_turn(exp, obs(products=cheaper, previous_products=speakers)).mismatches == []
    wrong = TurnExpectation(titles_match="sony", product_type="laptop")
    assert {x.field for x in check_turn(wrong, obs(products=cheaper)).mismatches} == {"titles_match", "product_type"}


def product(pid: str, price: float, brand: str = "Acme", stock: int = 3) -> Product:
    return Product(id=pid, title=f"{brand} thing {pid}", brand=brand, price=price, stock=stock,
                   category=("Audio", "Speakers"), attributes={"color": "black"})


def obs(**kw) -> Observation:
    base = dict(user="u", reply="Here are 2 options.", tool_calls=[{"name": "search_products",
                                                                     "args": {"query": "speaker", "max_price": 50}}],
                artifacts=[], products=[product("P1", 40), product("P2", 45)], cart=[], shown_ungrounded=[],
                shown_list=["P1", "P2"])
    return Observation(**(base | kw))


def test_checks_pass_when_the_turn_does_what_is_expected():
    exp = TurnExpectation(tools=[{"name": "search_products", "args": {"max_price": 50}}],
                          products={"max_price": 50, "colour": "black"}, count={"min": 2, "max": 5},
                          must_show=["P1"], reply_contains=["OPTIONS"], cart=[])
    assert check_turn(exp, obs()).mismatches == []


def test_checks_report_every_mismatch_with_expected_and_actual():
    exp = TurnExpectation(tools=[{"name": "search_products", "args": {"max_price": 30, "brands": ["Sony"]}}],
                          products={"max_price": 42}, must_not_show=["P2"], reply_excludes=["options"],
                          cart_has_shown=1, order_shown="A1001")
    m = {x.field: x for x in check_turn(exp, obs(shown_ungrounded=["$9.99"])).mismatches}
    assert m["tools[0].args.max_price"].expected == 30 and m["tools[0].args.max_price"].actual == 50
    assert "tools[0].args.brands" in m
    assert m["products"].actual.startswith("P2 ")
    assert {"must_not_show", "reply_excludes", "cart_has_shown", "order_shown", "grounded"} <= set(m)
    assert "- expected: 30" in m["tools[0].args.max_price"].render()


def test_expected_tools_must_appear_in_order():
    exp = TurnExpectation(tools=[{"name": "view_cart"}, {"name": "search_products"}])
    calls = [{"name": "search_products", "args": {}}, {"name": "view_cart", "args": {}}]
    assert [m.field for m in check_turn(exp, obs(tool_calls=calls)).mismatches] == ["tools[1]"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), min_size=1, max_size=6),
       st.floats(min_value=0, max_value=500, allow_nan=False))
def test_price_ceiling_check_agrees_with_the_prices(prices, ceiling):
    products = [product(f"P{i}", round(p, 2)) for i, p in enumerate(prices)]
    failed = check_turn(TurnExpectation(products={"max_price": ceiling}), obs(products=products)).mismatches
    assert bool(failed) == any(round(p, 2) > ceiling for p in prices)


def _suite(passed: bool) -> SuiteReport:
    from harness.scenarios.checks import Mismatch

    bad = [] if passed else [Mismatch("cart", [], [("P1", 1)])]
    turn = TurnOutcome(1, 4, "shopper", "add <b>it</b>", "Added.", [{"name": "add_to_cart", "args": {}}], ["P1"],
                       [("P1", 1)], bad, 0.5)
    return SuiteReport(3, [ScenarioOutcome("cart-x", "tests/x.yaml", ["cart"], [RunOutcome(k, [turn], 1.0)
                                                                                for k in range(3)])])


def test_reports_in_json_and_html(tmp_path):
    failing = _suite(False)
    write_report(failing, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["pass^3"] == 0.0 and data["scenarios_passed"] == 0
    assert data["scenarios"][0]["runs"][0]["turns"][0]["mismatches"][0]["field"] == "cart"
    write_report(failing, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "FAIL" in page and "&lt;b&gt;it&lt;/b&gt;" in page  # escaped
    assert "FAIL cart-x [repeat 1] turn 1 (tests/x.yaml:4)" in failure_text(failing.scenarios[0])
    assert _suite(True).pass_k == 1.0 and _suite(True).ok
    with pytest.raises(ValueError):
        write_report(failing, tmp_path / "r.txt")


def test_known_failures_are_reported_but_do_not_fail_the_suite():
    suite = _suite(False)
    assert not suite.ok
    suite.scenarios[0].known_failure = "the model asks a question instead of showing the cart"
    assert suite.ok and [s.name for s in suite.known_failures] == ["cart-x"]
    assert suite.pass_k == 0.0  # still counted as not passing
