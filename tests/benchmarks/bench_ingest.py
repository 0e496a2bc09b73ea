"""Benchmark: BibTeX ingest of the five ACL Anthology files vs bibtexparser's bare parse.

    python tests/benchmarks/bench_ingest.py [--rounds N] [--corpus DIR]

In one run, alternating so that the shared machine's noise hits both alike,
it times (best of N rounds):

- bare: `bibtexparser.parse_file` with its default middlewares (string
  interpolation, enclosing removal; no LaTeX decoding) of the five files;
- ingest: the whole `aiprogress ingest` path (parse, LaTeX decoding, identity,
  writes in batches, the linker's links) of the same files into an empty
  SQLite file, with the LaTeX cache emptied first;
- unlinked: the same without the linker's pass, to show what linking adds
  (target: at most 15%).

It prints both times, their ratio (target: at most 2), entries per second,
the CPU seconds of each (the ingest's own and its parsing workers': on a
loaded machine the ratio of CPU times says what the code costs, the ratio of
wall times what a user waits), the peak memory of an ingest round
(tracemalloc, in a separate round so that tracing does not slow the timed
ones) and the largest parsing worker's peak RSS, then checks the result: 20,253 unique
entries read, COLING's 2,991 exact duplicates skipped.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import bibtexparser
from sqlalchemy import func, select

from aiprogress.graph import db
from aiprogress.graph.models import Node
from aiprogress.ingest import bibtex, load

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "acl-anthology-2019"


def bare_parse(files: list[Path]) -> int:
    return sum(len(bibtexparser.parse_file(str(f)).entries) for f in files)


def ingest(files: list[Path], workdir: Path, n: int, link: bool = True) -> tuple[int, int, int]:
    bibtex._decoded.clear()  # every round decodes from scratch
    path = workdir / f"bench-{n}-{link}.db"
    engine = db.open_engine(str(path))
    db.create_schema(engine)
    entries = duplicates = 0
    for report in load.ingest_sources(engine, [str(f) for f in files], link=link):
        entries += report.entries
        duplicates += report.duplicates
    with db.session_scope(engine) as session:
        nodes = session.execute(select(func.count()).select_from(Node)).scalar_one()
    engine.dispose()
    return entries, duplicates, nodes


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (the parsing workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args):
    """(wall seconds, CPU seconds, result) of fn(*args)."""
    gc.collect()
    cpu, started = _cpu(), time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, _cpu() - cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    files = sorted(args.corpus.glob("*.bib"))
    if len(files) != 5:
        print(f"expected the five ACL files in {args.corpus}, found {len(files)}", file=sys.stderr)
        return 2
    for f in files:  # warm the page cache so the first round is not penalised
        f.read_bytes()

    bare_times, ingest_times, bare_cpu, ingest_cpu, unlinked_times, unlinked_cpu = [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for n in range(args.rounds):
            t, cpu, bare_entries = timed(bare_parse, files)
            bare_times.append(t)
            bare_cpu.append(cpu)
            t, cpu, (entries, duplicates, nodes) = timed(ingest, files, workdir, n)
            ingest_times.append(t)
            ingest_cpu.append(cpu)
            t, cpu, _ = timed(ingest, files, workdir, n, False)
            unlinked_times.append(t)
            unlinked_cpu.append(cpu)
            print(f"round {n + 1}: bare {bare_times[-1]:.2f} s ({bare_cpu[-1]:.2f} s CPU), "
                  f"ingest {ingest_times[-1]:.2f} s ({ingest_cpu[-1]:.2f} s CPU), ratio {ingest_times[-1] / bare_times[-1]:.2f}, "
                  f"unlinked {unlinked_times[-1]:.2f} s ({unlinked_cpu[-1]:.2f} s CPU), "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
        tracemalloc.start()
        ingest(files, workdir, args.rounds)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    bare, full = min(bare_times), min(ingest_times)
    print()
    print(f"files:               {len(files)} ACL Anthology .bib files ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
    print(f"bare parse:          {bare:.2f} s  (bibtexparser {bibtexparser.__version__}, default middlewares; {bare_entries:,} entries)")
    print(f"full ingest:         {full:.2f} s  (parse + LaTeX + identity + SQLite writes; {entries:,} entries, {nodes:,} nodes, {duplicates:,} exact duplicates skipped)")
    print(f"ratio ingest/bare:   {full / bare:.2f}  (target <= 2.0)")
    print(f"CPU seconds:         bare {min(bare_cpu):.2f}, ingest {min(ingest_cpu):.2f} (with its parsing workers), "
          f"ratio {min(ingest_cpu) / min(bare_cpu):.2f}")
    unlinked = min(unlinked_times)
    print(f"linking adds:        {(full - unlinked) / unlinked:+.1%} wall ({unlinked:.2f} s without the linker), "
          f"{(min(ingest_cpu) - min(unlinked_cpu)) / min(unlinked_cpu):+.1%} CPU  (target <= 15%)")
    print(f"entries per second:  {entries / full:,.0f}")
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3  # kB on Linux
    print(f"peak memory:         {peak / 1e6:.0f} MB (tracemalloc, one ingest round, writing process); "
          f"parsing workers: {worker_rss:.0f} MB peak RSS (the largest, shared pages included)")
    print(f"load average:        {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared: compare ratios, not seconds)")
    print(f"(best of {args.rounds} rounds each; all rounds: bare {', '.join(f'{t:.2f}' for t in bare_times)}; ingest {', '.join(f'{t:.2f}' for t in ingest_times)})")
    ok = entries == 20_253 and duplicates == 2_991
    if not ok:
        print("UNEXPECTED: entries or duplicates differ from the known counts (20,253 and 2,991)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
