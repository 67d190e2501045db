"""Load: N concurrent shopper sessions x M turns through the HTTP API on loopback.

    python bench/bench_load.py [--sessions 20] [--turns 10] [--url http://127.0.0.1:7860]

Without --url it starts `aisle serve` itself. Prints one JSON line: latencies, errors, leaks.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_driver import drive  # noqa: E402
from bench.serve_process import running_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with (nullcontext(args.url) if args.url else running_server()) as url:
        result = drive(url, args.sessions, args.turns)
    for problem in result.errors + result.leaks:
        print(problem, file=sys.stderr)
    print(json.dumps(result.summary()))


if __name__ == "__main__":
    main()
