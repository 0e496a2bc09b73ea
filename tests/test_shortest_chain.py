"""Shortest chains (Snapshot.shortest_chain, csr.meet) agree with networkx
on random graphs: same length, or no chain on both sides; every chain is a
real chain of edges in the asked direction and relations; and the search
finds the same chain whether it walks its levels in Python or in numpy."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from aiprogress.graph import csr, network
from aiprogress.graph.errors import NoPath

RELATIONS = ("enables", "inspired-by", "introduces", "cites")


def random_graph(seed: int, n: int = 120, m: int = 300) -> network.Snapshot:
    rng = np.random.default_rng(seed)
    ids = [f"technique:t{i}" for i in range(n)]
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (m, 2)) if a != b}
    edges = [{"source_id": ids[a], "relation": RELATIONS[(a * 7 + b) % len(RELATIONS)], "target_id": ids[b]} for a, b in sorted(pairs)]
    # A hub, so that some levels are wide (numpy) while most are narrow (Python).
    edges += [{"source_id": ids[0], "relation": "enables", "target_id": ids[b]} for b in range(1, n, 3) if (0, b) not in pairs]
    return network.Snapshot.from_records([{"id": i, "kind": "technique"} for i in ids], edges)


def lineage_graph(g: network.Snapshot, relations) -> nx.DiGraph:
    """networkx's graph of the same edges, origin -> derived, only these relations."""
    out = nx.DiGraph()
    out.add_nodes_from(range(len(g)))
    for e in g.edges(relations):
        s, t = g.source(e), g.target(e)
        out.add_edge(*((t, s) if g.relation(e) in network.ORIGIN_IS_TARGET else (s, t)))
    return out


def check_chain(g: network.Snapshot, chain: list[int], a: int, b: int, directed: bool, relations) -> None:
    node = a
    for e in chain:
        s, t = g.source(e), g.target(e)
        origin, derived = (t, s) if g.relation(e) in network.ORIGIN_IS_TARGET else (s, t)
        if relations is not None:
            assert g.relation(e) in relations
        if directed:
            assert origin == node
            node = derived
        else:
            assert node in (s, t)
            node = t if node == s else s
    assert node == b


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("relations", [None, ("enables", "inspired-by")])
def test_shortest_chain_agrees_with_networkx(seed, directed, relations):
    g = random_graph(seed)
    reference = lineage_graph(g, relations)
    if not directed:
        reference = reference.to_undirected()
    rng = np.random.default_rng(100 + seed)
    found = 0
    for a, b in rng.integers(0, len(g), (80, 2)).tolist():
        try:
            chain = g.shortest_chain(a, b, directed=directed, relations=relations)
        except NoPath:
            assert not nx.has_path(reference, a, b), (a, b)
            continue
        found += 1
        assert len(chain) == nx.shortest_path_length(reference, a, b), (a, b)
        check_chain(g, chain, a, b, directed, relations)
    assert found > 10  # the comparison covered real chains, not only misses


@pytest.mark.parametrize("directed", [True, False])
def test_the_python_and_numpy_levels_find_the_same_chain(monkeypatch, directed):
    g = random_graph(11, n=300, m=900)
    pairs = np.random.default_rng(5).integers(0, len(g), (150, 2)).tolist()

    def chains() -> list[list[int] | None]:
        out = []
        for a, b in pairs:
            try:
                out.append(g.shortest_chain(a, b, directed=directed))
            except NoPath:
                out.append(None)
        return out

    monkeypatch.setattr(csr, "SMALL_LEVEL_EDGES", 10**9)
    in_python = chains()
    monkeypatch.setattr(csr, "SMALL_LEVEL_EDGES", 0)
    in_numpy = chains()
    monkeypatch.setattr(csr, "SMALL_LEVEL_EDGES", 20)
    mixed = chains()
    assert in_python == in_numpy == mixed
    assert sum(c is not None for c in in_python) > 20
