"""Latency figures the benchmarks print: median and 95th percentile of a list of timings, and
the summary line `FIGURE p50 X p95 Y  (NOTE)` that docs/benchmarks.md quotes."""

from __future__ import annotations

import statistics


def percentiles(timings: list[float]) -> tuple[float, float]:
    """(p50, p95); the p95 is the value at the 95 % rank, not interpolated."""
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def print_latency(figure: str, timings: list[float], note: str) -> None:
    """One summary line of `timings` (in the unit `figure` names, one decimal), flushed at
    once so that a long run shows each figure when it is measured."""
    p50, p95 = percentiles(timings)
    print(f"{figure} p50 {p50:.1f} p95 {p95:.1f}  ({note})", flush=True)
