"""Benchmark: `aiprogress ingest` of the five ACL Anthology files against bibtexparser's bare parse.

    python tests/benchmarks/bench_ingest.py [--rounds N] [--samples N] [--corpus DIR] [--workers N|auto]

The anchor is bibtexparser 2's `parse_file` with no middleware at all (an
empty parse stack): the least a reader of these files must do. In one run,
round after round in the same order (tests/benchmarks/timing.py), it times:

- bare parse: the anchor, over every file;
- read: our reading of the same files, in this process: records and
  problems, LaTeX decoded (the cache emptied first), no database: what the
  ingest's reading costs beside the anchor, wherever it runs;
- ingest: the whole `ingest` path (parse, in worker processes where cores idle; LaTeX decoding,
  identity, batched SQLite writes, relation fields, the linker's links) into
  a fresh copy of a store holding the built-in history (so the linker has
  techniques to find), the LaTeX cache emptied first;
- unlinked: the same without the linker's pass, for what linking adds
  (target: at most 15%);
- re-ingest: the same files again into the store the ingest just filled:
  every file is unchanged and skipped (target: under 10% of a first ingest).

It prints median wall seconds, CPU seconds (this process and its finished
children, the parsing workers) and load average of each, their ratios to
the anchor (target: ingest at most 2x in CPU seconds), then, each in a
child process of its own: the peak memory of the whole process tree (the
sum over the process and its children, sampled every 20 ms: proportional
set size, which shares a page between the processes that map it, and RSS,
which counts it in each) of the bare parse and of an ingest into an empty
store (target: at most 3x), and that store's size against the files'
(target: at most 2.5x).

The parsing workers of the timed ingests follow the setting ingest_workers
(--workers; default auto: one where a core is idle); memory is measured
with none and with one. --samples N ingests the first N entries of each
file (cut copies written to a temporary folder) for a quick run; the
default corpus is ../shared/corpora/acl-anthology-2019 beside the
repository.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # timing.py

import bibtexparser  # noqa: E402

import timing  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "acl-anthology-2019"
FULL_ENTRIES, FULL_DUPLICATES = 20_253, 2_991  # of the five files, whole
_ENTRY_START = re.compile(r"^@", re.MULTILINE)


def bare_parse(files: list[Path]) -> int:
    return sum(len(bibtexparser.parse_file(str(f), parse_stack=[]).entries) for f in files)


def read(files: list[Path]) -> int:
    from aiprogress.ingest import bibtex, parse_ahead

    bibtex._decoded.clear()
    return sum(len(parse_ahead.parse_source(str(f))[1].records) for f in files)


def ingest(files: list[Path], path: Path, template: Path | None, link: bool = True) -> tuple[int, int]:
    from aiprogress.graph import db
    from aiprogress.ingest import bibtex, load

    bibtex._decoded.clear()  # every round decodes from scratch
    if template is not None:
        shutil.copyfile(template, path)
    engine = db.open_engine(str(path))
    db.create_schema(engine)
    entries = duplicates = 0
    try:
        for report in load.ingest_sources(engine, [str(f) for f in files], link=link):
            entries += report.entries
            duplicates += report.duplicates
    finally:
        engine.dispose()
    return entries, duplicates


def reingest(files: list[Path], path: Path) -> int:
    """Files ingested again, unchanged: how many were skipped."""
    from aiprogress.graph import db
    from aiprogress.ingest import load

    engine = db.open_engine(str(path))
    try:
        return sum(bool(r.skipped) for r in load.ingest_sources(engine, [str(f) for f in files]))
    finally:
        engine.dispose()


def builtin_store(path: Path) -> Path:
    from aiprogress.graph import db
    from aiprogress.ingest import datafiles

    engine = db.open_engine(str(path))
    db.create_schema(engine)
    with db.session_scope(engine) as session:
        datafiles.load_builtin(session)
    engine.dispose()
    return path


def cut(files: list[Path], samples: int, folder: Path) -> list[Path]:
    """Copies of `files` holding their first `samples` entries (and what precedes them: @string macros, comments)."""
    out = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        starts = [m.start() for m in _ENTRY_START.finditer(text)]
        end = starts[samples] if samples < len(starts) else len(text)
        out.append(folder / f.name)
        out[-1].write_text(text[:end], encoding="utf-8")
    return out


# --- memory of a process tree ---------------------------------------------------------


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, queue = [], [root]
    while queue:
        pid = queue.pop()
        out.append(pid)
        queue.extend(parents.get(pid, ()))
    return out


def _kb(path: str, field: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_memory(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run `args`; (peak PSS summed over its process tree, peak RSS summed, seconds), in MB."""
    process = subprocess.Popen(args, env={**os.environ, **(env or {})})
    peak_pss = peak_rss = 0
    started = time.perf_counter()
    while process.poll() is None:
        pids = _tree(process.pid)
        peak_pss = max(peak_pss, sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
        peak_rss = max(peak_rss, sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids))
        time.sleep(0.02)
    if process.returncode:
        raise SystemExit(f"{' '.join(args[:4])} ... failed with exit code {process.returncode}")
    return peak_pss / 1e3, peak_rss / 1e3, time.perf_counter() - started


def child(argv: list[str]) -> None:
    """The measured side of peak_memory: `bare FILE...` or `ingest DB FILE...`."""
    what, rest = argv[0], argv[1:]
    if what == "bare":
        bare_parse([Path(f) for f in rest])
    else:
        ingest([Path(f) for f in rest[1:]], Path(rest[0]), None)


