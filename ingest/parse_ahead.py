"""Parsing files ahead in worker processes while the current one is written.

Parsing is pure CPU work and shares nothing with the database, and it costs
more than the writing, so a multi-file ingest costs about the parsing spread
over the cores. The workers die with their parent: a `kill -9` of the ingest
must not leave processes holding hundreds of megabytes of parsed entries.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from . import bibtex

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def parse_source(source: str, limits: bibtex.Limits | None = None, text: str | None = None,
                 format: str | None = None) -> tuple[str, bibtex.ParseResult]:
    """(format, parse result) of a file, or of `text` (standard input when
    `source` is '-'); the format named, else found by ingest/importers."""
    from . import importers

    with gc_paused():
        if source == "-":
            return importers.parse("<stdin>", limits, sys.stdin.read() if text is None else text, format)
        return importers.parse(source, limits, text, format)


def _die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when the process that started it ends.

    On Linux the kernel sends SIGKILL on the parent's death (PR_SET_PDEATHSIG);
    elsewhere, or should the parent have died before the call, a daemon thread
    watches the parent's pid."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def parsed_ahead(files: list[str], workers: int, limits: bibtex.Limits | None,
                 format: str | None = None) -> Iterator[tuple[str, bibtex.ParseResult]]:
    """Each file's parse result, in order, parsed by `workers` processes (at
    most one file more than the workers is held parsed)."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    ahead = workers + 1  # one more than the workers, so that none waits while a file is written
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        pending = deque(pool.submit(parse_source, f, limits, None, format) for f in files[:ahead])
        for i in range(len(files)):
            parsed = pending.popleft().result()
            if i + ahead < len(files):
                pending.append(pool.submit(parse_source, files[i + ahead], limits, None, format))
            yield parsed


@contextmanager
def gc_paused() -> Iterator[None]:
    """Bulk parsing and loading allocate hundreds of thousands of small objects
    without reference cycles; the cyclic collector would rescan them again and
    again (10-20% of the run). Paused for the duration, then restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["parse_source", "parsed_ahead", "gc_paused"]
