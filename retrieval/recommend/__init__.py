"""Recommendation beside search: similar items, preference profiles (personalization)."""
