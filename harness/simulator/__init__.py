"""Goal-driven simulated shoppers that chat with the real agent and check every turn against invariants."""
