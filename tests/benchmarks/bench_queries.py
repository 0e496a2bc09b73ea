"""Lineage queries on a 200,000-node, 1,000,000-edge graph, side by side.

    python tests/benchmarks/bench_queries.py [--nodes 200000] [--edges 1000000] [--samples 100] [--db PATH]

Builds a synthetic citation-like graph (tests/benchmarks/synthetic.py) in a
real SQLite file, then times, over the same random start nodes:

- ours: graph/queries/lineage.py on the cached in-memory snapshot (graph/network.py);
- cte: a recursive CTE in SQLite on the `edge` table;
- networkx: nx.DiGraph preloaded in lineage orientation (origin -> derived);
- rustworkx: rx.PyDiGraph preloaded the same way.

Queries: origins to depth 4, origins unbounded, impact unbounded, path
directed and undirected (random pairs; half of the targets are picked among
the start's descendants so that directed paths exist). Prints the median and
p95 of each, the ratio of ours to the fastest baseline (target <= 1.5), the
load time and memory of each in-memory graph (target <= 2 s), the cost of the
freshness check each query pays, and that a write is visible to the next query.
Not collected by pytest (the name does not start with test_).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402

from aiprogress.graph import db as database  # noqa: E402
from aiprogress.graph import network, service, snapshot_sql  # noqa: E402
from aiprogress.graph.errors import NoPath  # noqa: E402
from aiprogress.graph.queries import lineage  # noqa: E402

try:
    import rustworkx as rx
except ImportError:  # the baseline is optional; the report says so
    rx = None

ENABLES_LIKE = ("enables", "introduces")  # origin is the source
INSPIRED_LIKE = ("inspired-by",)  # origin is the target

CTE_ORIGINS = """
WITH RECURSIVE up(id) AS (
    SELECT :start
    UNION SELECT e.source_id FROM edge e JOIN up ON e.target_id = up.id WHERE e.relation IN ('enables', 'introduces')
    UNION SELECT e.target_id FROM edge e JOIN up ON e.source_id = up.id WHERE e.relation = 'inspired-by'
) SELECT count(*) FROM up"""

CTE_ORIGINS_DEPTH = """
WITH RECURSIVE up(id, d) AS (
    SELECT :start, 0
    UNION SELECT e.source_id, up.d + 1 FROM edge e JOIN up ON e.target_id = up.id WHERE e.relation IN ('enables', 'introduces') AND up.d < :depth
    UNION SELECT e.target_id, up.d + 1 FROM edge e JOIN up ON e.source_id = up.id WHERE e.relation = 'inspired-by' AND up.d < :depth
) SELECT id, min(d) FROM up GROUP BY id"""

CTE_IMPACT = """
WITH RECURSIVE down(id) AS (
    SELECT :start
    UNION SELECT e.target_id FROM edge e JOIN down ON e.source_id = down.id WHERE e.relation IN ('enables', 'introduces')
    UNION SELECT e.source_id FROM edge e JOIN down ON e.target_id = down.id WHERE e.relation = 'inspired-by'
) SELECT count(*) FROM down"""

# A CTE cannot stop at the first hit nor keep one visit per node with a
# distance, so the path baseline gives the distance only, within 12 steps.
CTE_PATH_DIRECTED = """
WITH RECURSIVE down(id, d) AS (
    SELECT :a, 0
    UNION SELECT e.target_id, down.d + 1 FROM edge e JOIN down ON e.source_id = down.id WHERE e.relation IN ('enables', 'introduces') AND down.d < 12
    UNION SELECT e.source_id, down.d + 1 FROM edge e JOIN down ON e.target_id = down.id WHERE e.relation = 'inspired-by' AND down.d < 12
) SELECT min(d) FROM down WHERE id = :b"""

CTE_PATH_UNDIRECTED = """
WITH RECURSIVE near(id, d) AS (
    SELECT :a, 0
    UNION SELECT e.target_id, near.d + 1 FROM edge e JOIN near ON e.source_id = near.id WHERE near.d < :cap
    UNION SELECT e.source_id, near.d + 1 FROM edge e JOIN near ON e.target_id = near.id WHERE near.d < :cap
) SELECT min(d) FROM near WHERE id = :b"""


def timed(fn, args_list):
    out = []
    for args in args_list:
        t = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(ms: list[float]) -> tuple[float, float]:
    return statistics.median(ms), float(np.percentile(ms, 95))


def measure_load(label, fn):
    """Time one load as is, then measure its memory in a second load under
    tracemalloc (which slows allocation down too much to time with it on)."""
    gc.collect()
    t = time.perf_counter()
    graph = fn()
    seconds = time.perf_counter() - t
    del graph
    gc.collect()
    tracemalloc.start()
    graph = fn()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  load {label:<10} {seconds:6.2f} s   held {held / 1e6:7.1f} MB   peak {peak / 1e6:7.1f} MB")
    return graph, seconds


def lineage_pairs_from_db(engine):
    """(origin, derived) id pairs as stored, in the lineage orientation."""
    with engine.connect() as conn:
        out = []
        for relation, sources, targets in snapshot_sql.read_edge_columns(conn):
            if relation in INSPIRED_LIKE:
                out.extend(zip(targets, sources))
            else:
                out.extend(zip(sources, targets))
        return out


def load_networkx(engine):
    g = nx.DiGraph()
    g.add_edges_from(lineage_pairs_from_db(engine))
    return g


def load_rustworkx(engine):
    pairs = lineage_pairs_from_db(engine)
    index: dict[str, int] = {}
    g = rx.PyDiGraph(multigraph=False)
    edges = []
    for o, d in pairs:
        io = index.get(o)
        if io is None:
            io = index[o] = g.add_node(o)
        idd = index.get(d)
        if idd is None:
            idd = index[d] = g.add_node(d)
        edges.append((io, idd))
    g.extend_from_edge_list(edges)
    return g, index


def nx_origins_depth(g, start, depth):
    return nx.single_source_shortest_path_length(g.reverse(copy=False), start, cutoff=depth)


def rx_origins_depth(g, start, depth):
    """rustworkx has no depth-bounded walk; a Python BFS over its adjacency."""
    seen = {start: 0}
    frontier = [start]
    for d in range(1, depth + 1):
        nxt = []
        for v in frontier:
            for u in g.predecessor_indices(v):
                if u not in seen:
                    seen[u] = d
                    nxt.append(u)
        frontier = nxt
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--db", help="reuse (or create) this SQLite file instead of a temporary one")
    args = parser.parse_args()

    path = args.db or os.path.join(tempfile.mkdtemp(prefix="aiprogress-bench-"), "bench.db")
    if not os.path.exists(path):
        t = time.perf_counter()
        synthetic.build(path, args.nodes, args.edges)
        print(f"built {path}: {args.nodes} nodes, {args.edges} edges in {time.perf_counter() - t:.1f} s")
    engine = database.open_engine(path)

    print("in-memory graphs (fetch from SQLite included):")
    network.forget(engine)

    def load_ours():
        network.forget(engine)
        with engine.connect() as conn:
            return network.snapshot(conn)

    snap, ours_load = measure_load("ours", load_ours)
    g_nx, nx_load = measure_load("networkx", lambda: load_networkx(engine))
    if rx is not None:
        (g_rx, rx_index), rx_load = measure_load("rustworkx", lambda: load_rustworkx(engine))

    rng = np.random.default_rng(2024)
    n = len(snap)
    starts = [snap.ids[i] for i in rng.integers(0, n, args.samples)]
    # Path targets: half random, half a descendant of the start (so a directed chain exists).
    targets = []
    for k, s in enumerate(starts):
        if k % 2:
            targets.append(snap.ids[int(rng.integers(0, n))])
        else:
            below = snap.walk(snap.index[s], network.DOWN, max_depth=6)
            targets.append(snap.ids[int(below.nodes[rng.integers(0, len(below))])])
    pairs = list(zip(starts, targets))

    conn = engine.raw_connection()
    cur = conn.cursor()

    def ours_path(a, b, directed):
        try:
            return lineage.path(snap, a, b, directed=directed)
        except NoPath:
            return None

    def nx_path(a, b, directed):
        try:
            return nx.shortest_path(g_nx if directed else g_nx.to_undirected(as_view=True), a, b)
        except nx.NetworkXNoPath:
            return None

    def rx_path(a, b, directed):
        return rx.digraph_dijkstra_shortest_paths(g_rx, rx_index[a], rx_index[b], as_undirected=not directed)

    queries = {
        "origins depth 4": {
            "ours": (lambda s: lineage.origins(snap, s, depth=4), [(s,) for s in starts]),
            "cte": (lambda s: cur.execute(CTE_ORIGINS_DEPTH, {"start": s, "depth": 4}).fetchall(), [(s,) for s in starts]),
            "networkx": (lambda s: nx_origins_depth(g_nx, s, 4), [(s,) for s in starts]),
            "rustworkx": (lambda s: rx_origins_depth(g_rx, rx_index[s], 4), [(s,) for s in starts]),
        },
        "origins unbounded": {
            "ours": (lambda s: lineage.origins(snap, s), [(s,) for s in starts]),
            "cte": (lambda s: cur.execute(CTE_ORIGINS, {"start": s}).fetchall(), [(s,) for s in starts]),
            "networkx": (lambda s: nx.ancestors(g_nx, s), [(s,) for s in starts]),
            "rustworkx": (lambda s: rx.ancestors(g_rx, rx_index[s]), [(s,) for s in starts]),
        },
        "impact unbounded": {
            "ours": (lambda s: lineage.impact(snap, s), [(s,) for s in starts]),
            "cte": (lambda s: cur.execute(CTE_IMPACT, {"start": s}).fetchall(), [(s,) for s in starts]),
            "networkx": (lambda s: nx.descendants(g_nx, s), [(s,) for s in starts]),
            "rustworkx": (lambda s: rx.descendants(g_rx, rx_index[s]), [(s,) for s in starts]),
        },
        "path directed": {
            "ours": (lambda a, b: ours_path(a, b, True), pairs),
            "cte": (lambda a, b: cur.execute(CTE_PATH_DIRECTED, {"a": a, "b": b}).fetchall(), pairs[: max(10, args.samples // 5)]),
            "networkx": (lambda a, b: nx_path(a, b, True), pairs),
            "rustworkx": (lambda a, b: rx_path(a, b, True), pairs),
        },
        "path undirected": {
            "ours": (lambda a, b: ours_path(a, b, False), pairs),
            "cte": (lambda a, b: cur.execute(CTE_PATH_UNDIRECTED, {"a": a, "b": b, "cap": 4}).fetchall(), pairs[: max(10, args.samples // 5)]),
            "networkx": (lambda a, b: nx_path(a, b, False), pairs),
            "rustworkx": (lambda a, b: rx_path(a, b, False), pairs),
        },
    }
    if rx is None:
        for q in queries.values():
            q.pop("rustworkx")

    sizes = [len(snap.walk(snap.index[s], network.UP)) - 1 for s in starts]
    print(f"\n{args.samples} random starts; ancestors per start: median {int(np.median(sizes))}, max {max(sizes)}")
    print("cte path: distance only, directed within 12 steps, undirected within 4 (a CTE cannot keep one visit per node);"
          f" {max(10, args.samples // 5)} pairs\n")
    header = f"{'query':<19}" + "".join(f"{name:>22}" for name in ("ours", "cte", "networkx", "rustworkx")) + f"{'ours/fastest':>14}"
    print(header + "\n" + " " * 19 + "".join(f"{'median / p95 ms':>22}" for _ in range(4)))
    worst = 0.0
    for label, impls in queries.items():
        results = {}
        for name, (fn, arg_list) in impls.items():
            fn(*arg_list[0])  # warm caches once
            results[name] = summary(timed(fn, arg_list))
        fastest = min(v[0] for k, v in results.items() if k != "ours")
        ratio = results["ours"][0] / fastest
        worst = max(worst, ratio)
        cells = "".join(
            f"{(f'{results[k][0]:.2f} / {results[k][1]:.2f}' if k in results else 'n/a'):>22}" for k in ("ours", "cte", "networkx", "rustworkx")
        )
        print(f"{label:<19}{cells}{ratio:>13.2f}x")
    print(f"\nworst median ratio ours / fastest baseline: {worst:.2f}x (target <= 1.5)")
    print(f"load ours {ours_load:.2f} s (target <= 2 s); networkx {nx_load:.2f} s" + (f"; rustworkx {rx_load:.2f} s" if rx else ""))
    print(f"snapshot size by its own estimate: {snap.memory_bytes() / 1e6:.1f} MB")

    # The price of freshness: every query reads the revision before using the cache.
    from sqlmodel import Session

    with Session(engine) as session:
        check = timed(lambda: network.snapshot(session), [()] * 200)
    print(f"freshness check per query (revision read, cache hit): median {statistics.median(check):.3f} ms")

    # A write is visible to the next query.
    # A node made for the purpose, so the edge cannot already exist.
    a, b = starts[0], "technique:bench-write"
    with database.session_scope(engine) as session:
        service.upsert_node(session, b, provenance="user:bench", name="Bench write", category="method")
        service.link(session, b, "enables", a, provenance="user:bench", note="bench write")
    with Session(engine) as session:
        t = time.perf_counter()
        fresh = network.snapshot(session)
        reload_s = time.perf_counter() - t
        found = any(e.source == b for e in lineage.origins(fresh, a, depth=1).edges())
    print(f"write then query: new edge {b} -enables-> {a} visible: {found} (revision {snap.revision} -> {fresh.revision}, reload {reload_s:.2f} s)")
    with database.session_scope(engine) as session:
        service.delete_node(session, b)  # leave a reused --db as it was
    conn.close()


if __name__ == "__main__":
    main()
