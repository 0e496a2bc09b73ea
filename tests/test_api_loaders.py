"""No N+1: a query for many papers with their edges and neighbours runs a
fixed number of SQL statements, whatever the number of papers (DataLoaders,
api/loaders.py)."""

from __future__ import annotations

from contextlib import contextmanager

from api_support import build_papers, make_api
from sqlalchemy import event

from aiprogress.graph import db as database

REFERENCE = """query($n: Int!) { nodes(kind: paper, first: $n) {
  totalCount
  nodes { id kind name year
    ... on Paper { authors doi citationKey }
    aliases
    edges { relation direction provenance other { id kind name } }
    neighbours { id kind name ... on Technique { category } }
  } } }"""


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_statement_count_does_not_grow_with_the_result(tmp_path):
    path = tmp_path / "papers.db"
    engine = database.open_engine(str(path))
    database.create_schema(engine)
    build_papers(engine, 100)
    api = make_api(path, max_query_cost=10**9)
    app_engine = api.client.app.state.engine

    counts = {}
    for n in (5, 100):
        with counting(app_engine) as statements:
            data = api.data(REFERENCE, {"n": n})["nodes"]
        nodes = data["nodes"]
        assert len(nodes) == n and data["totalCount"] == 100
        # Every paper after the first two cites two papers and introduces a technique.
        assert all(len(node["edges"]) >= 1 for node in nodes)
        assert sum(len(node["neighbours"]) for node in nodes) >= 3 * n - 6
        counts[n] = len(statements)
    assert counts[100] == counts[5], counts
    # page, count, edges, neighbour nodes, papers, aliases: a handful, not hundreds.
    assert counts[100] <= 8, counts
    engine.dispose()
