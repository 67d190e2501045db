"""HTML for product cards, the cart and the facts behind a suggestion; every catalog string is escaped
(product text is untrusted: a description may carry markup or an injection attempt)."""

from __future__ import annotations

import html
from typing import Any

from assistant.answers.replies import DROP_SAYS
from assistant.copilot import QueueEntry
from assistant.dialogue.state import DialogueState
from assistant.storage import CartLine, Order
from assistant.tools.results import Comparison, ProductCard, RecoveryOffer

CSS = """
.aisle-cards {display:flex; flex-wrap:wrap; gap:10px}
.aisle-card {border:1px solid #ddd; border-radius:8px; padding:10px; width:220px; background:#fff}
.aisle-card h4 {margin:0 0 6px 0; font-size:14px}
.aisle-card .price {font-weight:bold; font-size:16px}
.aisle-card .why {color:#146c43; font-size:12px}
.aisle-card img {max-width:100%; max-height:120px}
.aisle-cart td, .aisle-cart th {padding:2px 8px}
.aisle-compare {border-collapse:collapse; margin-bottom:10px}
.aisle-compare th, .aisle-compare td {border:1px solid #ddd; padding:4px 8px; text-align:left}
.aisle-compare tr.differs td {background:#fff4d6; font-weight:bold}
.aisle-card .rate {margin-top:6px; margin-left:4px; font-size:12px; padding:2px 6px; border:1px solid #888;
  border-radius:6px; background:#f4f4f4; color:#111; cursor:pointer}
.aisle-hidden {display:none !important}
/* contrast at least 4.5:1 (axe-core, tests/test_ui.py): Gradio's orange primary and subdued text are lighter */
button.primary {background:#c2410c !important; border-color:#c2410c !important; color:#fff !important}
button[role=tab].selected {color:#9a3412 !important}
input.subdued {color:#555 !important}
footer a, footer button, .built-with, .settings, .run-history {color:#444 !important}
.aisle-chips {display:flex; flex-wrap:wrap; gap:6px; margin:4px 0}
.aisle-chip {border:1px solid #666; border-radius:14px; padding:2px 4px 2px 10px; background:#eef3ff; color:#111;
  font-size:13px}
.aisle-chip button, .aisle-cart button {border:1px solid #666; border-radius:10px; background:#fff; color:#111;
  cursor:pointer; font-size:12px; padding:0 6px; margin-left:4px}
.aisle-card .more-like, .aisle-card .act, .aisle-compare-bar button, .aisle-suggestions button {margin-top:6px;
  font-size:12px; padding:2px 8px; border:1px solid #888; border-radius:6px; background:#f4f4f4; color:#111;
  cursor:pointer}
.aisle-card label.pick {display:block; margin-top:6px; font-size:12px}
.aisle-compare-bar {margin:6px 0}
.aisle-queue {border-collapse:collapse; width:100%}
.aisle-queue td, .aisle-queue th {border-bottom:1px solid #ddd; padding:3px 8px; text-align:left}
.aisle-queue tr.attention td {background:#fde8e8}
.aisle-queue tr.handoff td {background:#fff4d6; font-weight:bold}
.aisle-queue button {border:1px solid #666; border-radius:6px; background:#fff; color:#111; cursor:pointer}
.aisle-suggestions {display:flex; flex-wrap:wrap; gap:6px; margin:6px 0; align-items:center}
"""


def _fill_and_press(box: str, button: str, value: str) -> str:
    """The onclick of a button that puts ``value`` (a JS expression over ``this.dataset``) into a Gradio box and
    presses a Gradio button, as a person would."""
    return (f"const box=document.querySelector('{box} textarea, {box} input');box.value={value};"
            "box.dispatchEvent(new Event('input',{bubbles:true}));"
            f"setTimeout(()=>document.querySelector('{button}').click(),80);")


# "More like this" and a chip's × say their phrase in the chat, as typing it would: the same turn, history and
# state (the dialogue rules read "any price" and the like)
SAY_JS = _fill_and_press("#message", "#send", "this.dataset.say")
# a thumb on a card or a cart button is no chat turn: it fills a hidden box and presses a hidden button
RATE_JS = _fill_and_press("#card-event", "#card-event-send", "this.dataset.rating+':'+this.dataset.productId")
# the copilot's queue: "Open" puts the conversation's id in a hidden box and presses a hidden button
OPEN_JS = _fill_and_press("#open-conversation", "#open-conversation-send", "this.dataset.session")
CART_JS = _fill_and_press("#cart-event", "#cart-event-send",
                          "this.dataset.action+':'+this.dataset.quantity+':'+this.dataset.productId")

# "Compare selected": the positions ticked on the cards (two to four), said in the chat as "Compare #1 and #3"
COMPARE_JS = ("const picks=[...document.querySelectorAll('#cards input.compare-pick:checked')]"
              ".map(x=>'#'+x.dataset.position);const note=document.querySelector('#cards .compare-note');"
              "if(picks.length<2){note.textContent='Tick two to four products to compare.';return;}"
              "note.textContent='';"
              + _fill_and_press("#message", "#send", "'Compare '+picks.slice(0,-1).join(', ')+' and '+picks.at(-1)"))
