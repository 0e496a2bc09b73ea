"""Lineage queries on a 200,000-node, 1,000,000-edge graph, against networkx, in one run.

    python tests/benchmarks/bench_queries.py [--nodes 200000] [--edges 1000000] [--samples 40] [--db PATH] [--cte]

Builds the synthetic citation-like graph of tests/benchmarks/synthetic.py in
a real SQLite file (or reuses --db), then, with tests/benchmarks/timing.py
(each round runs every contender once, in the same order; medians of wall
and CPU seconds and the load average are printed):

1. Load: our in-memory snapshot (graph/network.py) and a networkx DiGraph
   of the same edges, both read from the same SQLite file (target: ours
   within 2 s).
2. Queries, the anchor being networkx on the same graph and the same random
   starts and pairs, answering with the same node list: origins to depth 4
   (single_source_shortest_path_length on the reversed view), origins and
   impact unbounded (ancestors, descendants), the shortest path directed
   (an nx.DiGraph) and undirected (an nx.Graph made once beforehand, so
   networkx pays no view). Targets: the path within 1.5x of networkx.
   Half of the path targets lie below the start (a directed chain exists).
3. Evidence: origins and path with the stored facts of what they show
   (note, provenance, read from SQLite by row id: what the CLI, GraphQL and the
   page print) against the node list alone. Target: within 2x.
4. The freshness check every query pays, and that a write is visible to the
   next query. --cte adds a recursive CTE in SQLite to step 2 (slow: minutes).

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
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402
import timing  # noqa: E402

from aiprogress.graph import db as database  # noqa: E402
from aiprogress.graph import network, service, snapshot_sql  # noqa: E402
from aiprogress.graph.errors import NoPath  # noqa: E402
from aiprogress.graph.queries import lineage  # noqa: E402

CTE_ORIGINS = """
WITH RECURSIVE up(id) AS (
    SELECT :start
    UNION SELECT e.source_id FROM edge e JOIN up ON e.target_id = up.id WHERE e.relation IN ('enables', 'introduces')
    UNION SELECT e.target_id FROM edge e JOIN up ON e.source_id = up.id WHERE e.relation = 'inspired-by'
) SELECT id FROM up"""

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
) SELECT id FROM down"""


def load_networkx(engine) -> nx.DiGraph:
    """The same edges in the lineage orientation (origin -> derived), from the same file."""
    g = nx.DiGraph()
    with engine.connect() as conn:
        for relation, sources, targets, _ in snapshot_sql.read_edge_columns(conn):
            g.add_edges_from(zip(targets, sources) if relation in network.ORIGIN_IS_TARGET else zip(sources, targets))
    return g


def load_ours(engine) -> network.Snapshot:
    network.forget(engine)
    with engine.connect() as conn:
        return network.snapshot(conn)


class Cycle:
    """The argument of the current round: contenders of one round share it."""

    def __init__(self, items: list):
        self.items, self.k = items, 0

    def __call__(self):
        return self.items[self.k % len(self.items)]

    def next_round(self, *_args) -> None:
        self.k += 1


