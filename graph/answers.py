"""The questions the graph answers, asked of a session: what the CLI, GraphQL
and the page call, so that the three give the same answer.

Each function resolves the ids it is given once (an id, an alias or a
citation key; a constraint also by its slug, `compute`), checks its
arguments once, takes the in-memory graph once (graph.network.snapshot) and
calls one pure function of graph.queries. An entry point only formats what
comes back.

Every query takes `as_of`: the graph as it stood at the end of that year,
that is without the nodes dated later and without the facts dated later (or
touching a node dated later). Undated nodes (constraints, fields) and
undated facts between visible nodes stay.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from . import citations, linking, network, queries, search as text_search, service
from .errors import InvalidInput, NotFound
from .models import Edge, Measurement, Node, NodeKind, Paper, Quantity
from .network import Snapshot
from .queries import adoption as adoption_queries
from .queries import candidates as candidate_queries
from .queries.adoption import Adoption, ConstraintAdoption
from .queries.candidates import Candidate
from .queries.gaps import Gaps
from .queries.lineage import IMPACT, ORIGINS, Lineage, Path, Reached
from .queries.narratives import NarrativeShifts
from .queries.proposals import OpenProblems
from .queries.timeline import ConstraintStatus, Timeline
from .queries.topics import Shift, corpus
from .relations import relation_names

KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
LINEAGE_DIRECTIONS = (ORIGINS, IMPACT)

# Years a node or fact may carry (service._validate_node_fields); an as-of
# year outside them is a typing mistake, not a question.
_YEAR_RANGE = (-3000, 3000)

# The measured quantity that shows a constraint's ceiling, for the timeline
# of a constraint that has measurements but no breakthrough yet.
MEASURED_BY: dict[str, str] = {
    "constraint:data": Quantity.dataset_size.value,
    "constraint:parameters": Quantity.parameters.value,
    "constraint:compute": Quantity.training_compute.value,
    "constraint:energy": Quantity.energy.value,
}


# --------------------------------------------------------------------------
# Arguments, checked once
# --------------------------------------------------------------------------


def check_year(as_of: int | None, what: str = "as_of") -> int | None:
    if as_of is None:
        return None
    if isinstance(as_of, bool) or not isinstance(as_of, int) or not _YEAR_RANGE[0] < as_of < _YEAR_RANGE[1]:
        raise InvalidInput(f"{what} must be a year, got {as_of!r}", where=what)
    return as_of


def check_depth(depth: int | None) -> int | None:
    if depth is not None and depth < 0:
        raise InvalidInput(f"depth must be 0 or more, got {depth}", where="depth")
    return depth


def check_limit(limit: int | None, what: str = "limit") -> int | None:
    if limit is not None and limit < 1:
        raise InvalidInput(f"{what} must be 1 or more, got {limit}", where=what)
    return limit


def check_relations(relations: Iterable[str] | None) -> tuple[str, ...] | None:
    """The relations a walk follows, in either spelling (`inspired_by`), or
    None for its default."""
    if relations is None:
        return None
    return relation_names(r for r in relations if r) or None


def check_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; known: {', '.join(KINDS)}", where="kind")
    return kind


# --------------------------------------------------------------------------
# The graph, and ids in it
# --------------------------------------------------------------------------

# Per engine: the store revision the graphs were made at, and the graph per year.
_as_of_graphs: weakref.WeakKeyDictionary[Any, tuple[int, dict[int, Snapshot]]] = weakref.WeakKeyDictionary()
_as_of_lock = threading.Lock()


def graph_at(session: Session, as_of: int | None = None) -> Snapshot:
    """The in-memory graph of the store behind `session`, as it stood at the
    end of `as_of` when given, reading evidence through `session`. Kept per
    store revision and year, so a write builds it afresh."""
    g = network.snapshot(session)
    if check_year(as_of) is None:
        return g
    engine = session.get_bind()
    with _as_of_lock:
        revision, by_year = _as_of_graphs.get(engine, (None, {}))
        found = by_year.get(as_of) if revision == g.revision else None
    if found is None:
        # Two threads may both build it: the same graph, the later one kept.
        found = _without_later(session, g, as_of)
        with _as_of_lock:
            revision, by_year = _as_of_graphs.get(engine, (None, {}))
            if revision != g.revision or len(by_year) >= 16:
                by_year = {}
            by_year[as_of] = found
            _as_of_graphs[engine] = (g.revision, by_year)
    return found.bound(session)


def _without_later(session: Session, g: Snapshot, as_of: int) -> Snapshot:
    keep_node = np.fromiter((y is None or y <= as_of for y in g.years), dtype=bool, count=len(g))
    # Only the later facts between two visible nodes need finding: a fact
    # touching a hidden node goes with it (and most later facts do).
    source, target = aliased(Node), aliased(Node)
    later = session.execute(
        select(Edge.source_id, Edge.relation, Edge.target_id)
        .join(source, source.id == Edge.source_id).join(target, target.id == Edge.target_id)
        .where(Edge.year > as_of, or_(source.year.is_(None), source.year <= as_of), or_(target.year.is_(None), target.year <= as_of))
    ).all()
    # A fact is (source, relation, target), unique in the store: find_edges
    # finds the later ones among a million edges in one pass.
    return g.restricted(keep_node, drop_edges=g.find_edges(later))


def resolve(session: Session, g: Snapshot, ref: str) -> str:
    """The id of the node `ref` names (id, alias or citation key) in `g`;
    NotFound when it is unknown, or hidden by `as_of`."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInput("a node id, alias or citation key is required", where="id")
    node_id = service.resolve_id(session, ref)
    if node_id not in g.index:
        year = session.get(Node, node_id).year
        raise NotFound(f"{node_id} is dated {year}, after the year asked for: the graph of that year does not hold it", where="as_of")
    return node_id