# at most four ticks: a fifth one is undone
PICK_JS = ("if(document.querySelectorAll('#cards input.compare-pick:checked').length>4){this.checked=false;"
           "document.querySelector('#cards .compare-note').textContent='Compare up to four at a time.';}")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def cards_html(cards: list[ProductCard]) -> str:
    if not cards:
        return "<div class='aisle-cards-empty'>No products yet: ask for something.</div>"
    parts = ["<div class='aisle-cards'>"]
    comparable = sum(1 for c in cards if c.position) >= 2
    for c in cards:
        rating = f"{c.rating:g} ★ ({c.rating_count or 0})" if c.rating is not None else "no rating"
        specs = "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in c.specs.items())
        why = "".join(f"<div class='why'>✓ {_e(w)}</div>" for w in c.why)
        image = ""
        if c.image_url and str(c.image_url).startswith(("http://", "https://")):
            image = f"<img src='{_e(c.image_url)}' alt='' loading='lazy' onerror=\"this.style.display='none'\">"
        position = f"{c.position}. " if c.position else ""
        pick = (f"<label class='pick'><input type='checkbox' class='compare-pick' data-position='{c.position}' "
                f"onchange=\"{PICK_JS}\"> Compare</label>") if comparable and c.position else ""
        parts.append(
            f"<div class='aisle-card' data-product-id='{_e(c.id)}' data-price='{_e(c.price)}'>{image}"
            f"<h4>{_e(position)}{_e(c.title)}</h4><div class='price'>{_e(c.display_price)}</div>"
            f"<div>{_e(rating)} · {_e(c.stock)}</div><ul>{specs}</ul>{why}{pick}"
            + _say_button("act details", f"Tell me about {c.id}", "Details", f"Details of {c.title}")
            + _say_button("act add", f"Add {c.id} to my cart", "Add to cart", f"Add {c.title} to the cart")
            + f"<button type='button' class='more-like' data-product-id='{_e(c.id)}' data-say='More like {_e(c.id)}' "
            f"aria-label='More like {_e(c.title)}' onclick=\"{SAY_JS}\">More like this</button>"
            + "".join(f"<button type='button' class='rate' data-rating='{r}' data-product-id='{_e(c.id)}' "
                      f"aria-label='{label} {_e(c.title)}' onclick=\"{RATE_JS}\">{icon}</button>"
                      for r, label, icon in (("up", "I like", "Like"), ("down", "Not for me:", "Dislike")))
            + "</div>")
    parts.append("</div>")
    if comparable:
        parts.append(f"<div class='aisle-compare-bar'><button type='button' class='compare-selected' "
                     f"onclick=\"{COMPARE_JS}\">Compare selected</button> <span class='compare-note' "
                     f"role='status'></span></div>")
    return "".join(parts)


def _say_button(css: str, say: str, text: str, label: str) -> str:
    """A button that says ``say`` in the chat, as typing it would (the same turn and confirmation rules)."""
    return (f"<button type='button' class='{css}' data-say='{_e(say)}' aria-label='{_e(label)}' "
            f"onclick=\"{SAY_JS}\">{_e(text)}</button>")


def suggestions_html(offers: list[RecoveryOffer]) -> str:
    """Zero results: the recovery offer as buttons that say it ("yes", "any colour") in the chat."""
    if not offers:
        return ""
    buttons = "".join(_say_button("offer", o.say, o.label, o.label) for o in offers)
    return (f"<div class='aisle-suggestions' data-offers='{len(offers)}' aria-label='Ways to find something'>"
            f"<span>Nothing matched. Try:</span>{buttons}</div>")


