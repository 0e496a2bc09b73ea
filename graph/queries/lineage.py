"""Where ideas come from and what they led to: origins, impact, path.

All three read the graph in its lineage orientation (see graph/network.py):
each fact is an arrow from origin to derived, whichever way it is written.
With the default relations that means

- `A enables B`: A is an origin of B (walk the edge backwards from B);
- `P introduces T`: P is an origin of T (backwards from T);
- `B inspired-by A`: A is an origin of B (the edge is written later ->
  earlier, so origins walk it *forwards* from B).

`cites` (origin is the cited paper), `relaxes` (origin is the technique) and
`triggered` (origin is the paper) follow the same rule when asked for.

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "technique:rnn"}, {"id": "technique:lstm"}, {"id": "field:neuroscience"}],
...     [{"source_id": "technique:rnn", "relation": "enables", "target_id": "technique:lstm"},
...      {"source_id": "technique:lstm", "relation": "inspired-by", "target_id": "field:neuroscience"}])
>>> [(r.id, r.distance) for r in origins(g, "technique:lstm").reached()]
[('technique:rnn', 1), ('field:neuroscience', 1)]
>>> [f"{e.source} -{e.relation}-> {e.target}" for e in path(g, "technique:rnn", "field:neuroscience", directed=False).steps]
['technique:rnn -enables-> technique:lstm', 'technique:lstm -inspired-by-> field:neuroscience']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..network import DOWN, LINEAGE_RELATIONS, UP, EdgeFact, Snapshot, Walk
from ..relations import relation_names

ORIGINS, IMPACT = "origins", "impact"


@dataclass(frozen=True)
class Reached:
    """One node reached by a walk: how far, and the fact it was reached by
    (the last step of one shortest chain from the start)."""

    id: str
    name: str
    kind: str
    year: int | None
    distance: int
    via: EdgeFact

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "year": self.year, "distance": self.distance, "via": self.via.to_dict()}


@dataclass
class Lineage:
    """The answer of origins() or impact().

    The walk is kept as arrays, so an answer of 40,000 nodes costs nothing
    until it is read: `reached()` lists the nodes nearest first, `chain(id)`
    gives one shortest chain of facts from the start to a node, `edges()`
    the facts of all those chains, `to_dict()` everything as plain data."""

    root: dict[str, Any]
    direction: str
    relations: tuple[str, ...]
    depth: int | None
    count: int
    # origins: the fields of inspiration reached, nearest first, with the
    # nodes (start or ancestors) that drew on each.
    fields: list[dict[str, Any]] = field(default_factory=list)
    # impact: per constraint id, how many relaxes edges leave the start or
    # its descendants: what would stay blocked without it.
    blocked: dict[str, int] = field(default_factory=dict)
    graph: Snapshot | None = field(default=None, repr=False, compare=False)
    walk: Walk | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return self.count

    def _position(self) -> dict[int, int]:
        if not hasattr(self, "_pos"):
            self._pos = {n: k for k, n in enumerate(self.walk.nodes.tolist())}
        return self._pos

    def ids(self) -> list[str]:
        ids = self.graph.ids
        return [ids[i] for i in self.walk.nodes[1:].tolist()]

    def distance(self, node_id: str) -> int | None:
        k = self._position().get(self.graph.node_index(node_id))
        return None if k is None or k == 0 else int(self.walk.dist[k])

    def __contains__(self, node_id: str) -> bool:
        i = self.graph.index.get(node_id)
        return i is not None and i != self.walk.start and i in self._position()

    def reached(self, limit: int | None = None) -> list[Reached]:
        g, w = self.graph, self.walk
        stop = w.nodes.size if limit is None else min(w.nodes.size, limit + 1)
        nodes, dist = w.nodes[1:stop].tolist(), w.dist[1:stop].tolist()
        facts = g.facts(w.via[1:stop].tolist())
        return [
            Reached(id=g.ids[i], name=g.names[i], kind=g.kinds[i], year=g.years[i], distance=d, via=fact)
            for i, d, fact in zip(nodes, dist, facts)
        ]

    def chain(self, node_id: str) -> list[EdgeFact]:
        """One shortest chain of facts between the start and `node_id`, from the start outwards."""
        return self.graph.facts(self.graph.chain(self.walk, self.graph.node_index(node_id), position=self._position()))

    def edges(self) -> list[EdgeFact]:
        """Every fact of the shortest-chain tree (one per reached node)."""
        return self.graph.facts(self.walk.via[1:].tolist())

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "root": self.root,
            "direction": self.direction,
            "relations": list(self.relations),
            "depth": self.depth,
            "count": self.count,
        }
        if self.direction == ORIGINS:
            out["fields"] = self.fields
        else:
            out["blocked"] = self.blocked
        # Each chain is the chain of the node's parent in the walk plus the
        # edge that reached it; parents come first in walk order, so the
        # chains are built in one pass over the reached nodes, each fact made
        # plain data once (finding each chain anew from a map of the whole
        # walk was most of an answer's cost after its evidence read). The
        # nodes' fields are read from the graph directly: a Reached per node
        # cost as much as the dicts made of them.
        g, w = self.graph, self.walk
        stop = w.nodes.size if limit is None else min(w.nodes.size, limit + 1)
        nodes, dist, vias = w.nodes[:stop].tolist(), w.dist[:stop].tolist(), w.via[1:stop].tolist()
        facts = [None] + [fact.to_dict() for fact in g.facts(vias)]
        sources, targets = (ends.tolist() for ends in g.ends(vias))
        position = {node: k for k, node in enumerate(nodes)}
        ids, names, kinds, years = g.ids, g.names, g.kinds, g.years
        chains: list[list[int]] = [[]]
        reached = []
        for k in range(1, stop):
            node, source, target = nodes[k], sources[k - 1], targets[k - 1]
            chains.append(chains[position[source if target == node else target]] + [k])
            reached.append({"id": ids[node], "name": names[node], "kind": kinds[node], "year": years[node], "distance": dist[k],
                            "chain": [dict(facts[j]) for j in chains[k]]})
        out["reached"] = reached
        return out


def _walk(g: Snapshot, node_id: str, direction: str, depth: int | None, relations: Iterable[str] | None) -> tuple[int, Walk, tuple[str, ...]]:
    start = g.node_index(node_id)
    rels = LINEAGE_RELATIONS if relations is None else relation_names(relations)
    return start, g.walk(start, direction, relations=rels, max_depth=depth), rels


def origins(g: Snapshot, node_id: str, depth: int | None = None, relations: Iterable[str] | None = None) -> Lineage:
    """Every ancestor of `node_id`: what it came from, with distance and one
    shortest chain of facts to each, and the fields of inspiration reached.

    Default relations: enables, inspired-by, introduces. Each node is visited
    once, so cycles cannot loop; `depth` bounds the number of steps.
    Raises NotFound for an unknown id."""
    start, walk, rels = _walk(g, node_id, UP, depth, relations)
    result = Lineage(root=g.node(start), direction=ORIGINS, relations=rels, depth=depth, count=len(walk) - 1, graph=g, walk=walk)
    result.fields = _fields_reached(g, walk)
    return result


def impact(g: Snapshot, node_id: str, depth: int | None = None, relations: Iterable[str] | None = None) -> Lineage:
    """Everything `node_id` led to, and per constraint how many relaxes edges
    leave it or its descendants ("what would stay blocked without it").

    Default relations: enables, inspired-by, introduces (walked from origin to
    derived). Raises NotFound for an unknown id."""
    start, walk, rels = _walk(g, node_id, DOWN, depth, relations)
    result = Lineage(root=g.node(start), direction=IMPACT, relations=rels, depth=depth, count=len(walk) - 1, graph=g, walk=walk)
    relaxes = g.edges_with("relaxes")
    if relaxes.size:
        inside = np.zeros(len(g), dtype=bool)
        inside[walk.nodes] = True
        sources, targets = g.ends(relaxes)
        constraints, counts = np.unique(targets[inside[sources]], return_counts=True)
        result.blocked = {g.ids[c]: int(k) for c, k in sorted(zip(constraints.tolist(), counts.tolist()), key=lambda ck: (-ck[1], g.ids[ck[0]]))}
    return result


def _fields_reached(g: Snapshot, walk: Walk) -> list[dict[str, Any]]:
    is_field = g.is_kind(walk.nodes, "field")
    if not is_field.any():
        return []
    inside = np.zeros(len(g), dtype=bool)
    inside[walk.nodes] = True
    inspired = g.edges_with("inspired-by")
    sources, targets = g.ends(inspired)
    out = []
    for k in np.flatnonzero(is_field).tolist():
        f = int(walk.nodes[k])
        drew = (targets == f) & inside[sources]
        out.append(
            {
                "id": g.ids[f],
                "name": g.names[f],
                "distance": int(walk.dist[k]),
                "inspired": sorted(g.ids[s] for s in sources[drew].tolist()),
            }
        )
    return out


class Path:
    """The shortest explaining chain from `source` to `target`: each step is a
    stored fact (as written, with its note and provenance). The evidence is
    fetched when `steps` is first read."""

    def __init__(self, graph: Snapshot, source: str, target: str, directed: bool, edges: list[int]):
        self.graph = graph
        self.source = source
        self.target = target
        self.directed = directed
        self.edges = edges

    @property
    def length(self) -> int:
        return len(self.edges)

    @property
    def steps(self) -> list[EdgeFact]:
        return self.graph.facts(self.edges)

    def nodes(self) -> list[str]:
        """The nodes along the chain, from source to target."""
        g = self.graph
        out = [g.index[self.source]]
        for e in self.edges:
            s, d = g.source(e), g.target(e)
            out.append(d if s == out[-1] else s)
        return [g.ids[i] for i in out]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "directed": self.directed,
            "length": self.length,
            "nodes": self.nodes(),
            "steps": [e.to_dict() for e in self.steps],
        }


def path(g: Snapshot, source: str, target: str, directed: bool = True, relations: Iterable[str] | None = None) -> Path:
    """The shortest chain of facts from `source` to `target`.

    directed=True follows the lineage orientation only (source is an origin
    of target, step by step: "how did A lead to B"); directed=False ignores
    it. All relations count unless `relations` narrows them. Raises NotFound
    for an unknown id and errors.NoPath (a NotFound) when no chain exists."""
    a, b = g.node_index(source), g.node_index(target)
    edges = g.shortest_chain(a, b, directed=directed, relations=relations)
    return Path(g, source, target, directed, edges)
