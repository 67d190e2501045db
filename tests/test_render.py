"""HTML the views render from the agent's typed results: escaped, and the comparison shows what differs."""

from __future__ import annotations

from assistant.tools.results import Comparison, ComparisonRow, ProductCard
from ui.render import cards_html, comparison_html


def _card(pid: str, title: str, price: float) -> ProductCard:
    return ProductCard(None, pid, title, "Brand", "Audio", price, f"${price:.2f}", None, None, True, "in stock")


def test_comparison_table_highlights_differences_and_escapes_catalog_text():
    cards = [_card("A", "Speaker <script>alert(1)</script>", 20.0), _card("B", "Speaker B", 30.0)]
    table = comparison_html(cards, Comparison([], rows=[ComparisonRow("price", ["$20.00", "$30.00"]),
                                                        ComparisonRow("availability", ["in stock", "in stock"])]))
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert table.count("<tr class='differs'>") == 1 and table.count("<tr class='same'>") == 1
    assert "data-products='2'" in table and table.count("<th scope='col'>") == 2


def test_cards_render_typed_cards():
    html = cards_html([_card("A", "Speaker A", 20.0)])
    assert "data-product-id='A'" in html and "$20.00" in html and "no rating" in html
