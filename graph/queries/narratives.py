"""How the narratives shifted: each narrative with the papers that triggered
it and the constraints it was about, and per period the relaxes edges as
supporting evidence.

The focus of a narrative is data: `focuses-on` edges from the narrative to
the constraints the source framework says it was about (AlexNet's "deep
learning works" -> parameters, architecture, compute). The focus of a period
is the focus of the narratives in force during it (the one current at its
start and any that began within it); `focus_changes` lists where one
narrative's focus gave way to the next.

The counts are evidence, not the answer: a period is `bucket_years` long and
starts at a multiple of it (2010-2014, 2015-2019 ...); in each, the relaxes
edges (dated by the edge's year, or the source's year) are counted per
constraint, `most_relaxed` names the constraint(s) counted most, and the
hard/leverage shares tell whether progress came from moving hard limits or
from getting more out of them. A count is only as good as the rule that one
advance carries one relaxes fact per constraint (data/README.md), since a
near-duplicate node (a model beside the method it demonstrated) would count
the same advance twice.

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "paper:alexnet", "year": 2012}, {"id": "narrative:dl-works", "year": 2012}],
...     [{"source_id": "paper:alexnet", "relation": "triggered", "target_id": "narrative:dl-works"}])
>>> [(n["id"], [t["id"] for t in n["triggers"]]) for n in narrative_shifts(g).narratives]
[('narrative:dl-works', ['paper:alexnet'])]
>>> g = Snapshot.from_records(
...     [{"id": "narrative:a", "year": 2012}, {"id": "narrative:b", "year": 2017}, {"id": "constraint:data"},
...      {"id": "constraint:compute"}, {"id": "technique:t", "year": 2013}],
...     [{"source_id": "narrative:a", "relation": "focuses-on", "target_id": "constraint:compute"},
...      {"source_id": "narrative:b", "relation": "focuses-on", "target_id": "constraint:data"},
...      {"source_id": "technique:t", "relation": "relaxes", "target_id": "constraint:data"}])
>>> shifts = narrative_shifts(g)
>>> [(n["id"], [f["id"] for f in n["focus"]]) for n in shifts]
[('narrative:a', ['constraint:compute']), ('narrative:b', ['constraint:data'])]
>>> [(p["start"], p["focus"], p["most_relaxed"]) for p in shifts.periods]
[(2010, ['constraint:compute'], ['constraint:data'])]
>>> [(c["narrative"], c["from"], c["to"]) for c in shifts.focus_changes]
[('narrative:b', ['constraint:compute'], ['constraint:data'])]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..network import Snapshot
from .timeline import breakthroughs


@dataclass
class NarrativeShifts:
    """`narratives`: in order of year, each with its triggers and focus;
    `periods`: per period the narratives in force, their focus, and as
    evidence the relaxes counts per constraint, the most relaxed and the
    hard/leverage shares; `focus_changes`: where one narrative's focus gave
    way to the next. Iterating gives the narratives."""

    bucket_years: int
    periods: list[dict[str, Any]] = field(default_factory=list)
    narratives: list[dict[str, Any]] = field(default_factory=list)
    focus_changes: list[dict[str, Any]] = field(default_factory=list)
    undated: int = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.narratives)

    def __len__(self) -> int:
        return len(self.narratives)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket_years": self.bucket_years,
            "periods": self.periods,
            "narratives": self.narratives,
            "focus_changes": self.focus_changes,
            "undated": self.undated,
        }


def narrative_shifts(g: Snapshot, bucket_years: int = 5) -> NarrativeShifts:
    """Narratives in order of year, each with its triggers and its focus (the
    constraints it was about, with the evidence); per `bucket_years` period
    the focus of the narratives in force and the relaxes counts behind it;
    and the points where one narrative's focus gave way to the next."""
    if bucket_years < 1:
        raise InvalidInput(f"bucket_years must be 1 or more, got {bucket_years}")
    result = NarrativeShifts(bucket_years=bucket_years)

    for n in g.nodes_of_kind("narrative"):
        triggers = []
        for fact in g.facts(g.incident(n, relation="triggered", direction="in")):
            s = g.index[fact.source]
            triggers.append(
                {"id": fact.source, "name": g.names[s], "kind": g.kinds[s], "year": fact.year if fact.year is not None else g.years[s], "note": fact.note, "provenance": fact.provenance}
            )
        triggers.sort(key=lambda t: (t["year"] is None, t["year"] or 0, t["id"]))
        focus = [
            {"id": fact.target, "name": g.names[g.index[fact.target]], "note": fact.note, "provenance": fact.provenance}
            for fact in g.facts(g.incident(n, relation="focuses-on", direction="out"))
        ]
        focus.sort(key=lambda f: f["id"])
        year = g.years[n]
        if year is None:
            year = next((t["year"] for t in triggers if t["year"] is not None), None)
        result.narratives.append({"id": g.ids[n], "name": g.names[n], "year": year, "triggers": triggers, "focus": focus})
    result.narratives.sort(key=lambda x: (x["year"] is None, x["year"] or 0, x["id"]))
    dated = [n for n in result.narratives if n["year"] is not None]

    previous: dict[str, Any] | None = None
    for n in dated:
        ids = [f["id"] for f in n["focus"]]
        if ids and previous is not None and ids != [f["id"] for f in previous["focus"]]:
            result.focus_changes.append({"year": n["year"], "narrative": n["id"], "from": [f["id"] for f in previous["focus"]], "to": ids})
        if ids:
            previous = n

    per_period: dict[int, Counter] = {}
    binding_of: dict[str, str | None] = {}
    for c in g.nodes_of_kind("constraint"):
        binding_of[g.ids[c]] = g.bindings.get(c)
        for b in breakthroughs(g, c):
            if b.year is None:
                result.undated += 1
                continue
            per_period.setdefault(b.year - b.year % bucket_years, Counter())[g.ids[c]] += 1
    if per_period:
        first, last = min(per_period), max(per_period)
        for start in range(first, last + 1, bucket_years):
            end = start + bucket_years - 1
            counts = per_period.get(start, Counter())
            total = sum(counts.values())
            top = max(counts.values(), default=0)
            in_force = [n for n in dated if n["year"] <= end and not any(m["year"] <= start and m["year"] > n["year"] for m in dated)]
            hard = sum(k for c, k in counts.items() if binding_of.get(c) == "hard")
            leverage = sum(k for c, k in counts.items() if binding_of.get(c) == "leverage")
            result.periods.append(
                {
                    "start": start,
                    "end": end,
                    "narratives": [n["id"] for n in in_force],
                    "focus": sorted({f["id"] for n in in_force for f in n["focus"]}),
                    "relaxes": dict(sorted(counts.items(), key=lambda ck: (-ck[1], ck[0]))),
                    "total": total,
                    "most_relaxed": sorted(c for c, k in counts.items() if k == top) if total else [],
                    "hard_share": round(hard / total, 3) if total else None,
                    "leverage_share": round(leverage / total, 3) if total else None,
                }
            )
    return result
