"""The linker's quality and speed.

    python tests/benchmarks/bench_linker.py                 # precision/recall on the labelled titles
    python tests/benchmarks/bench_linker.py --errors        # ... and every false positive and negative
    python tests/benchmarks/bench_linker.py --relink 20000  # relink a synthetic store of N papers (wall and CPU seconds)

The labelled titles are tests/linking/*.tsv (drawn by tests/linking/draw_sample.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiprogress.graph import db, linking  # noqa: E402
from aiprogress.ingest import datafiles  # noqa: E402
from tests.linking.score import LABELLED, score  # noqa: E402


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


def relink(n: int) -> None:
    import random

    rng = random.Random(7)
    words = ("parsing translation neural attention LSTM word embeddings convolutional corpus semantic dependency recurrent "
             "networks learning model transformer BERT sentiment Adam grammar lexicon speech").split()
    with tempfile.TemporaryDirectory() as tmp:
        engine = builtin_engine(f"{tmp}/r.db")
        with db.session_scope(engine) as session:
            nodes = [{"id": f"paper:s{i}", "kind": "paper", "name": " ".join(rng.choices(words, k=9)), "year": 1990 + i % 30,
                      "provenance": "bench", "description": None} for i in range(n)]
            papers = [{"node_id": f"paper:s{i}", "citation_key": f"s{i}", "authors": [], "extra": {}, "field_sources": {},
                       "entry_type": "article", "title_key": "", "year": 1990 + i % 30} for i in range(n)]
            from aiprogress.graph import bulk
            bulk.insert_papers(session, nodes, papers)
        for label in ("first link", "relink (no change)"):
            wall, cpu = time.perf_counter(), time.process_time()
            plan = linking.relink(engine)
            print(f"{label}: {n} papers, {plan.changes} changes, {time.perf_counter() - wall:.2f} s wall, "
                  f"{time.process_time() - cpu:.2f} s CPU")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--relink", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.relink:
        relink(args.relink)
    else:
        quality(args.errors)


if __name__ == "__main__":
    main()
