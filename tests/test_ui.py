"""The web app in a real browser (Debian chromium via Playwright) and through gradio_client."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(demo_index, data_dir):
    from bench.serve_process import running_server

    env = {"AISLE_DATA_DIR": str(data_dir), "AISLE_UI_CONCURRENCY": "2"}
    with running_server(env=env, log_path=data_dir / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _shopper_page(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(server, wait_until="load")
    page.wait_for_selector("#message textarea", timeout=60_000)
    return page


def _send(page, text: str) -> None:
    page.fill("#message textarea", text)
    page.click("#send")


def _last_reply_settled(page, timeout_s: float = 150) -> str:
    """Wait for the bot's last message to stop changing (the streamed turn is over)."""
    deadline, last, stable = time.time() + timeout_s, None, 0
    while time.time() < deadline:
        page.wait_for_timeout(700)
        texts = page.locator("#chat .bot").all_inner_texts() or page.locator("#chat .message").all_inner_texts()
        current = texts[-1] if texts else ""
        busy = page.locator("#chat .pending, .progress-text, .eta-bar").count() > 0
        stable = stable + 1 if current == last and current and not current.endswith("…") and not busy else 0
        if stable >= 3:
            return current
        last = current
    raise AssertionError(f"no settled reply; last: {last!r}")


def _copilot_login(page, server, password: str = "aisle-demo") -> None:
    page.goto(server + "/copilot/", wait_until="load")
    page.wait_for_selector("input[type=password]", timeout=60_000)
    page.fill("input[type=text]", "staff")
    page.fill("input[type=password]", password)
    page.keyboard.press("Enter")


def test_shopper_finds_products_within_limit_and_confirms_cart(server, browser):
    page = _shopper_page(server, browser)
    _send(page, "bluetooth speaker under $80 in stock only")
    page.wait_for_selector("#cards .aisle-card", timeout=150_000)
    _last_reply_settled(page)
    prices = page.eval_on_selector_all("#cards .aisle-card", "els => els.map(e => parseFloat(e.dataset.price))")
    assert prices and all(p <= 80 for p in prices), prices
    first = page.eval_on_selector("#cards .aisle-card", "e => e.dataset.productId")
    _send(page, "compare the first two")
    page.wait_for_selector("#cards table.aisle-compare[data-products='2']", timeout=150_000)
    _last_reply_settled(page)
    assert page.locator("#cards table.aisle-compare tbody tr").count() >= 3  # price, rating, availability, specs
    page.screenshot(path=str(ARTIFACTS / "shopper-compare.png"), full_page=True)
    _send(page, "add the first one to my cart")
    reply = _last_reply_settled(page)
    assert "confirm" in reply.lower(), reply
    assert page.eval_on_selector("#cart .aisle-cart", "e => e.dataset.items") == "0"
    _send(page, "yes please")
    page.wait_for_selector("#cart .aisle-cart[data-items='1']", timeout=150_000)
    assert page.eval_on_selector("#cart tr[data-product-id]", "e => e.dataset.productId") == first
    page.screenshot(path=str(ARTIFACTS / "shopper.png"), full_page=True)
    page.close()


def test_more_like_this_on_a_card_shows_similar_products_with_reasons(server, browser):
    page = _shopper_page(server, browser)
    _send(page, "wireless headphones")
    page.wait_for_selector("#cards .aisle-card", timeout=150_000)
    _last_reply_settled(page)
    shown = page.eval_on_selector_all("#cards .aisle-card", "els => els.map(e => e.dataset.productId)")
    source = shown[1]
    page.locator("#cards .aisle-card").nth(1).get_by_role("button", name="More like").click()
    page.wait_for_function(
        "ids => { const c = [...document.querySelectorAll('#cards .aisle-card')].map(e => e.dataset.productId);"
        " return c.length > 0 && c.join() !== ids.join(); }", arg=shown, timeout=150_000)
    reply = _last_reply_settled(page)
    assert "like" in reply.lower(), reply
    similar = page.eval_on_selector_all("#cards .aisle-card", "els => els.map(e => e.dataset.productId)")
    assert source not in similar and similar
    reasons = page.locator("#cards .aisle-card .why").all_inner_texts()
    assert any("same type" in r or "same brand" in r or "cheaper" in r for r in reasons), reasons
    page.screenshot(path=str(ARTIFACTS / "shopper-more-like-this.png"), full_page=True)
    liked = page.locator("#cards .aisle-card").first
    liked_title = liked.locator("h4").inner_text().split(". ", 1)[-1]
    liked.get_by_role("button", name="I like").click()  # a thumb on a card is a signal, not a chat turn
    page.wait_for_function("() => (document.querySelector('#rated')?.innerText || '').includes('Noted')",
                           timeout=60_000)
    assert liked_title in page.inner_text("#rated")
    _send(page, "why am I seeing these?")
    reply = _last_reply_settled(page)
    assert "brands you liked" in reply and "forget me" in reply, reply
    page.close()


