"""The negation stage: what a query asks to be without, what a title says about it, and search that ranks by it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retrieval.negation import excluded, fits, lacks, words
from retrieval.product_types import PRODUCT_TYPES
from retrieval.type_boost import TypeBoost


def test_the_excluded_phrase_is_read_after_each_negation():
    assert excluded("brown belt without buckles") == (("buckle",),)
    assert excluded("thermostat w/o a c-wire") == (("c", "wire"),)
    assert excluded("Ｔｈｅｒｍｏｓｔａｔ Ｗ／Ｏ ｗｉｒｅ") == (("wire",),)  # full-width forms folded
    assert excluded("yellow/orange wok") == ()  # a slash is no "w/o"
    assert excluded("lamp sans cord, not white") == (("cord",), ("white",))
    assert excluded("lights without wiring with switch") == (("wiring",),)
    assert excluded("drain without overflow solid brass") == (("overflow", "solid"),)  # two words at most
    assert excluded("bluetooth speaker under $50") == ()
    assert excluded("non-slip mat") == ()  # the shopper wants anti-slip: "non" excludes nothing
    # a word asked for before the negation is what the product is for, not a part to avoid
    assert excluded("silverware box without silverware") == ()


def test_a_title_says_it_lacks_has_or_does_not_mention_the_phrase():
    def says(title: str, phrase: tuple[str, ...]) -> bool | None:
        return lacks(words(title), phrase)

    assert says("Chef Knife Set without Block, 6 pcs", ("block",)) is True
    assert says("No Buckle Stretch Belt", ("buckle",)) is True
    assert says("Leather Belt Strap without Belt Buckle", ("buckle",)) is True  # a word between
    assert says("Buckle-Free Elastic Belt", ("buckle",)) is True
    assert says("Stemless Wine Glasses, Set of 4", ("stem",)) is True
    assert says("Watch the Game Not Your Phone T-Shirt", ("phone",)) is True
    assert says("Thermostat, no C-Wire needed", ("c", "wire")) is True
    assert says("Knife Set with Block", ("block",)) is False
    assert says("No Sharpener Knife Block Set", ("block",)) is False  # the "no" is about the sharpener
    assert says("Knife Set, Block Not Included", ("block",)) is True
    assert says("Knife Set (block sold separately)", ("block",)) is True
    assert says("Wired Studio Headphones", ("wire",)) is False  # "wired", "corded": it has one
    assert says("Wireless Headphones with a wired mode", ("wire",)) is True
    assert says("Wine Glasses with Long Stem", ("stem",)) is False
    assert says("Kitchen Knife Set, 15 pieces", ("block",)) is None
    # a phrase that ran on: its first word alone counts when the title lacks the pair
    assert says("Brass Drain with Overflow", ("overflow", "solid")) is False
    assert says("Thermostat with C Wire adapter", ("c", "x")) is None  # a one-letter word never counts alone


def test_fits_marks_each_product_once():
    titles = {"a": words("Knife Set without Block"), "b": words("Knife Block Set"), "c": words("Knife Set"),
              "d": words("Block-free set, knife block sold separately")}
    assert fits(titles, (("block",),)) == {"a": True, "b": False, "c": None, "d": True}


_PIECES = ["without", "no", "not", "w/o", "sans", "except", "a", "the", "with", "and", "less", "free", "wire", "c",
           "-", "/", ",", "included", "Ｗ／Ｏ", "ÿ", ""]


@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join)))
def test_reading_any_text_never_fails(text):
    for phrase in excluded(text):
        assert 1 <= len(phrase) <= 2
        assert not set(phrase) & {"without", "no", "not", "sans", "except", "with", "and"}
        assert lacks(words(text), phrase) in (True, False, None)
    assert lacks(words(text), ()) is None


def test_a_stage_with_weights_moves_lacking_above_having():
    scores = {"has": 1.0, "silent": 0.5, "lacks": 0.4}
    marks = {"has": False, "silent": None, "lacks": True}
    ranked = TypeBoost(0.3, 1.0).apply(scores, marks)
    assert sorted(ranked, key=ranked.get, reverse=True) == ["lacks", "silent", "has"]
    assert TypeBoost().apply(scores, marks) == scores


def test_search_without_a_part_ranks_the_products_that_lack_it_first(demo_searcher):
    """On the demo catalog: camera bodies (no lens) above kits "with Kit Lens"; the shipped weights are on."""
    assert demo_searcher.negation_boost.active
    kept = demo_searcher.search("mirrorless camera without lens", k=6, method="full")
    titles = [h.product.title for h in kept.hits]
    assert all("Kit Lens" not in t for t in titles[:3]), titles
    assert all(PRODUCT_TYPES.of_product(h.product) == "camera" for h in kept.hits[:3]), titles
    plain = demo_searcher.search("mirrorless camera with lens", k=6, method="full")
    assert "negation" not in plain.timings_ms  # nothing excluded: the stage does not run
    assert "negation" in kept.timings_ms
