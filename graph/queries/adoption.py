"""How a corpus took up techniques: per year, how many of its papers use one
(adoption), the share using techniques that relax each constraint
(adoption_by_constraint), and who uses a technique, counted per year and
per source with a page of examples (corpus_use).

A paper uses a technique when it `mentions` it (the linker's links) or
`introduces` it (a curated fact). Only dated papers count. `papers` limits
the corpus to some paper ids (one ingested file: service.papers_from).

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "technique:t", "kind": "technique"}, {"id": "constraint:c", "kind": "constraint"},
...      {"id": "paper:a", "kind": "paper", "year": 2001}, {"id": "paper:b", "kind": "paper", "year": 2001},
...      {"id": "paper:c", "kind": "paper", "year": 2002}],
...     [{"source_id": "paper:a", "relation": "mentions", "target_id": "technique:t"},
...      {"source_id": "technique:t", "relation": "relaxes", "target_id": "constraint:c"}])
>>> [(r.year, r.using, r.papers, r.share) for r in adoption(g, "technique:t").years]
[(2001, 1, 2, 0.5), (2002, 0, 1, 0.0)]
>>> adoption_by_constraint(g).years[0]["shares"]
{'constraint:c': 0.5}
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInput
from ..network import Snapshot

USE_RELATIONS = ("mentions", "introduces")


@dataclass(frozen=True)
class YearShare:
    year: int
    papers: int  # dated papers of the corpus that year
    using: int  # of which use the technique
    share: float


@dataclass
class Adoption:
    technique: dict[str, Any]
    papers: int  # dated papers in the corpus
    using: int
    years: list[YearShare] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConstraintAdoption:
    constraints: list[dict[str, Any]]  # each with the techniques that relax it
    papers: int
    years: list[dict[str, Any]] = field(default_factory=list)  # {year, papers, counts: {c: n}, shares: {c: share}}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _corpus(g: Snapshot, papers: Iterable[str] | None, year_from: int | None, year_to: int | None) -> dict[int, int]:
    """paper index -> year, for the dated papers of the corpus in the range."""
    chosen = g.nodes_of_kind("paper") if papers is None else [g.node_index(p) for p in papers]
    out = {}
    for i in chosen:
        y = g.years[i]
        if y is None or (year_from is not None and y < year_from) or (year_to is not None and y > year_to):
            continue
        out[i] = y
    return out


def _uses(g: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(paper, technique) index pairs of every use."""
    return g.ends(g.edges(USE_RELATIONS, source_kind="paper", target_kind="technique"))


def _technique(g: Snapshot, technique: str) -> int:
    i = g.node_index(technique)
    if g.kinds[i] != "technique":
        raise InvalidInput(f"{technique} is a {g.kinds[i]}, not a technique")
    return i


def users(g: Snapshot, technique: str) -> set[int]:
    """Indices of the papers that use a technique."""
    t = _technique(g, technique)
    src, dst = _uses(g)
    return set(src[dst == t].tolist())


def adoption(g: Snapshot, technique: str, *, papers: Iterable[str] | None = None,
             year_from: int | None = None, year_to: int | None = None) -> Adoption:
    """Per year of the corpus: its papers, how many use the technique, the share."""
    t = _technique(g, technique)
    corpus = _corpus(g, papers, year_from, year_to)
    per_year = Counter(corpus.values())
    using = Counter(corpus[p] for p in users(g, technique) if p in corpus)
    rows = [YearShare(y, per_year[y], using[y], round(using[y] / per_year[y], 4)) for y in sorted(per_year)]
    return Adoption(g.node(t), len(corpus), sum(using.values()), rows)


def relaxers(g: Snapshot) -> dict[str, set[int]]:
    """constraint id -> indices of the techniques with a relaxes fact on it."""
    out: dict[str, set[int]] = {g.ids[c]: set() for c in g.nodes_of_kind("constraint")}
    for e in g.edges_with("relaxes").tolist():
        s = g.source(e)
        if g.kinds[s] == "technique":
            out[g.ids[g.target(e)]].add(s)
    return out