def test_copilot_login_and_suggested_reply(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    _copilot_login(page, server, "wrong")
    page.wait_for_timeout(1500)
    assert page.locator("#suggest").count() == 0  # a wrong password does not get in
    page.wait_for_selector("input[type=password]", timeout=30_000)
    page.fill("input[type=text]", "staff")
    page.fill("input[type=password]", "aisle-demo")
    page.keyboard.press("Enter")
    page.wait_for_selector("#suggest", timeout=60_000)
    page.fill("#customer-message textarea", "where is my order A1001? my email is maria@example.com")
    page.click("#suggest")
    page.wait_for_function(
        "() => { const t = document.querySelector('#suggestion textarea'); return t && t.value.includes('A1001'); }",
        timeout=150_000)
    assert "shipped" in page.input_value("#suggestion textarea")
    assert "order_status" in page.inner_text("#facts")
    page.screenshot(path=str(ARTIFACTS / "copilot.png"), full_page=True)
    page.close()


def _card_ids(page) -> list[str]:
    return page.eval_on_selector_all("#cards .aisle-card", "els => els.map(e => e.dataset.productId)")


def test_card_buttons_compare_ticks_and_zero_result_suggestions(server, browser):
    """Compare by ticking cards, add and open a product from its card, and recover from zero results by a click."""
    page = _shopper_page(server, browser)
    _send(page, "bluetooth speaker")
    page.wait_for_selector("#cards .aisle-card input.compare-pick", timeout=150_000)
    _last_reply_settled(page)
    shown = _card_ids(page)
    titles = [t.split(". ", 1)[-1] for t in page.locator("#cards .aisle-card h4").all_inner_texts()]
    page.click("#cards .compare-selected")  # nothing ticked: a note, no turn
    assert "Tick two" in page.inner_text("#cards .compare-note")
    picks = page.locator("#cards input.compare-pick")
    picks.nth(0).check()
    picks.nth(2).check()
    page.click("#cards .compare-selected")
    page.wait_for_selector("#cards table.aisle-compare[data-products='2']", timeout=150_000)
    _last_reply_settled(page)
    assert "Compare #1 and #3" in page.locator("#chat").inner_text()
    compared = page.locator("#cards table.aisle-compare thead th[scope=col]").all_inner_texts()
    assert compared == [titles[0], titles[2]], (compared, titles)  # the ticked ones, in order

    _send(page, "wireless headphones")
    page.wait_for_function("ids => { const c = [...document.querySelectorAll('#cards .aisle-card')]"
                           ".map(e => e.dataset.productId); return c.length > 0 && c.join() !== ids.join(); }",
                           arg=shown, timeout=150_000)
    _last_reply_settled(page)
    second = page.locator("#cards .aisle-card").nth(1)
    second_id = second.get_attribute("data-product-id")
    second.get_by_role("button", name="Add").click()
    reply = _last_reply_settled(page)
    assert "confirm" in reply.lower() and page.eval_on_selector("#cart .aisle-cart", "e => e.dataset.items") == "0"
    _send(page, "yes")
    page.wait_for_selector(f"#cart tr[data-product-id='{second_id}']", timeout=150_000)
    _last_reply_settled(page)
    first = page.locator("#cards .aisle-card").first
    first_id, first_title = first.get_attribute("data-product-id"), first.locator("h4").inner_text().split(". ", 1)[-1]
    first.get_by_role("button", name="Details").click()
    page.wait_for_function("id => (document.querySelector('#chat')?.innerText || '').includes('Tell me about ' + id)",
                           arg=first_id, timeout=60_000)
    reply = _last_reply_settled(page)
    assert first_title in reply and "Specs:" in reply, (reply, first_title)  # the overview of the card clicked

    _send(page, "bluetooth speaker under $5")
    page.wait_for_selector("#cards .aisle-suggestions button.offer", timeout=150_000)
    _last_reply_settled(page)
    labels = page.locator("#cards .aisle-suggestions button.offer").all_inner_texts()
    assert any("$5" in label for label in labels), labels
    page.screenshot(path=str(ARTIFACTS / "shopper-zero-results.png"), full_page=True)
    page.locator("#cards .aisle-suggestions button.offer").first.click()  # search without the price limit
    page.wait_for_function("() => !document.querySelector('#cards .aisle-suggestions') && "
                           "document.querySelectorAll('#cards .aisle-card').length > 0", timeout=150_000)
    _last_reply_settled(page)
    prices = page.eval_on_selector_all("#cards .aisle-card", "els => els.map(e => parseFloat(e.dataset.price))")
    assert prices and any(p > 5 for p in prices), prices
    page.close()


def test_copilot_queue_opens_a_conversation_with_cart_orders_and_a_suggestion(server, browser, services):
    """A shopper verifies an order, fills the cart and asks for something cheaper; staff open the conversation from
    the live queue, see the cart, the verified order and a suggested reply, edit it and approve: the edit is stored."""
    page = _shopper_page(server, browser)
    _send(page, "where is my order A1001? my email is maria@example.com")
    _last_reply_settled(page)
    _send(page, "gaming mouse in stock only")
    page.wait_for_selector("#cards .aisle-card", timeout=150_000)
    _last_reply_settled(page)
    _send(page, "add the first one to my cart")
    _last_reply_settled(page)
    _send(page, "yes")
    page.wait_for_selector("#cart .aisle-cart[data-items='1']", timeout=150_000)
    last = "is there a cheaper gaming mouse than these?"
    _send(page, last)
    _last_reply_settled(page)

    staff = browser.new_page(viewport={"width": 1280, "height": 1000})
    _copilot_login(staff, server)
    row = f"#queue tr:has-text('{last}')"
    staff.wait_for_selector(row, timeout=60_000)  # the live queue lists it, newest first
    assert staff.locator("#queue tbody tr").first.inner_text().count(last[:30]) == 1
    staff.locator(row).get_by_role("button", name="Open").click()
    staff.wait_for_selector("#shopper-cart .aisle-cart[data-items='1']", timeout=60_000)
    staff.wait_for_selector("#shopper-orders li[data-order='A1001']", timeout=30_000)
    assert staff.input_value("#customer-message textarea") == last
    staff.wait_for_function("() => (document.querySelector('#suggestion textarea')?.value || '').length > 0",
                            timeout=150_000)
    assert "search" in staff.inner_text("#facts").lower()
    staff.screenshot(path=str(ARTIFACTS / "copilot-queue.png"), full_page=True)
    suggested = staff.input_value("#suggestion textarea")
    staff.fill("#suggestion textarea", suggested + " Happy to help further!")
    staff.click("#approve")
    staff.wait_for_function("() => (document.querySelector('#status')?.innerText || '').includes('Approved')",
                            timeout=30_000)
    edits = [a for a in services.store.all_approvals() if a["customer"] == last]
    assert edits and edits[-1]["suggested"] == suggested and edits[-1]["final"].endswith("Happy to help further!")
    staff.close()
    page.close()


def test_api_sessions_stay_separate_under_concurrency(server):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client

    def shop(query: str) -> dict:
        client = Client(server + "/", verbose=False)
        first = client.predict(query, api_name="/chat")
        client.predict("add the first one to my cart", api_name="/chat")
        done = client.predict("yes", api_name="/chat")
        return {"first": first, "done": done}

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(shop, ["coffee maker in stock", "gaming mouse in stock only"])
    assert a["done"]["session"] != b["done"]["session"]
    assert [x["product_id"] for x in a["done"]["cart"]] == [a["first"]["cards"][0]["id"]]
    assert [x["product_id"] for x in b["done"]["cart"]] == [b["first"]["cards"][0]["id"]]


def test_copilot_api_is_behind_login(server):
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(server + "/copilot/config", timeout=10)
    assert exc.value.code in (401, 403)


def test_load_concurrent_sessions_stay_separate_and_error_free(server):
    """AISLE_LOAD_SESSIONS x AISLE_LOAD_TURNS (default 20 x 10) through the HTTP API, bounded in time."""
    from bench.load_driver import drive

    sessions = int(os.environ.get("AISLE_LOAD_SESSIONS", "20"))
    turns = int(os.environ.get("AISLE_LOAD_TURNS", "10"))
    result = drive(server, sessions, turns)
    summary = result.summary()
    (ARTIFACTS / "load.json").parent.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(summary))
    assert result.errors == [] and result.leaks == [], (result.errors + result.leaks)[:10]
    assert summary["turns_done"] == sessions * turns
    assert result.wall_s < 60 * 30, summary  # bounded: 30 minutes for the whole load on 2 CPU cores


