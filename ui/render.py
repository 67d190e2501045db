"""HTML for product cards, the cart and the facts behind a suggestion; every catalog string is escaped
(product text is untrusted: a description may carry markup or an injection attempt)."""

from __future__ import annotations

import html
from typing import Any

from assistant.storage import CartLine
from assistant.tools.results import Comparison, ProductCard

CSS = """
.aisle-cards {display:flex; flex-wrap:wrap; gap:10px}
.aisle-card {border:1px solid #ddd; border-radius:8px; padding:10px; width:220px; background:#fff}
.aisle-card h4 {margin:0 0 6px 0; font-size:14px}
.aisle-card .price {font-weight:bold; font-size:16px}
.aisle-card .why {color:#2a7; font-size:12px}
.aisle-card img {max-width:100%; max-height:120px}
.aisle-cart td, .aisle-cart th {padding:2px 8px}
.aisle-compare {border-collapse:collapse; margin-bottom:10px}
.aisle-compare th, .aisle-compare td {border:1px solid #ddd; padding:4px 8px; text-align:left}
.aisle-compare tr.differs td {background:#fff4d6; font-weight:bold}
.aisle-card .rate {margin-top:6px; margin-left:4px; font-size:12px; padding:2px 6px; border:1px solid #888;
  border-radius:6px; background:#f4f4f4; color:#111; cursor:pointer}
.aisle-hidden {display:none !important}
.aisle-card .more-like {margin-top:6px; font-size:12px; padding:2px 8px; border:1px solid #888; border-radius:6px;
  background:#f4f4f4; color:#111; cursor:pointer}
"""
# "More like this" on a card asks in the chat, as typing it would: the same turn, history and state
MORE_LIKE_JS = ("const box=document.querySelector('#message textarea');"
                "box.value='More like '+this.dataset.productId;box.dispatchEvent(new Event('input',{bubbles:true}));"
                "setTimeout(()=>document.querySelector('#send').click(),80);")
# a thumb on a card is no chat turn: it fills a hidden box and presses a hidden button, which records the signal
RATE_JS = ("const box=document.querySelector('#card-event textarea, #card-event input');"
           "box.value=this.dataset.rating+':'+this.dataset.productId;"
           "box.dispatchEvent(new Event('input',{bubbles:true}));"
           "setTimeout(()=>document.querySelector('#card-event-send').click(),80);")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def cards_html(cards: list[ProductCard]) -> str:
    if not cards:
        return "<div class='aisle-cards-empty'>No products yet: ask for something.</div>"
    parts = ["<div class='aisle-cards'>"]
    for c in cards:
        rating = f"{c.rating:g} ★ ({c.rating_count or 0})" if c.rating is not None else "no rating"
        specs = "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in c.specs.items())
        why = "".join(f"<div class='why'>✓ {_e(w)}</div>" for w in c.why)
        image = ""
        if c.image_url and str(c.image_url).startswith(("http://", "https://")):
            image = f"<img src='{_e(c.image_url)}' alt='' loading='lazy' onerror=\"this.style.display='none'\">"
        position = f"{c.position}. " if c.position else ""
        parts.append(
            f"<div class='aisle-card' data-product-id='{_e(c.id)}' data-price='{_e(c.price)}'>{image}"
            f"<h4>{_e(position)}{_e(c.title)}</h4><div class='price'>{_e(c.display_price)}</div>"
            f"<div>{_e(rating)} · {_e(c.stock)}</div><ul>{specs}</ul>{why}"
            f"<button type='button' class='more-like' data-product-id='{_e(c.id)}' "
            f"aria-label='More like {_e(c.title)}' onclick=\"{MORE_LIKE_JS}\">More like this</button>"
            + "".join(f"<button type='button' class='rate' data-rating='{r}' data-product-id='{_e(c.id)}' "
                      f"aria-label='{label} {_e(c.title)}' onclick=\"{RATE_JS}\">{icon}</button>"
                      for r, label, icon in (("up", "I like", "Like"), ("down", "Not for me:", "Dislike")))
            + "</div>")
    parts.append("</div>")
    return "".join(parts)


def comparison_html(cards: list[ProductCard], comparison: Comparison) -> str:
    """The compared products side by side; a row whose values differ is highlighted."""
    head = "".join(f"<th scope='col'>{_e(c.title)}</th>" for c in cards)
    rows = "".join(
        f"<tr class='{'differs' if row.differs else 'same'}'><th scope='row'>{_e(row.label)}</th>"
        + "".join(f"<td>{_e(v)}</td>" for v in row.values) + "</tr>" for row in comparison.rows)
    return (f"<table class='aisle-compare' data-products='{len(cards)}'><caption>Side by side</caption>"
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>")


def cart_html(lines: list[CartLine]) -> str:
    if not lines:
        return "<div class='aisle-cart' data-items='0'>Your cart is empty.</div>"
    def money(value: float | None) -> str:
        return "-" if value is None else f"${value:,.2f}"

    rows = "".join(f"<tr data-product-id='{_e(x.product_id)}'><td>{x.quantity} ×</td><td>{_e(x.title)}</td>"
                   f"<td>{money(x.subtotal)}</td></tr>" for x in lines)
    total = sum(x.subtotal or 0 for x in lines)
    return (f"<div class='aisle-cart' data-items='{len(lines)}'><table>{rows}"
            f"<tr><th></th><th>Total</th><th>${total:,.2f}</th></tr></table></div>")


