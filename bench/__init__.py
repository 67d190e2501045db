"""Benchmarks (results in BENCHMARKS.md) and their helpers: a load driver and a loopback server."""
