"""Breadth-first walks over compressed sparse rows (CSR): pure numpy
functions of integer arrays, no database and no node ids.

Neighbours of node v are `nbr[ptr[v]:ptr[v+1]]`, reached by the edges
`edge[...]` (positions into the caller's edge arrays). Each walk expands a
whole level of the frontier in a few numpy operations, so the cost per level
is independent of Python's per-object overhead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EMPTY = np.zeros(0, dtype=np.int32)


@dataclass
class CSR:
    """Neighbours of node v are nbr[ptr[v]:ptr[v+1]], reached by edge[...]."""

    ptr: np.ndarray
    nbr: np.ndarray
    edge: np.ndarray
    _views: tuple[memoryview, memoryview, memoryview] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, n: int, key: np.ndarray, other: np.ndarray) -> CSR:
        """Rows of `n` nodes: for each edge position p, `other[p]` is a neighbour of `key[p]`."""
        order = np.argsort(key, kind="stable").astype(np.int32)
        counts = np.bincount(key, minlength=n)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return cls(ptr=ptr, nbr=other[order], edge=order)

    @classmethod
    def either_way(cls, up: CSR, down: CSR, n: int) -> CSR:
        """Rows holding both of `up`'s and `down`'s neighbours of each node
        (up's first), for walks that ignore direction: one row to read per
        node instead of two, half the memory touched per step."""
        key = np.concatenate((np.repeat(np.arange(n, dtype=np.int32), np.diff(up.ptr)), np.repeat(np.arange(n, dtype=np.int32), np.diff(down.ptr))))
        order = np.argsort(key, kind="stable")
        ptr = up.ptr + down.ptr
        return cls(ptr=ptr, nbr=np.concatenate((up.nbr, down.nbr))[order], edge=np.concatenate((up.edge, down.edge))[order])

    def edges_of(self, v: int) -> np.ndarray:
        return self.edge[self.ptr[v] : self.ptr[v + 1]]

    def views(self) -> tuple[memoryview, memoryview, memoryview]:
        """memoryviews of ptr, nbr and edge, for reading a few rows from Python:
        an item or a slice of one costs half what numpy's indexing does."""
        if self._views is None:
            self._views = (memoryview(self.ptr), memoryview(self.nbr), memoryview(self.edge))
        return self._views


def expand(
    frontier: np.ndarray, csrs: tuple[CSR, ...], seen: np.ndarray, allowed: np.ndarray | None, rel: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One BFS level: the unseen neighbours of `frontier` and, for each, the
    edge it was first reached by. `allowed` masks relation codes (`rel[edge]`)."""
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
        return EMPTY, EMPTY
    cand = cand_parts[0] if len(cand_parts) == 1 else np.concatenate(cand_parts)
    edges = edge_parts[0] if len(edge_parts) == 1 else np.concatenate(edge_parts)
    keep = ~seen[cand]
    if allowed is not None:
        keep &= allowed[rel[edges]]
    cand = cand[keep]
    if not cand.size:
        return EMPTY, EMPTY
    edges = edges[keep]
    # Keep the first edge that reached each new node without sorting:
    # write each candidate's position into its node's slot (the last write
    # wins), then keep the candidates that find their own position there.
    stamp = np.empty(seen.size, dtype=np.int32)
    order = np.arange(cand.size, dtype=np.int32)
    stamp[cand[::-1]] = order[::-1]
    first = np.flatnonzero(stamp[cand] == order)
    return cand[first], edges[first]


def walk_levels(
    n: int, start: int, csrs: tuple[CSR, ...], allowed: np.ndarray | None, rel: np.ndarray, max_depth: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nodes in the order reached, their distances, the edge each was reached
    by; -1 for the start). Each node is reached once, at its shortest distance."""
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    levels = [np.array([start], dtype=np.int32)]
    vias = [np.array([-1], dtype=np.int32)]
    frontier = levels[0]
    depth = 0
    while frontier.size and (max_depth is None or depth < max_depth):
        new, edges = expand(frontier, csrs, seen, allowed, rel)
        if not new.size:
            break
        seen[new] = True
        levels.append(new)
        vias.append(edges)
        frontier = new
        depth += 1
    nodes = np.concatenate(levels)
    dist = np.repeat(np.arange(len(levels), dtype=np.int32), [lv.size for lv in levels])
    return nodes, dist, np.concatenate(vias)


def reach(n: int, starts: Iterable[int], csrs: tuple[CSR, ...], allowed: np.ndarray | None, rel: np.ndarray) -> np.ndarray:
    """A boolean mask of every node reached from any of `starts` (the starts included)."""
    seen = np.zeros(n, dtype=bool)
    frontier = np.unique(np.fromiter(starts, dtype=np.int32))
    seen[frontier] = True
    while frontier.size:
        frontier, _ = expand(frontier, csrs, seen, allowed, rel)
        seen[frontier] = True
    return seen


# A level of the bidirectional search is expanded in Python while it scans at
# most this many edges, and in numpy (`expand`) once it would scan more. Most
# shortest chains are found within a few small levels: there numpy's cost per
# call (a dozen array operations per level, arrays of n nodes per search) was
# three times networkx's whole search; a hub or a wide level is where numpy
# wins by far.
SMALL_LEVEL_EDGES = 8192


def meet(
    n: int, a: int, b: int, sides: tuple[tuple[CSR, ...], tuple[CSR, ...]], allowed: np.ndarray | None, rel: np.ndarray
) -> tuple[int, Any, Any] | None:
    """Bidirectional breadth-first search from a (along sides[0]) and b (along
    sides[1]), expanding the smaller frontier one whole level at a time;
    among the meeting nodes of that level the one closest to the other end is
    taken, so the chain through it is shortest. Returns (meeting node, via
    from a, via from b), where `via[node]` is the edge a node was reached by,
    or None when the two never meet.

    Small levels are expanded in plain Python over dicts (no array of n
    nodes is made); the search moves to arrays (`expand`) for the first level
    that would scan more than SMALL_LEVEL_EDGES edges. Both visit neighbours
    in the same order, so the chain found does not depend on where the switch
    happened."""
    dist: list[dict[int, int]] = [{a: 0}, {b: 0}]
    via: list[dict[int, int]] = [{a: -1}, {b: -1}]
    frontier: list[list[int]] = [[a], [b]]
    allowed_codes = None if allowed is None else allowed.tolist()
    rel_codes = memoryview(rel)
    while frontier[0] and frontier[1]:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        depth = dist[side][frontier[side][0]] + 1
        level = _small_level(frontier[side], sides[side], dist[side], via[side], depth, dist[1 - side], allowed_codes, rel_codes)
        if level is None:
            return _meet_arrays(n, sides, allowed, rel, dist, via, frontier)
        new, met = level
        if met is not None:
            return met, via[0], via[1]
        frontier[side] = new
    return None


def _small_level(
    frontier: list[int], csrs: tuple[CSR, ...], seen: dict[int, int], via: dict[int, int], depth: int, other: dict[int, int],
    allowed: list[bool] | None, rel: memoryview,
) -> tuple[list[int], int | None] | None:
    """`expand` in Python for a level that scans few edges: records each new
    node's distance (`depth`, in `seen`) and the edge it was first reached by
    (in `via`) as it is found, and returns (new nodes, the first of them the
    other side has seen or None), or None, with nothing recorded, when the
    level is too wide. Recording at once, rather than in a set of this
    level's nodes copied after it, is one dict test and two stores per new
    node: the most of an undirected search of a few levels.

    It stops at the first node the other side has seen: every such node of
    this level is as close to the other end as any (the other side's levels
    are whole, and an earlier meeting would have been found earlier), so it
    is the one `_meet_arrays` would take too: the first in visiting order."""
    spans = []
    total = 0
    for csr in csrs:
        ptr, nbr, edge = csr.views()
        for v in frontier:
            lo, hi = ptr[v], ptr[v + 1]
            total += hi - lo
            if total > SMALL_LEVEL_EDGES:
                return None
            if hi > lo:
                spans.append((nbr[lo:hi], edge[lo:hi]))
    new: list[int] = []
    for nodes, reached_by in spans:
        for node, e in zip(nodes.tolist(), reached_by.tolist()):
            if node in seen or (allowed is not None and not allowed[rel[e]]):
                continue
            seen[node] = depth
            via[node] = e
            new.append(node)
            if node in other:
                return new, node
    return new, None


def _meet_arrays(
    n: int,
    sides: tuple[tuple[CSR, ...], tuple[CSR, ...]],
    allowed: np.ndarray | None,
    rel: np.ndarray,
    start_dist: list[dict[int, int]],
    start_via: list[dict[int, int]],
    start_frontier: list[list[int]],
) -> tuple[int, np.ndarray, np.ndarray] | None:
    """The rest of `meet` in numpy, from the state its small levels reached."""
    seen = [np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)]
    # dist and via are read only where seen is set, so need no filling.
    dist = [np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)]
    via = [np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)]
    frontier = [np.asarray(start_frontier[0], dtype=np.int32), np.asarray(start_frontier[1], dtype=np.int32)]
    level = [0, 0]
    for side in (0, 1):
        nodes = np.fromiter(start_dist[side].keys(), dtype=np.int64, count=len(start_dist[side]))
        seen[side][nodes] = True
        dist[side][nodes] = np.fromiter(start_dist[side].values(), dtype=np.int32, count=nodes.size)
        via[side][nodes] = np.fromiter(start_via[side].values(), dtype=np.int32, count=nodes.size)
        level[side] = start_dist[side][start_frontier[side][0]]
    while frontier[0].size and frontier[1].size:
        side = 0 if frontier[0].size <= frontier[1].size else 1
        other = 1 - side
        new, edges = expand(frontier[side], sides[side], seen[side], allowed, rel)
        level[side] += 1
        seen[side][new] = True
        dist[side][new] = level[side]
        via[side][new] = edges
        frontier[side] = new
        met = new[seen[other][new]]
        if met.size:
            return int(met[np.argmin(dist[other][met])]), via[0], via[1]
    return None
