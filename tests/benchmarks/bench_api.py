"""GraphQL against a plain JSON route, side by side, then a real server under load.

    python tests/benchmarks/bench_api.py [--papers 300] [--samples 60] [--seconds 20] [--rounds 2] [--clients 8]

1. In one process, on one app (api/app.py) over one SQLite file, with
   tests/benchmarks/timing.py (interleaved rounds; medians of wall and CPU
   seconds; load average):
   (a) the reference query through /graphql: 100 papers, their edges, and
       each neighbour's id, kind and title;
   (b) the same data through a plain FastAPI route written for the
       comparison (three SQL statements, dicts, JSON), the anchor.
   Target: (a) within 2x of (b). Prints the SQL statements each runs.
2. A real server on a free loopback port (this script's --serve mode: the
   app of `aiprogress serve` plus the plain route), driven by `--clients`
   concurrent clients in alternating phases (`--rounds` of each, `--seconds`
   in all): the reference query through /graphql, then the plain route.
   Every client parses and checks every answer, the same way for both.
   Prints requests per second, p50, p99, errors, the server's CPU seconds per
   request and the load average of each, and the clients' CPU per request. Targets: /graphql at least half the
   plain route's throughput, no errors.
"""

from __future__ import annotations

import argparse
import gc
import os
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
sys.path.insert(0, str(HERE))

import timing  # noqa: E402
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


def side_by_side(db_path: Path, samples: int) -> None:
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
    for name, call in (("plain route", plain), ("/graphql", graphql)):
        before = counter.count
        call()
        statements[name] = counter.count - before

    for _ in range(5):  # warm up
        graphql(), plain()
    gc.collect()
    gc.freeze()  # the app's long-lived objects out of the collection timing.timed runs before each sample
    samples_ = timing.interleave({"plain route": plain, "/graphql": graphql}, samples)
    print(timing.machine_line())
    print(f"reference query: 100 papers, {n_edges} edges with their other end; {samples} interleaved rounds in one process "
          f"(target: /graphql within 2x); SQL statements: plain route {statements['plain route']}, /graphql {statements['/graphql']}")
    timing.report(samples_, anchor="plain route", unit="ms", scale=1000)
    client.close()
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_for_bench(db_path: str, port: int) -> None:
    """--serve: the app `aiprogress serve` runs, plus the plain route, on loopback."""
    import uvicorn

    app = create_app({"database_url": db_path})
    add_plain_route(app, app.state.engine)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(url: str, send, seconds: float, clients: int) -> tuple[list[float], int]:
    """`clients` threads calling `send(http)` for `seconds`: latencies and errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    ok = send(http)
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors[0] += 1

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def _answered(body: object) -> bool:
    """An answer with data and no GraphQL errors."""
    return isinstance(body, dict) and body.get("data") is not None and "errors" not in body


def under_load(db_path: Path, seconds: float, rounds: int, clients: int) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(db_path), "--port", str(port)],
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

        # Each client reads every answer and checks it, the same way for
        # both: parsing 100 kB of JSON costs the client about 1 ms, on the
        # same 2 cores as the server, so a check that parsed one way's
        # answers and not the other's would weigh on that way alone.
        def graphql(http) -> bool:
            response = http.post("/graphql", json={"query": REFERENCE})
            return response.status_code == 200 and _answered(response.json())

        def plain(http) -> bool:
            response = http.get("/bench/plain")
            return response.status_code == 200 and _answered(response.json())

        ways = {"plain route": plain, "/graphql": graphql}
        results = {name: {"latencies": [], "errors": 0, "wall": 0.0, "cpu": 0.0, "client_cpu": 0.0, "loads": []} for name in ways}
        for name, send in ways.items():
            drive(url, send, 1.0, clients)  # warm up both
        for _ in range(rounds):
            for name, send in ways.items():
                cpu, client_cpu, started = process_cpu_seconds(process.pid), time.process_time(), time.monotonic()
                latencies, errors = drive(url, send, seconds / (2 * rounds), clients)
                row = results[name]
                row["wall"] += time.monotonic() - started
                row["cpu"] += process_cpu_seconds(process.pid) - cpu
                row["client_cpu"] += time.process_time() - client_cpu
                row["latencies"] += latencies
                row["errors"] += errors
                row["loads"].append(timing.load_average())
        print(f"real server on loopback, {clients} concurrent clients, {rounds} alternating phases of each, {seconds:.0f} s in all "
              "(target: /graphql at least 0.5x the plain route's requests per second, no errors):")
        base = len(results["plain route"]["latencies"]) / results["plain route"]["wall"]
        for name, row in results.items():
            lat = sorted(row["latencies"])
            p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
            rate = len(lat) / row["wall"]
            ratio = "" if name == "plain route" else f"  ratio {rate / base:.2f}x requests per second"
            print(f"  {name:<12} {rate:7.1f} req/s  p50 {p(0.50):7.1f} ms  p99 {p(0.99):7.1f} ms  errors {row['errors']}  "
                  f"server CPU {row['cpu'] / max(1, len(lat)) * 1000:.2f} ms/request  load {statistics.median(row['loads']):.1f}{ratio}")
        clients_cpu = "; ".join(f"{name} {row['client_cpu'] / max(1, len(row['latencies'])) * 1000:.2f}" for name, row in results.items())
        print(f"  (the clients run on the same cores as the server; their CPU ms/request: {clients_cpu})")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--samples", type=int, default=60, help="interleaved rounds of part 1")
    parser.add_argument("--seconds", type=float, default=20, help="length of part 2, both ways together")
    parser.add_argument("--rounds", type=int, default=2, help="alternating phases of each way in part 2")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--serve", metavar="DB", help=argparse.SUPPRESS)  # the server of part 2
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_for_bench(args.serve, args.port)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        engine = database.open_engine(str(db_path))
        database.create_schema(engine)
        build_papers(engine, args.papers, cites=4)
        engine.dispose()
        side_by_side(db_path, args.samples)
        under_load(db_path, args.seconds, args.rounds, args.clients)


if __name__ == "__main__":
    main()
