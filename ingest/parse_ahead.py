"""Parsing files ahead in worker processes while the current one is written.

Parsing is pure CPU work and shares nothing with the database, so the next
files are parsed while this one is written. The workers die with their
parent: a `kill -9` of the ingest must not leave processes holding hundreds
of megabytes of parsed entries.

Memory is counted over the whole process tree: a file parsed ahead waits in
the writing process as its pickle (about a byte per byte of BibTeX) rather
than as records (several times more), and is unpickled when its turn comes;
a worker hands back to the system what a parse allocated before it takes
the next file, and ends as soon as there is no file left to parse. A worker
forked from the writer holds tens of megabytes (the writer's pages it shares
become its own as either process writes to them), more than the pickles of a
few files: files are handed out up to AHEAD_BYTES of them, so that on a run
of a few files the worker is gone while the first is still being written.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from ..graph import settings
from ..graph.errors import InvalidInput
from . import bibtex

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Files handed to the workers beyond one each (and one more), while their
# sizes together stay within this: their pickles wait in the writing process.
AHEAD_BYTES = 16 * 2**20


def parse_source(source: str, limits: bibtex.Limits | None = None, text: str | None = None,
                 format: str | None = None) -> tuple[str, bibtex.ParseResult]:
    """(format, parse result) of a file, or of `text` (standard input when
    `source` is '-'); the format named, else found by ingest/importers."""
    from . import importers

    with gc_paused():
        if source == "-":
            return importers.parse("<stdin>", limits, sys.stdin.read() if text is None else text, format)
        return importers.parse(source, limits, text, format)


def _start_worker(parent: int) -> None:
    """Pool initializer: the objects inherited from the parent are frozen (no
    collection touches them, so their pages stay shared with it), and the
    worker dies with its parent."""
    gc.freeze()
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this worker when the process that started it ends.

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


def _parse_pickled(source: str, limits: bibtex.Limits | None, format: str | None) -> bytes:
    """Worker side: the parse result as its pickle, and the parse's memory given back."""
    data = pickle.dumps(parse_source(source, limits, None, format), protocol=pickle.HIGHEST_PROTOCOL)
    bibtex._decoded.clear()  # the next file's values are mostly new; a worker's cache would only grow
    # The collector is paused in a worker (forked from a paused ingest), and a
    # parse can leave cycles (see the end of bibtex.parse_text): freed here,
    # before the next file. What the worker inherited is frozen (_start_worker),
    # so this scans only what it made, and the parent's pages stay shared.
    gc.collect()
    _trim()
    return data


def _trim() -> None:
    """Return freed heap pages to the system (glibc keeps them otherwise)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):
            pass


def default_workers(files: int) -> int:
    """Parsing processes for `files` files (setting `ingest_workers`; by
    default one core is the writer's, and the cores left idle by the rest of
    the machine (one-minute load average) parse). A worker only pays where a core would otherwise idle: on a busy
    machine it runs no sooner, and costs the pickling of every file and a
    process's memory (tests/benchmarks/bench_ingest.py prints the peak with
    none and with one)."""
    chosen = str(settings.get("ingest_workers")).strip().lower()
    if chosen != "auto":
        try:
            return max(0, min(files - 1, int(chosen)))
        except ValueError:
            raise InvalidInput(f"ingest_workers is a number of processes or 'auto', not {chosen!r}") from None
    cores = os.cpu_count() or 1
    try:
        idle = round(cores - os.getloadavg()[0])
    except OSError:
        idle = cores
    return max(0, min(files - 1, cores - 1, idle - 1))


def parsed_ahead(files: list[str], workers: int, limits: bibtex.Limits | None,
                 format: str | None = None) -> Iterator[tuple[str, bibtex.ParseResult]]:
    """Each file's parse result, in order, parsed by `workers` processes (a
    file more than the workers, or files up to AHEAD_BYTES, are held parsed, as pickles)."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    ahead = workers + 1  # one more than the workers, so that none waits while a file is written
    sizes = [_size(f) for f in files]
    others = set(multiprocessing.active_children())
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                             initargs=(os.getpid(),)) as pool:
        pending: deque = deque()
        handed_out = held = 0  # held: the bytes of the files handed out and not yet taken

        def hand_out() -> None:
            nonlocal handed_out, held
            while handed_out < len(files) and (len(pending) < ahead or held + sizes[handed_out] <= AHEAD_BYTES):
                pending.append(pool.submit(_parse_pickled, files[handed_out], limits, format))
                held += sizes[handed_out]
                handed_out += 1
                if handed_out == len(files):
                    # Every file handed out: each worker ends once its last parse is
                    # done, and its memory goes while the files are written.
                    pool.shutdown(wait=False)

        hand_out()
        own = [p for p in multiprocessing.active_children() if p not in others]  # the pool's processes
        for i in range(len(files)):
            data = pending.popleft().result()
            held -= sizes[i]
            hand_out()
            if not pending:
                for process in own:  # every file parsed: the workers are gone before the last file is written
                    process.join()
            parsed = pickle.loads(data)
            del data
            yield parsed
            del parsed  # the file written before goes before the next is unpickled


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # reported when it is parsed


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


__all__ = ["parse_source", "parsed_ahead", "default_workers", "gc_paused"]
