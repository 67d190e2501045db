"""Time from `aisle serve` to a page that answers, and to the first chat answer through the API.

    python bench/bench_serve.py [--port 7861]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7861)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(args.port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page_s = None
        while time.perf_counter() - started < 600:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as r:
                    if r.status == 200 and b"<html" in r.read(4096).lower():
                        page_s = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.2)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from gradio_client import Client

        t = time.perf_counter()
        reply = Client(url + "/", verbose=False).predict("bluetooth speaker under $50", api_name="/chat")
        first_answer_s = time.perf_counter() - t
        print(json.dumps({"page_answers_s": round(page_s, 1), "first_chat_answer_s": round(first_answer_s, 2),
                          "cards": len(reply["cards"])}))
    finally:
        proc.terminate()
        proc.wait(20)


if __name__ == "__main__":
    main()
