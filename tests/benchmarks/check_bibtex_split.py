"""Check: ingest/bibtex_split.py reads every corpus file as bibtexparser's Splitter does.

    python tests/benchmarks/check_bibtex_split.py [PATH ...]

PATH is a .bib file or a folder of them (default: every .bib under
../shared/corpora and under tests/). For each file it prints whether the
file is read by bibtex_split's own reader or handed to the Splitter, the CPU
seconds of each way of splitting it, and every difference between the two in
blocks (entries with their fields, raw values and lines, @string, comments),
entry count, parsed records and reported problems. It exits non-zero on any
difference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))  # split_support.py

from aiprogress.ingest import bibtex_split  # noqa: E402
from split_support import differences, own_reading  # noqa: E402


def cpu(fn) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.paths or [REPO.parent / "shared" / "corpora", REPO / "tests"]
    files = sorted({f for p in paths for f in ([p] if p.is_file() else p.rglob("*.bib"))})
    if not files:
        print("no .bib files found", file=sys.stderr)
        return 2
    differing = own_total = splitter_total = 0.0
    for path in files:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        reader = "own" if own_reading(text) is not None else "Splitter"
        own_s = cpu(lambda: bibtex_split.split(text))
        splitter_s = cpu(lambda: bibtex_split.split_with_bibtexparser(text))
        own_total += own_s
        splitter_total += splitter_s
        found = differences(text, limit=10)
        differing += bool(found)
        print(f"{'DIFFERS' if found else 'same   '} {reader:<8} split {own_s:6.3f} s CPU, Splitter {splitter_s:6.3f} s  {path}")
        for line in found:
            print(f"    {line}")
    print(f"{len(files)} files, {int(differing)} differing; split {own_total:.2f} s CPU in all, bibtexparser's Splitter {splitter_total:.2f} s")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