def comparison_html(cards: list[ProductCard], comparison: Comparison) -> str:
    """The compared products side by side; a row whose values differ is highlighted."""
    head = "".join(f"<th scope='col'>{_e(c.title)}</th>" for c in cards)
    rows = "".join(
        f"<tr class='{'differs' if row.differs else 'same'}'><th scope='row'>{_e(row.label)}</th>"
        + "".join(f"<td>{_e(v)}</td>" for v in row.values) + "</tr>" for row in comparison.rows)
    return (f"<table class='aisle-compare' data-products='{len(cards)}'><caption>Side by side</caption>"
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _amount(value: float) -> str:
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def constraint_chips(state: DialogueState) -> list[tuple[str, str]]:
    """The running search's constraints as (chip label, what its × says): "under $50" -> "any price"."""
    f, chips = state.filters, []
    if f.min_price is not None and f.max_price is not None:
        chips.append((f"{_amount(f.min_price)}-{_amount(f.max_price)}", DROP_SAYS["max_price"]))
    elif f.max_price is not None:
        chips.append((f"under {_amount(f.max_price)}", DROP_SAYS["max_price"]))
    elif f.min_price is not None:
        chips.append((f"over {_amount(f.min_price)}", DROP_SAYS["min_price"]))
    if f.brands:
        chips.append((", ".join(f.brands), DROP_SAYS["brands"]))
    if f.exclude_brands:
        chips.append(("not " + ", ".join(f.exclude_brands), DROP_SAYS["exclude_brands"]))
    if f.colour:
        chips.append((f.colour, DROP_SAYS["colour"]))
    if f.min_rating is not None:
        chips.append((f"{f.min_rating:g}★ and up", DROP_SAYS["min_rating"]))
    if f.in_stock:
        chips.append(("in stock", DROP_SAYS["in_stock"]))
    return chips


def constraints_html(state: DialogueState) -> str:
    """The running search and its removable constraints; × runs the search again without that one."""
    if state.query is None:
        return "<div class='aisle-chips' data-chips='0'></div>"
    chips = constraint_chips(state)
    parts = [f"<div class='aisle-chips' data-chips='{len(chips)}' aria-label='Active search'>"
             f"<span class='aisle-chip query'>{_e(state.product_type or state.query)}</span>"]
    for label, say in chips:
        parts.append(f"<span class='aisle-chip' data-chip='{_e(label)}'>{_e(label)}<button type='button' "
                     f"data-say='{_e(say)}' aria-label='Remove {_e(label)}' onclick=\"{SAY_JS}\">×</button></span>")
    return "".join(parts) + "</div>"


def cart_html(lines: list[CartLine], editable: bool = True) -> str:
    """The cart with its total; the shopper's has −, + and Remove on each line, staff see it read-only."""
    if not lines:
        return "<div class='aisle-cart' data-items='0'>Your cart is empty.</div>"

    def button(action: str, quantity: int, line: CartLine, text: str, label: str) -> str:
        if not editable:
            return ""
        return (f"<button type='button' data-action='{action}' data-quantity='{quantity}' "
                f"data-product-id='{_e(line.product_id)}' aria-label='{label} {_e(line.title)}' "
                f"onclick=\"{CART_JS}\">{text}</button>")

    rows = "".join(
        f"<tr data-product-id='{_e(x.product_id)}' data-quantity='{x.quantity}'><td>"
        + button("set", x.quantity - 1, x, "−", "One less") + f" {x.quantity} "
        + button("set", x.quantity + 1, x, "+", "One more")
        + f"</td><td>{_e(x.title)}</td><td>{_money(x.subtotal)}</td><td>"
        + button("set", 0, x, "Remove", "Remove") + "</td></tr>" for x in lines)
    total = sum(x.subtotal or 0 for x in lines)
    return (f"<div class='aisle-cart' data-items='{len(lines)}' data-total='{total:.2f}'><table>{rows}"
            f"<tr><th></th><th>Total</th><th>${total:,.2f}</th><th></th></tr></table></div>")


def parse_cart_event(event: str) -> tuple[str, int] | None:
    """``"set:<quantity>:<product id>"`` from a cart button -> (product id, quantity 0-99); None when malformed."""
    action, _, rest = (event or "").partition(":")
    quantity, _, product_id = rest.partition(":")
    if action != "set" or not product_id or not quantity.lstrip("-").isdigit():
        return None
    return product_id, max(0, min(int(quantity), 99))




def queue_html(entries: list[QueueEntry], now: float) -> str:
    """The shopper conversations for staff, newest first; handed-off and unanswered ones highlighted."""
    if not entries:
        return "<div class='aisle-queue-empty' data-conversations='0'>No shopper conversations yet.</div>"
    rows = []
    for e in entries:
        css = "handoff" if e.handed_off is not None else "attention" if e.unanswered else "ok"
        flag = (f"handed off: {e.handed_off}" if e.handed_off is not None else
                "unanswered" if e.unanswered else "")
        ago = max(0, int(now - e.last_at))
        when = f"{ago} s ago" if ago < 120 else f"{ago // 60} min ago" if ago < 7200 else f"{ago // 3600} h ago"
        rows.append(f"<tr class='{css}' data-session='{_e(e.session_id)}'><td>{_e(when)}</td><td>{e.turns}</td>"
                    f"<td>{_e(e.last_message[:80])}</td><td>{_e(flag)}</td><td><button type='button' "
                    f"data-session='{_e(e.session_id)}' aria-label='Open conversation {_e(e.session_id[:12])}' "
                    f"onclick=\"{OPEN_JS}\">Open</button></td></tr>")
    return (f"<table class='aisle-queue' data-conversations='{len(entries)}'><caption>Shopper conversations, newest "
            f"first</caption><thead><tr><th scope='col'>Last message</th><th scope='col'>Turns</th>"
            f"<th scope='col'>Shopper said</th><th scope='col'>Status</th><th scope='col'></th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def orders_html(orders: list[Order]) -> str:
    """Orders the shopper verified in the conversation (number and e-mail matched)."""
    if not orders:
        return "<div class='aisle-orders' data-orders='0'>No verified orders in this conversation.</div>"
    items = "".join(f"<li data-order='{_e(o.order_id)}'><b>{_e(o.order_id)}</b>: {_e(o.status)}, carrier "
                    f"{_e(o.carrier or '-')}, ETA {_e(o.eta or '-')}</li>" for o in orders)
    return f"<div class='aisle-orders' data-orders='{len(orders)}'><ul>{items}</ul></div>"
