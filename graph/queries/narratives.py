"""How the narratives shifted: the constraint in focus per period, and the
narratives with the papers that triggered them.

A period is `bucket_years` long and starts at a multiple of it (2010-2014,
2015-2019 ...). In each, the relaxes edges (dated by the edge's year, or the
source's year) are counted per constraint; the constraint in focus is the one
relaxed most (ties: all of them, by id), and the hard/leverage shares tell
whether progress came from moving hard limits or from getting more out of them.

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "paper:alexnet", "year": 2012}, {"id": "narrative:dl-works", "year": 2012}],
...     [{"source_id": "paper:alexnet", "relation": "triggered", "target_id": "narrative:dl-works"}])
>>> [(n["id"], [t["id"] for t in n["triggers"]]) for n in narrative_shifts(g).narratives]
[('narrative:dl-works', ['paper:alexnet'])]
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
    """`periods`: per period the relaxes counts per constraint, the focus and
    the hard/leverage shares; `narratives`: in order of year, each with its
    triggers; `focus_changes`: the periods where the focus moved. Iterating
    gives the narratives."""

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
    """Narratives with their trigger papers in order of year, and the
    constraint in focus per `bucket_years` period with the points where it
    changed."""
    if bucket_years < 1:
        raise InvalidInput(f"bucket_years must be 1 or more, got {bucket_years}")
    result = NarrativeShifts(bucket_years=bucket_years)

    per_period: dict[int, Counter] = {}
    binding_of: dict[str, str | None] = {}
    for c in g.nodes_of_kind("constraint"):
        binding_of[g.ids[c]] = g.bindings.get(c)
        for b in breakthroughs(g, c):
            if b.year is None:
                result.undated += 1
                continue
            per_period.setdefault(b.year - b.year % bucket_years, Counter())[g.ids[c]] += 1
    previous_focus: list[str] | None = None
    if per_period:
        first, last = min(per_period), max(per_period)
        for start in range(first, last + 1, bucket_years):
            counts = per_period.get(start, Counter())
            total = sum(counts.values())
            top = max(counts.values(), default=0)
            focus = sorted(c for c, k in counts.items() if k == top) if total else []
            hard = sum(k for c, k in counts.items() if binding_of.get(c) == "hard")
            leverage = sum(k for c, k in counts.items() if binding_of.get(c) == "leverage")
            result.periods.append(
                {
                    "start": start,
                    "end": start + bucket_years - 1,
                    "relaxes": dict(sorted(counts.items(), key=lambda ck: (-ck[1], ck[0]))),
                    "total": total,
                    "focus": focus,
                    "hard_share": round(hard / total, 3) if total else None,
                    "leverage_share": round(leverage / total, 3) if total else None,
                }
            )
            if focus and previous_focus is not None and focus != previous_focus:
                result.focus_changes.append({"period": start, "from": previous_focus, "to": focus})
            if focus:
                previous_focus = focus

    for n in g.nodes_of_kind("narrative"):
        triggers = []
        for fact in g.facts(g.incident(n, relation="triggered", direction="in")):
            s = g.index[fact.source]
            triggers.append(
                {"id": fact.source, "name": g.names[s], "kind": g.kinds[s], "year": fact.year if fact.year is not None else g.years[s], "note": fact.note, "provenance": fact.provenance}
            )
        triggers.sort(key=lambda t: (t["year"] is None, t["year"] or 0, t["id"]))
        year = g.years[n]
        if year is None:
            year = next((t["year"] for t in triggers if t["year"] is not None), None)
        result.narratives.append({"id": g.ids[n], "name": g.names[n], "year": year, "triggers": triggers})
    result.narratives.sort(key=lambda x: (x["year"] is None, x["year"] or 0, x["id"]))
    return result
