"""Importing an OpenAlex-shaped JSON Lines file, against json.loads of the
same lines and the BibTeX path's write cost for the same papers.

    python tests/benchmarks/bench_import.py [--works 20000] [--refs 20] [--outside 0.3] [--samples 1]

Writes a generated file of `--works` Work objects (title, 4 authorships, an
abstract_inverted_index of ~80 words, a DOI, `--refs` referenced_works each,
a share `--outside` of them naming works not in the file) and a .bib of
the same papers (no references), then, round after round interleaved
(tests/benchmarks/timing.py):
  - json.loads: every line of the file, the anchor;
  - bibtex write: the .bib's records (parsed beforehand) written into a new
    SQLite store, the BibTeX path's write cost for the same papers;
  - import: `ingest_source` of the JSON Lines file into a new SQLite store;
  - rows alone: the rows the import's references became (its `cites` edges
    and pending citations), taken out of its store and written again by
    SQLite alone (one `executemany` each, one transaction, the store's own
    connection settings): what writing those references costs with no
    importer at all.
Each import runs in a child process of its own, so its peak memory is its
own. The budget is 2x json.loads plus the BibTeX write; the import's time
is printed against it and against the floor (the budget plus rows alone), with works/s, references/s, peak memory (max RSS),
the resident memory less file-backed pages (the memory-mapped store) after
a tenth of the file and at its end (flat in the file's size when streaming
works), the share of references resolved into
`cites` edges, CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timing  # noqa: E402

from aiprogress.graph import db as database  # noqa: E402
from aiprogress.graph.models import Edge, PendingCitation  # noqa: E402
from aiprogress.ingest import bibtex, load  # noqa: E402

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


def bib_entry(w: dict) -> str:
    """The same paper as a BibTeX entry (what BibTeX can say of it; no references)."""
    words = sorted((p, word) for word, positions in w["abstract_inverted_index"].items() for p in positions)
    authors = " and ".join(a["author"]["display_name"] for a in w["authorships"])
    return (f"@article{{{w['id'].rsplit('/', 1)[1]},\n  title = {{{w['title']}}},\n  author = {{{authors}}},\n"
            f"  year = {{{w['publication_year']}}},\n  journal = {{{w['primary_location']['source']['display_name']}}},\n"
            f"  doi = {{{w['doi'].removeprefix('https://doi.org/')}}},\n  url = {{{w['primary_location']['landing_page_url']}}},\n"
            f"  abstract = {{{' '.join(word for _, word in words)}}}\n}}\n\n")


def generate(jsonl: Path, bib: Path, n: int, refs: int, outside: float) -> int:
    rng = random.Random(7)
    total = 0
    with jsonl.open("w", encoding="utf-8") as f, bib.open("w", encoding="utf-8") as b:
        for i in range(n):
            w = work(i, n, refs, outside, rng)
            total += len(w["referenced_works"])
            f.write(json.dumps(w) + "\n")
            b.write(bib_entry(w))
    return total


def anchor(path: Path) -> None:
    with path.open(encoding="utf-8") as f:
        for line in f:
            json.loads(line)


def _rss_mb() -> float:
    """Resident memory less its file-backed pages (the store is memory-mapped,
    and its pages read count as resident): what the import itself holds."""
    with open("/proc/self/statm") as f:
        resident, shared = map(int, f.read().split()[1:3])
    return (resident - shared) * resource.getpagesize() / 1e6


def _fresh(db: Path):
    db.unlink(missing_ok=True)
    engine = database.open_engine(f"sqlite:///{db}")
    database.create_schema(engine)
    return engine


def _import_child(path: str, db: str, works: int) -> dict:
    """In a child process: the import, timed, with its memory and what it made."""
    engine = _fresh(Path(db))
    rss: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        if done >= works // 10 and "tenth" not in rss:
            rss["tenth"] = _rss_mb()

    sample, report = timing.timed(lambda: load.ingest_source(engine, path, format="openalex", progress=progress))
    rss["end"] = _rss_mb()
    assert report.new == works and not report.errors, report.to_dict()["problems"][:3]
    with Session(engine) as s:
        edges = s.execute(select(func.count()).select_from(Edge).where(Edge.relation == "cites")).scalar_one()
        pending = s.execute(select(func.count()).select_from(PendingCitation)).scalar_one()
    engine.dispose()
    return {"sample": sample, "edges": edges, "pending": pending, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, **rss}


def _rows_child(db: str) -> dict:
    """In a child process: the import's `cites` edges and pending citations
    taken out of its store (untimed; VACUUM, so that no freed pages are
    reused), then written again by SQLite alone, timed."""
    engine = database.open_engine(f"sqlite:///{db}")
    raw = engine.raw_connection()
    connection = raw.driver_connection
    tables = {"edge": "WHERE relation = 'cites'", "pending_citation": ""}
    rows = {t: connection.execute(f"SELECT * FROM {t} {where}").fetchall() for t, where in tables.items()}
    for table, where in tables.items():
        connection.execute(f"DELETE FROM {table} {where}")
    connection.commit()
    connection.execute("VACUUM")

    def write() -> None:
        connection.execute("BEGIN")  # one transaction, whatever the driver's isolation setting
        for table, values in rows.items():
            if values:
                connection.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values[0]))})", values)
        connection.execute("COMMIT")

    sample, _ = timing.timed(write)
    raw.close()
    engine.dispose()
    return {"sample": sample, "rows": sum(map(len, rows.values()))}


def _bibtex_child(path: str, db: str, works: int) -> dict:
    """In a child process: the BibTeX path writing the same papers (parsed beforehand), timed."""
    engine = _fresh(Path(db))
    parsed = bibtex.parse_file(path)
    sample, report = timing.timed(lambda: load.ingest_source(engine, path, parsed=parsed))
    assert report.new == works, report.to_dict()["problems"][:3]
    engine.dispose()
    return {"sample": sample}


def in_child(fn, *args) -> dict:
    with multiprocessing.get_context("fork").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(fn, args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=20_000)
    parser.add_argument("--refs", type=int, default=20)
    parser.add_argument("--outside", type=float, default=0.3, help="share of references to works not in the file")
    parser.add_argument("--samples", type=int, default=1, help="interleaved rounds (medians are reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, bib = Path(tmp) / "works.jsonl", Path(tmp) / "works.bib"
        references = generate(jsonl, bib, args.works, args.refs, args.outside)
        print(f"file: {args.works:,} works, {references:,} references, {jsonl.stat().st_size / 1e6:.1f} MB; {timing.machine_line()}", flush=True)
        samples: dict[str, list[timing.Sample]] = {"json.loads": [], "bibtex write": [], "import": [], "rows alone": []}
        imports = []
        for _ in range(args.samples):
            samples["json.loads"].append(timing.timed(lambda: anchor(jsonl))[0])
            samples["bibtex write"].append(in_child(_bibtex_child, str(bib), str(Path(tmp) / "bib.db"), args.works)["sample"])
            imports.append(in_child(_import_child, str(jsonl), str(Path(tmp) / "import.db"), args.works))
            samples["import"].append(imports[-1]["sample"])
            written = in_child(_rows_child, str(Path(tmp) / "import.db"))
            samples["rows alone"].append(written["sample"])
        timing.report(samples, anchor="json.loads")
        json_s, bib_s, import_s = (timing.median(samples[k], "wall") for k in ("json.loads", "bibtex write", "import"))
        json_cpu, bib_cpu, import_cpu = (timing.median(samples[k], "cpu") for k in ("json.loads", "bibtex write", "import"))
        rows_s, rows_cpu = timing.median(samples["rows alone"], "wall"), timing.median(samples["rows alone"], "cpu")
        budget, budget_cpu = 2 * json_s + bib_s, 2 * json_cpu + bib_cpu
        last = imports[-1]
        print(f"import:              {args.works / import_s:,.0f} works/s  {references / import_s:,.0f} references/s (median wall)")
        print(f"budget:              2 x json.loads + bibtex write = {budget:.2f} s wall, {budget_cpu:.2f} s CPU; "
              f"import / budget = {import_s / budget:.2f} wall, {import_cpu / budget_cpu:.2f} CPU")
        print(f"floor:               budget + rows alone ({written['rows']:,} rows: {rows_cpu / max(written['rows'], 1) * 1e6:.1f} µs CPU a row) = "
              f"{budget + rows_s:.2f} s wall, {budget_cpu + rows_cpu:.2f} s CPU; import / floor = {import_s / (budget + rows_s):.2f} wall, "
              f"{import_cpu / (budget_cpu + rows_cpu):.2f} CPU")
        print(f"import / json.loads: {import_s / json_s:.1f}x wall")
        print(f"references resolved: {last['edges']:,} cites edges, {last['pending']:,} pending "
              f"({last['edges'] / max(references, 1):.1%} resolved; {1 - args.outside:.0%} named works in the file)")
        print(f"memory:              peak {last['peak']:,.0f} MB max RSS; resident less file pages {last.get('tenth', 0):,.0f} MB after a tenth of the file, "
              f"{last['end']:,.0f} MB at its end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
