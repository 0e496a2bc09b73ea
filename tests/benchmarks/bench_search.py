"""Full-text search on a real graph (e.g. the ACL corpus), side by side in one
run: SQLite's FTS5, PostgreSQL's text search (migration 0002's node_search,
GIN index, ts_rank) and the substring match PostgreSQL used before it.

    python tests/benchmarks/bench_search.py /tmp/acl.db [postgresql+psycopg://...]

Without a PostgreSQL URL the graph is copied into a throwaway server
(tests/pg.py, Debian's binaries).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import clock  # noqa: E402

from aiprogress.graph import db, search, transfer
from aiprogress.graph.models import Node

QUERIES = ["transformer", "neural machine translation", "parsing", "attention", "semantic role label", "zzzabsent"]


def ranked(session, text: str) -> tuple[int, list[str]]:
    return search.count(session, text), [h.node_id for h in search.search(session, text, limit=20)]


def substring(session, text: str) -> tuple[int, list[str]]:
    """What PostgreSQL answered before 0002: every word as a substring, unranked."""
    hits = search._matching_fallback(search.words_of(text)).subquery()
    total = session.execute(select(func.count()).select_from(hits)).scalar_one()
    top = session.execute(select(hits.c.node_id).join(Node, Node.id == hits.c.node_id).order_by(Node.year, Node.id).limit(20)).scalars().all()
    return total, list(top)


def main(path: str, pg_url: str | None) -> None:
    cluster = None
    if pg_url is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from pg import Cluster, find_bindir

        cluster = Cluster(find_bindir())
        cluster.start()
        pg_url = cluster.create_database()
    try:
        start = time.perf_counter()
        transfer.copy_graph(path, pg_url)
        print(f"copied {path} into PostgreSQL (triggers index every row) in {time.perf_counter() - start:.1f} s")
        sqlite, pg = db.open_engine(path), db.open_engine(pg_url)
        print(f"load average {os.getloadavg()[0]:.2f} (2 cores, shared); best of 3, count + top 20")
        print(f"{'query':28s} {'sqlite fts5 ms':>14s} {'pg tsearch ms':>14s} {'pg substring ms':>16s} {'substring/tsearch':>18s}  hits fts5/tsearch/substring")
        for text in QUERIES:
            with db.session_scope(sqlite) as s:
                f_seconds, (f_total, _) = clock(lambda: ranked(s, text), repeat=3)
            with db.session_scope(pg) as s:
                t_seconds, (t_total, _) = clock(lambda: ranked(s, text), repeat=3)
                s_seconds, (s_total, _) = clock(lambda: substring(s, text), repeat=3)
            print(f"{text:28s} {f_seconds * 1e3:14.1f} {t_seconds * 1e3:14.1f} {s_seconds * 1e3:16.1f} {s_seconds / t_seconds:17.1f}x  {f_total}/{t_total}/{s_total}")
        with db.session_scope(pg) as s:
            plan = s.connection().exec_driver_sql(
                "EXPLAIN SELECT node_id FROM node_search WHERE document @@ to_tsquery('simple', 'parsing')"
            ).scalars().all()
        print("plan of a PostgreSQL match:", " / ".join(line.strip() for line in plan[:3]))
        sqlite.dispose()
        pg.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "aiprogress.db", sys.argv[2] if len(sys.argv) > 2 else None)