# --- the run --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians are printed)")
    parser.add_argument("--samples", type=int, default=None, help="the first N entries of each file only (a quick run)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"folder of the .bib files (default: {DEFAULT_CORPUS})")
    parser.add_argument("--workers", default="auto", help="parsing processes of the timed ingests (setting ingest_workers; default auto)")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    os.environ["AIPROGRESS_INGEST_WORKERS"] = args.workers
    files = sorted(args.corpus.glob("*.bib"))
    if not files:
        print(f"no .bib files in {args.corpus}: put the ACL Anthology files there (see ../shared/corpora/SOURCES.md) "
              "or name their folder with --corpus", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.samples:
            (work / "cut").mkdir()
            files = cut(files, args.samples, work / "cut")
        bib_bytes = sum(f.stat().st_size for f in files)
        for f in files:  # the page cache warm for every contender alike
            f.read_bytes()
        template = builtin_store(work / "builtin.db")
        from aiprogress.ingest import load  # noqa: F401  (imported before the clock runs)
        results: dict[str, object] = {}

        def on_round(n: int, samples: dict[str, timing.Sample]) -> None:
            print(f"round {n + 1}: " + ", ".join(f"{name} {s.wall:.2f} s ({s.cpu:.2f} s CPU)" for name, s in samples.items())
                  + f", load average {samples['bare parse'].load:.1f}", flush=True)

        contenders = {
            "bare parse": lambda: results.__setitem__("bare", bare_parse(files)),
            "read": lambda: results.__setitem__("read", read(files)),
            "ingest": lambda: results.__setitem__("ingest", ingest(files, work / "linked.db", template)),
            "unlinked": lambda: results.__setitem__("unlinked", ingest(files, work / "unlinked.db", template, link=False)),
            "re-ingest": lambda: results.__setitem__("skipped", reingest(files, work / "linked.db")),
        }
        samples = timing.interleave(contenders, args.rounds, on_round)

        me = [sys.executable, str(Path(__file__).resolve()), "--child"]
        bare_pss, bare_rss, _ = peak_memory([*me, "bare", *map(str, files)])
        memory = {}
        for workers in ("0", "1"):
            store = work / f"empty-then-ingested-{workers}.db"
            memory[workers] = peak_memory([*me, "ingest", str(store), *map(str, files)], {"AIPROGRESS_INGEST_WORKERS": workers})
        db_bytes = store.stat().st_size + sum(p.stat().st_size for p in work.glob(store.name + "-*"))

    entries, duplicates = results["ingest"]
    median = timing.median
    bare_wall, bare_cpu = median(samples["bare parse"], "wall"), median(samples["bare parse"], "cpu")
    full_wall, full_cpu = median(samples["ingest"], "wall"), median(samples["ingest"], "cpu")
    free_wall, free_cpu = median(samples["unlinked"], "wall"), median(samples["unlinked"], "cpu")
    again_wall, again_cpu = median(samples["re-ingest"], "wall"), median(samples["re-ingest"], "cpu")
    read_cpu = median(samples["read"], "cpu")
    print()
    print(f"files:        {len(files)} ({bib_bytes / 1e6:.1f} MB){f', first {args.samples} entries of each' if args.samples else ''}; "
          f"{entries:,} entries read, {duplicates:,} exact duplicates skipped; bibtexparser {bibtexparser.__version__}, no middleware")
    print(f"medians of {args.rounds} interleaved round(s), ingest_workers={args.workers}:")
    timing.report(samples, anchor="bare parse")
    print(f"ingest/bare:  {full_cpu / bare_cpu:.2f}x CPU seconds (target <= 2), {full_wall / bare_wall:.2f}x wall")
    print(f"reading:      {read_cpu / bare_cpu:.2f}x the bare parse's CPU seconds: our reading of the files, no database ({results['read']:,} records)")
    print(f"linking adds: {(full_cpu - free_cpu) / free_cpu:+.1%} CPU, {(full_wall - free_wall) / free_wall:+.1%} wall (target <= 15%)")
    print(f"re-ingest:    {results['skipped']} of {len(files)} files skipped as unchanged in {again_wall:.3f} s wall, {again_cpu:.3f} s CPU: "
          f"{again_cpu / full_cpu:.1%} of a first ingest's CPU, {again_wall / full_wall:.1%} of its wall (target < 10%)")
    print(f"peak memory:  bare parse {bare_pss:.0f} MB PSS ({bare_rss:.0f} MB RSS), summed over the process tree (target <= 3x):")
    for workers, label in (("0", "no parsing worker"), ("1", "one parsing worker")):
        pss, rss, _ = memory[workers]
        print(f"              ingest, {label}: {pss:.0f} MB PSS ({rss:.0f} MB RSS): {pss / bare_pss:.2f}x PSS, {rss / bare_rss:.2f}x RSS")
    print(f"database:     {db_bytes / 1e6:.1f} MB for {bib_bytes / 1e6:.1f} MB of BibTeX: {db_bytes / bib_bytes:.2f}x (target <= 2.5; an empty store, SQLite)")
    print(f"machine:      {timing.machine_line()}")
    if not args.samples and args.corpus == DEFAULT_CORPUS and (entries, duplicates) != (FULL_ENTRIES, FULL_DUPLICATES):
        print(f"UNEXPECTED: {entries:,} entries and {duplicates:,} duplicates, not {FULL_ENTRIES:,} and {FULL_DUPLICATES:,}", file=sys.stderr)
        return 1
    if results["skipped"] != len(files):
        print("UNEXPECTED: not every unchanged file was skipped", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
