"""The shopping agent (issue 4): LLM runtime, tools, dialogue state, grounded replies."""
