"""Time from pressing Enter to what the shopper sees, in a real browser, on a real `aisle serve`.

    python bench/bench_ui_latency.py [--turns 10]

Per turn (a fixed 10-turn shopping conversation, fresh browser session): the first visible change of the
answer bubble (the "Searching the catalog…" step), the first reply token (text that is no longer the step
line) and the settled reply. Polled in the page every 10 ms (``wait_for_function``); Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import pct  # noqa: E402
from bench.serve_process import running_server  # noqa: E402

TURNS = ["quiet bluetooth speaker under $50", "in black", "compare the first two", "does the first one have a mic?",
         "something cheaper", "wireless headphones", "noise cancelling ones", "add the second one to my cart", "yes",
         "what is your return policy?"]
# the answer bubble after the shopper's last message, its text; a step line ("Searching the catalog…") ends with
# an ellipsis
LAST = ("(() => { const m = [...document.querySelectorAll('#chat .message')];"
        " const i = m.map(e => e.classList.contains('user')).lastIndexOf(true);"
        " const b = m.slice(i + 1).filter(e => e.classList.contains('bot'));"
        " return b.length ? b[b.length - 1].innerText.trim() : ''; })()")
USERS = "document.querySelectorAll('#chat .message.user').length"

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from playwright.sync_api import sync_playwright

    rows = []
    with running_server(log_path=Path("/tmp/aisle-bench-ui.log")) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url, wait_until="load")
        page.wait_for_selector("#message textarea", timeout=120_000)
        page.wait_for_timeout(2000)  # the page's own load event (session id, cart) has run
        for text in TURNS[: args.turns]:
            before = page.evaluate("document.querySelectorAll('#chat .bot, #chat .message.bot').length")
            page.fill("#message textarea", text)
            started = time.perf_counter()
            page.press("#message textarea", "Enter")
            count = f"{USERS} > {before}"
            page.wait_for_function(f"{count} && {LAST}.length > 0", polling=10, timeout=120_000)
            first_visible = time.perf_counter() - started
            page.wait_for_function(f"{count} && {LAST}.length > 0 && !{LAST}.endsWith('…')", polling=10,
                                   timeout=120_000)
            first_token = time.perf_counter() - started
            last, stable = None, 0
            while stable < 3:  # settled: the same text three polls running
                page.wait_for_timeout(100)
                current = page.evaluate(LAST)
                stable = stable + 1 if current == last else 0
                last = current
            rows.append({"text": text, "first_visible_s": round(first_visible, 3),
                         "first_token_s": round(first_token, 3),
                         "settled_s": round(time.perf_counter() - started - 0.3, 3)})
            print(json.dumps(rows[-1]), file=sys.stderr)
        browser.close()
    summary = {k: {"p50": round(pct([r[k] for r in rows], 50), 3), "p95": round(pct([r[k] for r in rows], 95), 3)}
               for k in ("first_visible_s", "first_token_s", "settled_s")}
    print(json.dumps({"turns": len(rows), **summary}))


if __name__ == "__main__":
    main()
