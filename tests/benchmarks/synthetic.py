"""A synthetic citation-like graph written to a real SQLite file, for the benchmarks.

Node i is "later" than node j < i (years rise with i). Each edge joins a later
node to an earlier one: a quarter of them to a recent node (within the last
1,000), the rest to an early node picked with a bias towards the oldest
(i * u**3), which gives a few heavily reused hubs, like citations. 80% of the
facts are written `earlier enables later`, 20% `later inspired-by earlier`,
so every edge is a lineage edge in the direction origin -> derived.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import insert

from aiprogress.graph import db as database
from aiprogress.graph.models import Edge, Meta, Node

START_YEAR, END_YEAR = 1950, 2025


def lineage_pairs(n_nodes: int, n_edges: int, seed: int = 7) -> np.ndarray:
    """(origin, derived) pairs, origin < derived, unique, exactly n_edges of them."""
    rng = np.random.default_rng(seed)
    derived = rng.integers(1, n_nodes, int(n_edges * 1.05))
    recent = rng.random(derived.size) < 0.25
    back = (rng.random(derived.size) * np.minimum(derived, 1000)).astype(np.int64)
    early = (derived * rng.random(derived.size) ** 3).astype(np.int64)
    origin = np.clip(np.where(recent, derived - 1 - back, early), 0, derived - 1)
    pairs = np.unique(np.stack([origin, derived], axis=1), axis=0)
    if len(pairs) < n_edges:
        raise ValueError("too few distinct pairs; raise the oversampling")
    return pairs[np.sort(rng.permutation(len(pairs))[:n_edges])]


def node_id(i: int) -> str:
    return f"paper:p{i}" if i % 5 else f"technique:t{i}"


def build(path: str, n_nodes: int = 200_000, n_edges: int = 1_000_000, seed: int = 7):
    """Write the synthetic graph to a new SQLite file; returns (engine, pairs, relations)."""
    engine = database.open_engine(path)
    database.create_schema(engine)
    pairs = lineage_pairs(n_nodes, n_edges, seed)
    rng = np.random.default_rng(seed + 1)
    inspired = rng.random(len(pairs)) < 0.2
    years = START_YEAR + (np.arange(n_nodes) * (END_YEAR - START_YEAR) // n_nodes)
    with engine.begin() as conn:
        conn.execute(
            insert(Node.__table__),
            [
                {"id": node_id(i), "kind": "paper" if i % 5 else "technique", "name": f"Work {i}", "year": int(years[i]), "provenance": "bench"}
                for i in range(n_nodes)
            ],
        )
        rows = []
        for (o, d), insp in zip(pairs.tolist(), inspired.tolist()):
            if insp:
                rows.append({"source_id": node_id(d), "relation": "inspired-by", "target_id": node_id(o), "provenance": "bench", "note": "", "year": int(years[d]), "inferred": False})
            else:
                rows.append({"source_id": node_id(o), "relation": "enables", "target_id": node_id(d), "provenance": "bench", "note": "", "year": int(years[d]), "inferred": False})
            if len(rows) == 100_000:
                conn.execute(insert(Edge.__table__), rows)
                rows = []
        if rows:
            conn.execute(insert(Edge.__table__), rows)
        conn.execute(insert(Meta.__table__), [{"key": "revision", "value": "1"}])
    return engine, pairs, inspired
