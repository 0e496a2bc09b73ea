"""Constraints over time: the breakthroughs that relaxed one constraint
(constraint_timeline) and which constraints bind now (frontier).

A breakthrough is a `relaxes` edge into the constraint. Its year is the
edge's year (when the relaxation happened) or, when the edge has none, the
year of the technique or paper. Techniques come with the papers that
introduced them (`paper introduces technique`).

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "constraint:energy", "binding": "hard"}, {"id": "constraint:compute", "binding": "hard"},
...      {"id": "technique:gpu", "year": 2007}],
...     [{"source_id": "technique:gpu", "relation": "relaxes", "target_id": "constraint:compute"}])
>>> [(e.id, e.year) for e in constraint_timeline(g, "compute").entries]
[('technique:gpu', 2007)]
>>> [(f.id, f.latest_year) for f in frontier(g, now=2025)]
[('constraint:energy', None), ('constraint:compute', 2007)]
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..network import EdgeFact, Snapshot


@dataclass(frozen=True)
class Breakthrough:
    """One relaxes fact, with the papers behind the technique."""

    year: int | None
    id: str
    name: str
    kind: str
    papers: list[dict[str, Any]]
    evidence: EdgeFact

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "evidence"}
        out["evidence"] = self.evidence.to_dict()
        return out


@dataclass
class Timeline:
    constraint: dict[str, Any]
    entries: list[Breakthrough] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"constraint": self.constraint, "entries": [e.to_dict() for e in self.entries]}


def constraint_index(g: Snapshot, constraint: str) -> int:
    """The node of a constraint given as `constraint:slug` or just `slug`."""
    node_id = constraint if ":" in constraint else f"constraint:{constraint}"
    i = g.node_index(node_id)
    if g.kinds[i] != "constraint":
        raise InvalidInput(f"{node_id!r} is a {g.kinds[i]}, not a constraint")
    return i


def breakthroughs(g: Snapshot, c: int) -> list[Breakthrough]:
    """Every relaxes edge into constraint node c, oldest first (undated last)."""
    edges = g.incident(c, relation="relaxes", direction="in")
    out = []
    for fact in g.facts(edges):
        s = g.index[fact.source]
        year = fact.year if fact.year is not None else g.years[s]
        if g.kinds[s] == "paper":
            papers = [{"id": fact.source, "name": g.names[s], "year": g.years[s]}]
        else:
            papers = []
            for e in g.incident(s, relation="introduces", direction="in"):
                p = int(g.src[e])
                papers.append({"id": g.ids[p], "name": g.names[p], "year": g.years[p]})
            papers.sort(key=lambda p: (p["year"] is None, p["year"] or 0, p["id"]))
        out.append(Breakthrough(year=year, id=fact.source, name=g.names[s], kind=g.kinds[s], papers=papers, evidence=fact))
    out.sort(key=lambda b: (b.year is None, b.year or 0, b.id))
    return out


def constraint_timeline(g: Snapshot, constraint: str) -> Timeline:
    """The breakthroughs that relaxed one constraint, ordered by year, each
    with its technique (or paper), the papers that introduced it, and the
    edge's note and provenance. Raises NotFound for an unknown constraint."""
    c = constraint_index(g, constraint)
    return Timeline(constraint=g.node(c), entries=breakthroughs(g, c))


@dataclass(frozen=True)
class ConstraintStatus:
    """Where one constraint stands: its latest breakthrough and recent pace."""

    id: str
    name: str
    binding: str | None
    breakthroughs: int
    latest_year: int | None
    latest: list[str]
    last_decade: int
    stalled: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def frontier(g: Snapshot, now: int | None = None, decade: int = 10, *, as_of: int | None = None) -> list[ConstraintStatus]:
    """Which constraints bind now: per constraint the year of its latest
    breakthrough, how many in the last `decade` years up to `now` (default:
    `as_of`, else this calendar year), hard or leverage. `stalled` means none
    in that window (a constraint that never saw a breakthrough is stalled).
    Sorted most-stalled first: never relaxed, then by latest year, oldest
    first. With `as_of`, breakthroughs dated after that year are not counted:
    the answer as it could have been given at the end of that year."""
    if now is None:
        now = datetime.date.today().year if as_of is None else as_of
    out = []
    for c in g.nodes_of_kind("constraint"):
        items = breakthroughs(g, c)
        if as_of is not None:
            items = [b for b in items if b.year is None or b.year <= as_of]
        dated = [b for b in items if b.year is not None]
        latest_year = max((b.year for b in dated), default=None)
        recent = sum(1 for b in dated if now - decade < b.year <= now)
        out.append(
            ConstraintStatus(
                id=g.ids[c],
                name=g.names[c],
                binding=g.bindings.get(c),
                breakthroughs=len(items),
                latest_year=latest_year,
                latest=sorted(b.id for b in dated if b.year == latest_year),
                last_decade=recent,
                stalled=recent == 0,
            )
        )
    out.sort(key=lambda s: (s.latest_year is not None, s.latest_year or 0, s.id))
    return out
