"""The one bridge from the database to an in-memory graph.

`Snapshot` is a read-only picture of the `node` and `edge` tables at one
revision of the store, held as integer arrays (compressed sparse rows, CSR)
so that walks over a million edges run in numpy rather than in Python. It is
built from two SQLAlchemy Core selects, or from plain records in tests.
`snapshot(session)` keeps one snapshot per engine and rebuilds it when the
store's revision (bumped by the service layer on every committed write) has
moved, so a write is visible to the next query.

Why arrays and not networkx or rustworkx: on a 200,000-node, 1,000,000-edge
graph (tests/benchmarks/bench_queries.py, same run, shared 2-core machine)
unbounded origins took a median 16 ms here against 56 ms for rustworkx and
208 ms for networkx, and the arrays load faster than either (networkx needs
4x as long); so no compiled graph dependency is added. networkx stays the
library for analysis and export: `to_networkx()` hands the same graph over.

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

Text evidence (note, provenance, confidence) of an edge is fetched by primary
key only for the edges an answer shows, instead of loading a million notes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.engine import Connection, Engine

from .errors import InvalidInput, NoPath, NotFound
from .models import Edge, EdgeFact, Meta, Node, NodeKind, Relation
from .relations import lineage_relations, origin_is_target, relation_names

RELATIONS: tuple[str, ...] = tuple(r.value for r in Relation)
REL_CODE: dict[str, int] = {r: i for i, r in enumerate(RELATIONS)}
KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(KINDS)}

# Relations whose *target* is the origin (the fact is written later -> earlier).
ORIGIN_IS_TARGET = origin_is_target()

# The relations that carry ideas forward: the default of origins and impact.
LINEAGE_RELATIONS: tuple[str, ...] = lineage_relations()

UP, DOWN, BOTH = "up", "down", "both"

_EMPTY = np.zeros(0, dtype=np.int32)


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


@dataclass
class _CSR:
    """Neighbours of node v are nbr[ptr[v]:ptr[v+1]], reached by edge[...]."""

    ptr: np.ndarray
    nbr: np.ndarray
    edge: np.ndarray


def _csr(n: int, key: np.ndarray, other: np.ndarray) -> _CSR:
    order = np.argsort(key, kind="stable").astype(np.int32)
    counts = np.bincount(key, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return _CSR(ptr=ptr, nbr=other[order], edge=order)


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
        engine: Engine | None = None,
    ):
        self.ids = ids
        self.index: dict[str, int] = {node_id: i for i, node_id in enumerate(ids)}
        self.kinds = kinds
        self.names = names
        self.years = years
        self.bindings = bindings
        self.categories = categories
        self.src = src
        self.dst = dst
        self.rel = rel
        self.revision = revision
        self._facts: dict[int, EdgeFact] = dict(facts or {})
        self._engine = engine
        self._by_kind: dict[str, list[int]] | None = None
        n = len(ids)
        self.kind_code = np.fromiter((KIND_CODE.get(k, -1) for k in kinds), dtype=np.int8, count=n)
        # Lineage orientation: origin -> derived, whatever way the fact is written.
        target_is_origin = np.zeros(len(RELATIONS), dtype=bool)
        for relation in ORIGIN_IS_TARGET:
            target_is_origin[REL_CODE[relation]] = True
        flip = target_is_origin[rel] if rel.size else np.zeros(0, dtype=bool)
        origin = np.where(flip, dst, src).astype(np.int32)
        derived = np.where(flip, src, dst).astype(np.int32)
        self.origin = origin
        self.derived = derived
        self._up = _csr(n, derived, origin)  # from a node to its origins
        self._down = _csr(n, origin, derived)  # from a node to what it led to
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
        src, dst, rel, facts = [], [], [], {}
        for position, e in enumerate(edges):
            for end in ("source_id", "target_id"):
                if e[end] not in index:
                    raise NotFound(f"edge names unknown node {e[end]!r}", where=f"edge {position}")
            if e["relation"] not in REL_CODE:
                raise InvalidInput(f"unknown relation {e['relation']!r}", where=f"edge {position}")
            src.append(index[e["source_id"]])
            dst.append(index[e["target_id"]])
            rel.append(REL_CODE[e["relation"]])
            facts[position] = EdgeFact(
                source_id=e["source_id"],
                relation=e["relation"],
                target_id=e["target_id"],
                note=e.get("note") or "",
                provenance=e.get("provenance") or "",
                year=e.get("year"),
                confidence=e.get("confidence"),
                inferred=bool(e.get("inferred", False)),
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
        )

    @classmethod
    def load(cls, connection: Connection, *, revision: int = 0) -> Snapshot:
        """Read the node and edge tables in the caller's transaction (Core selects)."""
        ids, kinds, names, years, bindings, categories = _node_columns(connection)
        index = dict(zip(ids, range(len(ids))))

        get = index.__getitem__
        src_parts, dst_parts, rel_parts = [], [], []
        for relation, sources, targets in _edge_columns(connection):
            src_parts.append(np.fromiter(map(get, sources), dtype=np.int32, count=len(sources)))
            dst_parts.append(np.fromiter(map(get, targets), dtype=np.int32, count=len(targets)))
            rel_parts.append(np.full(len(sources), REL_CODE[relation], dtype=np.int8))
        src = np.concatenate(src_parts) if src_parts else np.zeros(0, dtype=np.int32)
        dst = np.concatenate(dst_parts) if dst_parts else np.zeros(0, dtype=np.int32)
        rel = np.concatenate(rel_parts) if rel_parts else np.zeros(0, dtype=np.int8)
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
            engine=connection.engine,
        )

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
        if self._by_kind is None:
            self._by_kind = {k: np.flatnonzero(self.kind_code == code).tolist() for k, code in KIND_CODE.items()}
        return self._by_kind.get(kind, [])

    # -- edges ---------------------------------------------------------------

    def relation(self, e: int) -> str:
        return RELATIONS[int(self.rel[e])]

    def incident(self, i: int, *, relation: str | None = None, direction: str = "any") -> list[int]:
        """Edge positions touching node i as stored: direction 'out' (i is the
        source), 'in' (i is the target) or 'any'."""
        up, down = self._up, self._down
        edges = np.concatenate((up.edge[up.ptr[i] : up.ptr[i + 1]], down.edge[down.ptr[i] : down.ptr[i + 1]]))
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

    def facts(self, edges: Sequence[int]) -> list[EdgeFact]:
        """The stored facts, with their evidence, at these edge positions."""
        edges = [int(e) for e in edges]
        missing = [e for e in edges if e not in self._facts]
        if missing:
            self._fetch_facts(missing)
        return [self._facts[e] for e in edges]

    def fact(self, e: int) -> EdgeFact:
        return self.facts([e])[0]

    def _fetch_facts(self, positions: list[int]) -> None:
        # Edges are found again by their (source, relation, target) triple, unique in the store.
        wanted = {(self.ids[int(self.src[e])], self.relation(e), self.ids[int(self.dst[e])]): e for e in positions}
        found: dict[tuple[str, str, str], Any] = {}
        if self._engine is not None:
            c = Edge.__table__.c
            keys = list(wanted)
            with self._engine.connect() as conn:
                for start in range(0, len(keys), 300):
                    chunk = keys[start : start + 300]
                    stmt = select(c.source_id, c.relation, c.target_id, c.id, c.note, c.provenance, c.year, c.confidence, c.inferred).where(
                        tuple_(c.source_id, c.relation, c.target_id).in_(chunk)
                    )
                    for row in conn.execute(stmt):
                        found[(row[0], row[1], row[2])] = row
        for key, e in wanted.items():
            row = found.get(key)
            # An edge deleted since this snapshot was taken keeps its shape and loses its text.
            self._facts[e] = EdgeFact(
                source_id=key[0],
                relation=key[1],
                target_id=key[2],
                note=(row[4] or "") if row else "",
                provenance=row[5] if row else "",
                year=row[6] if row else None,
                confidence=row[7] if row else None,
                inferred=bool(row[8]) if row else False,
                id=row[3] if row else None,
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
        csrs = {UP: (self._up,), DOWN: (self._down,), BOTH: (self._up, self._down)}[direction]
        allowed = self._allowed(relations)
        seen = np.zeros(len(self.ids), dtype=bool)
        seen[start] = True
        levels = [np.array([start], dtype=np.int32)]
        vias = [np.array([-1], dtype=np.int32)]
        frontier = levels[0]
        depth = 0
        while frontier.size and (max_depth is None or depth < max_depth):
            new, edges = self._expand(frontier, csrs, seen, allowed)
            if not new.size:
                break
            seen[new] = True
            levels.append(new)
            vias.append(edges)
            frontier = new
            depth += 1
        nodes = np.concatenate(levels)
        dist = np.repeat(np.arange(len(levels), dtype=np.int32), [lv.size for lv in levels])
        return Walk(start=start, nodes=nodes, dist=dist, via=np.concatenate(vias))

    def _expand(self, frontier: np.ndarray, csrs: tuple[_CSR, ...], seen: np.ndarray, allowed: np.ndarray | None):
        """One BFS level: the unseen neighbours of `frontier` and, for each,
        the edge it was first reached by."""
        cand_parts, edge_parts = [], []
        for csr in csrs:
            starts = csr.ptr[frontier]
            counts = csr.ptr[frontier + 1] - starts
            total = int(counts.sum())
            if not total:
                continue
            if frontier.size == 1:
                pos = np.arange(starts[0], starts[0] + total)
            else:
                offsets = np.cumsum(counts) - counts
                pos = np.arange(total) + np.repeat(starts - offsets, counts)
            cand_parts.append(csr.nbr[pos])
            edge_parts.append(csr.edge[pos])
        if not cand_parts:
            return _EMPTY, _EMPTY
        cand = cand_parts[0] if len(cand_parts) == 1 else np.concatenate(cand_parts)
        edges = edge_parts[0] if len(edge_parts) == 1 else np.concatenate(edge_parts)
        keep = ~seen[cand]
        if allowed is not None:
            keep &= allowed[self.rel[edges]]
        cand = cand[keep]
        if not cand.size:
            return _EMPTY, _EMPTY
        edges = edges[keep]
        # Keep the first edge that reached each new node without sorting:
        # write each candidate's position into its node's slot (the last write
        # wins), then keep the candidates that find their own position there.
        stamp = np.empty(len(self.ids), dtype=np.int32)
        order = np.arange(cand.size, dtype=np.int32)
        stamp[cand[::-1]] = order[::-1]
        first = np.flatnonzero(stamp[cand] == order)
        return cand[first], edges[first]

    def reach(self, starts: Iterable[int], direction: str, *, relations: Iterable[str] | None = None) -> np.ndarray:
        """A boolean mask of every node reached from any of `starts` (the starts included)."""
        csrs = {UP: (self._up,), DOWN: (self._down,), BOTH: (self._up, self._down)}[direction]
        allowed = self._allowed(relations)
        seen = np.zeros(len(self.ids), dtype=bool)
        frontier = np.unique(np.fromiter(starts, dtype=np.int32))
        seen[frontier] = True
        while frontier.size:
            frontier, _ = self._expand(frontier, csrs, seen, allowed)
            seen[frontier] = True
        return seen

    def edges_lacking_evidence(self) -> list[int]:
        """Positions of edges whose note or provenance is empty."""
        if self._engine is None:
            return [e for e in range(self.edge_count) if not self.fact(e).note or not self.fact(e).provenance]
        c = Edge.__table__.c
        stmt = select(c.source_id, c.relation, c.target_id).where(
            (c.note.is_(None)) | (c.note == "") | (c.provenance.is_(None)) | (c.provenance == "")
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        positions = []
        for source, relation, target in rows:
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
        Bidirectional breadth-first search, expanding the smaller frontier
        one whole level at a time; among the meeting nodes of that level the
        one closest to the other end is taken, so the chain is shortest."""
        if a == b:
            return []
        allowed = self._allowed(relations)
        if directed:
            sides = ((self._down,), (self._up,))
        else:
            sides = ((self._up, self._down), (self._up, self._down))
        n = len(self.ids)
        seen = [np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)]
        # dist and via are read only where seen is set, so need no filling.
        dist = [np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)]
        via = [np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)]
        frontier = [np.array([a], dtype=np.int32), np.array([b], dtype=np.int32)]
        level = [0, 0]
        for side, start in ((0, a), (1, b)):
            seen[side][start] = True
            dist[side][start] = 0
        while frontier[0].size and frontier[1].size:
            side = 0 if frontier[0].size <= frontier[1].size else 1
            other = 1 - side
            new, edges = self._expand(frontier[side], sides[side], seen[side], allowed)
            level[side] += 1
            seen[side][new] = True
            dist[side][new] = level[side]
            via[side][new] = edges
            frontier[side] = new
            met = new[seen[other][new]]
            if met.size:
                meet = int(met[np.argmin(dist[other][met])])
                return self._unwind(via[0], meet, a)[::-1] + self._unwind(via[1], meet, b)
        raise NoPath(f"no {'directed ' if directed else ''}chain of facts joins {self.ids[a]!r} to {self.ids[b]!r}")

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

        arrays = [self.src, self.dst, self.rel, self.origin, self.derived, self.kind_code]
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


_SEP = "\x1f"  # ASCII unit separator: cannot occur in a node id (kind:slug)


def _node_columns(connection: Connection):
    """ids, kinds, names, years, bindings {i: ..}, categories {i: ..} of every node.

    On SQLite one row per kind with group_concat'ed columns (see _edge_columns);
    if a name holds the separator, or elsewhere, plain rows."""
    c = Node.__table__.c
    ids: list[str] = []
    kinds: list[str] = []
    names: list[str] = []
    years: list[int | None] = []
    if connection.dialect.name == "sqlite":
        stmt = select(
            c.kind,
            func.count(),
            func.group_concat(c.id, literal(_SEP)),
            func.group_concat(c.name, literal(_SEP)),
            func.group_concat(func.coalesce(c.year, ""), literal(_SEP)),
        ).group_by(c.kind)
        grouped = []
        for kind, count, kind_ids, kind_names, kind_years in connection.execute(stmt):
            kind_ids, kind_names, kind_years = kind_ids.split(_SEP), kind_names.split(_SEP), kind_years.split(_SEP)
            if not len(kind_ids) == len(kind_names) == len(kind_years) == count:
                grouped = None
                break
            grouped.append((kind, kind_ids, kind_names, kind_years))
        if grouped is not None:
            for kind, kind_ids, kind_names, kind_years in grouped:
                ids += kind_ids
                names += kind_names
                kinds += [kind] * len(kind_ids)
                years += [int(y) if y else None for y in kind_years]
            index = dict(zip(ids, range(len(ids))))
            extra = connection.execute(select(c.id, c.binding, c.category).where((c.binding.is_not(None)) | (c.category.is_not(None))))
            bindings, categories = {}, {}
            for node_id, binding, category in extra:
                if binding:
                    bindings[index[node_id]] = binding
                if category:
                    categories[index[node_id]] = category
            return ids, kinds, names, years, bindings, categories
        ids, kinds, names, years = [], [], [], []
    bindings, categories = {}, {}
    kind_pool: dict[str, str] = {}
    for i, (node_id, kind, name, year, binding, category) in enumerate(
        connection.execute(select(c.id, c.kind, c.name, c.year, c.binding, c.category))
    ):
        ids.append(node_id)
        kinds.append(kind_pool.setdefault(kind, kind))
        names.append(name)
        years.append(year)
        if binding:
            bindings[i] = binding
        if category:
            categories[i] = category
    return ids, kinds, names, years, bindings, categories


def _edge_columns(connection: Connection) -> Iterable[tuple[str, list[str], list[str]]]:
    """(relation, source ids, target ids) per relation, in matching order.

    On SQLite the ids of each relation come back as two group_concat strings
    split in C: materialising a million result rows as Python tuples costs
    about three times as long, and that is most of the load time. Elsewhere
    (PostgreSQL) plain rows."""
    c = Edge.__table__.c
    if connection.dialect.name == "sqlite":
        stmt = select(
            c.relation, func.count(), func.group_concat(c.source_id, literal(_SEP)), func.group_concat(c.target_id, literal(_SEP))
        ).group_by(c.relation)
        for relation, count, sources, targets in connection.execute(stmt):
            sources, targets = sources.split(_SEP), targets.split(_SEP)
            if len(sources) != count or len(targets) != count:
                raise InvalidInput(f"a node id of a {relation!r} edge holds the separator character U+001F")
            yield relation, sources, targets
        return
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for source, relation, target in connection.execute(select(c.source_id, c.relation, c.target_id)):
        sources, targets = grouped.setdefault(relation, ([], []))
        sources.append(source)
        targets.append(target)
    for relation, (sources, targets) in grouped.items():
        yield relation, sources, targets


def read_revision(connection: Connection) -> int:
    """The store's revision counter (absent = 0), as the service layer keeps it."""
    c = Meta.__table__.c
    value = connection.execute(select(c.value).where(c.key == "revision")).scalar()
    return int(value) if value is not None else 0


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
        if cached is not None and cached.revision == revision:
            return cached
    fresh = Snapshot.load(connection, revision=revision)
    with _lock:
        _cache[engine] = fresh
    return fresh


def forget(engine: Engine) -> None:
    """Drop the cached snapshot of an engine (tests, and after out-of-band writes)."""
    with _lock:
        _cache.pop(engine, None)
