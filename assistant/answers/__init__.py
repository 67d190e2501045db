"""Catalog facts as text: product cards and fact lines, and the template replies built from tool results."""
