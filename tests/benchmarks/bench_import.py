"""Importing an OpenAlex-shaped JSON Lines file, against json.loads of the same lines.

    python tests/benchmarks/bench_import.py [--works 300000] [--refs 20] [--outside 0.3] [--runs 1]

Writes a generated file of `--works` Work objects (title, 4 authorships, an
abstract_inverted_index of ~80 words, a DOI, `--refs` referenced_works each,
a share `--outside` of them naming works not in the file), then, alternating
(anchor, import, anchor):
  - the anchor: json.loads of every line of the file;
  - the import: `ingest_source` of the file into a new SQLite store, the
    write path every format shares.
Reports works/s and references/s of the import, its ratio to the anchor,
peak memory (max RSS), CPU seconds, the load average, and the share of
references resolved into `cites` edges (the rest are pending citations).
The machine is shared: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph.models import Edge, PendingCitation
from aiprogress.ingest import load

WORDS = ("model attention network training data language learning deep neural transformer scaling "
         "compute parameters benchmark evaluation image vision reinforcement policy gradient").split()


def work(i: int, n: int, refs: int, outside: float, rng: random.Random) -> dict:
    words = [rng.choice(WORDS) for _ in range(80)]
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    cited = []
    for _ in range(refs):
        target = rng.randrange(n) if rng.random() >= outside else n + rng.randrange(10 * n)
        if target != i:
            cited.append(f"https://openalex.org/W{target + 1}")
    return {
        "id": f"https://openalex.org/W{i + 1}", "doi": f"https://doi.org/10.9999/bench.{i + 1}",
        "title": f"{rng.choice(WORDS).capitalize()} {' '.join(rng.choice(WORDS) for _ in range(6))} {i}",
        "publication_year": 1990 + i % 35, "type": "article",
        "ids": {"openalex": f"https://openalex.org/W{i + 1}", "mag": str(3_000_000_000 + i)},
        "authorships": [{"author_position": "first" if a == 0 else "middle",
                         "author": {"id": f"https://openalex.org/A{rng.randrange(10**6)}", "display_name": f"Author {rng.randrange(10**5)}"}}
                        for a in range(4)],
        "primary_location": {"source": {"display_name": f"Journal {i % 500}"}, "landing_page_url": f"https://example.org/{i}"},
        "abstract_inverted_index": index, "referenced_works": cited,
    }


def generate(path: Path, n: int, refs: int, outside: float) -> int:
    rng = random.Random(7)
    total = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            w = work(i, n, refs, outside, rng)
            total += len(w["referenced_works"])
            f.write(json.dumps(w) + "\n")
    return total


def anchor(path: Path) -> float:
    start = time.perf_counter()
    with path.open(encoding="utf-8") as f:
        for line in f:
            json.loads(line)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=300_000)
    parser.add_argument("--refs", type=int, default=20)
    parser.add_argument("--outside", type=float, default=0.3, help="share of references to works not in the file")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "works.jsonl"
        references = generate(path, args.works, args.refs, args.outside)
        print(f"file: {args.works:,} works, {references:,} references, {path.stat().st_size / 1e6:.1f} MB", flush=True)
        anchors, imports = [], []
        for run in range(args.runs):
            anchors.append(anchor(path))
            db = Path(tmp) / f"store{run}.db"
            engine = database.open_engine(f"sqlite:///{db}")
            database.create_schema(engine)
            cpu0 = time.process_time()
            start = time.perf_counter()
            report = load.ingest_source(engine, str(path), format="openalex")
            imports.append(time.perf_counter() - start)
            cpu = time.process_time() - cpu0
            with Session(engine) as s:
                edges = s.execute(select(func.count()).select_from(Edge).where(Edge.relation == "cites")).scalar_one()
                pending = s.execute(select(func.count()).select_from(PendingCitation)).scalar_one()
            engine.dispose()
            anchors.append(anchor(path))
            assert report.new == args.works and not report.errors, report.to_dict()["problems"][:3]
        json_s = sum(anchors) / len(anchors)
        import_s = min(imports)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        print(f"json.loads anchor:   {json_s:.2f} s ({args.works / json_s:,.0f} works/s), mean of {len(anchors)} interleaved")
        print(f"import:              {import_s:.2f} s  {args.works / import_s:,.0f} works/s  {references / import_s:,.0f} references/s")
        print(f"import / anchor:     {import_s / json_s:.1f}x")
        print(f"references resolved: {edges:,} cites edges, {pending:,} pending ({edges / max(references, 1):.1%} resolved; "
              f"{1 - args.outside:.0%} named works in the file)")
        print(f"peak memory:         {peak_mb:,.0f} MB max RSS")
        print(f"CPU seconds:         {cpu:.1f} (last import)")
        print(f"load average:        {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared: compare ratios, not seconds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
