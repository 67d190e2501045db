"""Fine-tuning, one room per model with the same parts (data, trainer, pipeline, card): ``ranker/`` (the
relevance classifier) and ``agent/`` (the agent's LoRA adapter, plus its dialogue generator and evaluation)."""
