"""The search stages that work on words and types: spelling, product type, and the paired tests that judge them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.evaluation.significance import paired_test, sign_flip_p
from retrieval.evaluation.typos import typo_query
from retrieval.product_types import PRODUCT_TYPES
from retrieval.spelling import SpellingCorrector
from retrieval.type_boost import TypeBoost

CATALOG_TEXTS = ["JBL Flip 6 Portable Bluetooth Speaker black", "Sony WH-1000XM5 wireless headphones",
                 "Bluetooth speaker stand", "Anker USB-C charger 65W", "Logitech wireless mouse",
                 "Samsung Galaxy Tab S9 tablet", "Targus tablet stand", "bluetooth keyboard"]


@pytest.fixture(scope="module")
def speller() -> SpellingCorrector:
    return SpellingCorrector.from_texts(CATALOG_TEXTS)


def test_typos_are_corrected_to_catalog_words(speller):
    fixed = speller.correct("blutooth spekaer under $50")
    assert fixed.text == "bluetooth speaker under $50"
    assert fixed.changes == (("blutooth", "bluetooth"), ("spekaer", "speaker"))
    assert speller.correct("wirelss hedphones").text == "wireless headphones"


def test_known_words_numbers_and_codes_are_left_alone(speller):
    for query in ("bluetooth speaker", "WH-1000XM5", "usb-c 65W charger", "tab s9", "a mouse"):
        fixed = speller.correct(query)
        assert fixed.text == query and fixed.changes == ()
    # nothing close in the catalog: the word stays as typed (it may still match the dense index)
    assert speller.correct("refrigerator").text == "refrigerator"
    # plurals of catalog words, and words known to be right, are not typos
    assert speller.correct("speakers").text == "speakers"
    known = SpellingCorrector.from_texts(CATALOG_TEXTS, frozenset({"boys"}))
    assert known.correct("the boys").text == "the boys"


def test_a_short_word_is_not_corrected(speller):
    assert speller.suggest("mous") == "mouse"  # four letters: one edit allowed
    assert speller.suggest("tab") is None and speller.suggest("mse") is None  # three letters: never


@given(st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_correction_keeps_every_character_it_does_not_change(text):
    speller = SpellingCorrector.from_texts(CATALOG_TEXTS)
    fixed = speller.correct(text)
    if not fixed.changes:
        assert fixed.text == text
    else:  # a word corrected stays one word; two words the catalog writes as one gain it ("blue tooth bluetooth")
        gained = sum(len(new.split()) - len(typed.split()) for typed, new in fixed.changes)
        assert len(fixed.text.split()) == len(text.split()) + gained


def test_two_words_the_catalog_writes_as_one_gain_the_one_word(speller):
    # "bluetooth" is in three catalog texts, "blue tooth" in none: the query keeps its words and gains the catalog's
    fixed = speller.correct("blue tooth keyboard")
    assert fixed.text == "blue tooth bluetooth keyboard" and fixed.changes == (("blue tooth", "blue tooth bluetooth"),)
    assert speller.correct("tablet stand").text == "tablet stand"  # no "tabletstand" in the catalog
    # the catalog writes the two words apart as often: no join ("mouse pad" beside "mousepad")
    apart = SpellingCorrector.from_texts(["mouse pad black", "mouse pad blue", "mousepad", "mousepad xl", "mousepad s"])
    assert apart.correct("mouse pad").text == "mouse pad"
    joined = SpellingCorrector.from_texts(["head set pro", *(f"{w} {n}" for w in ("headset", "watchband", "smartwatch")
                                                             for n in "abc")])
    assert joined.correct("head set").text == "head set headset"
    assert joined.correct("head-set").text == "head-set headset"
    assert joined.correct("smart watch band").text == "smart watch smartwatch band watchband"  # overlapping pairs


def test_type_boost_puts_the_named_type_above_its_accessories():
    scores = {"stand": 1.0, "tablet-a": 0.8, "cable": 0.7, "tablet-b": 0.5, "untyped": 0.6}
    fits = {"stand": False, "tablet-a": True, "cable": False, "tablet-b": True, "untyped": None}
    boosted = TypeBoost(0.5, 1.0).apply(scores, fits)
    ranking = sorted(boosted, key=lambda p: -boosted[p])
    assert ranking[:2] == ["tablet-a", "tablet-b"]
    assert ranking.index("untyped") < ranking.index("stand")  # unknown type is never pushed down
    assert set(boosted) == set(scores)


def test_type_boost_changes_nothing_without_a_named_type_or_weights():
    scores = {"a": 3.0, "b": 1.0}
    assert TypeBoost(0.3, 0.5).apply(scores, {"a": None, "b": None}) == scores
    assert TypeBoost().apply(scores, {"a": False, "b": True}) == scores


def test_type_boost_round_trips(tmp_path: Path):
    TypeBoost(0.2, 0.5).save(tmp_path / "t.json", {"folds": 5})
    assert TypeBoost.load(tmp_path / "t.json") == TypeBoost(0.2, 0.5)
    assert TypeBoost.load(tmp_path / "missing.json") == TypeBoost()


def test_a_product_fits_a_request_for_an_accessory_it_names():
    from retrieval.catalog.product import Product

    def fit(title, wanted):
        p = Product(id="x", title=title)
        return PRODUCT_TYPES.fit(PRODUCT_TYPES.of_product(p), PRODUCT_TYPES.named_in_product(p), wanted)

    assert fit("Targus Cypress notebook case 39.6 cm (15.6in) Backpack Black", "backpack") is True
    assert fit("V7 32GB Class 10 Micro SDXC Card + Adapter", "memory card") is True
    assert fit("Targus tablet stand", "tablet") is False   # asking for a device: the accessory is not it
    assert fit("Samsung Galaxy Tab S9 tablet", "tablet") is True
    assert fit("Integral INCRMULTI card reader", "memory card") is False  # a reader is no card
    assert fit("Integral INCRMULTI", "memory card") is None  # names no type: nothing to go by
    assert fit("Samsung Galaxy Tab S9 tablet", None) is None


def test_the_head_of_a_compound_decides_the_type():
    """English puts the head last: the last accessory named, else the last of the first run of device names."""
    of = PRODUCT_TYPES.of_text
    assert of("Philips SWV2001W 3-Way F-Type Splitter Cable splitter") == "adapter"
    assert of("StarTech.com 6in USB 2.0 Extension Adapter Cable A to A - M/F") == "cable"
    assert of("C2G Vertical Cable Management Rack 35 inch") == "rack"
    assert of("Energizer battery charger") == "charger"
    assert of("HP LaserJet 3200m All-in-One Printer") == "printer"
    assert of("Philips Notebook headset SHM3100U/10") == "headphones"
    assert of("Anti-glare screen protector Desktop/Laptop Universal") == "screen protector"  # device after: a fit
    assert of("ipad with keyboard case") == "tablet"  # after "with": what comes with it
    assert of("a mirrorless camera without a lens, under $900") == "camera"  # a negated type is not asked for
    assert of("tripod, no camera") == "tripod"
    assert of("non-slip mouse pad") == "wrist rest"
    assert of("camera without its zoom lens") == "camera"  # the whole negated phrase, as the negation stage reads it
    assert of("camera w/o lens") == "camera"
    assert of("not a laptop bag, a backpack") == "backpack"
    assert of("Tripp Lite 2-Port DVI/USB KVM Switch w/ Audio and Cables") == "network switch"  # w/ is "with"
    assert of("Philips DLM63090 For iPhone 3G SlimShell") is None and of("SlimShell f/ iPhone 3G") is None


def test_a_title_naming_no_type_gives_way_to_the_description():
    from retrieval.catalog.product import Product

    ink = Product(id="1", title="HP 564 Magenta Original 1 pc(s)", description="564 Magenta Ink Cartridge")
    assert PRODUCT_TYPES.of_product(ink) == "ink"
    assert PRODUCT_TYPES.matches(ink, "printer") is False
    # a title that names a type is trusted over the description's parts list
    laptop = Product(id="2", title="Lenovo Legion Y540 Notebook", description="Intel Core i7, 16GB, 512GB SSD")
    assert PRODUCT_TYPES.of_product(laptop) == "laptop"
    # only the description's first words count: parts and uses further on do not type it
    puzzle = Product(id="3", title="Ravensburger 1000 pieces", description="Jigsaw puzzle. Fits a laptop bag.")
    assert PRODUCT_TYPES.of_product(puzzle) == "puzzle"
    gadget = Product(id="4", title="Widget 3000", description="A small widget that sits on your desk beside a laptop")
    assert PRODUCT_TYPES.of_product(gadget) is None


def test_a_computer_is_what_its_spec_line_ends_in():
    """Computer titles list their parts before the machine; parts named before a computer do not type it, and a
    computer named right before a part ("laptop memory") only qualifies it."""
    of = PRODUCT_TYPES.of_text
    assert of("Lenovo V55t AMD Ryzen 3 3200G 8 GB DDR4-SDRAM 1000 GB HDD Tower Black PC Windows 10 Pro") == "desktop"
    assert of("HP Compaq 6710b Intel Core2 Duo Processor T7250 1024M/120G DVD+/-RW DL WVST Bus Notebook PC") == "laptop"
    assert of("HP Mini 210-1001sa Netbook Black 1 GB DDR2-SDRAM 250 GB HDD Windows 7") == "laptop"
    assert of("HP Pro 3015 Microtower PC") == "desktop"
    assert of("laptop memory") == "memory"
    assert of("Integral 2GB PC RAM MODULE DDR2 667MHZ") == "memory"
    assert of("notebook hard drive") == "hard drive"
    assert of("Supermicro SNK-P0036 computer cooling component Processor Radiator") == "fan"


def test_pc_and_computer_name_a_computer_only_alone_and_last():
    of = PRODUCT_TYPES.of_text
    assert of("gaming pc") == "desktop"
    assert of("gaming pc with an rtx 3060") == "desktop"  # last before "with"
    assert of("HP Compaq nw8440 Mobile Workstation") == "laptop"
    assert of("touchscreen computer") == "desktop"
    assert of("Philips PC Headset SHM7500/00") == "headphones"
    assert of("CHERRY 19in compact PC G80-1800 keyboard") == "keyboard"
    assert of("StarTech.com 2.54mm Standard Computer Jumper Caps - 100 Pack") is None
    assert of("StarTech.com PC Mounting Computer Screws M3 - 50 Pack") is None
    assert of("VASAGLE Computer Desk, 55.1-Inch Long Home Office Desk") == "computer desk"
    assert of("HP 564 Magenta Original 1 pc(s)") is None  # pieces
    assert of("Nitrile Gloves Powder Free 100 Pcs") is None
    assert of("Pack of 5pc") is None
    assert of("Dell Inspiron 3020 PC") == "desktop" and of("gaming pcs") == "desktop"  # a model number is no count
    assert of("Nikon 50mm f/ 1.8G lens") == "lens" and of("65 W/ 90 W power adapter") == "power supply"
    assert of("my pc is slow, which ssd should I get") == "ssd"  # a shopper's machine before the part asked for


def test_weak_words_do_not_type_categories_or_descriptions():
    from retrieval.catalog.product import Product

    # Icecat files notebooks under the category "PC"; descriptions say what a product works with
    notebook = Product(id="1", title="HP ProBook 4320s Notebook PC Black 33.8 cm", category=("Electronics", "PC"))
    assert PRODUCT_TYPES.of_product(notebook) == "laptop"
    extender = Product(id="2", title="NETGEAR EX3700", description="Connect your computer anywhere in the house")
    assert PRODUCT_TYPES.of_product(extender) is None
    # a title whose only type word is weak and not last gives way to the description
    caps = Product(id="3", title="Computer Jumper Caps", description="Jumper cable kit")
    assert PRODUCT_TYPES.of_product(caps) == "cable"


def test_a_brand_is_not_a_type():
    from retrieval.catalog.product import Product

    keyboard = Product(id="1", title="Cooler Master Gaming Devastator 3 Plus keyboard USB", brand="Cooler Master")
    assert PRODUCT_TYPES.of_product(keyboard) == "keyboard"
    fan = Product(id="2", title="Cooler Master Hyper 212 cooler", brand="Cooler Master")
    assert PRODUCT_TYPES.of_product(fan) == "fan"
    assert PRODUCT_TYPES.of_product(Product(id="3", title="Casely phone case", brand="Case")) == "case"


def test_the_lexicon_reads_query_and_accessory_types():
    assert PRODUCT_TYPES.of_text("digital camera") == "camera"
    assert PRODUCT_TYPES.of_text("Manfrotto tripod for digital camera") == "tripod"
    assert PRODUCT_TYPES.of_text("phone charger") == "charger"
    assert PRODUCT_TYPES.of_text("Targus tablet stand") == "stand"


def test_paired_test_sees_a_real_difference_and_no_difference():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, 60)
    better = paired_test(a, a + 0.05 + rng.normal(0, 0.02, 60))
    assert better.significant and better.ci_low > 0 and better.wins > 50
    same = paired_test(a, a)
    assert same.delta == 0 and same.p_value == 1.0 and not same.significant
    noise = paired_test(a, a + rng.normal(0, 0.2, 60))
    assert noise.ci_low < 0 < noise.ci_high or noise.p_value < 0.05
    with pytest.raises(ValueError):
        paired_test([1.0], [1.0, 2.0])


def test_sign_flip_p_is_never_zero_and_symmetric():
    diff = np.array([0.1, 0.2, 0.15, 0.3, 0.05] * 4)
    p = sign_flip_p(diff)
    assert 0 < p < 0.01
    assert sign_flip_p(-diff) == pytest.approx(p)


def test_typo_queries_are_seeded_and_touch_only_long_words():
    assert typo_query("bluetooth speakers", seed=1) == typo_query("bluetooth speakers", seed=1)
    assert typo_query("aa battery") != "aa battery"
    assert typo_query("iphone x tv").split()[1:] == ["x", "tv"]
    assert typo_query("tv aa") == "tv aa"
    counts = Counter(typo_query("bluetooth", seed=s) for s in range(30))
    assert len(counts) > 5


def test_full_search_corrects_typos_and_keeps_the_named_type(demo_searcher):
    typed = demo_searcher.search("blutooth spekaer", k=5, method="full")
    assert typed.corrections == (("blutooth", "bluetooth"), ("spekaer", "speaker"))
    assert typed.searched == "bluetooth speaker"
    kinds = [PRODUCT_TYPES.of_product(h.product) for h in typed.hits]
    assert kinds.count("speaker") >= 4, [h.product.title for h in typed.hits]
    plain = demo_searcher.search("bluetooth speaker", k=5, method="hybrid")
    assert plain.corrections == () and plain.searched == "bluetooth speaker"


def test_an_unknown_stage_is_refused(demo_searcher):
    from retrieval.filters import SearchFilters

    with pytest.raises(ValueError, match="unknown search stage"):
        demo_searcher.run_stages("speaker", SearchFilters(), 10, ("dense", "teleport"))


@given(st.dictionaries(st.sampled_from([f"p{i}" for i in range(12)]),
                       st.sampled_from([0.0, 0.01, 0.1, 1.0, 1.5, 2.0, 2.5, 3.0]), min_size=1, max_size=12),
       st.permutations([f"p{i}" for i in range(15)]))
@settings(max_examples=60, deadline=None)
def test_ndcg_agrees_with_trec_eval(judged, ranking):
    from retrieval.evaluation.crosscheck import trec_ndcg
    from retrieval.evaluation.metrics import ndcg_at_k

    ours = ndcg_at_k(ranking, judged, 10)
    theirs = trec_ndcg({"q": ranking}, {"q": judged}, 10)["q"]
    assert ours == pytest.approx(theirs, abs=1e-4)


@pytest.mark.parametrize("question", ["does it come with a warranty?", "what's the warranty like",
                                      "how do returns work", "what does shipping cost", "can i pay with paypal",
                                      "any guarantee on it?"])
def test_a_policy_question_names_no_product_type(question):
    """A policy word in the lexicon turns "is there a warranty on these" into a product search (sessions 39, 43)."""
    assert PRODUCT_TYPES.of_text(question) is None
