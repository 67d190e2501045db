"""LoRA fine-tuning of the shopping agent's language model: dialogue generation, training, evaluation."""
