"""The fixed cost of a GraphQL request against a plain JSON route, in one run.

    python tests/benchmarks/bench_graphql_cost.py [--samples 200]

On the built-in history in a SQLite file, one app (api/app.py), one
process. For each query (stats, and the README's origins query) three
contenders run interleaved with tests/benchmarks/timing.py:

- plain route: a FastAPI route written for the comparison, calling the same
  service function (graph/service.py, graph/answers.py) and returning the
  same JSON by hand (the anchor; the answers are checked to be equal);
- /graphql: the same answer through the GraphQL route;
- execute_sync: the schema alone, as a request's worker thread runs it.

Both routes go through the same in-process client (FastAPI's TestClient),
so the difference is what GraphQL adds. Prints the median wall and CPU
milliseconds, the load average, the ratio to the plain route (target:
/graphql within 2x) and the SQL statements each runs.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import warnings
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timing  # noqa: E402

from aiprogress.api.app import create_app  # noqa: E402
from aiprogress.api.context import Context  # noqa: E402
from aiprogress.api.schema import build_schema  # noqa: E402
from aiprogress.graph import answers, service, settings  # noqa: E402
from aiprogress.graph import db as database  # noqa: E402
from aiprogress.ingest import datafiles  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

README_ORIGINS = """{ origins(id: "technique:transformer", limit: 20) { count
        reached { distance node { id name year } via { sourceId relation targetId note provenance } } } }"""
QUERIES = {"stats": ("{ stats { totalNodes totalEdges } }", "/bench/plain/stats"), "origins (README)": (README_ORIGINS, "/bench/plain/origins")}


def add_plain_routes(app, engine) -> None:
    """The comparison: the same answers as QUERIES, by hand over the same services."""

    @app.get("/bench/plain/stats")
    def plain_stats() -> dict:
        with database.session_scope(engine) as session:
            counts = service.stats(session)
        return {"data": {"stats": {"totalNodes": counts["total_nodes"], "totalEdges": counts["total_edges"]}}}

    @app.get("/bench/plain/origins")
    def plain_origins() -> dict:
        with database.session_scope(engine) as session:
            answer = answers.origins(session, "technique:transformer", limit=20)
            reached = [
                {"distance": r.distance, "node": {"id": r.id, "name": r.name, "year": r.year},
                 "via": {"sourceId": r.via.source_id, "relation": r.via.relation.replace("-", "_"), "targetId": r.via.target_id,
                         "note": r.via.note, "provenance": r.via.provenance}}
                for r in answer.reached
            ]
            return {"data": {"origins": {"count": answer.count, "reached": reached}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="rounds (each runs every contender once)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "history.db"
        engine = database.open_engine(str(db_path))
        database.create_schema(engine)
        with database.session_scope(engine) as session:
            datafiles.load_builtin(session)
        engine.dispose()

        app = create_app({"database_url": str(db_path)})
        engine = app.state.engine
        add_plain_routes(app, engine)
        config = settings.resolve(database_url=str(db_path))
        schema = build_schema(config)
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        print(timing.machine_line())
        print(f"built-in history; medians of {args.samples} interleaved rounds")
        with TestClient(app) as client:
            for name, (query, plain_path) in QUERIES.items():

                def through_graphql(query=query) -> dict:
                    response = client.post("/graphql", json={"query": query})
                    assert response.status_code == 200 and "errors" not in response.json(), response.text
                    return response.json()

                def through_plain(plain_path=plain_path) -> dict:
                    response = client.get(plain_path)
                    assert response.status_code == 200, response.text
                    return response.json()

                def schema_alone(query=query) -> None:
                    context = Context(engine, config)
                    try:
                        result = schema.execute_sync(query, context_value=context)
                    finally:
                        context.close()
                    assert not result.errors, result.errors

                assert through_graphql() == through_plain(), f"{name}: the two routes must return the same data"
                contenders = {"plain route": through_plain, "/graphql": through_graphql, "execute_sync": schema_alone}
                counts = {}
                for label, fn in contenders.items():
                    for _ in range(5):  # warm-up: the in-memory graph, parser and validation caches
                        fn()
                    statements.clear()
                    fn()
                    counts[label] = len(statements)
                # The app's long-lived objects out of the collection timing.timed runs before each sample.
                gc.collect()
                gc.freeze()
                samples = timing.interleave(contenders, args.samples)
                print(f"{name} (target: /graphql within 2x of the plain route); SQL statements: "
                      + ", ".join(f"{label} {count}" for label, count in counts.items()))
                timing.report(samples, anchor="plain route", unit="ms", scale=1000)


if __name__ == "__main__":
    main()
