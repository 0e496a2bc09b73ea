"""Full-text search against a plain FTS5 query, in one run; PostgreSQL's on request.

    python tests/benchmarks/bench_search.py [--db PATH | --corpus DIR_OR_FILE] [--samples 30] [--postgres [URL]]

The store: --db, or a temporary one made by `aiprogress ingest` of --corpus
(by default ../shared/corpora/acl-anthology-2019 when present, else the
sample of it in tests/corpora). For each query, with
tests/benchmarks/timing.py (interleaved rounds; medians of wall and CPU
seconds; load average):

- plain FTS5 (the anchor): one SQL statement on the same index, through the
  same driver connection, counting the matches and taking the 20 best by
  bm25 with their node ids;
- ours: graph/search.py's count and top 20 (weights per column, the exact
  name first, ties by year and id), what `aiprogress search` and GraphQL call.

Target: ours within 2x. With --postgres (a URL, or none: a throwaway server
of tests/pg.py) the store is copied into PostgreSQL and its text search
(node_search, GIN index, ts_rank) is timed the same way beside the
substring match it replaced.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import stores  # noqa: E402
import timing  # noqa: E402

from aiprogress.graph import db, search, transfer  # noqa: E402
from aiprogress.graph.models import Node  # noqa: E402

QUERIES = ["transformer", "neural machine translation", "parsing", "attention", "semantic role label", "zzzabsent"]
PLAIN_FTS5 = """
SELECT (SELECT count(*) FROM node_fts WHERE node_fts MATCH :q),
       (SELECT group_concat(id, ' ') FROM (SELECT node.id FROM node_fts JOIN node ON node.rowid = node_fts.rowid
                                           WHERE node_fts MATCH :q ORDER BY bm25(node_fts) LIMIT 20))"""


def ranked(session, text: str) -> tuple[int, list[str]]:
    return search.count(session, text), [h.node_id for h in search.search(session, text, limit=20)]


def substring(session, text: str) -> tuple[int, list[str]]:
    """What PostgreSQL answered before its text search: every word as a substring, unranked."""
    hits = search._matching_fallback(search.words_of(text)).subquery()
    total = session.execute(select(func.count()).select_from(hits)).scalar_one()
    top = session.execute(select(hits.c.node_id).join(Node, Node.id == hits.c.node_id).order_by(Node.year, Node.id).limit(20)).scalars().all()
    return total, list(top)


def fts_words(text: str) -> str:
    """The FTS5 query graph/search.py sends: each word quoted, the last a prefix."""
    words = [f'"{w}"' for w in search.words_of(text)]
    words[-1] += "*"
    return " ".join(words)


def on_sqlite(path: str, samples: int) -> None:
    engine = db.open_engine(path)
    with db.session_scope(engine) as session:
        nodes = session.execute(select(func.count()).select_from(Node)).scalar_one()
        print(f"{path}: {nodes} nodes; {samples} interleaved rounds per query (target: ours within 2x of plain FTS5)")
        cursor = session.connection().connection.driver_connection.cursor()
        for text in QUERIES:
            contenders = {
                "plain FTS5": lambda text=text: cursor.execute(PLAIN_FTS5, {"q": fts_words(text)}).fetchone(),
                "ours": lambda text=text: ranked(session, text),
            }
            for fn in contenders.values():
                fn()
            plain_total, ours_total = contenders["plain FTS5"]()[0], contenders["ours"]()[0]
            print(f"{text!r}: {ours_total} hits (plain FTS5 {plain_total})")
            timing.report(timing.interleave(contenders, samples), anchor="plain FTS5", unit="ms", scale=1000)
    engine.dispose()


def on_postgresql(path: str, pg_url: str | None, samples: int) -> None:
    cluster = None
    if pg_url is None:
        sys.path.insert(0, str(HERE.parent))
        from pg import Cluster, find_bindir

        cluster = Cluster(find_bindir())
        cluster.start()
        pg_url = cluster.create_database()
    try:
        transfer.copy_graph(path, pg_url)
        pg = db.open_engine(pg_url)
        print(f"\nPostgreSQL: text search (node_search, GIN, ts_rank) against the substring match it replaced; {samples} rounds")
        with db.session_scope(pg) as session:
            for text in QUERIES:
                contenders = {"substring": lambda text=text: substring(session, text), "tsearch": lambda text=text: ranked(session, text)}
                print(f"{text!r}:")
                timing.report(timing.interleave(contenders, samples), anchor="substring", unit="ms", scale=1000)
        pg.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (SQLite file)")
    parser.add_argument("--corpus", type=Path, default=None, help="BibTeX file or folder to ingest into a temporary store")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--postgres", nargs="?", const="", default=None, metavar="URL",
                        help="also time PostgreSQL (a URL, or nothing for a throwaway server)")
    args = parser.parse_args()
    print(timing.machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        path = stores.store_path(args.db, args.corpus, tmp, "search.db")
        on_sqlite(path, args.samples)
        if args.postgres is not None:
            on_postgresql(path, args.postgres or None, args.samples)


if __name__ == "__main__":
    main()
