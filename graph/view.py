"""The drawable graph: which nodes and edges a picture of the store shows.

`drawable_graph(snap, view)` applies a `ViewFilter` (kinds, relations, year
range, one constraint, a focus on a node's origins or impact, a node's
neighbourhood, a list of nodes) to a snapshot and returns plain nodes and
edges with the attributes a drawing needs (kind, year, binding, degree).
When more nodes pass than `limit`, the rule in CAP_RULE chooses which are
kept, and the answer says how many it left out, so a 200,000-node store
still yields a picture a browser can lay out: the page measured about 5,000
nodes as the most it keeps responsive on a 2-core machine
(tests/benchmarks/bench_page.py).

`timeline_chart(snap, shifts)` shapes graph.queries.narrative_shifts into
the page's time chart: relaxes edges per constraint per period.

Pure functions of a snapshot (graph/network.py), except the page_*
functions at the end, which ask graph.answers with a session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any


import numpy as np

from .errors import InvalidInput
from .layout import SPREAD, force_layout
from .models import CONSTRAINT_IDS, NodeKind, Relation
from .network import RELATIONS, Snapshot
from .relations import spelling

KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
FOCUS_MODES = ("origins", "impact")
DEFAULT_LIMIT = 5000
PERIOD_YEARS = 5

# Kinds that anchor the picture: never dropped to meet the limit.
_ANCHOR_KINDS = frozenset({NodeKind.constraint.value, NodeKind.narrative.value})

# How the limit chooses, in words the page shows beside the count it left out.
CAP_RULE = "constraints and narratives first, then connected nodes by number of edges, then the most recent"

# Most neighbours a neighbourhood view draws around its node.
AROUND_LIMIT = 400


@dataclass(frozen=True)
class ViewFilter:
    """What to draw. None means no restriction on that dimension.

    Nodes without a year (constraints, fields) pass any year range: they are
    timeless anchors. An edge is drawn when its relation passes and both its
    ends are drawn."""

    kinds: frozenset[str] | None = None
    relations: frozenset[str] | None = None
    year_from: int | None = None
    year_to: int | None = None
    constraint: str | None = None
    focus: str | None = None
    mode: str = "origins"
    limit: int = DEFAULT_LIMIT
    as_of: int | None = None
    # A node whose neighbourhood (it and the nodes one fact away) is drawn,
    # or an explicit list of nodes (a path's): each replaces the other filters.
    around: str | None = None
    ids: tuple[str, ...] | None = None
    focus_nodes: frozenset[str] | None = field(default=None, compare=False)

    @classmethod
    def parse(
        cls,
        *,
        kinds: Iterable[str] | None = None,
        relations: Iterable[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        constraint: str | None = None,
        focus: str | None = None,
        mode: str | None = None,
        limit: int | None = None,
        as_of: int | None = None,
        around: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> ViewFilter:
        """A filter from user input (query strings, CLI flags), checked:
        InvalidInput names the offending value and the accepted ones."""
        kind_set = _checked("kind", kinds, KINDS)
        # A relation in any spelling (Inspired_By) is the stored one (inspired-by).
        relation_set = _checked("relation", relations and [spelling(r) for r in relations if r], RELATIONS)
        if year_from is not None and year_to is not None and year_from > year_to:
            raise InvalidInput(f"year range {year_from}..{year_to} is empty: the first year is after the last", where="year")
        if mode is not None and mode not in FOCUS_MODES:
            raise InvalidInput(f"focus mode {mode!r} is not one of {', '.join(FOCUS_MODES)}", where="mode")
        if limit is not None and limit < 1:
            raise InvalidInput(f"limit must be at least 1, got {limit}", where="limit")
        return cls(
            kinds=kind_set,
            relations=relation_set,
            year_from=year_from,
            year_to=year_to,
            constraint=constraint or None,
            focus=focus or None,
            mode=mode or "origins",
            limit=limit or DEFAULT_LIMIT,
            as_of=as_of,
            around=around or None,
            ids=tuple(i for i in ids if i) or None if ids is not None else None,
        )

    def with_focus_nodes(self, node_ids: Iterable[str]) -> ViewFilter:
        """The same filter, restricted to these nodes (a focus walk's answer)."""
        return replace(self, focus_nodes=frozenset(node_ids))


def _checked(what: str, values: Iterable[str] | None, allowed: tuple[str, ...]) -> frozenset[str] | None:
    if values is None:
        return None
    chosen = frozenset(v for v in values if v)
    unknown = sorted(chosen - set(allowed))
    if unknown:
        raise InvalidInput(f"unknown {what}(s) {', '.join(map(repr, unknown))}; known: {', '.join(allowed)}", where=what)
    return chosen


def degrees(snap: Snapshot) -> np.ndarray:
    """Number of edges touching each node, over the whole store."""
    return snap.degrees()


def constraint_members(snap: Snapshot, constraint_id: str) -> np.ndarray:
    """Node indices shown when filtering by one constraint: the constraint,
    what relaxes it, and the papers that introduced those techniques."""
    c = snap.node_index(constraint_id)
    if snap.kinds[c] != NodeKind.constraint.value:
        raise InvalidInput(f"{constraint_id!r} is a {snap.kinds[c]}, not a constraint", where="constraint")
    sources, targets = snap.ends(snap.edges_with(Relation.relaxes.value))
    relaxers = np.unique(sources[targets == c])
    sources, targets = snap.ends(snap.edges_with(Relation.introduces.value))
    introducers = np.unique(sources[np.isin(targets, relaxers)])
    return np.unique(np.concatenate([np.array([c], dtype=np.int64), relaxers, introducers]))


def node_mask(snap: Snapshot, view: ViewFilter) -> np.ndarray:
    """Which nodes pass the filter (before the size limit)."""
    n = len(snap)
    keep = np.ones(n, dtype=bool)
    if view.around is not None or view.ids is not None:
        # A neighbourhood or a path is asked for by name: the other filters
        # would hide the very nodes asked for.
        member = np.zeros(n, dtype=bool)
        member[[snap.node_index(node_id) for node_id in view.focus_nodes or ()]] = True
        return member
    if view.kinds is not None:
        keep &= np.isin(np.asarray(snap.kinds, dtype=object), list(view.kinds))
    if view.year_from is not None or view.year_to is not None:
        years = np.asarray([-10**6 if y is None else y for y in snap.years], dtype=np.int64)
        timeless = years == -10**6
        in_range = np.ones(n, dtype=bool)
        if view.year_from is not None:
            in_range &= years >= view.year_from
        if view.year_to is not None:
            in_range &= years <= view.year_to
        keep &= in_range | timeless
    if view.constraint is not None:
        member = np.zeros(n, dtype=bool)
        member[constraint_members(snap, view.constraint)] = True
        keep &= member
    if view.focus_nodes is not None:
        member = np.zeros(n, dtype=bool)
        member[[snap.node_index(node_id) for node_id in view.focus_nodes]] = True
        keep &= member
    return keep


def drawable_graph(snap: Snapshot, view: ViewFilter = ViewFilter()) -> dict[str, Any]:
    """The nodes and edges to draw, with what the drawing needs.

    A focus (`view.focus`) must already be resolved into `view.focus_nodes`
    by the caller (the walk belongs to graph.queries). Returns
    {"nodes": [...], "edges": [...], "meta": {...}}; `meta.truncated` says
    whether the limit dropped nodes that passed the filter."""
    keep = passing = node_mask(snap, view)
    passed = int(keep.sum())
    deg = degrees(snap)
    truncated = passed > view.limit
    if truncated:
        chosen = capped(snap, np.flatnonzero(keep), deg, view.limit, first=[view.focus, view.around])
        keep = np.zeros(len(snap), dtype=bool)
        keep[chosen] = True
    sources, targets = snap.ends()
    edge_keep = keep[sources] & keep[targets]
    if view.relations is not None and snap.edge_count:
        allowed = np.zeros(snap.edge_count, dtype=bool)
        allowed[snap.edges(view.relations)] = True
        edge_keep &= allowed
    drawn = np.flatnonzero(keep)
    # A focus or a path is laid out by the page (by year and distance, or
    # along the chain): the force layout would be thrown away.
    positions = None if (view.focus_nodes is not None and view.around is None) else node_positions(snap, drawn)
    nodes = []
    for k, i in enumerate(drawn.tolist()):
        node = snap.node(i)
        node["degree"] = int(deg[i])
        node["x"], node["y"] = positions[k] if positions is not None else (None, None)
        nodes.append(node)
    edges = []
    for e in np.flatnonzero(edge_keep).tolist():
        source, relation, target = snap.ids[snap.source(e)], snap.relation(e), snap.ids[snap.target(e)]
        # The (source, relation, target) triple is unique in the store: a stable id.
        edges.append({"id": f"{source}|{relation}|{target}", "source": source, "target": target, "relation": relation})
    return {
        "nodes": nodes,
        "edges": edges,
        "meta": {
            "total_nodes": len(snap),
            "total_edges": snap.edge_count,
            "matching_nodes": passed,
            "shown_nodes": len(nodes),
            "shown_edges": len(edges),
            "truncated": truncated,
            "left_out": passed - len(nodes),
            "limit": view.limit,
            "cap_rule": CAP_RULE,
            # Whether the store is larger than the limit: then the page cannot
            # hold it all and asks the server at every filter change.
            "server_mode": len(snap) > view.limit,
            "kind_totals": kind_counts(snap, np.ones(len(snap), dtype=bool)),
            "kind_matching": kind_counts(snap, passing),
            "relation_totals": relation_counts(snap),
            # Every constraint of the store, for the filter's choices, whatever is drawn.
            "constraints": [snap.node(i) for i in sorted(snap.nodes_of_kind(NodeKind.constraint.value), key=lambda i: _framework_order(snap.ids[i]))],
        },
    }


def kind_counts(snap: Snapshot, mask: np.ndarray) -> dict[str, int]:
    """Nodes per kind among `mask`, every kind listed."""
    return {kind: int(mask[np.asarray(snap.nodes_of_kind(kind), dtype=np.int64)].sum()) for kind in KINDS}


def _framework_order(constraint_id: str) -> tuple[int, str]:
    return (CONSTRAINT_IDS.index(constraint_id) if constraint_id in CONSTRAINT_IDS else len(CONSTRAINT_IDS), constraint_id)


def relation_counts(snap: Snapshot) -> dict[str, int]:
    """Edges per relation in the whole graph, every relation listed."""
    return {relation: int(snap.edges_with(relation).size) for relation in RELATIONS}


def capped(snap: Snapshot, candidates: np.ndarray, deg: np.ndarray, limit: int, first: Iterable[str | None] = ()) -> np.ndarray:
    """The `limit` candidates CAP_RULE keeps: the nodes in `first`, then
    constraints and narratives, then connected nodes by number of edges,
    then the most recent (undated last). Store order only breaks ties of
    all of these."""
    anchors = np.array([snap.kinds[i] in _ANCHOR_KINDS for i in candidates.tolist()], dtype=bool)
    wanted = np.zeros(candidates.size, dtype=bool)
    for node_id in first:
        i = snap.index.get(node_id) if node_id else None
        if i is not None:
            wanted |= candidates == i
    years = np.asarray([-10**6 if snap.years[i] is None else snap.years[i] for i in candidates.tolist()], dtype=np.int64)
    d = deg[candidates]
    # np.lexsort sorts by the last key first, ascending and stably.
    order = np.lexsort((-years, -d, -(d > 0).astype(np.int8), -anchors.astype(np.int8), -wanted.astype(np.int8)))
    return np.sort(candidates[order[:limit]])


# Pixels between neighbouring nodes, roughly: positions are scaled so that
# the layout's unit square holds n nodes this far apart.
SPACING = 62.0
ANCHOR_RADIUS = 0.5 * SPREAD


def anchor_positions(constraint_ids: list[str], radius: float = ANCHOR_RADIUS) -> dict[str, tuple[float, float]]:
    """Constraints sit fixed on a circle, in the order of the source framework."""
    order = sorted(constraint_ids, key=lambda c: (CONSTRAINT_IDS.index(c) if c in CONSTRAINT_IDS else len(CONSTRAINT_IDS), c))
    count = max(len(order), 1)
    angles = [-np.pi / 2 + 2 * np.pi * k / count for k in range(len(order))]
    return {c: (radius * float(np.cos(a)), radius * float(np.sin(a))) for c, a in zip(order, angles)}


def node_positions(snap: Snapshot, drawn: np.ndarray) -> list[tuple[float, float]]:
    """Pixel positions of the drawn nodes (graph/layout.py), constraints fixed
    on a circle as anchors; every edge between drawn nodes pulls. Cached per
    snapshot and node set, so a store revision lays out afresh."""
    key = drawn.astype(np.int64).tobytes()
    cache = snap.memo.setdefault("layouts", {})
    if key in cache:
        return cache[key]
    local = np.full(len(snap), -1, dtype=np.int64)
    local[drawn] = np.arange(drawn.size)
    sources, targets = snap.ends()
    inside = (local[sources] >= 0) & (local[targets] >= 0)
    constraints = [snap.ids[i] for i in drawn.tolist() if snap.kinds[i] == NodeKind.constraint.value]
    anchors = anchor_positions(constraints)
    fixed = {int(local[snap.index[c]]): xy for c, xy in anchors.items()}
    pos = force_layout(int(drawn.size), local[sources[inside]], local[targets[inside]], fixed=fixed)
    scale = SPACING * np.sqrt(max(drawn.size, 1)) / SPREAD
    # Wider than tall, like the screens it is drawn on.
    result = [(round(float(x) * scale * 1.35, 1), round(float(y) * scale, 1)) for x, y in pos]
    if len(cache) > 32:
        cache.clear()
    cache[key] = result
    return result


def timeline_chart(snap: Snapshot, shifts: Any) -> dict[str, Any]:
    """The page's time chart from graph.queries.narrative_shifts: one row per
    constraint (in the source framework's order) with its relaxes count per
    period, the constraint(s) in focus per period, and the narratives. Periods
    are extended so that every narrative's year falls inside one."""
    periods = [{"start": p["start"], "end": p["end"], "focus": p["focus"]} for p in shifts.periods]
    counts_by_period = [p["relaxes"] for p in shifts.periods]
    width = shifts.bucket_years
    years = [n["year"] for n in shifts.narratives if n.get("year") is not None]
    if years:
        if not periods:
            first = min(years) - min(years) % width
            periods, counts_by_period = [{"start": first, "end": first + width - 1, "focus": []}], [{}]
        while periods[0]["start"] > min(years):
            start = periods[0]["start"] - width
            periods.insert(0, {"start": start, "end": start + width - 1, "focus": []})
            counts_by_period.insert(0, {})
        while periods[-1]["end"] < max(years):
            start = periods[-1]["start"] + width
            periods.append({"start": start, "end": start + width - 1, "focus": []})
            counts_by_period.append({})
    constraints = sorted(
        snap.nodes_of_kind(NodeKind.constraint.value),
        key=lambda i: (CONSTRAINT_IDS.index(snap.ids[i]) if snap.ids[i] in CONSTRAINT_IDS else len(CONSTRAINT_IDS), snap.ids[i]),
    )
    return {
        "periods": periods,
        "constraints": [
            {"id": snap.ids[c], "name": snap.names[c], "binding": snap.bindings.get(c), "counts": [counts.get(snap.ids[c], 0) for counts in counts_by_period]}
            for c in constraints
        ],
        "narratives": [{"id": n["id"], "name": n["name"], "year": n.get("year"), "triggers": [t["id"] for t in n.get("triggers", [])]} for n in shifts.narratives],
        "focus_changes": shifts.focus_changes,
        "undated": shifts.undated,
    }


# --------------------------------------------------------------------------
# From a session: what the page's routes and `aiprogress render` call
# --------------------------------------------------------------------------


def focus_nodes(snap: Snapshot, node_id: str, mode: str) -> list[str]:
    """The node and its origins or its impact (graph.queries), as ids."""
    from .queries.lineage import impact, origins

    if mode not in FOCUS_MODES:
        raise InvalidInput(f"focus mode {mode!r} is not one of {', '.join(FOCUS_MODES)}", where="mode")
    lineage = (origins if mode == "origins" else impact)(snap, node_id)
    return [node_id, *lineage.ids()]


def page_view(session: Any, view: ViewFilter = ViewFilter()) -> dict[str, Any]:
    """The drawable graph of the store behind `session` (as of `view.as_of`),
    the focus and the constraint resolved by graph.answers like every other
    entry point's ids."""
    from . import answers

    snap = answers.graph_at(session, view.as_of)
    if view.around:
        node_id = answers.resolve(session, snap, view.around)
        return drawable_graph(snap, replace(view, around=node_id).with_focus_nodes(neighbourhood(snap, node_id)))
    if view.ids is not None:
        return drawable_graph(snap, view.with_focus_nodes(answers.resolve(session, snap, ref) for ref in view.ids))
    if view.constraint:
        view = replace(view, constraint=answers.resolve_constraint(session, snap, view.constraint))
    if view.focus:
        ids = answers.focus(session, view.focus, view.mode, as_of=view.as_of)
        view = replace(view, focus=ids[0]).with_focus_nodes(ids)
    return drawable_graph(snap, view)


def neighbourhood(snap: Snapshot, node_id: str, limit: int = AROUND_LIMIT) -> list[str]:
    """A node and the nodes one fact away, the best connected first when
    there are more than `limit`."""
    i = snap.node_index(node_id)
    others = {snap.source(e) if snap.target(e) == i else snap.target(e) for e in snap.incident(i)}
    others.discard(i)
    if len(others) > limit:
        chosen = capped(snap, np.array(sorted(others), dtype=np.int64), degrees(snap), limit)
        others = set(chosen.tolist())
    return [node_id, *(snap.ids[j] for j in sorted(others))]


# Most ancestors or descendants the lineage list sends with their facts.
LINEAGE_LIST = 2000
# Citation steps a paper's prior or derivative works reach.
WORKS_DEPTH = 2


def page_lineage(session: Any, node_id: str, mode: str, *, as_of: int | None = None, limit: int = LINEAGE_LIST) -> dict[str, Any]:
    """The lineage view's list (graph.answers.lineage, with the corpus's
    part): the ancestors or descendants nearest first, each with its
    distance, year and the fact that reached it (note and provenance); and
    for a paper its prior or derivative works (the papers among them)."""
    from . import answers

    snap = answers.graph_at(session, as_of)
    node_id = answers.resolve(session, snap, node_id)
    answer = answers.lineage(session, mode, node_id, as_of=as_of, limit=limit, corpus=True)
    reached = [
        {"id": r.id, "name": r.name, "kind": r.kind, "year": r.year, "distance": r.distance,
         "via": {"source": r.via.source, "relation": r.via.relation, "target": r.via.target, "year": r.via.year,
                 "note": r.via.note, "provenance": r.via.provenance}}
        for r in answer.reached
    ]
    works = None
    if snap.kinds[snap.index[node_id]] == NodeKind.paper.value:
        # A paper's prior works (what it cites, and what those cite) or
        # derivative works (what cites it ...): the same walk along citations.
        cited = answers.lineage(session, mode, node_id, relations=[Relation.cites.value], depth=WORKS_DEPTH, as_of=as_of, limit=limit)
        works = [{"id": r.id, "name": r.name, "year": r.year, "distance": r.distance} for r in cited.reached]
    return {
        "root": answer.root,
        "mode": mode,
        "count": answer.count,
        "listed": len(reached),
        "reached": reached,
        "works": works,
        "corpus": _plain(answer.corpus),
        "as_of": as_of,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def page_search(session: Any, text: str, *, limit: int = 12, as_of: int | None = None) -> dict[str, Any]:
    """Full-text search over the whole store (graph.answers.search), each hit
    with what the search box shows: name, kind, year."""
    from . import answers

    answer = answers.search(session, text, limit=limit, as_of=as_of)
    snap = answers.graph_at(session, as_of)
    hits = [{**snap.node(snap.index[hit.node_id]), "score": hit.score} for hit in answer.hits if hit.node_id in snap.index]
    return {"query": text, "more": answer.more, "hits": hits}


def page_path(session: Any, source: str, target: str, *, as_of: int | None = None) -> dict[str, Any]:
    """The shortest chain of facts from one node to another
    (graph.answers.path): along the lineage direction when there is one,
    else ignoring direction, which the answer says."""
    from . import answers
    from .errors import NoPath

    try:
        found = answers.path(session, source, target, directed=True, as_of=as_of)
    except NoPath:
        found = answers.path(session, source, target, directed=False, as_of=as_of)
    snap = answers.graph_at(session, as_of)
    out = found.to_dict()
    out["named"] = [snap.node(snap.index[i]) for i in out["nodes"]]
    return out


def page_adoption(session: Any, *, as_of: int | None = None) -> dict[str, Any]:
    """Per year, the share of papers using each constraint's techniques
    (graph.answers.adoption_by_constraint), with how many papers use any
    technique, and how many mentions links the linker made (the page shows
    the chart only when there are some)."""
    from . import answers

    answer = answers.adoption_by_constraint(session, as_of=as_of).to_dict()
    # The built-in history's papers introduce techniques; a corpus is linked
    # when its papers mention them (the linker's links).
    answer["linked"] = int(answers.graph_at(session, as_of).edges_with(Relation.mentions.value).size)
    return answer


def page_focus(session: Any, node_id: str, mode: str, *, as_of: int | None = None) -> list[str]:
    """The ids of a node and its origins or impact (graph.answers.focus)."""
    from . import answers

    return answers.focus(session, node_id, mode, as_of=as_of)


def page_timeline(session: Any, *, as_of: int | None = None) -> dict[str, Any]:
    """The time chart's data: relaxes edges per constraint per period, with
    the narratives (graph.answers.narratives) marked at their years."""
    from . import answers

    shifts = answers.narratives(session, bucket_years=PERIOD_YEARS, as_of=as_of)
    return timeline_chart(answers.graph_at(session, as_of), shifts)
