"""Training of the query-product relevance classifier (LoRA on the bundled all-MiniLM-L6-v2)."""
