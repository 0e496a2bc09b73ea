"""The linker's quality and speed.

    python tests/benchmarks/bench_linker.py                 # precision/recall on the labelled titles
    python tests/benchmarks/bench_linker.py --errors        # ... and every false positive and negative
    python tests/benchmarks/bench_linker.py --scale 20000 100000 300000  # link, then relink, synthetic stores of these sizes

The labelled titles are tests/linking/*.tsv (drawn by tests/linking/draw_sample.py).

--scale builds, per size, a store of the built-in history plus N synthetic
papers whose titles are drawn from the 432 labelled titles with variation
(a word swapped for a word of another title in half of them; about a
quarter name a technique, more than in the ACL files, as half the labelled
titles were drawn for naming one), years
around the labelled year, and an abstract (three other titles) on one paper
in ten. It then times, with tests/benchmarks/timing.py, the first link
(every link written) and a relink that changes nothing, and prints per size
the time per paper, wall and CPU seconds and the load average: when the
time per paper stays flat, the time grows linearly.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiprogress.graph import db, linking  # noqa: E402
from aiprogress.ingest import datafiles  # noqa: E402
from tests.linking.score import LABELLED, read, score  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))


def builtin_engine(path: str):
    engine = db.open_engine(path)
    db.create_schema(engine)
    with db.session_scope(engine) as session:
        datafiles.load_builtin(session)
    return engine


def quality(errors: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = builtin_engine(f"{tmp}/q.db")
        with Session(engine) as session:
            lex = linking.lexicon(session)
        engine.dispose()
    for path in LABELLED:
        if not path.exists():
            continue
        s = score(lex, path)
        print(f"{path.name}: {s.titles} titles, {s.true_positive} right, {len(s.false_positive)} false positives, "
              f"{len(s.false_negative)} missed: precision {s.precision:.3f}, recall {s.recall:.3f}")
        if errors:
            for title, t in s.false_positive:
                print(f"  FP {t:40} {title}")
            for title, t in s.false_negative:
                print(f"  FN {t:40} {title}")


def synthetic_papers(n: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Node and paper rows of n papers with realistic titles (see the module's docstring)."""
    import random

    rng = random.Random(seed)
    labelled = [(title, year) for path in LABELLED if path.exists() for title, year, _ in read(path)]
    vocabulary = sorted({w for title, _ in labelled for w in title.split()})
    nodes, papers = [], []
    for i in range(n):
        title, year = labelled[rng.randrange(len(labelled))]
        words = title.split()
        if rng.random() < 0.5:
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        year = (year or rng.randrange(1990, 2020)) + rng.randint(-2, 2)
        abstract = ". ".join(t for t, _ in rng.sample(labelled, 3)) if rng.random() < 0.1 else None
        nodes.append({"id": f"paper:s{i}", "kind": "paper", "name": " ".join(words), "year": year, "provenance": "bibtex:synthetic.bib", "description": None})
        papers.append({"node_id": f"paper:s{i}", "citation_key": f"s{i}", "authors": [], "extra": {}, "field_sources": {}, "abstract": abstract,
                       "entry_type": "inproceedings", "title_key": "", "year": year})
    return nodes, papers


def scale(sizes: list[int], batch_size: int) -> None:
    from aiprogress.graph import bulk
    from timing import machine_line, timed

    print(machine_line())
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            engine = builtin_engine(f"{tmp}/s.db")
            nodes, papers = synthetic_papers(n)
            with db.session_scope(engine) as session:
                for start in range(0, n, 50_000):
                    bulk.insert_papers(session, nodes[start:start + 50_000], papers[start:start + 50_000])
            del nodes, papers
            for label in ("first link", "relink, no change"):
                sample, plan = timed(lambda: linking.relink(engine, batch_size=batch_size))
                print(f"{n:>7} papers, {label:<17}: {sample.wall / plan.papers * 1e6:6.1f} µs/paper wall, {sample.cpu / plan.papers * 1e6:6.1f} µs/paper CPU; "
                      f"{sample.wall:6.2f} s wall, {sample.cpu:6.2f} s CPU, load {sample.load:.1f}; {plan.changes} changes, {plan.linked_papers} papers linked")
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--scale", type=int, nargs="+", metavar="N", help="link and relink synthetic stores of N papers")
    parser.add_argument("--batch-size", type=int, default=5000, help="papers per transaction (as `aiprogress link`)")
    args = parser.parse_args()
    if args.scale:
        scale(args.scale, args.batch_size)
    else:
        quality(args.errors)


if __name__ == "__main__":
    main()
