"""Timing shared by the benchmark scripts (not collected by pytest).

The machines these run on are shared and small (2 cores), so every figure is
taken the same way: the project and its anchor run interleaved in one
process, round after round, so a busy spell hits both alike; each sample
records wall seconds, CPU seconds (this process and its finished children)
and the one-minute load average; a report prints medians of all three.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Callable


def clock(fn, repeat: int = 1):
    """(best wall-clock seconds over `repeat` calls, the last call's value)."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_average() -> float:
    return os.getloadavg()[0]


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    load: float


def timed(fn: Callable[[], object]) -> tuple[Sample, object]:
    """Run fn once; its Sample and its value."""
    gc.collect()
    cpu, started = cpu_seconds(), time.perf_counter()
    value = fn()
    wall = time.perf_counter() - started
    return Sample(wall, cpu_seconds() - cpu, load_average()), value


def interleave(contenders: dict[str, Callable[[], object]], rounds: int,
               on_round: Callable[[int, dict[str, Sample]], None] | None = None) -> dict[str, list[Sample]]:
    """Run each contender once per round, in the same order, for `rounds` rounds."""
    samples: dict[str, list[Sample]] = {name: [] for name in contenders}
    for n in range(rounds):
        this_round = {}
        for name, fn in contenders.items():
            this_round[name], _ = timed(fn)
            samples[name].append(this_round[name])
        if on_round:
            on_round(n, this_round)
    return samples


def median(samples: list[Sample], field: str) -> float:
    return statistics.median(getattr(s, field) for s in samples)


def report(samples: dict[str, list[Sample]], anchor: str, unit: str = "s", scale: float = 1.0) -> None:
    """One line per contender: median wall and CPU, load average, ratio to the anchor."""
    base_wall, base_cpu = median(samples[anchor], "wall"), median(samples[anchor], "cpu")
    width = max(len(name) for name in samples)
    for name, rows in samples.items():
        wall, cpu = median(rows, "wall"), median(rows, "cpu")
        ratio = "" if name == anchor else f"  ratio {wall / base_wall:.2f}× wall, {cpu / base_cpu:.2f}× CPU" if base_cpu else ""
        print(f"  {name:<{width}}  {wall * scale:9.2f} {unit} wall  {cpu * scale:9.2f} {unit} CPU  "
              f"load {median(rows, 'load'):.1f}{ratio}")


def machine_line() -> str:
    return (f"{os.cpu_count()} cores, load average {load_average():.1f} "
            "(the machine is shared: compare ratios and CPU seconds, not wall seconds alone)")