def test_constraint_chips_cart_buttons_and_a_reload_keep_the_session(server, browser):
    page = _shopper_page(server, browser)
    _send(page, "bluetooth speaker under $60, in stock only")
    page.wait_for_selector("#constraints .aisle-chip[data-chip='under $60']", timeout=150_000)
    _last_reply_settled(page)
    prices = page.eval_on_selector_all("#cards .aisle-card", "els => els.map(e => parseFloat(e.dataset.price))")
    assert prices and all(p <= 60 for p in prices), prices
    assert page.locator("#constraints .aisle-chips[data-chips='2'] .aisle-chip[data-chip='in stock']").count() == 1
    page.click("#constraints button[aria-label='Remove under $60']")  # the same as saying "any price"
    page.wait_for_selector("#constraints .aisle-chips[data-chips='1']", timeout=150_000)
    _last_reply_settled(page)
    assert "any price" in page.locator("#chat").inner_text()
    assert page.locator("#constraints .aisle-chip[data-chip='in stock']").count() == 1  # the other one stays
    _send(page, "add the first one to my cart")
    _last_reply_settled(page)
    _send(page, "yes")
    page.wait_for_selector("#cart .aisle-cart[data-items='1']", timeout=150_000)
    one = float(page.eval_on_selector("#cart .aisle-cart", "e => e.dataset.total"))
    page.click("#cart button[aria-label^='One more']")
    page.wait_for_selector("#cart tr[data-quantity='2']", timeout=30_000)
    assert float(page.eval_on_selector("#cart .aisle-cart", "e => e.dataset.total")) == pytest.approx(2 * one)
    page.screenshot(path=str(ARTIFACTS / "shopper-cart.png"), full_page=True)
    page.reload(wait_until="load")  # the same browser: its session comes back from the store
    page.wait_for_selector("#cart tr[data-quantity='2']", timeout=60_000)
    assert "bluetooth speaker under $60" in page.locator("#chat").inner_text()
    page.click("#cart button[aria-label^='Remove']")
    page.wait_for_selector("#cart .aisle-cart[data-items='0']", timeout=30_000)
    other = browser.new_page()  # another browser (context) starts empty
    other.goto(server, wait_until="load")
    other.wait_for_selector("#cart .aisle-cart[data-items='0']", timeout=60_000)
    assert "bluetooth speaker" not in other.locator("#chat").inner_text()
    other.close()
    page.close()


