"""Benchmarks (not tests): each prints one summary line per figure."""
