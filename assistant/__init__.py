"""The shopping agent: one turn (``agent``, ``turn_protocol``), its language-model runtime, tools, dialogue
state and rules, safety checks and catalog-fact answers (docs/architecture.md)."""
