"""GraphQL against a plain JSON route, side by side, then a real server under load.

    python tests/benchmarks/bench_api.py [--papers 300] [--runs 60] [--seconds 30] [--clients 8]

1. In one process, on one app (api/app.py) over one SQLite file, alternating:
   (a) the reference query through /graphql: 100 papers, their edges, and
       each neighbour's id, kind and title;
   (b) the same data through a plain FastAPI route written for the
       comparison (three SQL statements, dicts, JSON).
   Reports the median of each and their ratio (target: (a) within 2x of (b)),
   and the SQL statements each runs.
2. A real `aiprogress serve` on a free loopback port, driven by `--clients`
   concurrent clients sending the reference query for `--seconds` seconds:
   requests per second, p50, p99, errors (target: none).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import httpx
from sqlalchemy import event, or_, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/api_support.py

from api_support import build_papers  # noqa: E402

from aiprogress.api.app import create_app  # noqa: E402
from aiprogress.graph import db as database  # noqa: E402
from aiprogress.graph.models import Edge, Node  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

REFERENCE = """{ nodes(kind: paper, first: 100) { nodes { id name
  edges { relation direction other { id kind name } } } } }"""


def add_plain_route(app, engine) -> None:
    """The comparison: the same answer as REFERENCE, written by hand."""
    node, edge = Node.__table__, Edge.__table__

    @app.get("/bench/plain")
    def plain() -> dict:
        with engine.connect() as conn:
            papers = conn.execute(
                select(node.c.id, node.c.name).where(node.c.kind == "paper").order_by(node.c.year, node.c.id).limit(100)
            ).all()
            ids = [p.id for p in papers]
            edges = conn.execute(
                select(edge.c.source_id, edge.c.relation, edge.c.target_id)
                .where(or_(edge.c.source_id.in_(ids), edge.c.target_id.in_(ids)))
                .order_by(edge.c.relation, edge.c.id)
            ).all()
            wanted = set(ids)
            by_node: dict[str, list] = {i: [] for i in ids}
            others = set()
            for s, r, t in edges:
                if s in wanted:
                    by_node[s].append((r, "OUT", t))
                    others.add(t)
                if t in wanted:
                    by_node[t].append((r, "IN", s))
                    others.add(s)
            neighbours = {
                row.id: {"id": row.id, "kind": row.kind, "name": row.name}
                for row in conn.execute(select(node.c.id, node.c.kind, node.c.name).where(node.c.id.in_(list(others))))
            }
        return {"data": {"nodes": {"nodes": [
            {"id": p.id, "name": p.name, "edges": [
                {"relation": r.replace("-", "_"), "direction": d, "other": neighbours[o]} for r, d, o in by_node[p.id]
            ]} for p in papers
        ]}}}


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


def side_by_side(db_path: Path, runs: int) -> None:
    app = create_app({"database_url": str(db_path)})
    engine = app.state.engine
    add_plain_route(app, engine)
    client = TestClient(app)
    graphql = lambda: client.post("/graphql", json={"query": REFERENCE})  # noqa: E731
    plain = lambda: client.get("/bench/plain")  # noqa: E731

    a, b = graphql().json(), plain().json()
    assert "errors" not in a, a
    assert a == b, "the two routes must return the same data"
    n_edges = sum(len(n["edges"]) for n in a["data"]["nodes"]["nodes"])

    counter = StatementCounter(engine)
    statements = {}
    for name, call in (("graphql", graphql), ("plain", plain)):
        before = counter.count
        call()
        statements[name] = counter.count - before

    times: dict[str, list[float]] = {"graphql": [], "plain": []}
    for _ in range(5):  # warm up
        graphql(), plain()
    for i in range(runs):
        order = (("graphql", graphql), ("plain", plain)) if i % 2 == 0 else (("plain", plain), ("graphql", graphql))
        for name, call in order:
            started = time.perf_counter()
            response = call()
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"reference query: 100 papers, {n_edges} edges with their other end; {runs} runs each, alternating, in one process")
    print(f"  (a) /graphql        median {med['graphql']:7.2f} ms   SQL statements {statements['graphql']}")
    print(f"  (b) plain JSON route median {med['plain']:7.2f} ms   SQL statements {statements['plain']}")
    print(f"  ratio (a)/(b) at the median: {med['graphql'] / med['plain']:.2f}x   (target: within 2x)")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared: compare ratios, not milliseconds)")
    client.close()
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def under_load(db_path: Path, seconds: float, clients: int) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    exe = shutil.which("aiprogress")
    command = [exe] if exe else [sys.executable, "-m", "aiprogress.api"]
    process = subprocess.Popen([*command, "serve", "--port", str(port), "--db", str(db_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)

        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def client_loop() -> None:
            with httpx.Client(base_url=url, timeout=30) as http:
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    try:
                        response = http.post("/graphql", json={"query": REFERENCE})
                        ok = response.status_code == 200 and "errors" not in response.json()
                    except httpx.HTTPError:
                        ok = False
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
                        if not ok:
                            errors[0] += 1

        threads = [threading.Thread(target=client_loop) for _ in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
        print(f"real server on loopback, {clients} concurrent clients, {wall:.0f} s, the reference query:")
        print(f"  {len(latencies)} requests, {len(latencies) / wall:.1f} req/s, p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, errors {errors[0]}")
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the clients run on the same cores as the server)")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        engine = database.open_engine(str(db_path))
        database.create_schema(engine)
        build_papers(engine, args.papers, cites=4)
        engine.dispose()
        side_by_side(db_path, args.runs)
        under_load(db_path, args.seconds, args.clients)


if __name__ == "__main__":
    main()
