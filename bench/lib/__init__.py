"""Helpers of the benchmark harness (bench/run.py)."""
