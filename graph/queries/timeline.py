"""Constraints over time: the breakthroughs that relaxed one constraint
(constraint_timeline) and which constraints bind as of a year (frontier:
the recorded status, with the pace of breakthroughs as evidence).

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
>>> statuses = [{"constraint_id": "constraint:compute", "year": 2019, "status": "binding", "source": "s", "note": ""},
...             {"constraint_id": "constraint:energy", "year": 2024, "status": "expected-to-bind", "source": "s", "note": ""}]
>>> [(f.id, f.status, f.latest_year) for f in frontier(g, statuses, as_of=2025)]
[('constraint:compute', 'binding', 2007), ('constraint:energy', 'expected-to-bind', None)]
>>> [(f.id, f.status) for f in frontier(g, statuses, as_of=2020)]
[('constraint:compute', 'binding'), ('constraint:energy', None)]
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
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
                p = g.source(e)
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


# The order "what binds" is read in: the limits of now first, solved last,
# constraints the sources said nothing about just before the solved ones.
STATUS_ORDER = ("binding", "expected-to-bind", "open", None, "solved")


@dataclass(frozen=True)
class ConstraintStatus:
    """Where one constraint stands as of a year: its status as the latest
    record up to then gives it (binding, expected-to-bind, solved, open;
    None when nothing was recorded), with that record's year, source and
    note; beside it, as evidence, the computed pace of its breakthroughs."""

    id: str
    name: str
    kind: str | None  # hard or leverage: how the constraint moves, not whether it binds
    status: str | None
    status_year: int | None
    status_source: str | None
    status_note: str | None
    breakthroughs: int
    latest_year: int | None
    latest: list[str]
    last_decade: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status_as_of(statuses: Iterable[dict[str, Any]], as_of: int | None) -> dict[str, dict[str, Any]]:
    """Per constraint id, the latest status record with a year up to `as_of`
    (all of them when None). Records are dicts with constraint_id, year,
    status, source and note (graph.service.constraint_statuses)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in statuses:
        if as_of is not None and record["year"] > as_of:
            continue
        held = latest.get(record["constraint_id"])
        if held is None or record["year"] >= held["year"]:
            latest[record["constraint_id"]] = record
    return latest


def frontier(
    g: Snapshot,
    statuses: Iterable[dict[str, Any]],
    *,
    as_of: int | None = None,
    now: int | None = None,
    decade: int = 10,
) -> list[ConstraintStatus]:
    """What binds, as the sources recorded it by the end of `as_of` (default:
    every record), per constraint, with the pace of its breakthroughs as
    evidence: the latest one up to that year and how many in the `decade`
    years before it. The year counted from is `as_of`, else `now`, else this
    calendar year; breakthroughs after it are not counted. Sorted by status
    (binding, expected-to-bind, open, not recorded, solved), then most
    recent breakthrough first.

    A constraint without a recent breakthrough is not thereby binding: the
    framework calls optimization "largely solved" though its last advance is
    old, which is why the status is recorded data and the pace only evidence.
    """
    year = as_of if as_of is not None else (now if now is not None else datetime.date.today().year)
    recorded = status_as_of(statuses, as_of)
    out = []
    for c in g.nodes_of_kind("constraint"):
        dated = [b for b in breakthroughs(g, c) if b.year is not None and b.year <= year]
        latest_year = max((b.year for b in dated), default=None)
        record = recorded.get(g.ids[c], {})
        out.append(
            ConstraintStatus(
                id=g.ids[c],
                name=g.names[c],
                kind=g.bindings.get(c),
                status=record.get("status"),
                status_year=record.get("year"),
                status_source=record.get("source"),
                status_note=record.get("note"),
                breakthroughs=len(dated),
                latest_year=latest_year,
                latest=sorted(b.id for b in dated if b.year == latest_year),
                last_decade=sum(1 for b in dated if year - decade < b.year <= year),
            )
        )
    out.sort(key=lambda s: (STATUS_ORDER.index(s.status) if s.status in STATUS_ORDER else len(STATUS_ORDER), -(s.latest_year or 0), s.id))
    return out
