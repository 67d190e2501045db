"""Loading and running the agent's language model (in-process transformers, or a served endpoint)."""
