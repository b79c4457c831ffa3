"""Benchmarks: scripts that print measured figures (python -m ops.bench.NAME)."""
