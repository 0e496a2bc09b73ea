"""The fixed cost of a GraphQL request, and the README's origins query.

    python tests/benchmarks/bench_graphql_cost.py [--samples 300]

On the built-in history in a SQLite file, in one process, alternating the
queries so that the shared machine's noise hits both alike: each query
(a) executed by the schema alone (`execute_sync`, what a request costs
inside the worker thread) and (b) sent through the whole app (ASGI, in
process: routing, context, worker thread, JSON). Prints the median wall
and CPU milliseconds of each, the SQL statements per request, and the load
average (wall times on a busy machine mean little: compare CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import httpx
from sqlalchemy import event

from aiprogress.api.app import create_app
from aiprogress.api.context import Context
from aiprogress.api.schema import build_schema
from aiprogress.graph import db as database
from aiprogress.graph import settings
from aiprogress.ingest import datafiles

QUERIES = {
    "stats": "{ stats { totalNodes } }",
    "origins (README)": """{ origins(id: "technique:transformer", limit: 20) { count
        reached { distance node { id name year } via { sourceId relation targetId note provenance } } } }""",
}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def measure(db_path: Path, samples: int) -> None:
    warnings.simplefilter("ignore")
    app = create_app({"database_url": str(db_path)})
    engine = app.state.engine
    config = settings.resolve(database_url=str(db_path))
    schema = build_schema(config)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def direct(query: str) -> None:
        context = Context(engine, config)
        try:
            result = schema.execute_sync(query, context_value=context)
        finally:
            context.close()
        assert not result.errors, result.errors

    times = {(name, way): ([], []) for name in QUERIES for way in ("execute_sync", "through the app")}
    counts = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

        async def through_app(query: str) -> None:
            response = await client.post("/graphql", json={"query": query})
            assert "errors" not in response.json(), response.text

        for _ in range(10):  # warm-up: the in-memory graph, parser and validation caches
            for query in QUERIES.values():
                direct(query)
                await through_app(query)
        for _ in range(samples):
            for name, query in QUERIES.items():
                for way in ("execute_sync", "through the app"):
                    statements.clear()
                    wall, cpu = time.perf_counter(), time.process_time()
                    if way == "execute_sync":
                        direct(query)
                    else:
                        await through_app(query)
                    times[name, way][0].append(time.perf_counter() - wall)
                    times[name, way][1].append(time.process_time() - cpu)
                    counts[name] = len(statements)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {samples}")
    for (name, way), (wall, cpu) in times.items():
        print(f"  {name:17} {way:16} {median_ms(wall):6.2f} ms wall  {median_ms(cpu):6.2f} ms CPU  {counts[name]} SQL statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "history.db"
        engine = database.open_engine(str(db_path))
        database.create_schema(engine)
        with database.session_scope(engine) as session:
            datafiles.load_builtin(session)
        engine.dispose()
        asyncio.run(measure(db_path, args.samples))


if __name__ == "__main__":
    main()
