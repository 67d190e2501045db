"""Scripted dialogue regression tests: the YAML format, checks, runner and reports."""