def constraints_used(g: Snapshot, *, papers: Iterable[str] | None = None, year_from: int | None = None,
                     year_to: int | None = None) -> tuple[dict[int, int], dict[int, set[str]], dict[str, set[int]]]:
    """The dated papers of the corpus (index -> year); for each that uses a
    technique relaxing some constraint, those constraints' ids; and the
    techniques relaxing each constraint (relaxers)."""
    corpus = _corpus(g, papers, year_from, year_to)
    by_constraint = relaxers(g)
    src, dst = _uses(g)
    techniques_of: dict[int, set[int]] = defaultdict(set)
    for p, t in zip(src.tolist(), dst.tolist()):
        if p in corpus:
            techniques_of[p].add(t)
    used: dict[int, set[str]] = {}
    for p, ts in techniques_of.items():
        found = {c for c, relaxing in by_constraint.items() if ts & relaxing}
        if found:
            used[p] = found
    return corpus, used, by_constraint


def adoption_by_constraint(g: Snapshot, *, papers: Iterable[str] | None = None,
                           year_from: int | None = None, year_to: int | None = None) -> ConstraintAdoption:
    """Per year, the share of the corpus's papers using a technique that relaxes each constraint."""
    corpus, used, by_constraint = constraints_used(g, papers=papers, year_from=year_from, year_to=year_to)
    per_year = Counter(corpus.values())
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for p, found in used.items():
        counts[corpus[p]].update(found)
    order = sorted(by_constraint)
    constraints = [{**g.node(g.node_index(c)), "techniques": sorted(g.ids[t] for t in by_constraint[c])} for c in order]
    years = [
        {"year": y, "papers": per_year[y], "counts": {c: counts[y][c] for c in order},
         "shares": {c: round(counts[y][c] / per_year[y], 4) for c in order}}
        for y in sorted(per_year)
    ]
    return ConstraintAdoption(constraints, len(corpus), years)


def corpus_use(g: Snapshot, technique: str, sources: dict[str, str], *, limit: int = 10) -> dict[str, Any]:
    """The papers using a technique: how many, per year and per source
    (`sources`: paper id -> where it came from), and the `limit` latest as examples."""
    found = sorted(users(g, technique), key=lambda p: (-(g.years[p] or -10**6), g.ids[p]))
    by_year = Counter(g.years[p] for p in found if g.years[p] is not None)
    by_source = Counter(sources.get(g.ids[p], "") for p in found)
    return {
        "technique": technique,
        "papers": len(found),
        "by_year": dict(sorted(by_year.items())),
        "by_source": dict(by_source.most_common()),
        "examples": [g.node(p) for p in found[:limit]],
    }


def techniques_used(g: Snapshot, paper: str, *, depth: int | None = None) -> list[dict[str, Any]]:
    """The techniques a paper uses (how: mentions or introduces), each with its
    origins along the lineage relations: where the paper's methods come from."""
    from .lineage import origins

    p = g.node_index(paper)
    out = []
    for e in g.incident(p, direction="out"):
        relation = g.relation(e)
        t = g.target(e)
        if relation not in USE_RELATIONS or g.kinds[t] != "technique":
            continue
        walk = origins(g, g.ids[t], depth=depth)
        out.append({**g.node(t), "relation": relation, "origins": [{"id": r.id, "name": r.name, "year": r.year, "distance": r.distance} for r in walk.reached(None)]})
    return sorted(out, key=lambda t: (t["relation"] != "introduces", t["id"]))


__all__ = ["constraints_used", "techniques_used", "Adoption", "YearShare", "ConstraintAdoption", "adoption", "adoption_by_constraint", "corpus_use", "users", "relaxers", "USE_RELATIONS"]
