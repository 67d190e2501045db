"""Dialogue state and its rules: what a turn keeps, resets and re-routes (docs/dialogue-state.md)."""