def run(title: str, contenders: dict, cycle: Cycle, rounds: int, anchor: str, ms: bool = True) -> dict[str, list[timing.Sample]]:
    for fn in contenders.values():
        fn()  # once each beforehand: caches, lazy imports
    cycle.k = 0
    samples = timing.interleave(contenders, rounds, on_round=cycle.next_round)
    print(title)
    timing.report(samples, anchor=anchor, unit="ms" if ms else "s", scale=1000 if ms else 1)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=40, help="rounds per query (each on its own start or pair)")
    parser.add_argument("--load-rounds", type=int, default=1, help="rounds of the two loads (networkx's takes about 10 s)")
    parser.add_argument("--db", help="reuse (or create) this SQLite file instead of a temporary one")
    parser.add_argument("--cte", action="store_true", help="add a recursive CTE in SQLite to the queries (slow)")
    args = parser.parse_args()

    path = args.db or os.path.join(tempfile.mkdtemp(prefix="aiprogress-bench-"), "bench.db")
    if not os.path.exists(path):
        t = time.perf_counter()
        synthetic.build(path, args.nodes, args.edges)
        print(f"built {path}: {args.nodes} nodes, {args.edges} edges in {time.perf_counter() - t:.1f} s")
    engine = database.open_engine(path)
    print(timing.machine_line())

    loaded: dict[str, object] = {}
    load_samples = timing.interleave(
        {"ours": lambda: loaded.__setitem__("ours", load_ours(engine)), "networkx": lambda: loaded.__setitem__("nx", load_networkx(engine))},
        args.load_rounds,
    )
    print(f"load from SQLite, {args.load_rounds} round(s) (target: ours within 2 s):")
    timing.report(load_samples, anchor="networkx")
    g_nx: nx.DiGraph = loaded["nx"]
    g_undirected = g_nx.to_undirected(as_view=False)  # made once: networkx's undirected search pays no view
    conn = engine.connect()
    snap = network.snapshot(conn)  # bound to this connection: evidence is read through it
    # Millions of long-lived objects now: keep them out of the collections timing.timed runs per sample.
    gc.collect()
    gc.freeze()

    rng = np.random.default_rng(2024)
    n = len(snap)
    starts = [snap.ids[i] for i in rng.integers(0, n, args.samples)]
    targets = []
    for k, s in enumerate(starts):
        below = snap.walk(snap.index[s], network.DOWN, max_depth=6)
        if k % 2 or len(below) < 2:
            targets.append(snap.ids[int(rng.integers(0, n))])
        else:
            targets.append(snap.ids[int(below.nodes[rng.integers(1, len(below))])])
    sizes = [len(snap.walk(snap.index[s], network.UP)) - 1 for s in starts]
    print(f"\n{args.samples} rounds, each on its own random start (ancestors per start: median {int(np.median(sizes))}, max {max(sizes)});"
          " the anchor is networkx on the same graph")

    start = Cycle(starts)
    pair = Cycle(list(zip(starts, targets)))
    raw = engine.raw_connection()
    cursor = raw.cursor()

    def ours_path(directed: bool):
        a, b = pair()
        try:
            return lineage.path(snap, a, b, directed=directed).nodes()
        except NoPath:
            return None

    def nx_path(graph):
        a, b = pair()
        try:
            return nx.shortest_path(graph, a, b)
        except nx.NetworkXNoPath:
            return None

    def cte(statement: str, **extra):
        return lambda: cursor.execute(statement, {"start": start(), **extra}).fetchall()

    queries = {
        "origins depth 4": (start, {
            "ours": lambda: lineage.origins(snap, start(), depth=4).ids(),
            "networkx": lambda: nx.single_source_shortest_path_length(g_nx.reverse(copy=False), start(), cutoff=4),
            **({"cte": cte(CTE_ORIGINS_DEPTH, depth=4)} if args.cte else {}),
        }),
        "origins unbounded": (start, {
            "ours": lambda: lineage.origins(snap, start()).ids(),
            "networkx": lambda: nx.ancestors(g_nx, start()),
            **({"cte": cte(CTE_ORIGINS)} if args.cte else {}),
        }),
        "impact unbounded": (start, {
            "ours": lambda: lineage.impact(snap, start()).ids(),
            "networkx": lambda: nx.descendants(g_nx, start()),
            **({"cte": cte(CTE_IMPACT)} if args.cte else {}),
        }),
        "path directed": (pair, {"ours": lambda: ours_path(True), "networkx": lambda: nx_path(g_nx)}),
        "path undirected": (pair, {"ours": lambda: ours_path(False), "networkx": lambda: nx_path(g_undirected)}),
    }
    for label, (cycle, contenders) in queries.items():
        target = " (target: within 1.5x)" if label.startswith("path") else ""
        run(f"{label}{target}:", contenders, cycle, args.samples, anchor="networkx")

    def path_with_evidence():
        a, b = pair()
        try:
            return lineage.path(snap, a, b).to_dict()
        except NoPath:
            return None

    print("\nwith evidence (the facts read from SQLite by row id) against the node list alone (target: within 2x):")
    evidence = {
        "origins depth 4": (start, {
            "node list": lambda: lineage.origins(snap, start(), depth=4).ids(),
            "with evidence": lambda: lineage.origins(snap, start(), depth=4).to_dict(limit=20),
        }),
        "path directed": (pair, {"node list": lambda: ours_path(True), "with evidence": path_with_evidence}),
    }
    # Fresh starts and pairs, so that no evidence was read before.
    start.items = [snap.ids[i] for i in rng.integers(0, n, args.samples)]
    pair.items = list(zip(start.items, [snap.ids[i] for i in rng.integers(0, n, args.samples)]))
    for k in range(0, args.samples, 2):
        below = snap.walk(snap.index[start.items[k]], network.DOWN, max_depth=6)
        if len(below) > 1:
            pair.items[k] = (start.items[k], snap.ids[int(below.nodes[rng.integers(1, len(below))])])
    for label, (cycle, contenders) in evidence.items():
        run(f"{label}:", contenders, cycle, args.samples, anchor="node list")

    print(f"\nsnapshot size by its own estimate: {snap.memory_bytes() / 1e6:.1f} MB")
    checks = [timing.timed(lambda: network.snapshot(conn))[0].wall for _ in range(200)]
    print(f"freshness check per query (revision read, cache hit): median {statistics.median(checks) * 1000:.3f} ms")
    conn.close()

    # A write is visible to the next query (a node made for the purpose, so the edge cannot already exist).
    a, b = starts[0], "technique:bench-write"
    with database.session_scope(engine) as session:
        service.upsert_node(session, b, provenance="user:bench", name="Bench write", category="method")
        service.link(session, b, "enables", a, provenance="user:bench", note="bench write")
    with engine.connect() as fresh_conn:
        sample, fresh = timing.timed(lambda: network.snapshot(fresh_conn))
        found = any(e.source == b for e in lineage.origins(fresh, a, depth=1).edges())
    print(f"write then query: new edge {b} -enables-> {a} visible: {found} "
          f"(revision {snap.revision} -> {fresh.revision}, reload {sample.wall:.2f} s wall, {sample.cpu:.2f} s CPU)")
    with database.session_scope(engine) as session:
        service.delete_node(session, b)  # leave a reused --db as it was
    raw.close()


if __name__ == "__main__":
    main()
