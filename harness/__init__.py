"""Test harnesses over the real agent: scripted YAML dialogues (`aisle test-dialogues`) and simulated shoppers."""
