"""Fine-tuning: the relevance ranker (cross-encoder) and, later, the agent's LoRA adapter."""
