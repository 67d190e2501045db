"""Aisle core: the one settings object and the `aisle` command line."""
