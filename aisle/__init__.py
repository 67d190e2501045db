"""Aisle's configuration type (`aisle.settings.Settings`); the `aisle` command itself lives in `app/`."""
