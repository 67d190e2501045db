"""Relevance evaluation against human judgements (Chorus 0-3, ESCI E/S/C/I)."""