def _serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (axe-playwright-python bundles axe)."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in response["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width,height", [(1280, 1000), (390, 844)], ids=["desktop", "phone"])
def test_both_views_pass_axe_at_desktop_and_phone_width(server, browser, width, height):
    ARTIFACTS.mkdir(exist_ok=True)
    name = "desktop" if width > 800 else "phone"
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(server, wait_until="load")
    page.wait_for_selector("#message textarea", timeout=60_000)
    _send(page, "wireless mouse under $40")
    page.wait_for_selector("#cards .aisle-card", timeout=150_000)
    _last_reply_settled(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # no sideways scrolling
    page.focus("#message textarea")  # keyboard only: type, Enter sends
    page.keyboard.type("cheapest first")
    page.keyboard.press("Enter")
    _last_reply_settled(page)
    assert "cheapest first" in page.locator("#chat").inner_text()
    shopper = _serious(page)
    page.screenshot(path=str(ARTIFACTS / f"shopper-{name}.png"), full_page=True)
    _copilot_login(page, server)
    page.wait_for_selector("#suggest", timeout=60_000)
    page.get_by_role("tab", name="Dashboard").click()
    page.click("#dashboard-refresh")
    page.wait_for_selector("#dashboard-figures", timeout=60_000)
    assert int(page.eval_on_selector("#dashboard-figures", "e => e.dataset.turns")) >= 2  # this test's turns
    assert "wireless mouse" in page.inner_text("#top-queries")
    page.wait_for_selector("#dashboard-plot img, #dashboard-plot canvas, #dashboard-plot svg", timeout=30_000)
    copilot = _serious(page)
    page.screenshot(path=str(ARTIFACTS / f"copilot-{name}.png"), full_page=True)
    page.close()
    assert not shopper and not copilot, {"shopper": shopper, "copilot": copilot}
