"""The one bridge from the database to an in-memory graph.

`Snapshot` is a read-only picture of the `node` and `edge` tables at one
revision of the store, held as integer arrays (compressed sparse rows, CSR)
so that walks over a million edges run in numpy rather than in Python. It is
built from the selects of graph/snapshot_sql.py, or from plain records in
tests; its walks are the pure functions of graph/csr.py. `snapshot(session)`
keeps one snapshot per engine and rebuilds it when the store's revision
(bumped by the service layer on every committed write) has moved, so a write
is visible to the next query.

The public API. graph/queries/, graph/answers.py and graph/view.py use only
this, so that the representation can change under them (tests/test_network.py
scans them for anything else):

    nodes    len(g), g.ids[i], g.index[id] / g.node_index(id), g.node(i),
             g.kinds / g.names / g.years / g.bindings / g.categories (per
             node, read-only), g.nodes_of_kind(kind), g.is_kind(nodes, kind),
             g.degrees()
    edges    g.edge_count, g.edges(relations, source_kind=, target_kind=),
             g.edges_with(relation), g.incident(i, relation=, direction=),
             g.find_edges(keys), g.relation(e), g.source(e), g.target(e),
             g.ends(edges) (sources and targets as arrays, for vectorised
             callers such as the page's layout)
    evidence g.facts(edges) / g.fact(e), g.edges_lacking_evidence()
    walks    g.walk, g.reach, g.shortest_chain, g.chain
    derived  g.restricted(keep_nodes, drop_edges=) (a smaller snapshot),
             g.memo (what callers compute from the snapshot), g.to_networkx()

Edges are positions 0..edge_count-1 and nodes integers 0..len(g)-1; every
array handed out is read-only. The arrays themselves (src, dst, rel, origin,
derived, kind_code, and edge_ids: each edge's row id, by which its evidence
is read) are this module's and graph/csr.py's business.

Why arrays and not networkx: on a 200,000-node, 1,000,000-edge graph
(`python tests/benchmarks/bench_queries.py --samples 60`, interleaved with
networkx in one run on a shared 2-core machine, median CPU per query)
unbounded origins took 7.86 ms here against 83.04 ms for networkx, and the
arrays load from SQLite in 1.51 s of CPU against networkx's 4.24 s; so no
compiled graph dependency is added. networkx stays the library for analysis
and export: `to_networkx()` hands the same graph over.

Lineage orientation. Every relation is read as "origin -> derived", so that
"where does X come from" is one walk up and "what did X lead to" one walk
down, whatever way the fact is written:

    stored fact                      origin     derived
    A enables B                      A          B
    P introduces T                   P          T
    A relaxes C                      A          C
    A triggered N                    A          N
    B inspired-by A                  A          B      (written later -> earlier)
    P cites Q                        Q          P      (written later -> earlier)

Text evidence (note, provenance, confidence) of an edge is fetched by its
row id (the snapshot holds one per edge, `edge_ids`) only for the edges an
answer shows, instead of loading a million notes, and in the transaction of
the session that asked for the snapshot:
`snapshot(session)` hands out the shared arrays bound to that session, so
the evidence is of the same state of the store as the arrays.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from itertools import repeat
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection, Engine

from . import csr as walks
from .errors import InvalidInput, NoPath, NotFound
from .models import EdgeFact, NodeKind, Relation
from .relations import lineage_relations, origin_is_target, relation_names
from .snapshot_sql import read_edge_columns, read_evidence, read_keys_lacking_evidence, read_node_columns, read_revision

RELATIONS: tuple[str, ...] = tuple(r.value for r in Relation)
REL_CODE: dict[str, int] = {r: i for i, r in enumerate(RELATIONS)}
KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(KINDS)}

# Relations whose *target* is the origin (the fact is written later -> earlier).
ORIGIN_IS_TARGET = origin_is_target()

# The relations that carry ideas forward: the default of origins and impact.
LINEAGE_RELATIONS: tuple[str, ...] = lineage_relations()

UP, DOWN, BOTH = "up", "down", "both"

# Above this many edges at once, evidence is read for the whole table in one pass.
WHOLE_TABLE_EVIDENCE = 2000

# The order _fetch_facts hands EdgeFact its fields in; a change of the edge's
# columns must change it too, so it is checked here rather than trusted.
_FACT_FIELDS = ("id", "source_id", "relation", "target_id", "provenance", "note", "year", "confidence", "inferred", "intents", "influential")
if tuple(f.name for f in dataclasses.fields(EdgeFact))[: len(_FACT_FIELDS)] != _FACT_FIELDS or any(
    f.default is dataclasses.MISSING for f in dataclasses.fields(EdgeFact)[len(_FACT_FIELDS) :]
):
    raise ImportError(f"graph/network.py builds EdgeFact from {_FACT_FIELDS}; its fields are now {dataclasses.fields(EdgeFact)}")


@dataclass
class Walk:
    """The result of a breadth-first walk: nodes in the order reached, each
    with its distance and the edge (position in the snapshot) it was reached by.
    `via[i]` is -1 for the start node."""

    start: int
    nodes: np.ndarray
    dist: np.ndarray
    via: np.ndarray

    def __len__(self) -> int:
        return int(self.nodes.size)


class Snapshot:
    """A read-only in-memory graph of the store at one revision.

    Nodes are integers 0..n-1 (`index[id]`, `ids[i]`); edges are positions
    0..m-1 into the arrays `src`, `dst`, `rel` (relation codes, see RELATIONS).
    """

    def __init__(
        self,
        *,
        ids: list[str],
        kinds: list[str],
        names: list[str],
        years: list[int | None],
        bindings: dict[int, str],
        categories: dict[int, str],
        src: np.ndarray,
        dst: np.ndarray,
        rel: np.ndarray,
        revision: int = 0,
        facts: dict[int, EdgeFact] | None = None,
        loaded: bool = False,
        index: dict[str, int] | None = None,
        edge_ids: np.ndarray | None = None,
    ):
        self.ids = ids
        self.index: dict[str, int] = index if index is not None else dict(zip(ids, range(len(ids))))
        self.kinds = kinds
        self.names = names
        self.years = years
        self.bindings = bindings
        self.categories = categories
        self.src = src
        self.dst = dst
        self.rel = rel
        # The row id of each edge in the store: its evidence is read by it.
        self.edge_ids = edge_ids if edge_ids is not None else np.arange(rel.size, dtype=np.int64)
        self.revision = revision
        # Evidence at this revision, shared by every session bound to this snapshot.
        self._facts: dict[int, EdgeFact] = dict(facts or {})
        self._loaded = loaded  # read from a store: evidence comes from the bound session
        self._session: Any = None
        self._by_kind: dict[str, list[int]] = {}  # filled on first use; shared by bound copies
        # What callers derive from these arrays (the page's layouts), kept as
        # long as the snapshot and shared by every session bound to it.
        self.memo: dict[str, Any] = {}
        n = len(ids)
        self.kind_code = np.fromiter(map(KIND_CODE.get, kinds, repeat(-1, n)), dtype=np.int8, count=n)
        # Lineage orientation: origin -> derived, whatever way the fact is written.
        target_is_origin = np.zeros(len(RELATIONS), dtype=bool)
        for relation in ORIGIN_IS_TARGET:
            target_is_origin[REL_CODE[relation]] = True
        flip = target_is_origin[rel] if rel.size else np.zeros(0, dtype=bool)
        origin = np.where(flip, dst, src).astype(np.int32)
        derived = np.where(flip, src, dst).astype(np.int32)
        self.origin = origin
        self.derived = derived
        self._up = walks.CSR.build(n, derived, origin)  # from a node to its origins
        self._down = walks.CSR.build(n, origin, derived)  # from a node to what it led to
        self._shared: dict[str, Any] = {}  # built on first use, shared by every bound copy
        for array in (src, dst, rel, origin, derived, self.edge_ids):
            array.flags.writeable = False  # shared by every request: nobody may change it
        self._relations_present = frozenset(RELATIONS[c] for c in np.unique(rel).tolist())

    # -- construction ------------------------------------------------------

    @classmethod
    def from_records(cls, nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]]) -> Snapshot:
        """A snapshot from plain dicts (Node and Edge field names), for tests
        and for callers that already hold the data. Edges naming an unknown
        node raise NotFound; unknown relations InvalidInput."""
        nodes = list(nodes)
        ids = [n["id"] for n in nodes]
        index = {node_id: i for i, node_id in enumerate(ids)}
        src, dst, rel, row_ids, facts = [], [], [], [], {}
        for position, e in enumerate(edges):
            for end in ("source_id", "target_id"):
                if e[end] not in index:
                    raise NotFound(f"edge names unknown node {e[end]!r}", where=f"edge {position}")
            if e["relation"] not in REL_CODE:
                raise InvalidInput(f"unknown relation {e['relation']!r}", where=f"edge {position}")
            src.append(index[e["source_id"]])
            dst.append(index[e["target_id"]])
            rel.append(REL_CODE[e["relation"]])
            row_ids.append(e.get("id", position))
            facts[position] = EdgeFact(
                source_id=e["source_id"],
                relation=e["relation"],
                target_id=e["target_id"],
                note=e.get("note") or "",
                provenance=e.get("provenance") or "",
                year=e.get("year"),
                confidence=e.get("confidence"),
                inferred=bool(e.get("inferred", False)),
                intents=e.get("intents"),
                influential=e.get("influential"),
                id=e.get("id", position),
            )
        return cls(
            ids=ids,
            kinds=[n.get("kind") or n["id"].split(":", 1)[0] for n in nodes],
            names=[n.get("name") or n["id"] for n in nodes],
            years=[n.get("year") for n in nodes],
            bindings={i: n["binding"] for i, n in enumerate(nodes) if n.get("binding")},
            categories={i: n["category"] for i, n in enumerate(nodes) if n.get("category")},
            src=np.asarray(src, dtype=np.int32),
            dst=np.asarray(dst, dtype=np.int32),
            rel=np.asarray(rel, dtype=np.int8),
            facts=facts,
            edge_ids=np.asarray(row_ids, dtype=np.int64),
        )

    @classmethod
    def load(cls, connection: Connection, *, revision: int = 0) -> Snapshot:
        """Read the node and edge tables in the caller's transaction (Core selects)."""
        ids, kinds, names, years, bindings, categories = read_node_columns(connection)
        index = dict(zip(ids, range(len(ids))))

        get = index.__getitem__
        src_parts, dst_parts, rel_parts, id_parts = [], [], [], []
        for relation, sources, targets, row_ids in read_edge_columns(connection):
            src_parts.append(np.fromiter(map(get, sources), dtype=np.int32, count=len(sources)))
            dst_parts.append(np.fromiter(map(get, targets), dtype=np.int32, count=len(targets)))
            rel_parts.append(np.full(len(sources), REL_CODE[relation], dtype=np.int8))
            id_parts.append(row_ids)
        src = np.concatenate(src_parts) if src_parts else np.zeros(0, dtype=np.int32)
        dst = np.concatenate(dst_parts) if dst_parts else np.zeros(0, dtype=np.int32)
        rel = np.concatenate(rel_parts) if rel_parts else np.zeros(0, dtype=np.int8)
        edge_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int64)
        if edge_ids.size and int(edge_ids.max()) < 2**31:
            edge_ids = edge_ids.astype(np.int32)  # 4 MB rather than 8 on a million edges
        return cls(
            ids=ids,
            kinds=kinds,
            names=names,
            years=years,
            bindings=bindings,
            categories=categories,
            src=src,
            dst=dst,
            rel=rel,
            revision=revision,
            loaded=True,
            index=index,
            edge_ids=edge_ids,
        )

    def bound(self, session_or_connection: Any) -> Snapshot:
        """This snapshot, reading evidence through `session_or_connection`
        (a Session or a Connection): the arrays and the evidence already read
        are shared, not copied."""
        view = copy.copy(self)
        view._session = session_or_connection
        return view

    # -- nodes ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        return int(self.src.size)

    def node_index(self, node_id: str) -> int:
        """The integer of a node id, or NotFound naming it."""
        try:
            return self.index[node_id]
        except KeyError:
            raise NotFound(f"no node with id {node_id!r}") from None

    def node(self, i: int) -> dict[str, Any]:
        """Plain attributes of node i."""
        out: dict[str, Any] = {"id": self.ids[i], "kind": self.kinds[i], "name": self.names[i], "year": self.years[i]}
        if i in self.bindings:
            out["binding"] = self.bindings[i]
        if i in self.categories:
            out["category"] = self.categories[i]
        return out

    def nodes_of_kind(self, kind: str) -> list[int]:
        """Integers of every node of one kind."""
        if not self._by_kind:
            self._by_kind.update({k: np.flatnonzero(self.kind_code == code).tolist() for k, code in KIND_CODE.items()})
        return self._by_kind.get(kind, [])

    def is_kind(self, nodes: np.ndarray | Sequence[int], kind: str) -> np.ndarray:
        """A boolean array: whether each of `nodes` is of `kind` (vectorised)."""
        return self.kind_code[np.asarray(nodes, dtype=np.int64)] == self._kind_code(kind)

    def degrees(self) -> np.ndarray:
        """Per node, how many edges touch it (either end; a self-loop counts twice)."""
        n = len(self.ids)
        return np.bincount(self.src, minlength=n) + np.bincount(self.dst, minlength=n)

    @staticmethod
    def _kind_code(kind: str) -> int:
        try:
            return KIND_CODE[kind]
        except KeyError:
            raise InvalidInput(f"unknown node kind {kind!r}") from None

    # -- edges ---------------------------------------------------------------

    def relation(self, e: int) -> str:
        return RELATIONS[int(self.rel[e])]

    def incident(self, i: int, *, relation: str | None = None, direction: str = "any") -> list[int]:
        """Edge positions touching node i as stored: direction 'out' (i is the
        source), 'in' (i is the target) or 'any'."""
        edges = np.concatenate((self._up.edges_of(i), self._down.edges_of(i)))
        if relation is not None:
            edges = edges[self.rel[edges] == REL_CODE[relation]]
        if direction == "out":
            edges = edges[self.src[edges] == i]
        elif direction == "in":
            edges = edges[self.dst[edges] == i]
        return sorted(set(edges.tolist()))

    def edges_with(self, relation: str) -> np.ndarray:
        """Positions of every edge of one relation."""
        return np.flatnonzero(self.rel == REL_CODE[relation])

    def edges(
        self,
        relations: str | Iterable[str] | None = None,
        *,
        source_kind: str | None = None,
        target_kind: str | None = None,
    ) -> np.ndarray:
        """Positions (ascending) of every edge of these relations (one name,
        several, or None for all) whose source and target are of the given
        kinds (None: any). Unknown relation or kind names raise InvalidInput."""
        mask = None
        if relations is not None:
            names = relation_names([relations] if isinstance(relations, str) else relations)
            allowed = np.zeros(len(RELATIONS), dtype=bool)
            allowed[[REL_CODE[r] for r in names]] = True
            mask = allowed[self.rel]
        for kind, ends in ((source_kind, self.src), (target_kind, self.dst)):
            if kind is not None:
                of_kind = self.kind_code[ends] == self._kind_code(kind)
                mask = of_kind if mask is None else mask & of_kind
        if mask is None:
            return np.arange(self.edge_count)
        return np.flatnonzero(mask)

    def source(self, e: int) -> int:
        """The node an edge is written from (its source as stored)."""
        return int(self.src[e])

    def target(self, e: int) -> int:
        """The node an edge is written to (its target as stored)."""
        return int(self.dst[e])

    def ends(self, edges: np.ndarray | Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(sources, targets) as stored of these edge positions, or of every
        edge when None, as read-only integer arrays: for callers that work
        on all edges at once (masks, counts, layouts)."""
        if edges is None:
            return self.src, self.dst
        edges = np.asarray(edges, dtype=np.int64)
        return self.src[edges], self.dst[edges]

    def find_edges(self, keys: Iterable[tuple[str, str, str]]) -> np.ndarray:
        """Positions (ascending) of the edges with these (source id, relation,
        target id) keys; keys naming no edge of this snapshot are skipped.
        One integer per key, matched against every edge in one pass."""
        n, r = len(self.ids), len(RELATIONS)
        wanted = [
            (self.index[source] * r + REL_CODE[relation]) * n + self.index[target]
            for source, relation, target in keys
            if source in self.index and target in self.index and relation in REL_CODE
        ]
        if not wanted or not self.edge_count:
            return np.zeros(0, dtype=np.int64)
        stored = (self.src.astype(np.int64) * r + self.rel) * n + self.dst
        return np.flatnonzero(np.isin(stored, np.asarray(wanted, dtype=np.int64)))

    def facts(self, edges: Sequence[int]) -> list[EdgeFact]:
        """The stored facts, with their evidence, at these edge positions."""
        edges = [int(e) for e in edges]
        missing = [e for e in edges if e not in self._facts]
        if missing:
            self._fetch_facts(missing)
        return [self._facts[e] for e in edges]

    def fact(self, e: int) -> EdgeFact:
        return self.facts([e])[0]

    def _connection(self) -> Connection | None:
        if self._session is None:
            return None
        if isinstance(self._session, Connection):
            return self._session
        return self._session.connection()

    def _fetch_facts(self, positions: list[int]) -> None:
        # Read by each edge's row id (the snapshot and the bound transaction
        # are of one revision); the fact's ends and relation come from the
        # arrays. The columns of all positions in a few array reads, not
        # numpy scalars per edge.
        if self._loaded and self._session is None:
            raise RuntimeError("this snapshot is not bound to a session: get it with network.snapshot(session)")
        picked = np.asarray(positions, dtype=np.int64)
        row_ids = self.edge_ids[picked].tolist()
        # Row ids name rows of a store only in a snapshot read from one.
        connection = self._connection() if self._loaded else None
        if connection is None:
            found = {}
        elif len(positions) > WHOLE_TABLE_EVIDENCE:
            found = read_evidence(connection, None)  # most of the table: one pass beats many index searches
        else:
            found = read_evidence(connection, row_ids)
        ids, facts = self.ids, self._facts
        for e, s, r, d, row_id in zip(positions, self.src[picked].tolist(), self.rel[picked].tolist(), self.dst[picked].tolist(), row_ids):
            row = found.get(row_id)
            if row is None:
                # Only a snapshot built from records can lack a row: it keeps the edge's shape without text.
                facts[e] = EdgeFact(id=None, source_id=ids[s], relation=RELATIONS[r], target_id=ids[d], provenance="", note="",
                                    year=None, confidence=None, inferred=False, intents=None, influential=None)
                continue
            _, note, provenance, year, confidence, inferred, intents, influential = row
            # Read as the driver gives them: SQLite's JSON as text, its booleans as 0/1.
            # Positional (in _FACT_FIELDS order): a third of the cost of naming each field.
            facts[e] = EdgeFact(
                row_id, ids[s], RELATIONS[r], ids[d], provenance, note or "", year, confidence, bool(inferred),
                json.loads(intents) if isinstance(intents, str) else intents,
                None if influential is None else bool(influential),
            )

    # -- walks ---------------------------------------------------------------

    def _allowed(self, relations: Iterable[str] | None) -> np.ndarray | None:
        """A boolean mask over relation codes, or None when no filter is needed."""
        if relations is None:
            return None
        wanted = set(relation_names(relations))
        if self._relations_present <= wanted:
            return None
        mask = np.zeros(len(RELATIONS), dtype=bool)
        for relation in wanted:
            mask[REL_CODE[relation]] = True
        return mask

    def walk(
        self,
        start: int,
        direction: str,
        *,
        relations: Iterable[str] | None = None,
        max_depth: int | None = None,
    ) -> Walk:
        """Breadth-first walk from `start`, UP to origins, DOWN to what it led
        to, or BOTH (ignoring direction). Each node is reached once, at its
        shortest distance, so cycles cannot loop; `max_depth` bounds the walk.

        Level-synchronous: each level gathers all neighbours of the frontier
        in a few numpy operations, so the cost per level is independent of
        Python's per-object overhead."""
        if max_depth is not None and max_depth < 0:
            raise InvalidInput(f"depth must be 0 or more, got {max_depth}")
        nodes, dist, via = walks.walk_levels(len(self.ids), start, self._csrs(direction), self._allowed(relations), self.rel, max_depth)
        return Walk(start=start, nodes=nodes, dist=dist, via=via)

    def _csrs(self, direction: str) -> tuple[walks.CSR, ...]:
        return {UP: (self._up,), DOWN: (self._down,), BOTH: (self._up, self._down)}[direction]

    def reach(self, starts: Iterable[int], direction: str, *, relations: Iterable[str] | None = None) -> np.ndarray:
        """A boolean mask of every node reached from any of `starts` (the starts included)."""
        return walks.reach(len(self.ids), starts, self._csrs(direction), self._allowed(relations), self.rel)

    def edges_lacking_evidence(self) -> list[int]:
        """Positions of edges whose note or provenance is empty."""
        connection = self._connection()
        if connection is None:
            return [e for e in range(self.edge_count) if not self.fact(e).note or not self.fact(e).provenance]
        positions = []
        for source, relation, target in read_keys_lacking_evidence(connection):
            i, j = self.index.get(source), self.index.get(target)
            if i is None or j is None:
                continue
            for e in self.incident(i, relation=relation, direction="out"):
                if int(self.dst[e]) == j:
                    positions.append(e)
        return sorted(positions)

    def shortest_chain(self, a: int, b: int, *, directed: bool = True, relations: Iterable[str] | None = None) -> list[int]:
        """Edge positions of one shortest chain from a to b, or NoPath.

        Directed means along the lineage orientation (a is an origin of b:
        each step goes from origin to derived); undirected ignores it.
        Bidirectional breadth-first search (csr.meet)."""
        if a == b:
            return []
        sides = ((self._down,), (self._up,)) if directed else ((self._either(),), (self._either(),))
        met = walks.meet(len(self.ids), a, b, sides, self._allowed(relations), self.rel)
        if met is None:
            raise NoPath(f"no {'directed ' if directed else ''}chain of facts joins {self.ids[a]!r} to {self.ids[b]!r}")
        meet, via_a, via_b = met
        return self._unwind(via_a, meet, a)[::-1] + self._unwind(via_b, meet, b)

    def _either(self) -> walks.CSR:
        """Both directions in one set of rows, for undirected chains: made on
        the first such query (a tenth of a second on a million edges)."""
        either = self._shared.get("either")
        if either is None:
            with _lock:
                either = self._shared.get("either")
                if either is None:
                    either = self._shared["either"] = walks.CSR.either_way(self._up, self._down, len(self.ids))
        return either

    def _unwind(self, via: np.ndarray, node: int, start: int) -> list[int]:
        """Edges from `node` back to `start` following the via pointers."""
        out = []
        while node != start:
            e = int(via[node])
            out.append(e)
            node = int(self.origin[e]) if int(self.derived[e]) == node else int(self.derived[e])
        return out

    def chain(self, walk: Walk, target: int, *, position: dict[int, int] | None = None) -> list[int]:
        """Edge positions of the shortest chain from walk.start to `target`
        (in walk order: the first edge touches the start)."""
        position = position if position is not None else {int(n): k for k, n in enumerate(walk.nodes.tolist())}
        if target not in position:
            raise NotFound(f"{self.ids[target]!r} is not reached from {self.ids[walk.start]!r}")
        out = []
        node = target
        while node != walk.start:
            e = int(walk.via[position[node]])
            out.append(e)
            node = int(self.origin[e]) if int(self.derived[e]) == node else int(self.derived[e])
        out.reverse()
        return out

    # -- derived graphs ------------------------------------------------------

    def restricted(self, keep_nodes: np.ndarray, *, drop_edges: np.ndarray | Sequence[int] = ()) -> Snapshot:
        """A snapshot of the nodes where the boolean array `keep_nodes` is set
        and the edges between them, less the edge positions `drop_edges`;
        same revision, renumbered. Evidence already read is carried over
        (the rest is fetched by key as usual); bind it with `bound`."""
        keep_nodes = np.asarray(keep_nodes, dtype=bool)
        keep_edge = keep_nodes[self.src] & keep_nodes[self.dst] if self.edge_count else np.zeros(0, dtype=bool)
        keep_edge[np.asarray(drop_edges, dtype=np.int64)] = False
        kept = np.flatnonzero(keep_nodes)
        new = np.full(len(self.ids), -1, dtype=np.int32)
        new[kept] = np.arange(kept.size, dtype=np.int32)
        edges = np.flatnonzero(keep_edge)
        kept_list = kept.tolist()
        return Snapshot(
            ids=[self.ids[i] for i in kept_list],
            kinds=[self.kinds[i] for i in kept_list],
            names=[self.names[i] for i in kept_list],
            years=[self.years[i] for i in kept_list],
            bindings={int(new[i]): b for i, b in self.bindings.items() if keep_nodes[i]},
            categories={int(new[i]): c for i, c in self.categories.items() if keep_nodes[i]},
            src=new[self.src[edges]],
            dst=new[self.dst[edges]],
            rel=self.rel[edges],
            revision=self.revision,
            facts={k: self._facts[e] for k, e in enumerate(edges.tolist()) if e in self._facts},
            loaded=self._loaded,
            edge_ids=self.edge_ids[edges],
        )

    # -- export ------------------------------------------------------------

    def to_networkx(self):
        """The same graph as a networkx MultiDiGraph (edges as stored), for
        analysis and export. Evidence is fetched for every edge: meant for
        graphs of human size, not the benchmark's million edges."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for i in range(len(self.ids)):
            attrs = self.node(i)
            g.add_node(attrs.pop("id"), **attrs)
        for e, fact in enumerate(self.facts(range(self.edge_count))):
            attrs = fact.to_dict()
            g.add_edge(attrs.pop("source"), attrs.pop("target"), key=attrs["relation"], **attrs)
        return g

    def memory_bytes(self) -> int:
        """An estimate of the snapshot's size: arrays exactly, Python lists and
        strings by sys.getsizeof."""
        import sys

        arrays = [self.src, self.dst, self.rel, self.origin, self.derived, self.kind_code, self.edge_ids]
        for csr in (self._up, self._down):
            arrays += [csr.ptr, csr.nbr, csr.edge]
        total = sum(a.nbytes for a in arrays)
        for seq in (self.ids, self.names):
            total += sys.getsizeof(seq) + sum(sys.getsizeof(s) for s in seq)
        total += sys.getsizeof(self.kinds) + sys.getsizeof(self.years)
        total += sys.getsizeof(self.index) + sys.getsizeof(self.bindings) + sys.getsizeof(self.categories)
        return total


# --------------------------------------------------------------------------
# The cached snapshot per engine
# --------------------------------------------------------------------------

_cache: weakref.WeakKeyDictionary[Engine, Snapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_loading: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def snapshot(session_or_connection: Any) -> Snapshot:
    """The in-memory graph of this store, current as of this transaction.

    The revision is read in the caller's transaction; if it differs from the
    cached snapshot's, the graph is reloaded in that same transaction, so the
    snapshot and the caller see the same data. Uncommitted writes of the
    caller's own transaction are not in the snapshot (the revision moves on
    commit)."""
    connection = session_or_connection.connection() if hasattr(session_or_connection, "connection") and not isinstance(session_or_connection, Connection) else session_or_connection
    engine = connection.engine
    revision = read_revision(connection)
    with _lock:
        cached = _cache.get(engine)
        loading = _loading.setdefault(engine, threading.Lock())
    if cached is not None and cached.revision == revision:
        return cached.bound(session_or_connection)
    # One load per engine at a time: a query arriving while the server warms
    # the graph (or while another query loads it) waits for that load instead
    # of making a second copy of a million edges beside it.
    with loading:
        with _lock:
            cached = _cache.get(engine)
        if cached is not None and cached.revision == revision:
            return cached.bound(session_or_connection)
        fresh = Snapshot.load(connection, revision=revision)
        with _lock:
            # A reader still in an older transaction must not replace a newer graph.
            if cached is None or cached.revision <= revision:
                _cache[engine] = fresh
    return fresh.bound(session_or_connection)


def forget(engine: Engine) -> None:
    """Drop the cached snapshot of an engine (tests, and after out-of-band writes)."""
    with _lock:
        _cache.pop(engine, None)