def resolve_constraint(session: Session, g: Snapshot, ref: str) -> str:
    """Like resolve, for a constraint; its slug alone (`compute`) also names it."""
    try:
        node_id = resolve(session, g, ref)
    except NotFound:
        if ":" in ref.strip():
            raise
        node_id = resolve(session, g, f"constraint:{ref.strip()}")
    if g.kinds[g.index[node_id]] != NodeKind.constraint.value:
        raise InvalidInput(f"{node_id!r} is a {g.kinds[g.index[node_id]]}, not a constraint", where="constraint")
    return node_id


def labels(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """How a person names each node: a paper by its title, first author's
    surname and year (`Attention Is All You Need (Vaswani 2017)`), other
    nodes by name and, when dated, year."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Node.id, Node.name, Node.year, Paper.authors).outerjoin(Paper, Paper.node_id == Node.id).where(Node.id.in_(chunk))
        )
        for node_id, name, year, authors in rows:
            who = _surname(authors[0]) if authors else ""
            when = " ".join(str(part) for part in (who, year) if part not in (None, ""))
            out[node_id] = f"{name} ({when})" if when else name
    return out


def _surname(author: str) -> str:
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    return author.split()[-1] if author.split() else author


# --------------------------------------------------------------------------
# origins, impact, path
# --------------------------------------------------------------------------


@dataclass
class LineageAnswer:
    """Where an idea comes from (origins) or what it led to (impact).

    `reached` holds the nodes nearest first, up to `limit`; `lineage` keeps
    the whole walk (its count, chains, fields and blocked constraints)."""

    lineage: Lineage
    limit: int | None
    as_of: int | None
    # What the linker's links add (asked with `corpus`): `corpus_use` for the
    # impact of a technique, `techniques_used` for the origins of a paper.
    corpus: dict[str, Any] = field(default_factory=dict)
    # Whether only influential citations were followed.
    influential: bool = False

    @cached_property
    def reached(self) -> list[Reached]:
        # Read on demand: each listed node's fact is fetched with its
        # evidence, which a caller wanting only ids (the page's focus) skips.
        return self.lineage.reached(self.limit)

    @property
    def root(self) -> dict[str, Any]:
        return self.lineage.root

    @property
    def count(self) -> int:
        return self.lineage.count

    def to_dict(self) -> dict[str, Any]:
        return {**self.lineage.to_dict(self.limit), **self.corpus, "as_of": self.as_of, "influential": self.influential}


def lineage(session: Session, direction: str, ref: str, *, depth: int | None = None, relations: Iterable[str] | None = None,
            limit: int | None = None, as_of: int | None = None, corpus: bool = False, examples: int = 10,
            influential: bool = False) -> LineageAnswer:
    """origins or impact, by name; with `corpus`, also what the corpus says
    through the linker's links (for the impact of a technique the papers
    using it, per year and source, the `examples` latest listed; for the
    origins of a paper the techniques it uses and their origins); with
    `influential`, a `cites` fact is followed only when Semantic Scholar
    flagged the citation influential (the other relations as usual)."""
    if direction not in LINEAGE_DIRECTIONS:
        raise InvalidInput(f"direction {direction!r} is not one of {', '.join(LINEAGE_DIRECTIONS)}", where="mode")
    depth, relations, limit = check_depth(depth), check_relations(relations), check_limit(limit)
    g = graph_at(session, as_of)
    node_id = resolve(session, g, ref)
    if influential:
        g = _influential_citations_only(session, g)
    walk = queries.origins if direction == ORIGINS else queries.impact
    result = walk(g, node_id, depth=depth, relations=relations)
    found = _corpus_lineage(session, g, direction, node_id, depth, limit=check_limit(examples, "examples")) if corpus else {}
    return LineageAnswer(lineage=result, limit=limit, as_of=as_of, corpus=found, influential=bool(influential))


def _influential_citations_only(session: Session, g: Snapshot) -> Snapshot:
    """`g` less its `cites` facts not flagged influential. Only the flagged
    ones are read (a small share of the citations): the rest are dropped by
    position in one pass over the edge arrays."""
    flagged = session.execute(
        select(Edge.source_id, Edge.relation, Edge.target_id).where(Edge.relation == "cites", Edge.influential.is_(True))
    ).all()
    drop = np.setdiff1d(g.edges_with("cites"), g.find_edges(flagged))
    if not drop.size:
        return g
    return g.restricted(np.ones(len(g), dtype=bool), drop_edges=drop).bound(session)


def _corpus_lineage(session: Session, g: Snapshot, direction: str, node_id: str, depth: int | None, *, limit: int = 10) -> dict[str, Any]:
    kind = g.kinds[g.index[node_id]]
    if direction == IMPACT and kind == NodeKind.technique.value:
        return {"corpus_use": _corpus_use(session, g, node_id, limit=limit)}
    if direction == ORIGINS and kind == NodeKind.paper.value:
        return {"techniques_used": adoption_queries.techniques_used(g, node_id, depth=depth)}
    return {}


def origins(session: Session, ref: str, *, depth: int | None = None, relations: Iterable[str] | None = None,
            limit: int | None = None, as_of: int | None = None, corpus: bool = False, influential: bool = False) -> LineageAnswer:
    """Every ancestor of a node along enables, inspired-by and introduces (or
    `relations`), nearest first, with the fact each was reached by."""
    return lineage(session, ORIGINS, ref, depth=depth, relations=relations, limit=limit, as_of=as_of, corpus=corpus, influential=influential)


def impact(session: Session, ref: str, *, depth: int | None = None, relations: Iterable[str] | None = None,
           limit: int | None = None, as_of: int | None = None, corpus: bool = False, influential: bool = False) -> LineageAnswer:
    """Everything a node led to, nearest first, and per constraint how many
    relaxes facts depend on it."""
    return lineage(session, IMPACT, ref, depth=depth, relations=relations, limit=limit, as_of=as_of, corpus=corpus, influential=influential)


def focus(session: Session, ref: str, mode: str, *, as_of: int | None = None) -> list[str]:
    """The node and its origins or its impact, as ids (the page's focus)."""
    answer = lineage(session, mode, ref, as_of=as_of)
    return [answer.root["id"], *answer.lineage.ids()]


def path(session: Session, source: str, target: str, *, directed: bool = True, relations: Iterable[str] | None = None,
         as_of: int | None = None) -> Path:
    """The shortest chain of facts from `source` to `target` (NoPath when none)."""
    relations = check_relations(relations)
    g = graph_at(session, as_of)
    return queries.path(g, resolve(session, g, source), resolve(session, g, target), directed=bool(directed), relations=relations)


# --------------------------------------------------------------------------
# timeline, frontier, narratives
# --------------------------------------------------------------------------


@dataclass
class TimelineAnswer:
    """The breakthroughs on one constraint, and the measurements of the
    quantity that shows its ceiling (energy for energy ...)."""

    timeline: Timeline
    measurements: list[dict[str, Any]] = field(default_factory=list)
    as_of: int | None = None

    @property
    def constraint(self) -> dict[str, Any]:
        return self.timeline.constraint

    @property
    def entries(self) -> list:
        return self.timeline.entries

    @property
    def why_empty(self) -> str | None:
        """Why no breakthrough is listed, in words, or None when some are."""
        if self.entries:
            return None
        when = f" by the end of {self.as_of}" if self.as_of is not None else ""
        return (
            f"No technique or paper in the graph relaxes {self.constraint['name']}{when}: "
            f"no `relaxes` fact points at {self.constraint['id']}, so there is no breakthrough to list."
        )

    def to_dict(self) -> dict[str, Any]:
        return {**self.timeline.to_dict(), "measurements": self.measurements, "why_empty": self.why_empty, "as_of": self.as_of}


def timeline(session: Session, constraint: str, *, as_of: int | None = None, measured: bool = True) -> TimelineAnswer:
    """Every breakthrough on one constraint, by year, with its papers and
    evidence, and (unless not `measured`) the measurements of the quantity
    that shows its ceiling, from nodes in the graph of that year."""
    g = graph_at(session, as_of)
    node_id = resolve_constraint(session, g, constraint)
    result = queries.constraint_timeline(g, node_id)
    quantity = MEASURED_BY.get(node_id) if measured else None
    found: list[dict[str, Any]] = []
    if quantity is not None:
        rows = session.execute(
            select(Measurement, Node.name, Node.year).join(Node, Node.id == Measurement.node_id)
            .where(Measurement.quantity == quantity).order_by(Node.year, Measurement.node_id, Measurement.source)
        )
        for m, name, year in rows:
            if m.node_id in g.index:
                found.append({"node_id": m.node_id, "name": name, "year": year, "quantity": m.quantity, "value": m.value,
                                 "unit": m.unit, "source": m.source, "note": m.note})
    return TimelineAnswer(timeline=result, measurements=found, as_of=as_of)


def frontier(session: Session, *, now: int | None = None, as_of: int | None = None) -> list[ConstraintStatus]:
    """What binds: per constraint its status as recorded by the end of
    `as_of`, with the pace of its breakthroughs as evidence."""
    check_year(now, "now")
    return queries.frontier(graph_at(session, as_of), service.constraint_statuses(session), now=now, as_of=as_of)


def open_problems(session: Session, *, as_of: int | None = None) -> OpenProblems:
    """Beside frontier: the open problems proposals name, with the
    constraints each bears on, and the themes they argue for, with what
    already embodies each; as named (and embodied) by the end of `as_of`."""
    return queries.open_problems(graph_at(session, as_of), as_of=as_of)


def narratives(session: Session, *, bucket_years: int = 5, source: str | None = None, as_of: int | None = None) -> NarrativeShifts:
    """Narratives with their triggers, and the constraint in focus per period;
    with `source` (an ingested file or provenance), also what that corpus's
    papers worked on per period and around each narrative."""
    check_limit(bucket_years, "bucket_years")
    g = graph_at(session, as_of)
    return queries.narrative_shifts(g, bucket_years=bucket_years, corpus=_papers_from(session, g, source))


# --------------------------------------------------------------------------
# topics, gaps, search
# --------------------------------------------------------------------------


@dataclass
class TopicsAnswer:
    """Topic shifts over a corpus of dated papers; `too_few` says in words
    why no shift could be found when the corpus is too small to test."""

    papers: int
    years: dict[int, int]
    shifts: list[Shift]
    min_papers: int
    window: int
    as_of: int | None = None

    @property
    def testable_years(self) -> list[int]:
        """Years with `min_papers` papers and as many in their window before."""
        out = []
        for y, n in sorted(self.years.items()):
            prior = sum(self.years.get(x, 0) for x in range(y - self.window, y))
            if n >= self.min_papers and prior >= self.min_papers:
                out.append(y)
        return out

    @property
    def too_few(self) -> str | None:
        if self.testable_years:
            return None
        busiest = max(self.years.values(), default=0)
        return (
            f"Too few dated papers to test for shifts: {self.papers} dated paper(s), at most {busiest} in one year; "
            f"a year needs {self.min_papers} papers, and as many in the {self.window} year(s) before it."
        )

    def to_dict(self) -> dict[str, Any]:
        return {"papers": self.papers, "too_few": self.too_few, "as_of": self.as_of, "shifts": [s.to_dict() for s in self.shifts]}


def topics(session: Session, *, year_from: int | None = None, year_to: int | None = None, window: int = 3, threshold: float = 3.0,
           min_count: int = 3, min_papers: int = 10, source: str | None = None, limit: int | None = 50,
           as_of: int | None = None) -> TopicsAnswer:
    """Title terms and techniques whose yearly share of papers rose or fell
    sharply, over every paper or those ingested from `source`."""
    check_limit(window, "window"), check_limit(min_count, "min_count"), check_limit(min_papers, "min_papers"), check_limit(limit)
    check_year(year_from, "year_from"), check_year(year_to, "year_to")
    if threshold <= 0:
        raise InvalidInput(f"threshold must be above 0, got {threshold}", where="threshold")
    g = graph_at(session, as_of)
    papers = corpus(g, _papers_from(session, g, source), year_from=year_from, year_to=year_to)
    shifts = queries.topic_shifts(papers, window=window, threshold=threshold, min_count=min_count, min_papers=min_papers, limit=limit)
    years: dict[int, int] = {}
    for p in papers:
        years[p.year] = years.get(p.year, 0) + 1
    return TopicsAnswer(papers=len(papers), years=years, shifts=shifts, min_papers=min_papers, window=window, as_of=as_of)


def gaps(session: Session, *, limit: int | None = None, as_of: int | None = None) -> Gaps:
    """What the graph does not know yet, each kind of gap cut to `limit`;
    the references still waiting for their work are those of the papers the
    graph of `as_of` holds."""
    g = graph_at(session, as_of)
    unresolved = citations.unresolved_references(session, citing=g.index if as_of is not None else None)
    return queries.gaps(g, limit=check_limit(limit), unresolved=unresolved)


@dataclass
class SearchAnswer:
    """Nodes matching a text, best first: `hits` (id and score) up to the
    limit, and whether more follow."""

    hits: list[text_search.Hit]
    more: bool
    offset: int

    def to_dict(self) -> dict[str, Any]:
        return {"offset": self.offset, "more": self.more, "hits": [{"id": h.node_id, "score": h.score} for h in self.hits]}


def search(session: Session, text: str, *, kind: str | None = None, limit: int = 20, offset: int = 0, as_of: int | None = None) -> SearchAnswer:
    """Ranked full-text search over names, descriptions and abstracts."""
    check_kind(kind), check_limit(limit), check_year(as_of)
    if offset < 0:
        raise InvalidInput(f"offset must be 0 or more, got {offset}", where="offset")
    hits = text_search.search(session, text, kind=kind, limit=limit + 1, offset=offset, year_to=as_of)
    return SearchAnswer(hits=hits[:limit], more=len(hits) > limit, offset=offset)


def search_count(session: Session, text: str, *, kind: str | None = None, as_of: int | None = None) -> int:
    """How many nodes match `text` in all."""
    check_kind(kind), check_year(as_of)
    return text_search.count(session, text, kind=kind, year_to=as_of)


# --------------------------------------------------------------------------
# adoption, corpus use, candidate techniques (the linker's links)
# --------------------------------------------------------------------------


def _papers_from(session: Session, g: Snapshot, source: str | None) -> list[str] | None:
    """The papers first written from `source` that `g` holds, or None (every paper)."""
    return [i for i in service.papers_from(session, source) if i in g.index] if source else None


def _check_range(year_from: int | None, year_to: int | None) -> None:
    check_year(year_from, "year_from"), check_year(year_to, "year_to")


def adoption(session: Session, technique: str, *, source: str | None = None, year_from: int | None = None,
             year_to: int | None = None, as_of: int | None = None) -> Adoption:
    """Per year, how many papers (of every paper or those from `source`) use
    a technique (mention it or introduce it), and their share."""
    _check_range(year_from, year_to)
    g = graph_at(session, as_of)
    node_id = resolve(session, g, technique)
    return adoption_queries.adoption(g, node_id, papers=_papers_from(session, g, source), year_from=year_from, year_to=year_to)


def adoption_by_constraint(session: Session, *, source: str | None = None, year_from: int | None = None,
                           year_to: int | None = None, as_of: int | None = None) -> ConstraintAdoption:
    """Per year, the share of papers using a technique that relaxes each constraint."""
    _check_range(year_from, year_to)
    g = graph_at(session, as_of)
    return adoption_queries.adoption_by_constraint(g, papers=_papers_from(session, g, source), year_from=year_from, year_to=year_to)


def corpus_use(session: Session, technique: str, *, limit: int = 10, as_of: int | None = None) -> dict[str, Any]:
    """The papers using a technique: how many, per year and per source, and
    the `limit` latest as examples."""
    check_limit(limit)
    g = graph_at(session, as_of)
    return _corpus_use(session, g, resolve(session, g, technique), limit=limit)


def _corpus_use(session: Session, g: Snapshot, node_id: str, *, limit: int = 10) -> dict[str, Any]:
    found = adoption_queries.users(g, node_id)
    return adoption_queries.corpus_use(g, node_id, linking.paper_sources(session, (g.ids[p] for p in found)), limit=limit)


def candidates(session: Session, *, source: str | None = None, limit: int = 20, as_of: int | None = None) -> list[Candidate]:
    """Rising title phrases that no technique's surface form names, over
    every paper or those from `source` (the graph of `as_of`: its papers;
    the lexicon is today's, so a phrase named later is no candidate)."""
    check_limit(limit)
    g = graph_at(session, as_of)
    papers = corpus(g, _papers_from(session, g, source))
    return candidate_queries.candidate_techniques(papers, linking.lexicon(session), limit=limit)
