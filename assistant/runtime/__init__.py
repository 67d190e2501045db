"""The agent's language model: loading (``loader``), llama.cpp with continuous batching or transformers
(``generation``), the langchain chat model over them (``chat_model``, ``prompts``, ``tool_calls``), the tool
grammar, and the GGUF export. A served model (vLLM/TGI, the openai backend) replaces all of it."""
