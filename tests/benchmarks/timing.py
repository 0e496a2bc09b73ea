"""Timing shared by the benchmark scripts (not collected by pytest)."""

from __future__ import annotations

import time


def clock(fn, repeat: int = 1):
    """(best wall-clock seconds over `repeat` calls, the last call's value)."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value
